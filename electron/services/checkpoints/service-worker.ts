/**
 * Starts a worker thread for model work (tfjs inference, export) so the host's event loop — the
 * Electron main process — never blocks on it.
 *
 * Compiled builds run the sibling `.js` entry directly. From the TypeScript sources (development,
 * tests) Node 20 workers do not reliably inherit tsx's module hooks, so a tiny bootstrap registers
 * tsx in the worker first (the same trick as trainer/data/loader/batch-loader.ts).
 */
import { Worker } from 'node:worker_threads';

/**
 * `entry` is the worker module's URL without extension, e.g.
 * `new URL('./export-worker', import.meta.url).href`.
 */
export function startServiceWorker(entry: string, workerData?: unknown): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  if (!fromSources) return new Worker(new URL(`${entry}.js`), { workerData });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(`${entry}.ts`)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
