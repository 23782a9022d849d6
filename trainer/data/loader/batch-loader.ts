/**
 * Produces batches ahead of the trainer on worker threads, with a bounded
 * prefetch queue, in exactly the order EpochOrder defines — so the GPU (or
 * the single wasm thread) never waits for images and a resumed run sees the
 * same batches. `workers: 0` produces in-process (debugging, tiny runs).
 */
import { Worker } from 'node:worker_threads';
import type { BatchBuffers, BatchRequest, DatasetSpec, TransformSpec } from './batch-spec.js';
import { EpochOrder } from './epoch-order.js';
import { createSampleProducer, type SampleProducer } from './sample-producer.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

export interface BatchLoaderOptions {
  dataset: DatasetSpec;
  transform: TransformSpec;
  datasetSize: number;
  batchSize: number;
  imageSize: number;
  seed: number;
  trainPercent?: number;
  /** Worker threads producing batches (0: in-process). */
  workers: number;
  /** Batches in flight or ready ahead of the consumer. */
  prefetch?: number;
}

interface Pending {
  resolve: (b: BatchBuffers) => void;
  reject: (e: Error) => void;
}

export class BatchLoader {
  readonly order: EpochOrder;
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private inProcess: SampleProducer | undefined;
  private nextRequestId = 0;
  private closed = false;
  private requestedBatches = 0;

  private constructor(private readonly options: BatchLoaderOptions) {
    this.order = new EpochOrder(options.datasetSize, options.batchSize, options.seed, options.trainPercent ?? 1);
  }

  static async open(options: BatchLoaderOptions): Promise<BatchLoader> {
    const loader = new BatchLoader(options);
    if (loader.order.iterationsPerEpoch < 1) {
      throw new Error(
        `batch size ${options.batchSize} is larger than the ${loader.order.subset.length} usable images selected for training ` +
          '(lower the batch size or raise --train-percent)',
      );
    }
    await loader.start();
    return loader;
  }

  get iterationsPerEpoch(): number {
    return this.order.iterationsPerEpoch;
  }

  /** Batches requested from producers so far (to observe the prefetch bound). */
  get batchesRequested(): number {
    return this.requestedBatches;
  }

  /** Batches of `epoch` from `fromIteration` on, in order, `prefetch` ahead. */
  async *epoch(epoch: number, fromIteration = 0): AsyncGenerator<BatchBuffers> {
    const permutation = this.order.epochPermutation(epoch);
    const depth = Math.max(1, this.options.prefetch ?? Math.max(2, this.workers.length * 2));
    const queue: Promise<BatchBuffers>[] = [];
    let next = fromIteration;
    const enqueue = () => {
      while (queue.length < depth && next < this.order.iterationsPerEpoch) {
        const iteration = next++;
        const request: BatchRequest = {
          epoch,
          iteration,
          indices: Array.from(this.order.batch(permutation, iteration)),
          imageSize: this.options.imageSize,
          seed: this.options.seed,
        };
        const produced = this.produce(request, iteration);
        produced.catch(() => undefined); // awaited in order below; avoid unhandled-rejection noise meanwhile
        queue.push(produced);
      }
    };
    enqueue();
    while (queue.length > 0) {
      const batch = await queue.shift()!;
      enqueue();
      yield batch;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new Error('loader closed'));
    this.pending.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
    await this.inProcess?.close();
  }

  private async start(): Promise<void> {
    const { dataset, transform, workers } = this.options;
    if (workers <= 0) {
      this.inProcess = await createSampleProducer(dataset, transform);
      return;
    }
    const ready: Promise<void>[] = [];
    for (let i = 0; i < workers; i++) {
      const worker = spawnLoaderWorker({ dataset, transform });
      this.workers.push(worker);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const onMessage = (reply: WorkerReply) => {
            if (reply.type === 'ready') resolve();
            else if (reply.type === 'fatal') reject(new Error(reply.message));
            else this.settle(reply);
          };
          worker.on('message', onMessage);
          worker.once('error', (error) => {
            reject(error);
            this.failAll(new Error(`data loader worker crashed: ${error.message}`));
          });
          worker.once('exit', (code) => {
            if (!this.closed && code !== 0) this.failAll(new Error(`data loader worker exited with code ${code}`));
          });
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  private produce(request: BatchRequest, iteration: number): Promise<BatchBuffers> {
    this.requestedBatches++;
    if (this.inProcess) return this.inProcess.produce(request);
    const id = this.nextRequestId++;
    const worker = this.workers[iteration % this.workers.length]!;
    return new Promise<BatchBuffers>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ type: 'batch', id, request } satisfies WorkerRequest);
    });
  }

  private settle(reply: WorkerReply): void {
    if (reply.type !== 'batch' && reply.type !== 'error') return;
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (reply.type === 'batch') p.resolve(reply.batch);
    else p.reject(new Error(reply.message));
  }

  private failAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}

/**
 * Compiled builds run loader-worker.js directly. From TypeScript sources
 * (tsx, development and tests) Node 20 workers do not reliably inherit tsx's
 * module hooks, so a tiny bootstrap registers tsx in the worker first.
 */
function spawnLoaderWorker(workerData: { dataset: DatasetSpec; transform: TransformSpec }): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./loader-worker.js', import.meta.url), { workerData });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./loader-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
