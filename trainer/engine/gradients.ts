/**
 * Registers tfjs's op gradients (see build/scripts/bundle-tfjs-gradients.mjs
 * for why they come from a generated bundle). Safe to call many times.
 */
import '@tensorflow/tfjs-core'; // the engine must exist before the bundle registers into it
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const BUNDLE = './generated/tfjs-gradients.cjs';
let loaded = false;

export function ensureGradientsRegistered(): void {
  if (loaded) return;
  const path = new URL(BUNDLE, import.meta.url);
  if (!existsSync(path)) {
    throw new Error(
      `tfjs gradient definitions are missing (${path.pathname}). ` +
        'They are generated on `npm install`; run `npm run build:gradients` to create them.',
    );
  }
  require(BUNDLE);
  loaded = true;
}
