/**
 * FRAB (fra-spec §1.6): an online network (backbone + neck), a momentum
 * target network of identical architecture, and the two online predictors.
 * State keys are the reference's without `module.` (§6.1): online_net.*,
 * target_net.*, predictor.mlp.*, predictor_obj.mlp.*, center.
 *
 * The target starts as a copy of the online *parameters*; buffers (BN running
 * statistics, proto) start independent, as in the reference. FRAB then EMAs
 * parameters only and runs the target in train mode (BN batch statistics,
 * dropout on, §9.9); FRAB_EMAN EMAs the whole state and runs it in eval mode.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createResNetEncoder, type ResNetEncoder, type ResNetEncoderName } from '../models/resnet.js';
import { Module, type NamedTensor } from '../nn/module.js';
import { SeedSequence } from '../nn/seed.js';
import type { MlpHead } from './mlp-head.js';
import { ObjectNeck, type NeckOutput } from './neck.js';
import { createPredictor } from './predictor.js';

export type FraArch = 'FRAB' | 'FRAB_EMAN';

export interface FraModelOptions {
  arch: FraArch;
  backbone: ResNetEncoderName;
  projDim: number;
  hidDim: number;
  numProto: number;
  heatmapTemperature: number;
  protoMomentum: number;
  /** Default 1e-7 (the reference constant). */
  heatmapEps?: number;
  decoderLayers: number;
  decoderHeads: number;
  decoderFfnDim: number;
  decoderDropout: number;
  seed: number;
}

/** Backbone + neck: `online_net` / `target_net`. */
export class FraNetwork extends Module {
  readonly backbone: ResNetEncoder;
  readonly neck: ObjectNeck;

  constructor(options: FraModelOptions, seeds: SeedSequence, dropoutSeeds: SeedSequence) {
    super();
    this.backbone = this.registerModule('backbone', createResNetEncoder(options.backbone, seeds.fork()));
    this.neck = this.registerModule(
      'neck',
      new ObjectNeck({
        inChannels: this.backbone.outChannels,
        hiddenDim: options.hidDim,
        projDim: options.projDim,
        numRegions: options.numProto,
        heatmapTemperature: options.heatmapTemperature,
        protoMomentum: options.protoMomentum,
        ...(options.heatmapEps !== undefined ? { heatmapEps: options.heatmapEps } : {}),
        decoderLayers: options.decoderLayers,
        decoderHeads: options.decoderHeads,
        decoderFfnDim: options.decoderFfnDim,
        decoderDropout: options.decoderDropout,
        seeds: seeds.fork(),
        dropoutSeeds,
      }),
    );
  }

  /** images: normalised [B, H, W, 3]. `isTrain` as in the reference (batch-mean queries + proto update). */
  forward(images: tf.Tensor4D, isTrain: boolean): NeckOutput & { features: tf.Tensor4D } {
    const features = this.backbone.forward(images);
    return { ...this.neck.forward(features, { isTrain }), features };
  }
}

export class FraModel extends Module {
  readonly options: FraModelOptions;
  readonly online: FraNetwork;
  readonly target: FraNetwork;
  readonly predictor: MlpHead;
  readonly predictorObj: MlpHead;
  /**
   * Every dropout mask of both networks is drawn from this stream; its
   * position is checkpointed so a resumed run draws the same masks.
   */
  readonly dropoutSeeds: SeedSequence;

  constructor(options: FraModelOptions) {
    super();
    this.options = options;
    const seeds = new SeedSequence(options.seed);
    this.dropoutSeeds = seeds.fork();
    this.online = this.registerModule('online_net', new FraNetwork(options, seeds.fork(), this.dropoutSeeds));
    this.target = this.registerModule('target_net', new FraNetwork(options, seeds.fork(), this.dropoutSeeds));
    const predictorOptions = { projDim: options.projDim, hiddenDim: options.hidDim };
    this.predictor = this.registerModule('predictor', createPredictor(seeds.fork(), predictorOptions));
    this.predictorObj = this.registerModule('predictor_obj', createPredictor(seeds.fork(), predictorOptions));
    // The reference keeps a (never updated) clustering centre buffer; kept for key compatibility.
    this.registerBuffer('center', tf.zeros([1, options.numProto]));
    this.copyOnlineParametersToTarget();
    this.setTraining(true);
  }

  /** Train mode for the online side; the target's mode follows the architecture. */
  override setTraining(mode: boolean): this {
    super.setTraining(mode);
    if (this.target) this.target.setTraining(this.options.arch === 'FRAB' ? mode : false);
    return this;
  }

  /** The tensors the optimiser updates: online network + both predictors, with full state keys. */
  trainableParameters(): NamedTensor[] {
    return [
      ...this.online.namedParameters('online_net'),
      ...this.predictor.namedParameters('predictor'),
      ...this.predictorObj.namedParameters('predictor_obj'),
    ];
  }

  /** θ_target ← m·θ_target + (1 − m)·θ_online (FRAB: parameters; FRAB_EMAN: whole state). */
  updateTarget(momentum: number): void {
    const online = this.options.arch === 'FRAB' ? this.online.namedParameters() : this.online.stateEntries();
    const target = this.options.arch === 'FRAB' ? this.target.namedParameters() : this.target.stateEntries();
    tf.tidy(() => {
      online.forEach((o, i) => {
        const t = target[i]!;
        if (t.variable.dtype !== 'float32') {
          t.variable.assign(o.variable); // num_batches_tracked is copied, not averaged (EMAN)
        } else {
          t.variable.assign(tf.add(tf.mul(t.variable, momentum), tf.mul(o.variable, 1 - momentum)));
        }
      });
    });
  }

  private copyOnlineParametersToTarget(): void {
    const online = this.online.namedParameters();
    const target = this.target.namedParameters();
    online.forEach((o, i) => target[i]!.variable.assign(o.variable));
  }
}
