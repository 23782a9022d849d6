/**
 * Weight initialisers matching PyTorch's, in our layouts (fra-spec §1, §9.19).
 * All draws come from a seeded generator so a run is reproducible from its seed.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SeedSequence } from './seed.js';

/** kaiming_normal_(mode='fan_out', nonlinearity='relu'): std = √(2 / fan_out). fan_out = O·kh·kw. */
export function kaimingNormalFanOut(shape: number[], fanOut: number, seeds: SeedSequence): tf.Tensor {
  return tf.randomNormal(shape, 0, Math.sqrt(2 / fanOut), 'float32', seeds.next());
}

/** PyTorch's default Linear/Conv init for weights: kaiming_uniform_(a=√5) ⇒ U(±1/√fan_in). */
export function torchDefaultUniform(shape: number[], fanIn: number, seeds: SeedSequence): tf.Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.randomUniform(shape, -bound, bound, 'float32', seeds.next());
}

/** kaiming_uniform_(a): bound = √(6 / ((1 + a²)·fan_in)). */
export function kaimingUniform(shape: number[], fanIn: number, a: number, seeds: SeedSequence): tf.Tensor {
  const bound = Math.sqrt(6 / ((1 + a * a) * fanIn));
  return tf.randomUniform(shape, -bound, bound, 'float32', seeds.next());
}

/** xavier_uniform_: bound = √(6 / (fan_in + fan_out)). */
export function xavierUniform(shape: number[], fanIn: number, fanOut: number, seeds: SeedSequence): tf.Tensor {
  const bound = Math.sqrt(6 / (fanIn + fanOut));
  return tf.randomUniform(shape, -bound, bound, 'float32', seeds.next());
}

export function standardNormal(shape: number[], seeds: SeedSequence): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seeds.next());
}
