/**
 * One FRA optimisation step (fra-spec §2.6): four separate forwards (online
 * and target × two views, never concatenated, §9.10), the objective, LARS on
 * the online network + predictors, then the EMA of the target.
 *
 * The target forwards run outside the gradient tape, so no target activation
 * is retained for backprop (the reference's torch.no_grad()).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensor } from '../nn/module.js';
import type { FraModel } from './fra-model.js';
import type { Lars } from './lars.js';
import { fraObjectiveForOnlineView, type FraLossTensors, type FraObjectiveWeights, type ViewEmbeddings } from './objective.js';

export interface StepSchedule {
  learningRate: number;
  /** EMA momentum applied to the target after this step. */
  emaMomentum: number;
}

export type LossPart = keyof FraLossTensors;
export const LOSS_PARTS: readonly LossPart[] = [
  'total',
  'global',
  'region',
  'regionPositive',
  'regionDecorrelation',
  'cluster',
  'clusterCrossEntropy',
  'clusterMeMax',
];

export type StepLosses = Record<LossPart, number>;

export class FraTrainStep {
  private readonly trainables: NamedTensor[];
  private readonly nameByVariable: Map<string, string>;

  constructor(
    readonly model: FraModel,
    readonly optimizer: Lars,
    readonly weights: FraObjectiveWeights,
  ) {
    this.trainables = model.trainableParameters();
    this.nameByVariable = new Map(this.trainables.map((p) => [p.variable.name, p.name]));
  }

  /**
   * Runs one step on a batch of view pairs ([B,H,W,3] each) and returns the loss parts.
   * Gradients are taken one online view at a time (the objective is a sum of per-view
   * terms once the target outputs are fixed), so only one view's activations are
   * alive during backprop.
   */
  run(view1: tf.Tensor4D, view2: tf.Tensor4D, schedule: StepSchedule): StepLosses {
    const model = this.model;
    // Target outputs are computed outside variableGrads (no tape) and disposed at the end of the step.
    const targetViews = [this.embed(model, 'target', view1), this.embed(model, 'target', view2)] as const;
    const summedGrads = new Map<string, tf.Tensor>();
    const totals = new Float64Array(LOSS_PARTS.length);
    try {
      ([view1, view2] as const).forEach((images, a) => {
        let parts: FraLossTensors | undefined;
        const { value, grads } = tf.variableGrads(() => {
          parts = fraObjectiveForOnlineView(a as 0 | 1, this.embed(model, 'online', images), targetViews, model.predictor, model.predictorObj, this.weights);
          // variableGrads keeps only the returned loss; keep the other parts for reporting.
          for (const part of LOSS_PARTS) if (part !== 'total') tf.keep(parts[part]);
          return parts.total;
        }, this.trainables.map((p) => p.variable));
        const reported = parts!;
        const values = tf.tidy(() => tf.stack(LOSS_PARTS.map((p) => (p === 'total' ? value : reported[p]))).dataSync());
        values.forEach((v, i) => (totals[i]! += v));
        tf.dispose([value, ...LOSS_PARTS.filter((p) => p !== 'total').map((p) => reported[p])]);
        for (const [variableName, grad] of Object.entries(grads)) {
          const name = this.nameByVariable.get(variableName);
          if (!name) {
            grad.dispose();
            continue;
          }
          const previous = summedGrads.get(name);
          if (previous) {
            summedGrads.set(name, tf.add(previous, grad));
            tf.dispose([previous, grad]);
          } else {
            summedGrads.set(name, grad);
          }
        }
      });
      this.optimizer.applyGradients(this.trainables, summedGrads, schedule.learningRate);
      model.updateTarget(schedule.emaMomentum);
    } finally {
      tf.dispose([...summedGrads.values()]);
      tf.dispose(targetViews.flatMap((v) => [v.z, v.zRegion, v.scores]));
    }
    const out = {} as StepLosses;
    LOSS_PARTS.forEach((p, i) => (out[p] = totals[i]!));
    return out;
  }

  /** The three outputs the objective uses; every intermediate of the forward is released here. */
  private embed(model: FraModel, which: 'online' | 'target', images: tf.Tensor4D): ViewEmbeddings {
    const net = which === 'online' ? model.online : model.target;
    const [z, zRegion, scores] = tf.tidy(() => {
      const out = net.forward(images, true);
      return [out.z, out.zRegion, out.scores];
    }) as [tf.Tensor2D, tf.Tensor3D, tf.Tensor4D];
    return { z, zRegion, scores };
  }
}
