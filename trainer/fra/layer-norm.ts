/**
 * `nn.LayerNorm(d)` over the last axis: γ = 1, β = 0, eps 1e-5 (fra-spec §1.4, §6.4), biased
 * variance like PyTorch. Used by the DETR decoder layers (`norm1/2/3`) and the decoder's final
 * `norm`. The names `weight`/`bias` keep LARS semantics right: the γ contains no 'bn', so LARS
 * adapts and decays it (fra-spec §9.12); the β is excluded as a 'bias'.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../nn/module.js';

export class LayerNorm extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly eps: number;

  constructor(normalizedShape: number, options: { eps?: number } = {}) {
    super();
    this.eps = options.eps ?? 1e-5;
    this.weight = this.registerParameter('weight', tf.ones([normalizedShape]));
    this.bias = this.registerParameter('bias', tf.zeros([normalizedShape]));
  }

  forward<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const last = x.rank - 1;
      const centred = tf.sub(x, tf.mean(x, last, true));
      const variance = tf.mean(tf.square(centred), last, true);
      return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, this.eps))), this.weight), this.bias) as T;
    });
  }
}
