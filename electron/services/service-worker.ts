/**
 * Starts a worker thread for a service's heavy work (decode, inference, export, generation) so the
 * host's event loop — the Electron main process — never blocks on it. Every service uses this one
 * function to start its workers.
 *
 * Compiled builds run the sibling `.js` entry directly. From the TypeScript sources (development,
 * tests, Vitest) Node 20 workers do not reliably inherit tsx's module hooks, so a tiny bootstrap
 * registers tsx in the worker first (the same trick as trainer/data/loader/batch-loader.ts).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * `entry` is the worker module's file URL without extension, e.g.
 * `new URL('./export-worker', import.meta.url).href` (or, where Vite would rewrite `new URL`,
 * `pathToFileURL(join(here, 'image-worker')).href`).
 */
export function startServiceWorker(entry: string, workerData?: unknown): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  if (!fromSources) return new Worker(new URL(`${entry}.js`), { workerData });
  const bootstrap = `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(`${entry}.ts`)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/** tsx's ESM API. Vitest's module runner has no import.meta.resolve; Node's resolver finds the same file by path. */
function tsxEsmApi(): string {
  if (typeof import.meta.resolve === 'function') return import.meta.resolve('tsx/esm/api');
  const commonJsEntry = createRequire(import.meta.url).resolve('tsx/esm/api');
  return pathToFileURL(commonJsEntry.replace(/index\.cjs$/, 'index.mjs')).href;
}
