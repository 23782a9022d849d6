/**
 * FRA losses (fra-spec §2): global BYOL term, region term with the hidden decorrelation penalty,
 * and the self-distillation ("semantic relation") term with Sinkhorn on teacher probabilities.
 *
 * Conventions
 * - Every function is leak-free: it runs in its own `tf.tidy`; the returned tensors belong to the
 *   caller. Inputs are never disposed.
 * - All losses are differentiable w.r.t. the online/student inputs. The self-distillation teacher
 *   path is cut from the tape (gradient exactly zero), as in the reference (`no_grad` + `detach`).
 * - Layout of the "dots" S: the model produces S as NHWC `[B, h, w, N]` (regions last);
 *   `scoresToPixelRows` turns that into `[B·h·w, N]` rows in (b, u, v) order, which is what
 *   `selfDistillationLoss` consumes (same order as PyTorch's `permute(0,2,3,1).flatten(0,2)`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { sinkhornKnopp } from './sinkhorn.js';

/** `F.normalize` epsilon: x / max(‖x‖, 1e-12). */
const NORM_EPS = 1e-12;

/**
 * L2-normalise along `axis` like `torch.nn.functional.normalize`: x / max(‖x‖₂, 1e-12).
 *
 * Computed as x · rsqrt(max(Σx², 1e-24)), which has the same value but a finite (zero) gradient
 * for an all-zero vector, where sqrt's derivative would otherwise produce NaN.
 */
export function l2Normalize<T extends tf.Tensor>(x: T, axis: number): T {
  return tf.tidy(() => {
    const sumSquares = tf.sum(tf.square(x), axis, true);
    return tf.mul(x, tf.rsqrt(tf.maximum(sumSquares, NORM_EPS * NORM_EPS))) as T;
  });
}

/**
 * Identity in the forward pass, zero gradient in the backward pass (PyTorch `.detach()`).
 * tfjs-core has no `stopGradient` op; this is a custom-gradient op whose gradient is zeros.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return withoutGradient(x, (t) => t.clone());
}

/**
 * Runs `fn(x)` as one custom op whose gradient w.r.t. `x` is exactly zero. The ops inside `fn`
 * are not recorded on the gradient tape (the engine runs custom forwards at kernel depth > 0),
 * so no backward work is spent on them; their intermediates are disposed. `fn` must return a
 * new tensor (not `x` itself).
 */
function withoutGradient<T extends tf.Tensor, R extends tf.Tensor>(x: T, fn: (x: T) => R): R {
  const op = tf.customGrad((input, _save) => {
    const t = input as T;
    return { value: fn(t), gradFunc: () => tf.zerosLike(t) };
  });
  return op(x) as R;
}

function assertSameShape(op: string, a: tf.Tensor, b: tf.Tensor, rank: number): void {
  if (a.rank !== rank || !tf.util.arraysEqual(a.shape, b.shape)) {
    throw new Error(
      `${op}: expected two rank-${rank} tensors of the same shape, got [${a.shape.join(',')}] and [${b.shape.join(',')}]`,
    );
  }
}

/** Mean over rows of the cosine similarity along the last axis of two same-shaped tensors. */
function meanCosine(prediction: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const last = prediction.rank - 1;
  return tf.mean(tf.sum(tf.mul(l2Normalize(prediction, last), l2Normalize(target, last)), last));
}

/**
 * §2.1 global (BYOL) term: `2 − 2·mean_b cos(prediction[b], target[b])`, shapes [B, D].
 * `prediction` is the online predictor output G^g(z_o); `target` is the target embedding z_t
 * (the caller detaches it; gradients here flow to both arguments like plain ops).
 */
export function globalLoss(prediction: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  assertSameShape('globalLoss', prediction, target, 2);
  return tf.tidy(() => tf.sub<tf.Scalar>(2, tf.mul(2, meanCosine(prediction, target))));
}

export interface RegionLossParts {
  /** positive + decorrelationWeight · decorrelation */
  loss: tf.Scalar;
  /** 2 − 2·mean_{b,n} ⟨p[b,n], q[b,n]⟩ */
  positive: tf.Scalar;
  /** mean_{b,i} (1/N)·Σ_{j≠i} ⟨p[b,i], q[b,j]⟩² (unweighted) */
  decorrelation: tf.Scalar;
}

/**
 * §2.2 region term (`compute_unigrad_loss` without `idxs`), shapes [B, N, D]:
 * p = n(prediction), q = n(target), regions matched by index.
 * `decorrelationWeight` is the hard-coded `loss_w_obj` = 0.02 of the reference.
 */
export function regionLoss(
  prediction: tf.Tensor3D,
  target: tf.Tensor3D,
  decorrelationWeight = 0.02,
): RegionLossParts {
  assertSameShape('regionLoss', prediction, target, 3);
  const numRegions = prediction.shape[1];
  return tf.tidy(() => {
    const p = l2Normalize(prediction, 2);
    const q = l2Normalize(target, 2);
    const positive: tf.Scalar = tf.sub<tf.Scalar>(2, tf.mul(2, tf.mean(tf.sum(tf.mul(p, q), 2))));

    const correlation = tf.matMul(p, q, false, true); // [B, N, N]: ⟨p[b,i], q[b,j]⟩
    const offDiagonal = tf.sub(1, tf.eye(numRegions)); // broadcast over B
    const squared = tf.mul(tf.square(correlation), offDiagonal);
    const decorrelation: tf.Scalar = tf.mean(tf.div(tf.sum(squared, 2), numRegions));

    const loss: tf.Scalar = tf.add<tf.Scalar>(positive, tf.mul(decorrelationWeight, decorrelation));
    return { loss, positive, decorrelation };
  });
}

export interface SelfDistillationOptions {
  /** τs, hard-coded 0.1 in the reference */
  studentTemperature?: number;
  /** τt, `--teacher_temp` = 0.04 */
  teacherTemperature?: number;
  /** Sinkhorn-Knopp iterations, 3 */
  sinkhornIterations?: number;
  /** weight of the ME-MAX regulariser, hard-coded 1.0 */
  meMaxWeight?: number;
}

export interface SelfDistillationParts {
  /** crossEntropy + meMaxWeight · meMax */
  loss: tf.Scalar;
  /** mean_pixels Σ_n −Q[p,n] · log_softmax(s/τs)[p,n] */
  crossEntropy: tf.Scalar;
  /** Σ_n p̄_n log p̄_n + log N, p̄ = mean_pixels softmax(s/τs) (unweighted, ≥ 0) */
  meMax: tf.Scalar;
}

/**
 * §2.3 self-distillation term for ONE view (online view k vs target view k), scores [P, K]
 * (cosine "dots" as pixel rows, see `scoresToPixelRows`).
 * Teacher: Sinkhorn(softmax(teacherScores / τt)) — the centre is identically 0 in the reference —
 * with no gradient into `teacherScores`. Student: log_softmax(studentScores / τs).
 * The caller averages the two views: L_cluster = 0.5·(L_sd,1 + L_sd,2).
 */
export function selfDistillationLoss(
  studentScores: tf.Tensor2D,
  teacherScores: tf.Tensor2D,
  options: SelfDistillationOptions = {},
): SelfDistillationParts {
  assertSameShape('selfDistillationLoss', studentScores, teacherScores, 2);
  const studentTemperature = options.studentTemperature ?? 0.1;
  const teacherTemperature = options.teacherTemperature ?? 0.04;
  const sinkhornIterations = options.sinkhornIterations ?? 3;
  const meMaxWeight = options.meMaxWeight ?? 1.0;
  const numPrototypes = studentScores.shape[1];

  return tf.tidy(() => {
    const assignments = withoutGradient(teacherScores, (t) =>
      sinkhornKnopp(tf.softmax(tf.div<tf.Tensor2D>(t, teacherTemperature)), sinkhornIterations),
    );

    const logProbs = tf.logSoftmax(tf.div(studentScores, studentTemperature)); // [P, K]
    const crossEntropy: tf.Scalar = tf.neg(tf.mean<tf.Scalar>(tf.sum(tf.mul(assignments, logProbs), 1)));

    const meanProbs = tf.mean(tf.exp(logProbs), 0); // p̄, [K]
    const meMax: tf.Scalar = tf.add<tf.Scalar>(tf.sum(tf.mul(meanProbs, tf.log(meanProbs))), Math.log(numPrototypes));

    const loss: tf.Scalar = tf.add<tf.Scalar>(crossEntropy, tf.mul(meMaxWeight, meMax));
    return { loss, crossEntropy, meMax };
  });
}

/**
 * Flattens NHWC dots S `[B, h, w, N]` (regions last, as the model produces them) into pixel rows
 * `[B·h·w, N]` in (b, u, v) row order — PyTorch's `dots.permute(0,2,3,1).flatten(0,2)` on NCHW.
 */
export function scoresToPixelRows(scores: tf.Tensor4D): tf.Tensor2D {
  if (scores.rank !== 4) {
    throw new Error(`scoresToPixelRows expects [B,h,w,N], got shape [${scores.shape.join(',')}]`);
  }
  const [b, h, w, n] = scores.shape;
  return tf.reshape(scores, [b * h * w, n]);
}
