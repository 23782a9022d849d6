/**
 * The host's handle on the heatmap worker thread: started on first use, restarted after a crash
 * (every request in flight then fails with a clear message), and referenced only while requests
 * are in flight, so an idle worker never keeps a process alive.
 */
import type { Worker } from 'node:worker_threads';
import { ApiError } from '../../contract/api-error.js';
import { startServiceWorker } from '../service-worker.js';
import type { HeatmapItemOutcome, WorkerImageSource, WorkerReply, WorkerRequest } from './heatmap-protocol.js';

interface Pending {
  onItem?: (index: number, outcome: HeatmapItemOutcome) => void;
  resolve: (reply: WorkerReply) => void;
  reject: (error: Error) => void;
}

export class HeatmapWorkerClient {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  /** Runs the model of one checkpoint on `items`; `onItem` hears each result as it is ready. */
  async compute(checkpointPath: string, expectedSha256: string, items: WorkerImageSource[], onItem: (index: number, outcome: HeatmapItemOutcome) => void): Promise<void> {
    // Hand over upload bytes without copying — only buffers they own whole (never a Buffer pool slab).
    const transfer = items.flatMap((item) =>
      item.kind === 'bytes' && item.bytes.byteOffset === 0 && item.bytes.byteLength === item.bytes.buffer.byteLength ? [item.bytes.buffer as ArrayBuffer] : [],
    );
    await this.request((id) => ({ type: 'compute', id, checkpointPath, expectedSha256, items }), transfer, onItem);
  }

  async syntheticThumbnails(indices: number[]): Promise<{ index: number; thumbnail: string }[]> {
    const reply = await this.request((id) => ({ type: 'samples', id, indices }), []);
    if (reply.type !== 'samples') throw new Error(`heatmap worker answered a samples request with ${reply.type}`);
    return reply.samples;
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new ApiError({ code: 'closing', message: 'FRA Workbench is closing; the heatmaps were not computed.' }));
    await worker?.terminate();
  }

  private request(make: (id: number) => WorkerRequest, transfer: ArrayBuffer[], onItem?: Pending['onItem']): Promise<WorkerReply> {
    if (this.closed) return Promise.reject(new ApiError({ code: 'closing', message: 'FRA Workbench is closing; the heatmaps were not computed.' }));
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...(onItem !== undefined ? { onItem } : {}) });
      worker.ref();
      worker.postMessage(make(id), transfer);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = startServiceWorker(new URL('./heatmap-worker', import.meta.url).href);
    worker.on('message', (reply: WorkerReply) => this.receive(reply));
    const lost = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failAll(
        new ApiError({
          code: 'heatmaps-failed',
          message: `The heatmap worker stopped unexpectedly (${why}).`,
          hint: 'Try again. If it keeps happening, the model may need more memory than is free: close other apps or compare smaller models.',
        }),
      );
    };
    worker.on('error', (error) => lost(error.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    this.worker = worker;
    return worker;
  }

  private receive(reply: WorkerReply): void {
    const pending = this.pending.get(reply.id);
    if (pending === undefined) return;
    if (reply.type === 'item') {
      pending.onItem?.(reply.index, reply.outcome);
      return;
    }
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (reply.type === 'failed') pending.reject(new ApiError(reply.error));
    else pending.resolve(reply);
  }

  private failAll(error: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const pending of all) pending.reject(error);
  }
}
