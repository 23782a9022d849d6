/**
 * FRA's `ObjectNeck` in `mask_type='attn'` mode (fra-spec §1.5, Eq. 1–5 of the paper): from the
 * backbone map F it produces the global embedding, the N region embeddings and the per-pixel
 * region scores ("dots") the losses use.
 *
 *   z      = proj(mean_{h,w} F)                              [B, D]      BN over B rows
 *   Fd     = proj_pixel(F at every pixel)                   [B·h·w, D]  BN over B·h·w rows
 *   Q̄      = mean_b proj_attn(F)            (train)          [N, D]      gradients flow through the mean
 *          = proto                          (inference)
 *   S      = cos(Q̄[n], Fd[b,u,v])                            [B, h, w, N]
 *   M      = softmax_n(S / τh) + 1e-7                        [B, h, w, N]  softmax over REGIONS (§9.4)
 *   W      = M / Σ_{u,v} M                                   each region's map sums to 1 over space
 *   hreg   = Σ_{u,v} W·F                                     [B, N, C]   pools BACKBONE features (§9.4)
 *   zRegion = proj_obj(hreg)                                 [B, N, D]   BN over B·N rows
 *
 * Batch averaging (§1.4, §9.3): in training every image of the batch uses the same Q̄, and after
 * the forward `proto ← m·proto + (1 − m)·Q̄` without gradient. With `isTrain: false` the decoder is
 * not run at all (the reference runs it and discards the output) and `proto` is used, unchanged.
 * `isTrain` is independent of the module's train/eval mode (`setTraining`), which only switches BN
 * statistics and dropout — FRA's target net runs `isTrain` forwards in train mode (§1.6, §9.9).
 *
 * State keys (§6.1): proto, proj.mlp.*, proj_pixel.mlp.*, proj_obj.mlp.*, proj_attn.* — 69 entries
 * at the default sizes. Layout is NHWC / regions-last throughout (the reference's dots are (B,N,h,w)).
 */
import * as tf from '@tensorflow/tfjs-core';
import { standardNormal } from '../nn/init.js';
import { Module } from '../nn/module.js';
import type { SeedSequence } from '../nn/seed.js';
import { l2Normalize } from './losses.js';
import { MaskEmbeddingGenerator } from './mask-decoder.js';
import { MlpHead } from './mlp-head.js';

/** `ObjectNeck.eps` (reference default): keeps every heatmap entry positive before spatial normalisation. */
const DEFAULT_HEATMAP_EPS = 1e-7;

export interface ObjectNeckOptions {
  /** Backbone channels C (2048 for ResNet-50). */
  inChannels: number;
  /** Hd, `--hid-dim` (4096). */
  hiddenDim?: number;
  /** D, `--proj-dim` (256); also the decoder's d_model and mask_dim. */
  projDim?: number;
  /** N, `--num_proto` (8). */
  numRegions?: number;
  /** τh, `--lewel-scale` (1.0). */
  heatmapTemperature?: number;
  /** m of the proto EMA (0.9, hard-coded in the reference). */
  protoMomentum?: number;
  /** Added to the region softmax before spatial normalisation (1e-7, hard-coded in the reference). */
  heatmapEps?: number;
  decoderLayers?: number;
  decoderHeads?: number;
  /** FFN width of the decoder; the reference passes dim_feedforward = projDim (256). */
  decoderFfnDim?: number;
  decoderDropout?: number;
  /** Initialisation draws. */
  seeds: SeedSequence;
  /** Decoder dropout-mask draws; default forked from `seeds`. */
  dropoutSeeds?: SeedSequence;
}

export interface NeckForwardOptions {
  /** The reference's `isTrain`: batch-mean queries + proto update (true) or proto queries (false). */
  isTrain: boolean;
}

/** All tensors are new; the caller owns (and disposes) them. */
export interface NeckOutput {
  /** Global embedding z, [B, D]. */
  z: tf.Tensor2D;
  /** Region embeddings proj_obj(hreg), [B, N, D]. */
  zRegion: tf.Tensor3D;
  /** Cosine "dots" S, [B, h, w, N]; in [−1, 1]. */
  scores: tf.Tensor4D;
  /** M = softmax over regions of S/τh, + 1e-7, [B, h, w, N]. */
  heatmaps: tf.Tensor4D;
  /** The N mask embeddings the scores were computed with (Q̄ in training, proto otherwise), [N, D]. */
  regionEmbeddings: tf.Tensor2D;
}

export class ObjectNeck extends Module {
  readonly inChannels: number;
  readonly projDim: number;
  readonly numRegions: number;
  readonly heatmapTemperature: number;
  readonly protoMomentum: number;
  readonly heatmapEps: number;
  readonly proj: MlpHead;
  readonly projPixel: MlpHead;
  readonly projObj: MlpHead;
  readonly projAttn: MaskEmbeddingGenerator;
  /** EMA of the batch-mean mask embeddings, [N, D] (a buffer: never trained). */
  readonly proto: tf.Variable;

  constructor(options: ObjectNeckOptions) {
    super();
    const seeds = options.seeds;
    this.inChannels = options.inChannels;
    const hiddenDim = options.hiddenDim ?? 4096;
    this.projDim = options.projDim ?? 256;
    this.numRegions = options.numRegions ?? 8;
    this.heatmapTemperature = options.heatmapTemperature ?? 1.0;
    this.protoMomentum = options.protoMomentum ?? 0.9;
    this.heatmapEps = options.heatmapEps ?? DEFAULT_HEATMAP_EPS;
    if (!(this.heatmapTemperature > 0)) throw new Error(`heatmapTemperature must be > 0, got ${this.heatmapTemperature}`);
    if (!(this.protoMomentum >= 0 && this.protoMomentum <= 1)) throw new Error(`protoMomentum must be in [0, 1], got ${this.protoMomentum}`);

    // One forked stream per component, so resizing one does not shift the others' draws.
    const head = (): MlpHead =>
      new MlpHead({ inChannels: this.inChannels, hiddenChannels: hiddenDim, outChannels: this.projDim, seeds: seeds.fork() });
    this.proj = this.registerModule('proj', head());
    this.projPixel = this.registerModule('proj_pixel', head());
    this.projObj = this.registerModule('proj_obj', head());
    const generatorOptions = {
      inChannels: this.inChannels,
      hiddenDim: this.projDim,
      numQueries: this.numRegions,
      numHeads: options.decoderHeads ?? 8,
      ffnDim: options.decoderFfnDim ?? this.projDim,
      numLayers: options.decoderLayers ?? 2,
      dropout: options.decoderDropout ?? 0.1,
      seeds: seeds.fork(),
    };
    this.projAttn = this.registerModule(
      'proj_attn',
      new MaskEmbeddingGenerator(options.dropoutSeeds ? { ...generatorOptions, dropoutSeeds: options.dropoutSeeds } : generatorOptions),
    );
    this.proto = this.registerBuffer('proto', standardNormal([this.numRegions, this.projDim], seeds.fork()));
  }

  /** features: backbone map [B, h, w, C]. */
  forward(features: tf.Tensor4D, options: NeckForwardOptions): NeckOutput {
    const [batch, height, width, channels] = features.shape;
    if (channels !== this.inChannels) {
      throw new Error(`ObjectNeck expects ${this.inChannels} input channels, got [${features.shape.join(', ')}]`);
    }
    const pixels = height * width;
    const regions = this.numRegions;
    const d = this.projDim;

    return tf.tidy(() => {
      const z = this.proj.forward(tf.mean(features, [1, 2]) as tf.Tensor2D);
      const pixelRows = tf.reshape(features, [batch * pixels, channels]) as tf.Tensor2D;
      const pixelEmbeddings = this.projPixel.forward(pixelRows); // Fd, [B·hw, D]

      const regionEmbeddings = options.isTrain ? this.batchMeanMaskEmbeddings(features) : (tf.clone(this.proto) as tf.Tensor2D);

      // S[b,u,v,n] = ⟨n(Fd[b,u,v]), n(Q̄[n])⟩, F.normalize eps 1e-12 (§9.17).
      const scoreRows = tf.matMul(l2Normalize(pixelEmbeddings, 1), l2Normalize(regionEmbeddings, 1), false, true); // [B·hw, N]
      const heatmapRows = tf.add<tf.Tensor2D>(tf.softmax(tf.div<tf.Tensor2D>(scoreRows, this.heatmapTemperature)), this.heatmapEps);

      // Spatially normalised pooling weights, then one batched product [B, N, hw] × [B, hw, C].
      const heatmapsByImage = tf.reshape(heatmapRows, [batch, pixels, regions]) as tf.Tensor3D;
      const poolingWeights = tf.div<tf.Tensor3D>(heatmapsByImage, tf.sum(heatmapsByImage, 1, true));
      const pooled = tf.matMul(poolingWeights, tf.reshape(features, [batch, pixels, channels]) as tf.Tensor3D, true, false); // hreg [B, N, C]
      const zRegion = tf.reshape(this.projObj.forward(tf.reshape(pooled, [batch * regions, channels])), [batch, regions, d]) as tf.Tensor3D;

      return {
        z,
        zRegion,
        scores: tf.reshape(scoreRows, [batch, height, width, regions]) as tf.Tensor4D,
        heatmaps: tf.reshape(heatmapRows, [batch, height, width, regions]) as tf.Tensor4D,
        regionEmbeddings,
      };
    });
  }

  /**
   * Q̄ = mean over the batch of the decoder's per-image embeddings (differentiable), and the
   * no-gradient proto EMA update (`ObjectNeck.update_proto`). On one device the batch mean is the
   * exact global mean (§2.5).
   */
  private batchMeanMaskEmbeddings(features: tf.Tensor4D): tf.Tensor2D {
    const mean = tf.mean(this.projAttn.forward(features), 0) as tf.Tensor2D;
    tf.tidy(() => {
      // Variable.assign is not taped, so the update never carries a gradient.
      const m = this.protoMomentum;
      this.proto.assign(tf.add(tf.mul(this.proto, m), tf.mul(mean, 1 - m)));
    });
    return mean;
  }
}
