/**
 * The host side of one image worker thread: started on first use, one request map, and every
 * pending request rejected (never left hanging) if the thread dies. The thread is unref'd while
 * idle, so an idle worker never keeps the host process alive.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerJob, WorkerReply, WorkerRequest } from './image-worker-protocol.js';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onProgress: ((done: number, total: number) => void) | undefined;
}

export interface WorkerRequestOptions {
  onProgress?: (done: number, total: number) => void;
  /** Aborting terminates the thread (its other requests fail too): use a dedicated client for abortable work. */
  signal?: AbortSignal;
}

export class ImageWorkerClient {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  request<T>(job: WorkerJob, options: WorkerRequestOptions = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the image worker is closed'));
    options.signal?.throwIfAborted();
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        void this.terminate(options.signal?.reason instanceof Error ? options.signal.reason : abortError());
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const settle = <A extends unknown[]>(fn: (...args: A) => void) =>
        (...args: A): void => {
          options.signal?.removeEventListener('abort', onAbort);
          this.pending.delete(id);
          if (this.pending.size === 0) this.worker?.unref();
          fn(...args);
        };
      this.pending.set(id, { resolve: settle(resolve as (value: unknown) => void), reject: settle(reject), onProgress: options.onProgress });
      worker.ref();
      worker.postMessage({ id, job } satisfies WorkerRequest);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.terminate(new Error('the image worker was closed'));
  }

  private async terminate(reason: Error): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.failAll(reason);
    if (worker) await worker.terminate();
  }

  private failAll(reason: Error): void {
    for (const pending of [...this.pending.values()]) pending.reject(reason);
    this.pending.clear();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = spawnImageWorker();
    worker.on('message', (reply: WorkerReply) => {
      const pending = this.pending.get(reply.id);
      if (!pending) return;
      if (reply.type === 'progress') pending.onProgress?.(reply.done, reply.total);
      else if (reply.type === 'done') pending.resolve(reply.result);
      else pending.reject(new Error(reply.message));
    });
    worker.on('error', (error) => {
      if (this.worker === worker) this.worker = null;
      this.failAll(new Error(`the image worker failed: ${error.message}`));
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.failAll(new Error(`the image worker stopped unexpectedly (exit code ${code})`));
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

function abortError(): Error {
  const error = new Error('the operation was aborted');
  error.name = 'AbortError';
  return error;
}

/**
 * Compiled builds run image-worker.js directly. From TypeScript sources (tsx in development and
 * tests, Vitest) workers do not inherit the TypeScript loader, so a tiny bootstrap registers tsx
 * in the worker first (the same approach as trainer/data/loader/batch-loader.ts).
 */
function spawnImageWorker(): Worker {
  // Paths are built with join rather than `new URL('./x', import.meta.url)`, which Vite (Vitest) rewrites as an asset URL.
  const here = dirname(fileURLToPath(import.meta.url));
  if (!import.meta.url.endsWith('.ts')) return new Worker(join(here, 'image-worker.js'));
  const entry = pathToFileURL(join(here, 'image-worker.ts')).href;
  const bootstrap = `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true });
}

/** tsx's ESM API. Vitest's module runner has no import.meta.resolve; Node's resolver finds the same file by path. */
function tsxEsmApi(): string {
  if (typeof import.meta.resolve === 'function') return import.meta.resolve('tsx/esm/api');
  const commonJsEntry = createRequire(import.meta.url).resolve('tsx/esm/api');
  return pathToFileURL(commonJsEntry.replace(/index\.cjs$/, 'index.mjs')).href;
}
