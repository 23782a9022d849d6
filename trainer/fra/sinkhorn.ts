/**
 * Sinkhorn-Knopp on teacher *probabilities* (fra-spec §2.3, `distributed_sinkhorn` with one device).
 *
 * Unlike SwAV, the input is already a probability matrix (softmax of the teacher scores), not
 * exp(score / ε). Steps, exactly as the reference:
 *   Q = probs^T (K×P); Q /= ΣQ;
 *   repeat `iterations` times: Q /= rowSum(Q); Q /= K; Q /= colSum(Q); Q /= P;
 *   Q *= P; return Q^T (P×K).
 * Every returned row (pixel) sums to 1; the column (prototype) masses are only roughly balanced.
 *
 * The entries can be ~1e-20 (teacher temperature 0.04 gives logits up to ~25); float32 holds them
 * without underflow, so no log-domain trick is needed (spec §9.17).
 *
 * The ops are ordinary tfjs ops; callers that need "no gradient" (the FRA loss does) must cut the
 * tape themselves — see `selfDistillationLoss`, which runs this inside a zero-gradient custom op.
 */
import * as tf from '@tensorflow/tfjs-core';

export function sinkhornKnopp(probabilities: tf.Tensor2D, iterations = 3): tf.Tensor2D {
  if (probabilities.rank !== 2) {
    throw new Error(`sinkhornKnopp expects a [P,K] matrix, got shape [${probabilities.shape.join(',')}]`);
  }
  if (!Number.isInteger(iterations) || iterations < 0) {
    throw new Error(`sinkhornKnopp: iterations must be a non-negative integer, got ${iterations}`);
  }
  const [numPixels, numPrototypes] = probabilities.shape;
  return tf.tidy(() => {
    let q: tf.Tensor2D = tf.transpose(probabilities); // [K, P]
    q = tf.div<tf.Tensor2D>(q, tf.sum(q));
    for (let it = 0; it < iterations; it++) {
      q = tf.div<tf.Tensor2D>(tf.div(q, tf.sum(q, 1, true)), numPrototypes);
      q = tf.div<tf.Tensor2D>(tf.div(q, tf.sum(q, 0, true)), numPixels);
    }
    return tf.transpose(tf.mul<tf.Tensor2D>(q, numPixels));
  });
}
