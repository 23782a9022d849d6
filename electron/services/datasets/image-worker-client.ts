/**
 * The host side of one image worker thread: started on first use, one request map, and every
 * pending request rejected (never left hanging) if the thread dies. The thread is unref'd while
 * idle, so an idle worker never keeps the host process alive.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { startServiceWorker } from '../service-worker.js';
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

function spawnImageWorker(): Worker {
  // Built with join rather than `new URL('./x', import.meta.url)`, which Vite (Vitest) rewrites as an asset URL.
  return startServiceWorker(pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'image-worker')).href);
}
