/**
 * What the fine-tuning loop needs from an optimiser (fra-spec §5.2: `--optimizer adamw|sgd`):
 * one update over parameter groups that share the weight decay but each have their own learning
 * rate (trunk at `--lr`, classifier at `--lr_head`), and a state that round-trips through a
 * checkpoint under PyTorch's state names (`exp_avg`, `exp_avg_sq`, `momentum_buffer`, `step`).
 *
 * Ownership: the caller owns parameters and gradients (never disposed or retained here); the
 * optimiser owns its state tensors.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A trainable tensor and its PyTorch state_dict key (`conv1.weight`, `fc.bias`, …). */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

/** torch.optim param_group: parameters updated with one learning rate. */
export interface ParameterGroup {
  params: readonly NamedVariable[];
  learningRate: number;
}

export interface FinetuneOptimizer {
  readonly kind: 'adamw' | 'sgd';
  /**
   * One update. Parameters without a gradient are skipped (their state is untouched), as torch
   * skips parameters whose `.grad` is None. Everything is validated before any variable changes.
   */
  step(groups: readonly ParameterGroup[], grads: ReadonlyMap<string, tf.Tensor>): void;
  /** State tensors by `<state name>.<parameter>` (plus `step` for AdamW); caller must not dispose. */
  getState(): Map<string, tf.Tensor>;
  /** Replaces the whole state with copies of `state` (the caller may dispose its own). */
  setState(state: ReadonlyMap<string, tf.Tensor>): void;
  dispose(): void;
}

export interface Update {
  name: string;
  variable: tf.Variable;
  gradient: tf.Tensor;
  learningRate: number;
}

/** Pairs parameters with their gradients and checks names, dtypes and shapes up front. */
export function collectUpdates(owner: string, groups: readonly ParameterGroup[], grads: ReadonlyMap<string, tf.Tensor>): Update[] {
  const seen = new Set<string>();
  const updates: Update[] = [];
  for (const group of groups) {
    requireFiniteNonNegative(owner, 'learning rate', group.learningRate);
    for (const { name, variable } of group.params) {
      if (seen.has(name)) throw new Error(`${owner}: parameter '${name}' appears twice`);
      seen.add(name);
      const gradient = grads.get(name);
      if (gradient === undefined) continue;
      if (gradient.isDisposed) throw new Error(`${owner}: gradient for '${name}' is disposed`);
      if (variable.dtype !== 'float32' || gradient.dtype !== 'float32') {
        throw new Error(`${owner}: '${name}' must be float32 (variable ${variable.dtype}, gradient ${gradient.dtype})`);
      }
      if (!tf.util.arraysEqual(variable.shape, gradient.shape)) {
        throw new Error(`${owner}: gradient shape [${gradient.shape.join(',')}] does not match parameter '${name}' [${variable.shape.join(',')}]`);
      }
      updates.push({ name, variable, gradient, learningRate: group.learningRate });
    }
  }
  return updates;
}

export function requireFiniteNonNegative(owner: string, what: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${owner}: ${what} must be a finite non-negative number, got ${value}`);
}

/** Per-parameter state tensors (`exp_avg.<name>`), kept alive across tidies. */
export class StateBuffers {
  private readonly buffers = new Map<string, tf.Tensor>();

  constructor(readonly stateName: string) {}

  get(param: string): tf.Tensor | undefined {
    return this.buffers.get(param);
  }

  /** Stores `value` (kept out of any tidy) and disposes what it replaces. */
  set(param: string, value: tf.Tensor): void {
    const previous = this.buffers.get(param);
    this.buffers.set(param, tf.keep(value));
    if (previous !== undefined && previous !== value) previous.dispose();
  }

  /** Entries as `<stateName>.<param>`. */
  entries(): [string, tf.Tensor][] {
    return [...this.buffers].map(([param, t]) => [`${this.stateName}.${param}`, t]);
  }

  /** Takes the `<stateName>.<param>` entries of a saved state (copies). */
  restore(state: ReadonlyMap<string, tf.Tensor>): void {
    const prefix = `${this.stateName}.`;
    const restored = new Map<string, tf.Tensor>();
    for (const [key, tensor] of state) {
      if (!key.startsWith(prefix)) continue;
      if (tensor.dtype !== 'float32') throw new Error(`optimizer state '${key}' has dtype ${tensor.dtype}, expected float32`);
      restored.set(key.slice(prefix.length), tf.keep(tf.clone(tensor)));
    }
    this.dispose();
    for (const [param, t] of restored) this.buffers.set(param, t);
  }

  dispose(): void {
    for (const t of this.buffers.values()) t.dispose();
    this.buffers.clear();
  }
}
