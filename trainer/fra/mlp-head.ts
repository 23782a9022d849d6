/**
 * "MLP1D", the projector/predictor block of FRA (fra-spec §1.3, `models/fra.py`):
 *   Conv1d(in→hid, k=1, no bias) → BN(hid) → ReLU → Conv1d(hid→out, k=1, no bias)
 * held in an `nn.Sequential` named `mlp`, so the state keys are `mlp.0.weight`,
 * `mlp.1.{weight,bias,running_mean,running_var,num_batches_tracked}` and `mlp.3.weight`
 * (index 2 is the parameter-free ReLU).
 *
 * The reference runs it on (batch, channels, L) tensors, so BN statistics are taken over
 * batch·L rows. Here callers pass those rows directly as [rows, in] — B rows for the global
 * projector, B·h·w for the per-pixel projector, B·N for the region projector — and BN
 * normalises over all of them.
 *
 * Note the BN γ is `mlp.1.weight`: it contains no 'bn', so LARS adapts and decays it
 * (fra-spec §9.12) — a consequence of the Sequential naming that must be preserved.
 */
import * as tf from '@tensorflow/tfjs-core';
import { kaimingNormalFanOut } from '../nn/init.js';
import { BatchNorm } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import type { SeedSequence } from '../nn/seed.js';

/**
 * A 1×1 Conv1d without bias = a bias-free Dense on rows. Stored [in, out] (our layout) and
 * marked 'conv1d' so it converts exactly to/from torch's (out, in, 1).
 * Init (`utils/init.py`): kaiming-normal, mode fan_out, ReLU gain ⇒ std = √(2/out).
 */
class PointwiseConv1d extends Module {
  readonly weight: tf.Variable;

  constructor(inChannels: number, outChannels: number, seeds: SeedSequence) {
    super();
    this.weight = this.registerParameter('weight', kaimingNormalFanOut([inChannels, outChannels], outChannels, seeds), 'conv1d');
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(x, this.weight as tf.Tensor2D);
  }
}

/**
 * The torch `nn.Sequential` named `mlp`: members "0" (Conv1d), "1" (BN), "3" (Conv1d);
 * "2" is the parameter-free ReLU and so has no state.
 */
class MlpSequential extends Module {
  readonly hidden: PointwiseConv1d;
  readonly norm: BatchNorm;
  readonly output: PointwiseConv1d;

  constructor(inChannels: number, hiddenChannels: number, outChannels: number, seeds: SeedSequence) {
    super();
    this.hidden = this.registerModule('0', new PointwiseConv1d(inChannels, hiddenChannels, seeds));
    this.norm = this.registerModule('1', new BatchNorm(hiddenChannels));
    this.output = this.registerModule('3', new PointwiseConv1d(hiddenChannels, outChannels, seeds));
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    return this.output.forward(tf.relu(this.norm.forward(this.hidden.forward(x))));
  }
}

export interface MlpHeadOptions {
  inChannels: number;
  hiddenChannels: number;
  outChannels: number;
  seeds: SeedSequence;
}

export class MlpHead extends Module {
  readonly inChannels: number;
  readonly hiddenChannels: number;
  readonly outChannels: number;
  private readonly mlp: MlpSequential;

  constructor(options: MlpHeadOptions) {
    super();
    const { inChannels, hiddenChannels, outChannels, seeds } = options;
    this.inChannels = inChannels;
    this.hiddenChannels = hiddenChannels;
    this.outChannels = outChannels;
    this.mlp = this.registerModule('mlp', new MlpSequential(inChannels, hiddenChannels, outChannels, seeds));
  }

  /** x: [rows, in] → [rows, out]; in train mode BN uses the statistics of all rows. */
  forward(x: tf.Tensor2D): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.inChannels) {
      throw new Error(`MlpHead expects [rows, ${this.inChannels}], got [${x.shape.join(', ')}]`);
    }
    return tf.tidy(() => this.mlp.forward(x));
  }
}
