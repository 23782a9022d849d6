/**
 * The facial-mask-embedding generator `ObjectNeck.proj_attn` (fra-spec §1.4): MaskFormer's
 * `TransformerPredictor(in_channels=C, hidden_dim=256, num_queries=N, nheads=8, dropout=0.1,
 * dim_feedforward=256, enc_layers=0, dec_layers=2, pre_norm=False, mask_dim=256,
 * mask_classification=False, deep_supervision=False)` — a DETR query decoder.
 *
 *   memory = input_proj(F) flattened to [B, h·w, 256]   (1×1 conv on the BACKBONE map; no encoder)
 *   pos    = sine embedding [h·w, 256]                   (added to keys only, §9.18)
 *   tgt    = zeros [B, N, 256];  query_pos = query_embed.weight [N, 256]
 *   2 × post-norm decoder layer, then decoder.norm
 *   mask_embed = MLP 256→256→256→256 (ReLU between)    → [B, N, 256]
 *
 * Every image gets its own decoder pass (batched over B); the batch mean the neck takes
 * afterwards is not this module's business (§1.4 "Batch averaging").
 *
 * State keys (torch registration order, §6.1):
 *   transformer.decoder.layers.{i}.self_attn.{in_proj_weight,in_proj_bias,out_proj.weight,out_proj.bias}
 *   transformer.decoder.layers.{i}.multihead_attn.{…same…}
 *   transformer.decoder.layers.{i}.{linear1,linear2,norm1,norm2,norm3}.{weight,bias}
 *   transformer.decoder.norm.{weight,bias}
 *   query_embed.weight
 *   input_proj.{weight,bias}
 *   mask_embed.layers.{0,1,2}.{weight,bias}
 * (`pe_layer` and the 0-layer encoder have no state.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { kaimingUniform, standardNormal } from '../nn/init.js';
import { Conv2d, Linear } from '../nn/layers.js';
import { Module, ModuleList } from '../nn/module.js';
import type { SeedSequence } from '../nn/seed.js';
import { Dropout, MultiheadAttention, xavierLinear } from './attention.js';
import { LayerNorm } from './layer-norm.js';
import { sinePositionEmbedding } from './position-encoding.js';

/** [B, L, d] → [B·L, d] → Linear → [B, L, out]. */
function linearOnRows(linear: Linear, x: tf.Tensor3D): tf.Tensor3D {
  const [batch, length, d] = x.shape;
  const y = linear.forward(tf.reshape(x, [batch * length, d]));
  return tf.reshape(y, [batch, length, y.shape[1]]);
}

/**
 * DETR `TransformerDecoderLayer.forward_post` (normalize_before=False), no masks:
 *   tgt = norm1(tgt + dropout1(self_attn(q=k=tgt+query_pos, v=tgt)))
 *   tgt = norm2(tgt + dropout2(multihead_attn(q=tgt+query_pos, k=memory+pos, v=memory)))
 *   tgt = norm3(tgt + dropout3(linear2(dropout(relu(linear1(tgt))))))
 */
class DecoderLayer extends Module {
  private readonly selfAttention: MultiheadAttention;
  private readonly crossAttention: MultiheadAttention;
  private readonly linear1: Linear;
  private readonly dropout: Dropout;
  private readonly linear2: Linear;
  private readonly norm1: LayerNorm;
  private readonly norm2: LayerNorm;
  private readonly norm3: LayerNorm;
  private readonly dropout1: Dropout;
  private readonly dropout2: Dropout;
  private readonly dropout3: Dropout;

  constructor(dModel: number, numHeads: number, ffnDim: number, dropout: number, seeds: SeedSequence, dropoutSeeds: SeedSequence) {
    super();
    const attention = (): MultiheadAttention =>
      new MultiheadAttention({ embedDim: dModel, numHeads, dropout, seeds, dropoutSeeds });
    // Registration order = torch's attribute order, so stateEntries() follows state_dict order.
    this.selfAttention = this.registerModule('self_attn', attention());
    this.crossAttention = this.registerModule('multihead_attn', attention());
    this.linear1 = this.registerModule('linear1', xavierLinear(dModel, ffnDim, seeds));
    this.dropout = this.registerModule('dropout', new Dropout(dropout, dropoutSeeds));
    this.linear2 = this.registerModule('linear2', xavierLinear(ffnDim, dModel, seeds));
    this.norm1 = this.registerModule('norm1', new LayerNorm(dModel));
    this.norm2 = this.registerModule('norm2', new LayerNorm(dModel));
    this.norm3 = this.registerModule('norm3', new LayerNorm(dModel));
    this.dropout1 = this.registerModule('dropout1', new Dropout(dropout, dropoutSeeds));
    this.dropout2 = this.registerModule('dropout2', new Dropout(dropout, dropoutSeeds));
    this.dropout3 = this.registerModule('dropout3', new Dropout(dropout, dropoutSeeds));
  }

  /**
   * tgt [B, N, d]; memory and memoryWithPos [B, hw, d]; queryPos [N, d] (broadcast over B).
   */
  forward(tgt: tf.Tensor3D, memory: tf.Tensor3D, memoryWithPos: tf.Tensor3D, queryPos: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const selfQuery = tf.add<tf.Tensor3D>(tgt, queryPos);
      let out = this.norm1.forward(tf.add<tf.Tensor3D>(tgt, this.dropout1.forward(this.selfAttention.forward(selfQuery, selfQuery, tgt))));

      const crossQuery = tf.add<tf.Tensor3D>(out, queryPos);
      out = this.norm2.forward(tf.add<tf.Tensor3D>(out, this.dropout2.forward(this.crossAttention.forward(crossQuery, memoryWithPos, memory))));

      const hidden = this.dropout.forward(tf.relu(linearOnRows(this.linear1, out)));
      return this.norm3.forward(tf.add<tf.Tensor3D>(out, this.dropout3.forward(linearOnRows(this.linear2, hidden))));
    });
  }
}

/** DETR `TransformerDecoder` with return_intermediate=False: layers, then the final `norm`. */
class TransformerDecoder extends Module {
  private readonly layers: ModuleList<DecoderLayer>;
  private readonly norm: LayerNorm;

  constructor(layers: DecoderLayer[], dModel: number) {
    super();
    this.layers = this.registerModule('layers', new ModuleList(layers));
    this.norm = this.registerModule('norm', new LayerNorm(dModel));
  }

  forward(tgt: tf.Tensor3D, memory: tf.Tensor3D, memoryWithPos: tf.Tensor3D, queryPos: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      let out = tgt;
      for (const layer of this.layers.items) out = layer.forward(out, memory, memoryWithPos, queryPos);
      return this.norm.forward(out);
    });
  }
}

/**
 * DETR `Transformer` with 0 encoder layers: the encoder is the identity and has no state
 * (pre_norm=False ⇒ no encoder norm), so only `decoder` is registered.
 */
class DecoderOnlyTransformer extends Module {
  readonly decoder: TransformerDecoder;

  constructor(decoder: TransformerDecoder) {
    super();
    this.decoder = this.registerModule('decoder', decoder);
  }
}

/** `nn.Embedding(num, dim)` initialised N(0, 1) (fra-spec §1.4 step 4, §9.19). Only its table is used. */
class Embedding extends Module {
  readonly weight: tf.Variable;

  constructor(count: number, dim: number, seeds: SeedSequence) {
    super();
    this.weight = this.registerParameter('weight', standardNormal([count, dim], seeds));
  }
}

/** MaskFormer `MLP(input, hidden, output, num_layers)`: Linears in `layers`, ReLU between, torch default init. */
class MaskEmbedMlp extends Module {
  private readonly layers: ModuleList<Linear>;

  constructor(inDim: number, hiddenDim: number, outDim: number, numLayers: number, seeds: SeedSequence) {
    super();
    const dims = [inDim, ...Array<number>(numLayers - 1).fill(hiddenDim), outDim];
    this.layers = this.registerModule(
      'layers',
      new ModuleList(Array.from({ length: numLayers }, (_, i) => new Linear(dims[i]!, dims[i + 1]!, seeds))),
    );
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const last = this.layers.items.length - 1;
      return this.layers.items.reduce((h, layer, i) => (i < last ? tf.relu(layer.forward(h)) : layer.forward(h)), x);
    });
  }
}

export interface MaskEmbeddingGeneratorOptions {
  /** Backbone channels C (2048 for ResNet-50). */
  inChannels: number;
  /** d_model = mask_dim = `--proj-dim` (256). */
  hiddenDim?: number;
  /** N = `--num_proto` (8). */
  numQueries?: number;
  numHeads?: number;
  ffnDim?: number;
  numLayers?: number;
  dropout?: number;
  /** Initialisation draws. */
  seeds: SeedSequence;
  /** Dropout-mask draws (shared by every dropout inside); default: forked from `seeds`. */
  dropoutSeeds?: SeedSequence;
}

export class MaskEmbeddingGenerator extends Module {
  readonly inChannels: number;
  readonly hiddenDim: number;
  readonly numQueries: number;
  private readonly transformer: DecoderOnlyTransformer;
  private readonly queryEmbed: Embedding;
  private readonly inputProj: Conv2d;
  private readonly maskEmbed: MaskEmbedMlp;

  constructor(options: MaskEmbeddingGeneratorOptions) {
    super();
    const seeds = options.seeds;
    const dropoutSeeds = options.dropoutSeeds ?? seeds.fork();
    const d = options.hiddenDim ?? 256;
    const numHeads = options.numHeads ?? 8;
    const ffnDim = options.ffnDim ?? d; // FRA passes dim_feedforward = out_channels
    const numLayers = options.numLayers ?? 2;
    const dropout = options.dropout ?? 0.1;
    if (d % 2 !== 0) throw new Error(`hiddenDim must be even (sine position embedding), got ${d}`);
    this.inChannels = options.inChannels;
    this.hiddenDim = d;
    this.numQueries = options.numQueries ?? 8;

    const layers = Array.from({ length: numLayers }, () => new DecoderLayer(d, numHeads, ffnDim, dropout, seeds, dropoutSeeds));
    this.transformer = this.registerModule('transformer', new DecoderOnlyTransformer(new TransformerDecoder(layers, d)));
    this.queryEmbed = this.registerModule('query_embed', new Embedding(this.numQueries, d, seeds));
    // fvcore c2_xavier_fill: kaiming_uniform(a=1) ⇒ bound √(3/fan_in), bias 0 (fra-spec §1.4 step 1).
    this.inputProj = this.registerModule('input_proj', new Conv2d(options.inChannels, d, 1, seeds, { bias: true }));
    const inputProjWeight = kaimingUniform([1, 1, options.inChannels, d], options.inChannels, 1, seeds);
    this.inputProj.weight.assign(inputProjWeight);
    inputProjWeight.dispose();
    this.maskEmbed = this.registerModule('mask_embed', new MaskEmbedMlp(d, d, d, 3, seeds));
  }

  /** features: backbone map [B, h, w, C] → per-image mask embeddings [B, N, hiddenDim]. */
  forward(features: tf.Tensor4D): tf.Tensor3D {
    const [batch, height, width, channels] = features.shape;
    if (channels !== this.inChannels) {
      throw new Error(`MaskEmbeddingGenerator expects ${this.inChannels} input channels, got [${features.shape.join(', ')}]`);
    }
    const d = this.hiddenDim;
    return tf.tidy(() => {
      const memory = tf.reshape(this.inputProj.forward(features), [batch, height * width, d]) as tf.Tensor3D;
      const memoryWithPos = tf.add<tf.Tensor3D>(memory, sinePositionEmbedding(height, width, d / 2));
      const target = tf.zeros([batch, this.numQueries, d]) as tf.Tensor3D;
      const queryPos = this.queryEmbed.weight as tf.Tensor2D;
      const decoded = this.transformer.decoder.forward(target, memory, memoryWithPos, queryPos);
      const embeddings = this.maskEmbed.forward(tf.reshape(decoded, [batch * this.numQueries, d]));
      return tf.reshape(embeddings, [batch, this.numQueries, d]);
    });
  }
}
