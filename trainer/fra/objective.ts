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

export function fraObjective(
  online: readonly [ViewEmbeddings, ViewEmbeddings],
  target: readonly [ViewEmbeddings, ViewEmbeddings],
  predictor: MlpHead,
  predictorObj: MlpHead,
  w: FraObjectiveWeights,
): FraLossTensors {
  const parts = ([0, 1] as const).map((a) => {
    const b = a === 0 ? 1 : 0;
    const o = online[a];
    // The target branch never receives a gradient (§2.5: the reference computes it under no_grad
    // and `.clone().detach()`es it). Detach here too, so the objective is correct even when the
    // caller computes the target forwards inside the gradient tape; the self-distillation teacher
    // is already cut inside selfDistillationLoss.
    const t = { z: stopGradient(target[b].z), zRegion: stopGradient(target[b].zRegion) };
    const [batch, regions, dim] = o.zRegion.shape;
    const globalTerm = globalLoss(predictor.forward(o.z), t.z);
    // predictor_obj normalises over B·N rows (§1.3).
    const regionPrediction = tf.reshape(predictorObj.forward(tf.reshape(o.zRegion, [batch * regions, dim])), [batch, regions, dim]) as tf.Tensor3D;
    const regionTerm = regionLoss(regionPrediction, t.zRegion, w.regionDecorrelationWeight);
    return { globalTerm, regionTerm };
  });
  const clusterParts = ([0, 1] as const).map((k) =>
    selfDistillationLoss(scoresToPixelRows(online[k].scores), scoresToPixelRows(target[k].scores), {
      studentTemperature: w.studentTemperature,
      teacherTemperature: w.teacherTemperature,
      sinkhornIterations: w.sinkhornIterations,
      meMaxWeight: w.meMaxWeight,
    }),
  );
  const [d0, d1] = parts as [(typeof parts)[0], (typeof parts)[0]];
  const [c0, c1] = clusterParts as [(typeof clusterParts)[0], (typeof clusterParts)[0]];
  const global = tf.add<tf.Scalar>(d0.globalTerm, d1.globalTerm);
  const region = tf.add<tf.Scalar>(d0.regionTerm.loss, d1.regionTerm.loss);
  const cluster = tf.mul<tf.Scalar>(tf.add(c0.loss, c1.loss), 0.5);
  const total = tf.addN([tf.mul(global, w.globalWeight), tf.mul(region, 1 - w.globalWeight), tf.mul(cluster, w.clusterWeight)]) as tf.Scalar;
  return {
    total,
    global,
    region,
    regionPositive: tf.add<tf.Scalar>(d0.regionTerm.positive, d1.regionTerm.positive),
    regionDecorrelation: tf.add<tf.Scalar>(d0.regionTerm.decorrelation, d1.regionTerm.decorrelation),
    cluster,
    clusterCrossEntropy: tf.mul<tf.Scalar>(tf.add(c0.crossEntropy, c1.crossEntropy), 0.5),
    clusterMeMax: tf.mul<tf.Scalar>(tf.add(c0.meMax, c1.meMax), 0.5),
  };
}
