// Where the compiled pieces sit relative to this file (dist/electron/main/main.js), both in a
// checkout and inside the packaged app.asar.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const mainDir = path.dirname(fileURLToPath(import.meta.url));

export const appPaths = {
  /** Bundled to CommonJS by build/scripts/bundle-preload.mjs: sandboxed preloads cannot be ES modules. */
  preload: path.join(mainDir, '..', 'preload', 'preload.cjs'),
  rendererIndex: path.join(mainDir, '..', '..', 'renderer', 'index.html'),
  rendererDir: path.join(mainDir, '..', '..', 'renderer'),
} as const;
