/**
 * LARS-SGD, the FRA pre-training optimiser (fra-spec §4, §9.12): the BYOL-PyTorch port that
 * FRA ships as `utils/LARS.py`, with the parameter grouping of `collect_params` in `main.py`.
 *
 * Per parameter tensor w with gradient g, learning rate lr, weight decay wd, trust η, eps 1e-8:
 *   normal group:   local = η·‖w‖ / (‖g‖ + wd·‖w‖ + eps);   d = (g + wd·w)·local·lr
 *   excluded group: local = 1 and wd = 0;                  d = g·lr
 *   momentum on the already lr-scaled step (no dampening, no Nesterov):
 *     first step buf = d, later buf = μ·buf + d;   then w ← w − buf.
 *
 * Zero norms are NOT special-cased; the formula is applied literally as the spec says:
 *   - ‖w‖ = 0 (normal group) → local = 0, d = 0: the tensor never moves (its buffer stays 0).
 *   - ‖g‖ = 0, ‖w‖ > 0 → local = η/(wd + eps/‖w‖), d = wd·w·local·lr: only the weight decay acts.
 * (Some LARS ports fall back to local = 1 in these cases; the FRA reference does not.)
 *
 * Norms and the trust ratio stay on the device as scalar tensors: nothing is downloaded to JS, so a
 * step over the ~226 ResNet-50 + head tensors does not stall on 226 GPU→CPU reads.
 *
 * Ownership: the caller owns `params` and `grads` (this class never disposes or retains a grad);
 * the optimiser owns its momentum buffers.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * A trainable tensor with its PyTorch-style state_dict key minus the DDP `module.` prefix, e.g.
 * 'online_net.backbone.bn1.weight', 'online_net.neck.proj.mlp.1.weight', 'predictor.mlp.0.weight'.
 * The name decides the LARS group (see `isExcludedFromLarsAdaptation`), so it must follow the
 * reference naming exactly.
 */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

/**
 * fra-spec §4 (`collect_params`): a parameter is excluded from weight decay AND from LARS
 * adaptation iff its name contains 'bn', 'downsample.1' or 'bias' (plain substring match, as the
 * reference). In the torchvision ResNet `downsample.1` is the shortcut BN.
 *
 * This deliberately does NOT exclude the BN γ inside the MLP heads (`mlp.1.weight`), the decoder
 * LayerNorm γ (`norm1/2/3.weight`, `decoder.norm.weight`), `query_embed.weight` or
 * `input_proj.weight`: in FRA those get LARS + wd (spec §4, §9.12). LEWEL's `collect_params`
 * additionally excludes `mlp.1` under SyncBN; FRA's released code does not, and we follow FRA.
 */
export function isExcludedFromLarsAdaptation(name: string): boolean {
  return name.includes('bn') || name.includes('downsample.1') || name.includes('bias');
}

export interface LarsOptions {
  /** `--momentum`, default 0.9 (spec §4). */
  momentum?: number;
  /** `--wd`; FRA uses 1e-6 (spec §4). Applied to the normal group only. */
  weightDecay: number;
  /** η, hard-coded 1e-3 in the reference (spec §4, §5.1). */
  trustCoefficient?: number;
  /** Added to the trust-ratio denominator, 1e-8 in the reference (spec §4). */
  eps?: number;
}

export class Lars {
  readonly momentum: number;
  readonly weightDecay: number;
  readonly trustCoefficient: number;
  readonly eps: number;
  private readonly momentumBuffers = new Map<string, tf.Tensor>();

  constructor(options: LarsOptions) {
    this.momentum = options.momentum ?? 0.9;
    this.weightDecay = options.weightDecay;
    this.trustCoefficient = options.trustCoefficient ?? 1e-3;
    this.eps = options.eps ?? 1e-8;
    requireFiniteNonNegative('momentum', this.momentum);
    requireFiniteNonNegative('weightDecay', this.weightDecay);
    requireFiniteNonNegative('trustCoefficient', this.trustCoefficient);
    requireFiniteNonNegative('eps', this.eps);
  }

  /**
   * Applies one update with the given learning rate. grads is keyed by parameter name; params
   * without a grad are skipped (like target params in the reference, whose `.grad` is None) and
   * keep their momentum buffer unchanged. Grads whose name matches no param are ignored.
   *
   * Every input is validated before any variable is touched, so a bad call leaves the model and
   * the optimiser state exactly as they were.
   */
  applyGradients(
    params: readonly NamedVariable[],
    grads: ReadonlyMap<string, tf.Tensor> | Record<string, tf.Tensor>,
    learningRate: number,
  ): void {
    requireFiniteNonNegative('learningRate', learningRate);
    const updates = this.collectUpdates(params, grads);
    const keepBuffers = this.momentum !== 0;

    tf.tidy(() => {
      const lr = tf.scalar(learningRate);
      const weightDecay = tf.scalar(this.weightDecay);
      const trust = tf.scalar(this.trustCoefficient);
      const eps = tf.scalar(this.eps);
      const momentum = tf.scalar(this.momentum);

      for (const { name, variable, gradient } of updates) {
        let step: tf.Tensor;
        if (isExcludedFromLarsAdaptation(name)) {
          step = tf.mul(gradient, lr);
        } else {
          const weightNorm = l2Norm(variable);
          const gradNorm = l2Norm(gradient);
          const denominator = tf.add(tf.add(gradNorm, tf.mul(weightDecay, weightNorm)), eps);
          const localLr = tf.div(tf.mul(trust, weightNorm), denominator);
          // Combine the two scalars first so the full-size tensor is multiplied only once.
          const scale = tf.mul(localLr, lr);
          step = tf.mul(tf.add(gradient, tf.mul(weightDecay, variable)), scale);
        }

        const previous = keepBuffers ? this.momentumBuffers.get(name) : undefined;
        const buffer = previous === undefined ? step : tf.add(tf.mul(previous, momentum), step);
        variable.assign(tf.sub(variable, buffer));

        if (keepBuffers) {
          // keep(): survive this tidy and any tidy the caller wraps around us.
          this.momentumBuffers.set(name, tf.keep(buffer));
          previous?.dispose();
        }
      }
    });
  }

  /** Momentum buffers by parameter name, for checkpoints (caller must not dispose). */
  getState(): Map<string, tf.Tensor> {
    return new Map(this.momentumBuffers);
  }

  /**
   * Restore momentum buffers (copies the given tensors, so the caller may dispose its own).
   * Replaces the whole state: buffers for names absent from `state` are dropped, so those
   * parameters restart with `buf = d` like a fresh PyTorch optimiser would.
   */
  setState(state: ReadonlyMap<string, tf.Tensor>): void {
    const restored = new Map<string, tf.Tensor>();
    for (const [name, tensor] of state) {
      if (tensor.dtype !== 'float32') {
        throw new Error(`Lars.setState: buffer '${name}' has dtype ${tensor.dtype}, expected float32`);
      }
    }
    // Copy first, then free the old buffers: `state` may be our own getState() result.
    for (const [name, tensor] of state) restored.set(name, tf.keep(tf.clone(tensor)));
    this.disposeBuffers();
    for (const [name, tensor] of restored) this.momentumBuffers.set(name, tensor);
  }

  dispose(): void {
    this.disposeBuffers();
  }

  private disposeBuffers(): void {
    for (const tensor of this.momentumBuffers.values()) tensor.dispose();
    this.momentumBuffers.clear();
  }

  private collectUpdates(
    params: readonly NamedVariable[],
    grads: ReadonlyMap<string, tf.Tensor> | Record<string, tf.Tensor>,
  ): Array<{ name: string; variable: tf.Variable; gradient: tf.Tensor }> {
    const seen = new Set<string>();
    const updates: Array<{ name: string; variable: tf.Variable; gradient: tf.Tensor }> = [];
    for (const { name, variable } of params) {
      if (seen.has(name)) throw new Error(`Lars: parameter name '${name}' appears twice`);
      seen.add(name);
      const gradient = lookupGradient(grads, name);
      if (gradient === undefined) continue;
      if (gradient.isDisposed) throw new Error(`Lars: gradient for '${name}' is disposed`);
      if (variable.dtype !== 'float32' || gradient.dtype !== 'float32') {
        throw new Error(`Lars: '${name}' must be float32 (variable ${variable.dtype}, gradient ${gradient.dtype})`);
      }
      if (!tf.util.arraysEqual(variable.shape, gradient.shape)) {
        throw new Error(
          `Lars: gradient shape [${gradient.shape.join(',')}] does not match parameter '${name}' [${variable.shape.join(',')}]`,
        );
      }
      const buffer = this.momentumBuffers.get(name);
      if (buffer !== undefined && !tf.util.arraysEqual(buffer.shape, variable.shape)) {
        throw new Error(
          `Lars: momentum buffer shape [${buffer.shape.join(',')}] does not match parameter '${name}' [${variable.shape.join(',')}]`,
        );
      }
      updates.push({ name, variable, gradient });
    }
    return updates;
  }
}

function isGradientMap(
  grads: ReadonlyMap<string, tf.Tensor> | Record<string, tf.Tensor>,
): grads is ReadonlyMap<string, tf.Tensor> {
  return grads instanceof Map;
}

function lookupGradient(
  grads: ReadonlyMap<string, tf.Tensor> | Record<string, tf.Tensor>,
  name: string,
): tf.Tensor | undefined {
  if (isGradientMap(grads)) return grads.get(name);
  // Own keys only, so names like 'constructor' never resolve to Object.prototype members.
  return Object.hasOwn(grads, name) ? grads[name] : undefined;
}

function requireFiniteNonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`Lars: ${name} must be a finite non-negative number, got ${value}`);
  }
}

/** ‖x‖₂ as √Σx²: tf.norm goes through Pow, ~15× slower on wasm for conv-sized tensors. */
function l2Norm(x: tf.Tensor): tf.Scalar {
  return tf.sqrt(tf.sum(tf.square(x))) as tf.Scalar;
}
