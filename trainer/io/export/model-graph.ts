/**
 * One walk of an exportable network — a ResNet encoder in eval mode, global
 * average pooling and an optional linear classifier — into a flat list of
 * inference ops that both exporters (ONNX, TF.js) translate one to one.
 *
 * Batch norm is folded into the preceding convolution with the running
 * statistics (eval mode), computed in float64 and rounded once:
 *   s = γ / √(var + eps),  w' = w·s (per output channel),  b' = β − mean·s.
 *
 * Tensors are NHWC and values are named by strings; the graph input is the
 * *normalised* image (fra-spec §3); exporters may put the normalisation in
 * front of it (see `Preprocessing`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { VGGFACE2_MEAN, VGGFACE2_STD } from '../../data/normalization-stats.js';
import type { ResNetEncoder } from '../../models/resnet.js';

export const GRAPH_INPUT = 'input';

export interface ConvOp {
  kind: 'conv';
  name: string;
  input: string;
  output: string;
  /** Folded filter, our layout [kh, kw, inChannels, outChannels]. */
  weight: Float32Array;
  /** Folded bias [outChannels]. */
  bias: Float32Array;
  kernel: number;
  inChannels: number;
  outChannels: number;
  stride: number;
  /** Symmetric zero padding (PyTorch semantics). */
  pad: number;
}

export interface ReluOp {
  kind: 'relu';
  name: string;
  input: string;
  output: string;
}

export interface AddOp {
  kind: 'add';
  name: string;
  inputs: readonly [string, string];
  output: string;
}

/** torch MaxPool2d(kernel, stride, padding) — padding counts as −∞. */
export interface MaxPoolOp {
  kind: 'maxpool';
  name: string;
  input: string;
  output: string;
  kernel: number;
  stride: number;
  pad: number;
}

/** Mean over H and W: [B, H, W, C] → [B, C]. */
export interface GlobalAvgPoolOp {
  kind: 'gap';
  name: string;
  input: string;
  output: string;
}

/** y = x·W + b with W [inFeatures, outFeatures] (our Linear layout). */
export interface GemmOp {
  kind: 'gemm';
  name: string;
  input: string;
  output: string;
  weight: Float32Array;
  bias: Float32Array;
  inFeatures: number;
  outFeatures: number;
}

export type GraphOp = ConvOp | ReluOp | AddOp | MaxPoolOp | GlobalAvgPoolOp | GemmOp;

/**
 * How raw images become the network input: RGB pixel values in [0, 255],
 * resized to `inputSize`, then x ↦ (x/255 − mean)/std per channel.
 */
export interface Preprocessing {
  /** [height, width] the network was trained at. */
  inputSize: readonly [number, number];
  channelOrder: 'RGB';
  /** Range of the raw pixel values the normalisation below expects. */
  pixelRange: readonly [0, 255];
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  resize: string;
}

export function vggface2Preprocessing(inputSize: readonly [number, number] = [224, 224]): Preprocessing {
  return {
    inputSize,
    channelOrder: 'RGB',
    pixelRange: [0, 255],
    mean: [...VGGFACE2_MEAN],
    std: [...VGGFACE2_STD],
    resize: 'resize the whole face crop to inputSize (bilinear), no crop',
  };
}

export interface ClassifierWeights {
  /** [C, K], our Linear layout. */
  weight: tf.Tensor;
  /** [K]. */
  bias?: tf.Tensor;
  classNames?: readonly string[];
}

export interface ModelGraph {
  ops: GraphOp[];
  input: string;
  /** 'features' ([B, C], pooled encoder output) or 'logits' ([B, K]). */
  output: 'features' | 'logits';
  inChannels: 3;
  outFeatures: number;
  classNames: readonly string[] | null;
  /** Backbone description for metadata. */
  backbone: { block: string; layers: readonly number[]; baseWidth: number; outChannels: number };
}

export interface BuildGraphOptions {
  classifier?: ClassifierWeights;
  /** BatchNorm eps (the encoder's BNs use torch's 1e-5). */
  bnEps?: number;
}

/**
 * Reads the encoder's state (names as torchvision's state_dict) and emits the
 * inference graph. The architecture (strides, paddings) mirrors
 * `models/resnet.ts`; each weight's shape is checked against it.
 */
export function buildModelGraph(encoder: ResNetEncoder, options: BuildGraphOptions = {}): ModelGraph {
  const eps = options.bnEps ?? 1e-5;
  const state = new Map(encoder.stateEntries().map((e) => [e.name, e.variable as tf.Tensor] as const));
  const get = (name: string): tf.Tensor => {
    const t = state.get(name);
    if (!t) throw new Error(`model export: the encoder has no tensor "${name}"`);
    return t;
  };
  const ops: GraphOp[] = [];
  let counter = 0;
  const fresh = (base: string) => `${base}_${counter++}`;

  const convBn = (convName: string, bnName: string, input: string, stride: number, pad: number): string => {
    const w = get(`${convName}.weight`);
    const [kh, kw, inC, outC] = w.shape as [number, number, number, number];
    if (kh !== kw) throw new Error(`model export: ${convName} has a non-square kernel ${kh}×${kw}`);
    const gamma = get(`${bnName}.weight`).dataSync();
    const beta = get(`${bnName}.bias`).dataSync();
    const mean = get(`${bnName}.running_mean`).dataSync();
    const variance = get(`${bnName}.running_var`).dataSync();
    if (gamma.length !== outC) throw new Error(`model export: ${bnName} has ${gamma.length} channels, ${convName} ${outC}`);
    const src = w.dataSync();
    const weight = new Float32Array(src.length);
    const bias = new Float32Array(outC);
    const scale = new Float64Array(outC);
    for (let o = 0; o < outC; o++) {
      scale[o] = gamma[o]! / Math.sqrt(variance[o]! + eps);
      bias[o] = beta[o]! - mean[o]! * scale[o]!;
    }
    for (let i = 0; i < src.length; i++) weight[i] = src[i]! * scale[i % outC]!;
    const output = fresh(convName.replaceAll('.', '_'));
    ops.push({ kind: 'conv', name: convName, input, output, weight, bias, kernel: kh, inChannels: inC, outChannels: outC, stride, pad });
    return output;
  };
  const relu = (input: string, name: string): string => {
    const output = fresh(`${name.replaceAll('.', '_')}_relu`);
    ops.push({ kind: 'relu', name: `${name}.relu`, input, output });
    return output;
  };

  const spec = encoder.spec;
  let h = relu(convBn('conv1', 'bn1', GRAPH_INPUT, 2, 3), 'stem');
  const pooled = fresh('maxpool');
  ops.push({ kind: 'maxpool', name: 'maxpool', input: h, output: pooled, kernel: 3, stride: 2, pad: 1 });
  h = pooled;
  spec.layers.forEach((count, stageIndex) => {
    for (let b = 0; b < count; b++) {
      const p = `layer${stageIndex + 1}.${b}`;
      const stride = b === 0 && stageIndex > 0 ? 2 : 1;
      let out: string;
      if (spec.block === 'basic') {
        out = relu(convBn(`${p}.conv1`, `${p}.bn1`, h, stride, 1), `${p}.conv1`);
        out = convBn(`${p}.conv2`, `${p}.bn2`, out, 1, 1);
      } else {
        out = relu(convBn(`${p}.conv1`, `${p}.bn1`, h, 1, 0), `${p}.conv1`);
        out = relu(convBn(`${p}.conv2`, `${p}.bn2`, out, stride, 1), `${p}.conv2`);
        out = convBn(`${p}.conv3`, `${p}.bn3`, out, 1, 0);
      }
      const identity = state.has(`${p}.downsample.0.weight`) ? convBn(`${p}.downsample.0`, `${p}.downsample.1`, h, stride, 0) : h;
      const sum = fresh(`${p.replaceAll('.', '_')}_add`);
      ops.push({ kind: 'add', name: `${p}.add`, inputs: [out, identity], output: sum });
      h = relu(sum, p);
    }
  });
  const last = ops.findLast((op): op is ConvOp => op.kind === 'conv');
  const channels = last?.outChannels ?? 0;
  if (channels !== encoder.outChannels) throw new Error(`model export: walked ${channels} output channels, encoder has ${encoder.outChannels}`);

  const classifier = options.classifier;
  const featureName = classifier ? fresh('pooled') : 'features';
  ops.push({ kind: 'gap', name: 'avgpool', input: h, output: featureName });
  if (!classifier) {
    return { ops, input: GRAPH_INPUT, output: 'features', inChannels: 3, outFeatures: channels, classNames: null, backbone: describe(encoder) };
  }
  const [inF, outF] = classifier.weight.shape as [number, number];
  if (classifier.weight.rank !== 2 || inF !== channels) {
    throw new Error(`model export: classifier weight must be [${channels}, K], got [${classifier.weight.shape.join(', ')}]`);
  }
  if (classifier.bias && (classifier.bias.rank !== 1 || classifier.bias.shape[0] !== outF)) {
    throw new Error(`model export: classifier bias must be [${outF}], got [${classifier.bias.shape.join(', ')}]`);
  }
  if (classifier.classNames && classifier.classNames.length !== outF) {
    throw new Error(`model export: ${classifier.classNames.length} class names for ${outF} classes`);
  }
  ops.push({
    kind: 'gemm',
    name: 'fc',
    input: featureName,
    output: 'logits',
    weight: Float32Array.from(classifier.weight.dataSync()),
    bias: classifier.bias ? Float32Array.from(classifier.bias.dataSync()) : new Float32Array(outF),
    inFeatures: inF,
    outFeatures: outF,
  });
  return {
    ops,
    input: GRAPH_INPUT,
    output: 'logits',
    inChannels: 3,
    outFeatures: outF,
    classNames: classifier.classNames ?? Array.from({ length: outF }, (_, i) => `class_${i}`),
    backbone: describe(encoder),
  };
}

function describe(encoder: ResNetEncoder): ModelGraph['backbone'] {
  return { block: encoder.spec.block, layers: [...encoder.spec.layers], baseWidth: encoder.spec.baseWidth, outChannels: encoder.outChannels };
}

/**
 * Reference forward of the graph with tfjs ops (NHWC, normalised input) —
 * checks the walk and the folding against the module's own forward.
 */
export function runModelGraph(graph: ModelGraph, input: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const values = new Map<string, tf.Tensor>([[graph.input, input]]);
    const take = (name: string): tf.Tensor => {
      const t = values.get(name);
      if (!t) throw new Error(`graph value ${name} used before it is defined`);
      return t;
    };
    for (const op of graph.ops) {
      switch (op.kind) {
        case 'conv': {
          const w = tf.tensor4d(op.weight, [op.kernel, op.kernel, op.inChannels, op.outChannels]);
          values.set(op.output, tf.add(tf.conv2d(take(op.input) as tf.Tensor4D, w, op.stride, op.pad), tf.tensor1d(op.bias)));
          break;
        }
        case 'relu':
          values.set(op.output, tf.relu(take(op.input)));
          break;
        case 'add':
          values.set(op.output, tf.add(take(op.inputs[0]), take(op.inputs[1])));
          break;
        case 'maxpool':
          values.set(op.output, tf.maxPool(take(op.input) as tf.Tensor4D, op.kernel, op.stride, op.pad));
          break;
        case 'gap':
          values.set(op.output, tf.mean(take(op.input), [1, 2]));
          break;
        case 'gemm':
          values.set(op.output, tf.add(tf.matMul(take(op.input) as tf.Tensor2D, tf.tensor2d(op.weight, [op.inFeatures, op.outFeatures])), tf.tensor1d(op.bias)));
          break;
      }
    }
    return take(graph.output) as tf.Tensor2D;
  });
}

/** Our eval-mode forward of encoder (+ GAP, + classifier): the reference the exports are tested against. */
export function referenceForward(encoder: ResNetEncoder, input: tf.Tensor4D, classifier?: ClassifierWeights): tf.Tensor2D {
  return tf.tidy((): tf.Tensor2D => {
    const wasTraining = encoder.training;
    encoder.setTraining(false);
    try {
      const pooled = tf.mean(encoder.forward(input), [1, 2]) as tf.Tensor2D;
      if (!classifier) return pooled;
      const y: tf.Tensor2D = tf.matMul(pooled, classifier.weight as tf.Tensor2D);
      return classifier.bias ? (tf.add(y, classifier.bias) as tf.Tensor2D) : y;
    } finally {
      encoder.setTraining(wasTraining);
    }
  });
}

/** Metadata shared by both formats (flattened to strings for ONNX metadata_props). */
export interface ExportSource {
  /** Run id or directory the model comes from. */
  run?: string;
  checkpoint?: string;
  checkpointSha256?: string;
  /** e.g. `resnet18_encoder`. */
  backboneName?: string;
  network?: string;
  epoch?: number;
  globalStep?: number;
}

export function normalizedMeanStd255(pre: Preprocessing): { mean255: number[]; std255: number[] } {
  return { mean255: pre.mean.map((m) => m * 255), std255: pre.std.map((s) => s * 255) };
}
