// Bundles the preload into one CommonJS file: Electron's sandboxed preloads cannot load ES modules
// or require anything but a few built-ins, so the contract (and zod) must be inlined.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: ['electron/preload/preload.ts'],
  outfile: 'dist/electron/preload/preload.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  external: ['electron'],
  // The contract pulls in zod; minifying keeps the preload every window parses small.
  minify: true,
  sourcemap: true,
  logLevel: 'info',
});
