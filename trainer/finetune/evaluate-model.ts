/**
 * Runs a classifier over the whole test split in eval mode (batch norm on running statistics)
 * and returns the report metrics (evaluation.ts). The model's train/eval mode is restored after.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FinetuneModel } from './classifier-model.js';
import { ConfusionAccumulator, type ClassificationMetrics } from './evaluation.js';
import type { TestBatches } from './test-batches.js';

export async function evaluateClassifier(
  model: FinetuneModel,
  batches: TestBatches,
  classNames: readonly string[],
  imageSize: number,
  onSkipped: (item: string, reason: string) => void = () => undefined,
): Promise<ClassificationMetrics> {
  if (classNames.length !== model.numClasses) throw new Error(`${classNames.length} class names for a ${model.numClasses}-class model`);
  const wasTraining = model.backbone.training;
  model.backbone.setTraining(false);
  const accumulator = new ConfusionAccumulator(classNames);
  try {
    for await (const batch of batches.batches()) {
      for (const s of batch.skipped) onSkipped(s.item, s.reason);
      const logits = tf.tidy(() => model.logits(tf.tensor4d(batch.images, [batch.count, imageSize, imageSize, 3])).dataSync() as Float32Array);
      accumulator.add(logits, batch.labels, batch.count);
      // Decoding is asynchronous; give host messages (pause/stop) a turn between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    model.backbone.setTraining(wasTraining);
  }
  return accumulator.metrics();
}
