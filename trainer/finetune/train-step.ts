/**
 * One fine-tuning step (fra-spec §5.2): cross-entropy (no label smoothing, §7.1) of the
 * classifier's logits, gradients, and one optimiser update with the trunk and head learning
 * rates of this iteration.
 *
 *   finetune: every parameter trains; batch norm runs in train mode (batch statistics, running
 *             averages updated).
 *   linear:   the backbone is frozen in eval mode; its features are computed outside the gradient
 *             tape (nothing to backpropagate into), and only `fc` is updated.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FinetuneModel } from './classifier-model.js';
import type { FinetuneOptimizer, NamedVariable, ParameterGroup } from './optim/optimizer.js';

export type FinetuneMode = 'finetune' | 'linear';

export interface StepLearningRates {
  /** Trunk learning rate (`--lr`); unused by the linear probe. */
  backbone: number;
  /** Classifier learning rate (`--lr_head` when fine-tuning, `--lr` for the linear probe). */
  head: number;
}

export interface FinetuneStepResult {
  /** Mean cross-entropy over the batch. */
  loss: number;
  /** Fraction of the batch whose arg-max logit is the label (before the update). */
  accuracy: number;
}

/** Mean softmax cross-entropy of integer labels, computed stably through log-softmax. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(labels, logits.shape[1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  });
}

/** Checks class indices before they reach oneHot (which silently zeroes out-of-range rows). */
export function checkLabels(labels: Int32Array, numClasses: number): void {
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!(label >= 0 && label < numClasses)) {
      throw new Error(
        label < 0
          ? `sample ${i} of the batch has no class label: fine-tuning needs a labelled dataset (class folders, RAF-DB, FERPlus, AffectNet-7, a labelled CSV list, or synthetic-expressions)`
          : `label ${label} is outside the ${numClasses} classes of the dataset`,
      );
    }
  }
}

export class FinetuneTrainStep {
  private readonly trainables: NamedVariable[];
  private readonly headNames: ReadonlySet<string>;
  private readonly nameByVariable: Map<string, string>;

  constructor(
    readonly model: FinetuneModel,
    readonly optimizer: FinetuneOptimizer,
    readonly mode: FinetuneMode,
  ) {
    const head = model.headParameters();
    this.headNames = new Set(head.map((p) => p.name));
    this.trainables = mode === 'finetune' ? [...model.backboneParameters(), ...head] : head;
    this.nameByVariable = new Map(this.trainables.map((p) => [p.variable.name, p.name]));
    model.backbone.setTraining(mode === 'finetune');
  }

  run(images: tf.Tensor4D, labels: Int32Array, lr: StepLearningRates): FinetuneStepResult {
    checkLabels(labels, this.model.numClasses);
    const model = this.model;
    const target = tf.tensor1d(labels, 'int32');
    const frozenFeatures = this.mode === 'linear' ? tf.tidy(() => model.features(images)) : undefined;
    let logitsKept: tf.Tensor2D | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const logits = frozenFeatures !== undefined ? model.logitsFromFeatures(frozenFeatures) : model.logitsFromFeatures(model.features(images));
      logitsKept = tf.keep(logits);
      return crossEntropy(logits, target);
    }, this.trainables.map((p) => p.variable));
    const named = new Map<string, tf.Tensor>();
    try {
      for (const [variableName, grad] of Object.entries(grads)) {
        const name = this.nameByVariable.get(variableName);
        if (name === undefined) grad.dispose();
        else named.set(name, grad);
      }
      const [loss, correct] = tf.tidy(() => {
        const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logitsKept!, 1), target), 'float32'));
        return [value.dataSync()[0] ?? NaN, hits.dataSync()[0] ?? 0] as const;
      });
      if (Number.isFinite(loss)) this.optimizer.step(this.groups(lr), named);
      return { loss, accuracy: correct / labels.length };
    } finally {
      tf.dispose([value, target, ...(logitsKept ? [logitsKept] : []), ...(frozenFeatures ? [frozenFeatures] : []), ...named.values()]);
    }
  }

  private groups(lr: StepLearningRates): ParameterGroup[] {
    if (this.mode === 'linear') return [{ params: this.trainables, learningRate: lr.head }];
    return [
      { params: this.trainables.filter((p) => !this.headNames.has(p.name)), learningRate: lr.backbone },
      { params: this.trainables.filter((p) => this.headNames.has(p.name)), learningRate: lr.head },
    ];
  }
}
