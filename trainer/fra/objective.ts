/**
 * The FRA training objective (fra-spec §2, §2.6), assembled from the loss
 * terms in losses.ts:
 *
 *   L = Σ_{(a,b) ∈ {(1,2),(2,1)}} [λc·L_inst(G^g(z_o,a), z_t,b) + (1−λc)·L_obj(G^l(zreg_o,a), zreg_t,b)]
 *       + λr · ½ (SD(S_o,1, S_t,1) + SD(S_o,2, S_t,2))
 *
 * Directions are summed, clustering views averaged (§9.8); clustering
 * compares the *same* view across networks (§9.6).
 */
import * as tf from '@tensorflow/tfjs-core';
import { globalLoss, regionLoss, scoresToPixelRows, selfDistillationLoss, stopGradient } from './losses.js';
import type { MlpHead } from './mlp-head.js';

export interface FraObjectiveWeights {
  /** λc, `--lewel-loss-weight` */
  globalWeight: number;
  /** λr, `--loss_w_cluster` */
  clusterWeight: number;
  regionDecorrelationWeight: number;
  studentTemperature: number;
  teacherTemperature: number;
  sinkhornIterations: number;
  meMaxWeight: number;
}

/** What one network produced for one view (only what the objective needs). */
export interface ViewEmbeddings {
  z: tf.Tensor2D;
  zRegion: tf.Tensor3D;
  scores: tf.Tensor4D;
}

export interface FraLossTensors {
  total: tf.Scalar;
  /** Σ over directions of L_inst (unweighted). */
  global: tf.Scalar;
  /** Σ over directions of L_obj (unweighted). */
  region: tf.Scalar;
  regionPositive: tf.Scalar;
  regionDecorrelation: tf.Scalar;
  /** ½(SD₁ + SD₂) (unweighted). */
  cluster: tf.Scalar;
  clusterCrossEntropy: tf.Scalar;
  clusterMeMax: tf.Scalar;
}

/**
 * The part of the objective that depends on ONE online view a (targets are
 * constants): λc·L_inst(o_a, t_b) + (1−λc)·L_obj(o_a, t_b) + λr·½·SD(o_a, t_a),
 * with b the other view. The full objective is the sum over a ∈ {0, 1}, so
 * gradients can be taken one view at a time — halving peak activation memory
 * (a wasm heap holds at most 4 GB) without changing the result.
 */
export function fraObjectiveForOnlineView(
  a: 0 | 1,
  onlineView: ViewEmbeddings,
  target: readonly [ViewEmbeddings, ViewEmbeddings],
  predictor: MlpHead,
  predictorObj: MlpHead,
  w: FraObjectiveWeights,
): FraLossTensors {
  const b = a === 0 ? 1 : 0;
  const t = target[b];
  // The target is always detached (§2.5), even if its forward ran on the tape.
  const targetZ = stopGradient(t.z);
  const targetRegions = stopGradient(t.zRegion);
  const [batch, regions, dim] = onlineView.zRegion.shape;
  const global = globalLoss(predictor.forward(onlineView.z), targetZ);
  // predictor_obj normalises over B·N rows (§1.3).
  const regionPrediction = tf.reshape(predictorObj.forward(tf.reshape(onlineView.zRegion, [batch * regions, dim])), [batch, regions, dim]) as tf.Tensor3D;
  const regionTerm = regionLoss(regionPrediction, targetRegions, w.regionDecorrelationWeight);
  // Clustering compares the SAME view across networks (§9.6); views are averaged (§9.8).
  const sd = selfDistillationLoss(scoresToPixelRows(onlineView.scores), scoresToPixelRows(target[a].scores), {
    studentTemperature: w.studentTemperature,
    teacherTemperature: w.teacherTemperature,
    sinkhornIterations: w.sinkhornIterations,
    meMaxWeight: w.meMaxWeight,
  });
  const cluster = tf.mul<tf.Scalar>(sd.loss, 0.5);
  const total = tf.addN([tf.mul(global, w.globalWeight), tf.mul(regionTerm.loss, 1 - w.globalWeight), tf.mul(cluster, w.clusterWeight)]) as tf.Scalar;
  return {
    total,
    global,
    region: regionTerm.loss,
    regionPositive: regionTerm.positive,
    regionDecorrelation: regionTerm.decorrelation,
    cluster,
    clusterCrossEntropy: tf.mul<tf.Scalar>(sd.crossEntropy, 0.5),
    clusterMeMax: tf.mul<tf.Scalar>(sd.meMax, 0.5),
  };
}

export function fraObjective(
  online: readonly [ViewEmbeddings, ViewEmbeddings],
  target: readonly [ViewEmbeddings, ViewEmbeddings],
  predictor: MlpHead,
  predictorObj: MlpHead,
  w: FraObjectiveWeights,
): FraLossTensors {
  const first = fraObjectiveForOnlineView(0, online[0], target, predictor, predictorObj, w);
  const second = fraObjectiveForOnlineView(1, online[1], target, predictor, predictorObj, w);
  const sum = {} as FraLossTensors;
  for (const key of Object.keys(first) as (keyof FraLossTensors)[]) sum[key] = tf.add<tf.Scalar>(first[key], second[key]);
  return sum;
}
