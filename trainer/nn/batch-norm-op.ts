/**
 * Training-mode batch normalisation over the rows of a [rows, C] matrix, as
 * one op with a hand-written gradient.
 *
 * Why: tfjs's FusedBatchNorm gradient broadcasts with Tile and reduces over
 * leading axes, which wasm does by transposing the whole activation first —
 * together ~25% of a ResNet step. Column sums here are matMuls with a ones
 * row (XNNPACK's fastest path), and the backward pass is the closed form
 *   dx = γ·inv·(dy − mean(dy) − x̂·mean(dy·x̂)),  dγ = Σ dy·x̂,  dβ = Σ dy.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface BatchStatistics {
  /** Batch mean per feature, [C]. */
  mean: tf.Tensor1D;
  /** Biased batch variance per feature, [C] (what normalisation uses). */
  variance: tf.Tensor1D;
}

/** Σ over rows as [1, rows] × [rows, C]. */
function columnSums(ones: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(ones, x);
}

/**
 * Normalises x [rows, C] with batch statistics and applies γ, β.
 * `onStatistics` sees the batch statistics during the forward pass (e.g. to
 * update running averages); they are disposed right after it returns.
 */
export function batchNormTraining(
  x: tf.Tensor2D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
  onStatistics?: (stats: BatchStatistics) => void,
): tf.Tensor2D {
  const rows = x.shape[0];
  const channels = x.shape[1];

  const op = tf.customGrad(((xIn: tf.Tensor, gammaIn: tf.Tensor, betaIn: tf.Tensor, save: tf.GradSaveFunc) => {
    const x2 = xIn as tf.Tensor2D;
    const ones = tf.ones([1, rows]) as tf.Tensor2D;
    const mean = tf.div<tf.Tensor2D>(columnSums(ones, x2), rows);
    const centred = tf.sub<tf.Tensor2D>(x2, mean);
    const variance = tf.div(columnSums(ones, tf.square(centred)), rows);
    const inv = tf.rsqrt(tf.add(variance, eps));
    const normalised = tf.mul(centred, inv) as tf.Tensor2D;
    const value = tf.add(tf.mul(normalised, gammaIn), betaIn) as tf.Tensor2D;
    // customGrad runs this function inside its own tidy, so statistics are handed out, not returned.
    onStatistics?.({ mean: tf.reshape(mean, [channels]), variance: tf.reshape(variance, [channels]) });
    save([normalised, inv, gammaIn, ones]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xHat, invStd, g, onesRow] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D];
        const dy2 = dy as tf.Tensor2D;
        const dBeta = columnSums(onesRow, dy2);
        const dGamma = columnSums(onesRow, tf.mul(dy2, xHat) as tf.Tensor2D);
        const centredDy = tf.sub(tf.sub(dy2, tf.div(dBeta, rows)), tf.mul(xHat, tf.div(dGamma, rows)));
        const dx = tf.mul(centredDy, tf.mul(g, invStd));
        return [dx, tf.reshape(dGamma, [channels]), tf.reshape(dBeta, [channels])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);

  return op(x, gamma, beta) as tf.Tensor2D;
}
