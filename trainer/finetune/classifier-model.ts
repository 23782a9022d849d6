/**
 * The fine-tuning network of `main_fer.py` (fra-spec §5.2, §7.1): a torchvision ResNet whose
 * `fc` is replaced by a new Linear(featDim → classes) initialised N(0, 0.01) with zero bias,
 * after global average pooling of the layer4 map.
 *
 * State keys are torchvision's (`conv1.weight`, `layer4.1.bn2.running_var`, `fc.weight`), so a
 * fine-tuned checkpoint reads like `torchvision.models.resnet50(num_classes=K).state_dict()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createResNetEncoder, type ResNetEncoder, type ResNetEncoderName } from '../models/resnet.js';
import { Linear } from '../nn/layers.js';
import type { LoadReport, NamedTensor } from '../nn/module.js';
import { SeedSequence } from '../nn/seed.js';
import type { NamedVariable } from './optim/optimizer.js';

export const HEAD_PREFIX = 'fc';
/** fra-spec §7.1: `fc.weight.data.normal_(mean=0.0, std=0.01)`, `fc.bias.data.zero_()`. */
export const HEAD_INIT_STD = 0.01;

export class FinetuneModel {
  readonly backbone: ResNetEncoder;
  readonly fc: Linear;
  readonly numClasses: number;

  constructor(backbone: ResNetEncoderName, numClasses: number, seed: number) {
    if (!(Number.isInteger(numClasses) && numClasses >= 2)) throw new RangeError(`a classifier needs at least 2 classes, got ${numClasses}`);
    const seeds = new SeedSequence(seed);
    this.backbone = createResNetEncoder(backbone, seeds.fork());
    const headSeeds = seeds.fork();
    this.fc = new Linear(this.backbone.outChannels, numClasses, headSeeds);
    this.fc.weight.assign(tf.tidy(() => tf.randomNormal(this.fc.weight.shape, 0, HEAD_INIT_STD, 'float32', headSeeds.next())));
    this.fc.bias!.assign(tf.tidy(() => tf.zerosLike(this.fc.bias!)));
    this.numClasses = numClasses;
  }

  get featureDim(): number {
    return this.backbone.outChannels;
  }

  /** Pooled layer4 features [B, C]; the backbone runs in whatever mode it is set to. */
  features(images: tf.Tensor4D): tf.Tensor2D {
    return tf.mean(this.backbone.forward(images), [1, 2]) as tf.Tensor2D;
  }

  logitsFromFeatures(features: tf.Tensor2D): tf.Tensor2D {
    return this.fc.forward(features);
  }

  logits(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.logitsFromFeatures(this.features(images)));
  }

  backboneParameters(): NamedVariable[] {
    return this.backbone.namedParameters().map(({ name, variable }) => ({ name, variable }));
  }

  headParameters(): NamedVariable[] {
    return this.fc.namedParameters(HEAD_PREFIX).map(({ name, variable }) => ({ name, variable }));
  }

  /** torchvision state_dict order: the backbone, then `fc.weight`, `fc.bias`. */
  stateEntries(): NamedTensor[] {
    return [...this.backbone.stateEntries(), ...this.fc.stateEntries(HEAD_PREFIX)];
  }

  /** Loads torchvision-named state (our layouts); `strict` demands every key and no other. */
  loadState(values: ReadonlyMap<string, tf.Tensor>, options: { strict?: boolean } = {}): LoadReport {
    const head = new Map<string, tf.Tensor>();
    const trunk = new Map<string, tf.Tensor>();
    for (const [name, t] of values) (name.startsWith(`${HEAD_PREFIX}.`) ? head : trunk).set(name, t);
    // Everything is checked before anything is written, so a failed load leaves the model as it was.
    const strict = options.strict ?? false;
    if (strict) {
      const known = new Set(this.stateEntries().map((e) => e.name));
      const problems = [...known].filter((k) => !values.has(k)).map((k) => `missing: ${k}`).concat([...values.keys()].filter((k) => !known.has(k)).map((k) => `unexpected: ${k}`));
      if (problems.length > 0) throw new Error(['state does not fit the classifier:', ...problems.slice(0, 12)].join('\n  '));
    }
    for (const e of this.fc.stateEntries(HEAD_PREFIX)) {
      const t = head.get(e.name);
      if (t !== undefined && !tf.util.arraysEqual(t.shape, e.variable.shape)) {
        throw new Error(`state does not fit the classifier: ${e.name} is [${t.shape.join(', ')}], the model has [${e.variable.shape.join(', ')}] (a different number of classes?)`);
      }
    }
    const a = this.backbone.loadState(trunk, { strict });
    const b = this.fc.loadState(head, { strict, prefix: HEAD_PREFIX });
    return { missing: [...a.missing, ...b.missing], unexpected: [...a.unexpected, ...b.unexpected] };
  }

  dispose(): void {
    this.backbone.dispose();
    this.fc.dispose();
  }
}
