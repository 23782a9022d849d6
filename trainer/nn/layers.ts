/**
 * The building blocks FRA needs, as modules whose member names are PyTorch's
 * (`weight`, `bias`, `running_mean`, …) so state keys line up with torch.
 * Tensors are NHWC; feature axis is always last.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchNormTraining } from './batch-norm-op.js';
import { kaimingNormalFanOut, torchDefaultUniform } from './init.js';
import { Module } from './module.js';
import type { SeedSequence } from './seed.js';

export interface Conv2dOptions {
  stride?: number;
  /** Symmetric zero padding, PyTorch semantics (fra-spec §6.4: never TF 'same'). */
  padding?: number;
  bias?: boolean;
}

/** nn.Conv2d, initialised kaiming-normal fan_out/relu as torchvision ResNets do. */
export class Conv2d extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly stride: number;
  readonly padding: number;

  constructor(inChannels: number, outChannels: number, kernelSize: number, seeds: SeedSequence, options: Conv2dOptions = {}) {
    super();
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    const fanOut = outChannels * kernelSize * kernelSize;
    this.weight = this.registerParameter(
      'weight',
      kaimingNormalFanOut([kernelSize, kernelSize, inChannels, outChannels], fanOut, seeds),
      'conv2d',
    );
    this.bias = options.bias ? this.registerParameter('bias', tf.zeros([outChannels])) : null;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const y = tf.conv2d(x, this.weight as tf.Tensor4D, this.stride, this.padding);
    return this.bias ? tf.add<typeof y>(y, this.bias) : y;
  }
}

export interface BatchNormOptions {
  eps?: number;
  /** PyTorch convention: new = (1 − m)·running + m·batch (Keras' 0.9 ≙ torch's 0.1). */
  momentum?: number;
}

/**
 * BatchNorm over every axis but the last. Covers BatchNorm2d (NHWC images)
 * and BatchNorm1d over arbitrary row sets (fra-spec §1.3: the heads normalise
 * over B, B·h·w or B·N rows, so callers pass [rows, C]).
 * Train mode: batch statistics (biased variance), running stats updated with
 * the unbiased variance like torch. Eval mode: running statistics.
 */
export class BatchNorm extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly numBatchesTracked: tf.Variable;
  readonly eps: number;
  readonly momentum: number;

  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super();
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    this.weight = this.registerParameter('weight', tf.ones([numFeatures]));
    this.bias = this.registerParameter('bias', tf.zeros([numFeatures]));
    this.runningMean = this.registerBuffer('running_mean', tf.zeros([numFeatures]));
    this.runningVar = this.registerBuffer('running_var', tf.ones([numFeatures]));
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', tf.scalar(0, 'int32'));
  }

  forward<T extends tf.Tensor>(x: T): T {
    const channels = x.shape[x.rank - 1] ?? 1;
    if (!this.training) {
      // y = x·scale + shift with scale = γ/√(var+eps): two broadcast ops, cheap to differentiate.
      const scale = tf.mul(this.weight, tf.rsqrt(tf.add(this.runningVar, this.eps)));
      const shift = tf.sub(this.bias, tf.mul(this.runningMean, scale));
      return tf.add(tf.mul(x, scale), shift) as T;
    }
    const rows = x.size / channels;
    const y = batchNormTraining(
      tf.reshape(x, [rows, channels]),
      this.weight as tf.Tensor1D,
      this.bias as tf.Tensor1D,
      this.eps,
      (stats) => this.updateRunningStatistics(stats.mean, stats.variance, rows),
    );
    return tf.reshape(y, x.shape) as T;
  }

  private updateRunningStatistics(mean: tf.Tensor, variance: tf.Tensor, rows: number): void {
    const m = this.momentum;
    const unbiased = rows > 1 ? rows / (rows - 1) : 1;
    tf.tidy(() => {
      // Variable.assign is not taped, so no gradient ever reaches running statistics.
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(variance, m * unbiased)));
      this.numBatchesTracked.assign(tf.add(this.numBatchesTracked, tf.scalar(1, 'int32')));
    });
  }
}

/** nn.Linear with PyTorch default init; weight stored [in, out]. */
export class Linear extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(inFeatures: number, outFeatures: number, seeds: SeedSequence, options: { bias?: boolean } = {}) {
    super();
    this.weight = this.registerParameter('weight', torchDefaultUniform([inFeatures, outFeatures], inFeatures, seeds), 'linear');
    this.bias = options.bias === false ? null : this.registerParameter('bias', torchDefaultUniform([outFeatures], inFeatures, seeds));
  }

  /** x: [rows, in] → [rows, out]. */
  forward(x: tf.Tensor2D): tf.Tensor2D {
    const y = tf.matMul<tf.Tensor2D>(x, this.weight as tf.Tensor2D);
    return this.bias ? tf.add<tf.Tensor2D>(y, this.bias) : y;
  }
}
