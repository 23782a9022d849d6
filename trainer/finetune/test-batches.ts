/**
 * Every image of the test split exactly once, with the §7.1 test transform, in batches.
 *
 * The full batches come from a BatchLoader (worker threads, prefetch); its epoch order drops the
 * last incomplete batch, so those few remaining images are produced in-process afterwards.
 * Metrics do not depend on the order; the order is fixed (seed 0), so the loss sum is too.
 */
import { BatchLoader } from '../data/loader/batch-loader.js';
import { createSampleProducer, type SampleProducer } from '../data/loader/sample-producer.js';
import type { SkippedSample } from '../data/loader/batch-spec.js';
import type { LabelledSplit } from './finetune-data.js';

const TEST_TRANSFORM = { kind: 'finetune-test' } as const;
const EVAL_ORDER_SEED = 0;

export interface TestBatch {
  /** NHWC float32, `count` images. */
  images: Float32Array;
  labels: Int32Array;
  count: number;
  skipped: SkippedSample[];
}

export interface TestBatchesOptions {
  split: LabelledSplit;
  batchSize: number;
  imageSize: number;
  workers: number;
}

export class TestBatches {
  private producer: SampleProducer | undefined;

  private constructor(
    private readonly options: TestBatchesOptions,
    private readonly loader: BatchLoader | undefined,
  ) {}

  static async open(options: TestBatchesOptions): Promise<TestBatches> {
    const { split, batchSize, imageSize, workers } = options;
    const loader =
      split.size >= batchSize
        ? await BatchLoader.open({ dataset: split.spec, transform: TEST_TRANSFORM, datasetSize: split.size, batchSize, imageSize, seed: EVAL_ORDER_SEED, workers })
        : undefined;
    return new TestBatches(options, loader);
  }

  get size(): number {
    return this.options.split.size;
  }

  async *batches(): AsyncGenerator<TestBatch> {
    const { split, batchSize, imageSize } = this.options;
    let covered = 0;
    if (this.loader !== undefined) {
      for await (const b of this.loader.epoch(0)) {
        covered += b.labels.length;
        yield { images: b.view1, labels: b.labels, count: b.labels.length, skipped: b.skipped };
      }
    }
    const rest = this.loader !== undefined ? Array.from(this.loader.order.epochPermutation(0).subarray(covered)) : Array.from({ length: split.size }, (_, i) => i);
    for (let start = 0; start < rest.length; start += batchSize) {
      this.producer ??= await createSampleProducer(split.spec, TEST_TRANSFORM);
      const indices = rest.slice(start, start + batchSize);
      const b = await this.producer.produce({ epoch: 0, iteration: 0, indices, imageSize, seed: EVAL_ORDER_SEED });
      yield { images: b.view1, labels: b.labels, count: indices.length, skipped: b.skipped };
    }
  }

  async close(): Promise<void> {
    await this.loader?.close();
    await this.producer?.close();
  }
}
