/**
 * The `random` dataset: deterministic pairs of views built from smooth random
 * images, for smoke tests, benchmarks and trying the trainer before a real
 * dataset is indexed. Images depend only on (seed, epoch, index), so a resumed
 * run sees exactly the batches it would have seen.
 *
 * View 1 is the base image; view 2 is its mirror with a brightness/contrast
 * change — enough shared content that the BYOL-style objectives can learn.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Virtual size of the random dataset (images per epoch). */
export const RANDOM_DATASET_SIZE = 2048;

export interface ViewPair {
  view1: tf.Tensor4D;
  view2: tf.Tensor4D;
}

export interface BatchPosition {
  seed: number;
  epoch: number;
  iterationInEpoch: number;
}

/** A batch of view pairs, [B, size, size, 3] each, roughly zero-mean unit-variance. */
export function randomViewPairBatch(position: BatchPosition, batchSize: number, imageSize: number): ViewPair {
  return tf.tidy(() => {
    const seed = mixSeed(position.seed, position.epoch, position.iterationInEpoch);
    const coarse = Math.max(2, Math.round(imageSize / 8));
    const low = tf.randomNormal([batchSize, coarse, coarse, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
    const base = tf.image.resizeBilinear(low, [imageSize, imageSize], true) as tf.Tensor4D;
    const gain = tf.randomUniform([batchSize, 1, 1, 1], 0.6, 1.4, 'float32', seed + 1);
    const shift = tf.randomUniform([batchSize, 1, 1, 1], -0.4, 0.4, 'float32', seed + 2);
    const view2 = tf.add(tf.mul(tf.image.flipLeftRight(base), gain), shift) as tf.Tensor4D;
    return { view1: base, view2 };
  });
}

function mixSeed(seed: number, epoch: number, iteration: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const v of [epoch, iteration]) {
    h = Math.imul(h ^ v, 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
  }
  return h % 2147483647;
}
