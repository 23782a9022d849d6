#!/usr/bin/env node
// `fra-workbench serve [--port N] [--host H] [--token T] [--workspace DIR]`: the workbench UI in a browser.
// Runs the compiled server when the project has been built, else the TypeScript sources via tsx.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/electron/server/cli.js', import.meta.url);
let cli;
if (existsSync(compiled)) {
  cli = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('../electron/server/cli.ts', import.meta.url).href);
}
await cli.main(process.argv.slice(2));
