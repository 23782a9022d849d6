/**
 * PyTorch `nn.MultiheadAttention` (batch_first semantics, no masks), as used by the DETR decoder
 * layers of the FRA mask-embedding generator (fra-spec §1.4 step 5), plus the two small pieces
 * the decoder needs around it: seeded dropout and a xavier-initialised Linear.
 *
 * Parameterisation (keys = torch's, fra-spec §6.1/§6.4):
 *   in_proj_weight  torch (3d, d): rows 0..d-1 = W_q, d..2d-1 = W_k, 2d..3d-1 = W_v.
 *                   Stored here as its transpose [d, 3d] with torchLayout 'linear', so columns
 *                   0..d-1 project q etc. and import/export is an exact transpose.
 *   in_proj_bias    [3d], zeros (torch MHA `_reset_parameters`).
 *   out_proj.weight / out_proj.bias   a Linear(d, d); bias zero (torch MHA `_reset_parameters`).
 * Init: xavier-uniform on in_proj_weight (fan_in d, fan_out 3d as torch computes it for the
 * (3d, d) tensor) and on out_proj.weight — DETR's `Transformer._reset_parameters` applies
 * xavier to every ≥2-D transformer parameter (fra-spec §1.4, §9.19).
 *
 * Attention probabilities get dropout in training mode, as torch's MHA does (fra-spec §1.4).
 * All heads of all images run as one batched matMul over [B·heads, L, head_dim].
 */
import * as tf from '@tensorflow/tfjs-core';
import { xavierUniform } from '../nn/init.js';
import { Linear } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import type { SeedSequence } from '../nn/seed.js';

/** Replaces a freshly initialised variable's value (a torch `init.*_(tensor)` call). */
function reinitialise(variable: tf.Variable, values: tf.Tensor): void {
  variable.assign(values);
  values.dispose();
}

/**
 * A Linear whose weight is re-drawn xavier-uniform, as DETR's `_reset_parameters` does to every
 * ≥2-D parameter inside the transformer (fra-spec §1.4). The bias keeps torch's default
 * U(±1/√fan_in) (decoder linear1/linear2) or is zeroed (MHA out_proj).
 */
export function xavierLinear(inFeatures: number, outFeatures: number, seeds: SeedSequence, options: { zeroBias?: boolean } = {}): Linear {
  const linear = new Linear(inFeatures, outFeatures, seeds);
  reinitialise(linear.weight, xavierUniform([inFeatures, outFeatures], inFeatures, outFeatures, seeds));
  if (options.zeroBias && linear.bias) reinitialise(linear.bias, tf.zeros([outFeatures]));
  return linear;
}

/**
 * Inverted dropout (`nn.Dropout`): in training mode zeroes each element with probability `rate`
 * and scales the rest by 1/(1 − rate); identity in eval mode. Every mask is drawn from
 * `seeds`, so a run is reproducible from its seed. The decoder shares one stream between all its
 * dropouts (one position to record for an exact resume).
 * It has no state, so registering it as a child adds no keys; it is a child only so that
 * `setTraining` reaches it.
 */
export class Dropout extends Module {
  readonly rate: number;
  private readonly seeds: SeedSequence;

  constructor(rate: number, seeds: SeedSequence) {
    super();
    if (!(rate >= 0 && rate < 1)) throw new Error(`Dropout rate must be in [0, 1), got ${rate}`);
    this.rate = rate;
    this.seeds = seeds;
  }

  forward<T extends tf.Tensor>(x: T): T {
    if (!this.training || this.rate === 0) return x;
    return tf.dropout(x, this.rate, undefined, this.seeds.next()) as T;
  }
}

export interface MultiheadAttentionOptions {
  embedDim: number;
  numHeads: number;
  /** Dropout on the attention probabilities (0.1 in FRA). */
  dropout: number;
  /** Initialisation draws. */
  seeds: SeedSequence;
  /** Dropout-mask draws. */
  dropoutSeeds: SeedSequence;
}

export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly inProjWeight: tf.Variable;
  readonly inProjBias: tf.Variable;
  private readonly outProj: Linear;
  private readonly attentionDropout: Dropout;

  constructor(options: MultiheadAttentionOptions) {
    super();
    const { embedDim: d, numHeads, seeds } = options;
    if (!Number.isInteger(d / numHeads)) throw new Error(`embedDim ${d} is not divisible by numHeads ${numHeads}`);
    this.embedDim = d;
    this.numHeads = numHeads;
    this.headDim = d / numHeads;
    this.inProjWeight = this.registerParameter('in_proj_weight', xavierUniform([d, 3 * d], d, 3 * d, seeds), 'linear');
    this.inProjBias = this.registerParameter('in_proj_bias', tf.zeros([3 * d]));
    this.outProj = this.registerModule('out_proj', xavierLinear(d, d, seeds, { zeroBias: true }));
    this.attentionDropout = this.registerModule('dropout', new Dropout(options.dropout, options.dropoutSeeds));
  }

  /**
   * query [B, Lq, d], key/value [B, Lk, d] → [B, Lq, d]:
   * softmax(q·kᵀ/√head_dim) (dropout in training) · v per head, heads concatenated, out_proj.
   */
  forward(query: tf.Tensor3D, key: tf.Tensor3D, value: tf.Tensor3D): tf.Tensor3D {
    const [batch, queryLength, d] = query.shape;
    const keyLength = key.shape[1];
    if (d !== this.embedDim || key.shape[2] !== d || value.shape[2] !== d || key.shape[0] !== batch || value.shape[0] !== batch || value.shape[1] !== keyLength) {
      throw new Error(
        `MultiheadAttention: incompatible shapes q [${query.shape.join(', ')}], k [${key.shape.join(', ')}], v [${value.shape.join(', ')}] for embedDim ${this.embedDim}`,
      );
    }
    const heads = this.numHeads;
    const headDim = this.headDim;

    return tf.tidy(() => {
      /** x [B, L, d] → its `part`-th projection (0 q, 1 k, 2 v) split into heads: [B·heads, L, headDim]. */
      const project = (x: tf.Tensor3D, part: number, length: number): tf.Tensor3D => {
        const weight = tf.slice(this.inProjWeight, [0, part * d], [d, d]) as tf.Tensor2D;
        const bias = tf.slice(this.inProjBias, [part * d], [d]);
        const projected = tf.add(tf.matMul(tf.reshape(x, [batch * length, d]) as tf.Tensor2D, weight), bias);
        const split = tf.transpose(tf.reshape(projected, [batch, length, heads, headDim]), [0, 2, 1, 3]);
        return tf.reshape(split, [batch * heads, length, headDim]);
      };
      // Scaling q before the product is what torch does; same values as scaling the logits.
      const q = tf.mul(project(query, 0, queryLength), 1 / Math.sqrt(headDim)) as tf.Tensor3D;
      const k = project(key, 1, keyLength);
      const v = project(value, 2, keyLength);

      const probabilities = this.attentionDropout.forward(tf.softmax(tf.matMul(q, k, false, true))); // [B·heads, Lq, Lk]
      const context = tf.matMul(probabilities, v); // [B·heads, Lq, headDim]
      const merged = tf.reshape(tf.transpose(tf.reshape(context, [batch, heads, queryLength, headDim]), [0, 2, 1, 3]), [
        batch * queryLength,
        d,
      ]) as tf.Tensor2D;
      return tf.reshape(this.outProj.forward(merged), [batch, queryLength, d]);
    });
  }
}
