#!/usr/bin/env node
// In a source checkout (TypeScript sources + tsx present) run the sources, so a stale dist/ is never used;
// in an installed/packaged app run the compiled dist/.
import { existsSync } from 'node:fs';

const source = new URL('../trainer/cli/fra-finetune.ts', import.meta.url);
const compiled = new URL('../dist/trainer/cli/fra-finetune.js', import.meta.url);
let tsx;
try {
  tsx = existsSync(source) ? await import('tsx/esm/api') : undefined;
} catch {
  tsx = undefined;
}
if (tsx) {
  tsx.register();
  await import(source.href);
} else {
  await import(compiled.href);
}
