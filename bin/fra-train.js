#!/usr/bin/env node
// Runs the compiled trainer CLI when the project has been built, else the TypeScript sources via tsx.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/trainer/cli/fra-train.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../trainer/cli/fra-train.ts', import.meta.url).href);
}
