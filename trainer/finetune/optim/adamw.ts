/**
 * AdamW exactly as torch.optim.AdamW (amsgrad off), which the FRA fine-tuning seed command uses
 * (fra-spec §7.1: betas 0.9/0.999, wd 0.05 on every parameter, BN and biases included):
 *
 *   w ← w·(1 − lr·wd)                       decoupled weight decay, before the moments
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   w ← w − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps)
 *
 * `t` counts steps from 1. torch keeps one count per parameter; here every parameter of the
 * groups gets a gradient on every step, so a single count is the same number (a parameter
 * skipped for lack of a gradient would drift from torch; the loop never does that).
 */
import * as tf from '@tensorflow/tfjs-core';
import { collectUpdates, requireFiniteNonNegative, StateBuffers, type FinetuneOptimizer, type ParameterGroup } from './optimizer.js';

export interface AdamWOptions {
  /** `--wd` (0.05 in the FRA seed command). */
  weightDecay: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export const ADAMW_STEP_KEY = 'step';

export class AdamW implements FinetuneOptimizer {
  readonly kind = 'adamw';
  readonly weightDecay: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private readonly expAvg = new StateBuffers('exp_avg');
  private readonly expAvgSq = new StateBuffers('exp_avg_sq');
  private steps = 0;

  constructor(options: AdamWOptions) {
    this.weightDecay = options.weightDecay;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    requireFiniteNonNegative('AdamW', 'weight decay', this.weightDecay);
    for (const [what, beta] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(beta >= 0 && beta < 1)) throw new RangeError(`AdamW: ${what} must be in [0, 1), got ${beta}`);
    }
    requireFiniteNonNegative('AdamW', 'eps', this.eps);
  }

  /** Steps taken so far (torch's `state['step']`). */
  get stepCount(): number {
    return this.steps;
  }

  step(groups: readonly ParameterGroup[], grads: ReadonlyMap<string, tf.Tensor>): void {
    const updates = collectUpdates('AdamW', groups, grads);
    const t = this.steps + 1;
    // Bias corrections in float64 on the JS side, as torch computes them in Python floats.
    const biasCorrection1 = 1 - this.beta1 ** t;
    const biasCorrection2Sqrt = Math.sqrt(1 - this.beta2 ** t);
    tf.tidy(() => {
      for (const { name, variable, gradient, learningRate } of updates) {
        const decayed = this.weightDecay === 0 ? variable : tf.mul(variable, 1 - learningRate * this.weightDecay);
        const m0 = this.expAvg.get(name);
        const v0 = this.expAvgSq.get(name);
        const m = tf.add(m0 === undefined ? tf.zerosLike(gradient) : tf.mul(m0, this.beta1), tf.mul(gradient, 1 - this.beta1));
        const v = tf.add(v0 === undefined ? tf.zerosLike(gradient) : tf.mul(v0, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2));
        const denominator = tf.add(tf.div(tf.sqrt(v), biasCorrection2Sqrt), this.eps);
        const stepSize = learningRate / biasCorrection1;
        variable.assign(tf.sub(decayed, tf.mul(tf.div(m, denominator), stepSize)));
        this.expAvg.set(name, m);
        this.expAvgSq.set(name, v);
      }
    });
    this.steps = t;
  }

  getState(): Map<string, tf.Tensor> {
    const state = new Map<string, tf.Tensor>([...this.expAvg.entries(), ...this.expAvgSq.entries()]);
    if (this.steps > 0) state.set(ADAMW_STEP_KEY, this.stepTensor());
    return state;
  }

  setState(state: ReadonlyMap<string, tf.Tensor>): void {
    const step = state.get(ADAMW_STEP_KEY);
    const steps = step === undefined ? 0 : step.dataSync()[0] ?? 0;
    if (!Number.isInteger(steps) || steps < 0) throw new Error(`AdamW: saved step count ${steps} is not a non-negative integer`);
    this.expAvg.restore(state);
    this.expAvgSq.restore(state);
    this.steps = steps;
  }

  dispose(): void {
    this.expAvg.dispose();
    this.expAvgSq.dispose();
    this.stepScalar?.dispose();
    this.stepScalar = undefined;
  }

  private stepScalar: tf.Tensor | undefined;
  /** The count as a float32 scalar for checkpoints (exact up to 2^24 steps). */
  private stepTensor(): tf.Tensor {
    if (this.stepScalar === undefined || this.stepScalar.dataSync()[0] !== this.steps) {
      this.stepScalar?.dispose();
      this.stepScalar = tf.keep(tf.scalar(this.steps, 'float32'));
    }
    return this.stepScalar;
  }
}
