#!/usr/bin/env node
// `fra-workbench serve [--port N] [--host H] [--token T] [--workspace DIR]`: the workbench UI in a browser.
// In a source checkout (TypeScript sources + tsx present) run the sources, so a stale dist/ is never used;
// in an installed/packaged app run the compiled dist/.
import { existsSync } from 'node:fs';

const source = new URL('../electron/server/cli.ts', import.meta.url);
const compiled = new URL('../dist/electron/server/cli.js', import.meta.url);
let tsx;
try {
  tsx = existsSync(source) ? await import('tsx/esm/api') : undefined;
} catch {
  tsx = undefined;
}
let cli;
if (tsx) {
  tsx.register();
  cli = await import(source.href);
} else {
  cli = await import(compiled.href);
}
await cli.main(process.argv.slice(2));
