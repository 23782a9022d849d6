/**
 * SGD with momentum exactly as torch.optim.SGD (dampening 0, no Nesterov), which `main_fer.py`
 * uses with `--optimizer sgd` (fra-spec §5.2; its default and the linear-probe setting §7.1):
 *
 *   d = g + wd·w                      (L2 weight decay folded into the gradient)
 *   buf = d on the first step, then μ·buf + d
 *   w ← w − lr·buf
 *
 * Unlike LARS (trainer/fra/lars.ts) the learning rate multiplies the buffer, not the step, so a
 * changing lr rescales the whole accumulated momentum, as in torch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { collectUpdates, requireFiniteNonNegative, StateBuffers, type FinetuneOptimizer, type ParameterGroup } from './optimizer.js';

export interface SgdOptions {
  /** `--momentum` (0.9 in the reference). */
  momentum: number;
  /** `--wd`, on every parameter (fra-spec §5.2). */
  weightDecay: number;
}

export class Sgd implements FinetuneOptimizer {
  readonly kind = 'sgd';
  readonly momentum: number;
  readonly weightDecay: number;
  private readonly buffers = new StateBuffers('momentum_buffer');

  constructor(options: SgdOptions) {
    this.momentum = options.momentum;
    this.weightDecay = options.weightDecay;
    requireFiniteNonNegative('SGD', 'momentum', this.momentum);
    requireFiniteNonNegative('SGD', 'weight decay', this.weightDecay);
  }

  step(groups: readonly ParameterGroup[], grads: ReadonlyMap<string, tf.Tensor>): void {
    const updates = collectUpdates('SGD', groups, grads);
    tf.tidy(() => {
      for (const { name, variable, gradient, learningRate } of updates) {
        const d = this.weightDecay === 0 ? gradient : tf.add(gradient, tf.mul(variable, this.weightDecay));
        let direction = d;
        if (this.momentum !== 0) {
          const previous = this.buffers.get(name);
          direction = previous === undefined ? tf.clone(d) : tf.add(tf.mul(previous, this.momentum), d);
          this.buffers.set(name, direction);
        }
        variable.assign(tf.sub(variable, tf.mul(direction, learningRate)));
      }
    });
  }

  getState(): Map<string, tf.Tensor> {
    return new Map(this.buffers.entries());
  }

  setState(state: ReadonlyMap<string, tf.Tensor>): void {
    this.buffers.restore(state);
  }

  dispose(): void {
    this.buffers.dispose();
  }
}
