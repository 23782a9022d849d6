/**
 * TensorFlow.js export of a `ModelGraph`: an equivalent `tf.layers` model
 * saved as `model.json` + `group1-shard1of1.bin`, the layers-model format the
 * stock `tf.loadLayersModel` opens. Only stock layers are used, so no custom
 * classes need registering on the loading side.
 *
 * PyTorch padding (fra-spec §6.4): every padded conv is `zeroPadding2d` then a
 * 'valid' conv — never TF 'same', which pads asymmetrically for stride 2.
 * BN is folded into conv weights + bias (see model-graph.ts).
 *
 * Preprocessing: with `embedPreprocessing` the model starts with a 1×1
 * depthwise conv named `preprocess` (per channel: x·1/(255·std) − mean/std),
 * so it takes RGB pixel values in [0, 255]; otherwise it takes the normalised
 * image. Either way `userDefinedMetadata.fra` describes input size, channel
 * order, mean/std and class names.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../run/atomic-file.js';
import { exportMetadata } from './onnx-export.js';
import type { ExportSource, GraphOp, ModelGraph, Preprocessing } from './model-graph.js';

export const TFJS_MODEL_FILE = 'model.json';
export const TFJS_WEIGHTS_FILE = 'group1-shard1of1.bin';

export interface TfjsExportOptions {
  preprocessing: Preprocessing;
  /** Start the model with the normalisation layer (input = pixels in [0, 255]); default true. */
  embedPreprocessing?: boolean;
  source?: ExportSource;
  metadata?: Record<string, string>;
}

const layerName = (name: string) => name.replaceAll('.', '_');

/** Builds the tf.layers model (caller disposes it). */
export function buildTfjsModel(graph: ModelGraph, options: TfjsExportOptions): tfl.LayersModel {
  const pre = options.preprocessing;
  const embed = options.embedPreprocessing ?? true;
  const [H, W] = pre.inputSize;
  const input = tfl.input({ shape: [H, W, 3], name: 'input', dtype: 'float32' });
  const values = new Map<string, tfl.SymbolicTensor>();
  const producers = new Map<string, GraphOp['kind'] | 'input'>();
  const pending: { layer: tfl.layers.Layer; weights: tf.Tensor[] }[] = [];
  let x: tfl.SymbolicTensor = input;
  if (embed) {
    const layer = tfl.layers.depthwiseConv2d({ kernelSize: 1, depthMultiplier: 1, useBias: true, name: 'preprocess' });
    x = layer.apply(x) as tfl.SymbolicTensor;
    pending.push({
      layer,
      weights: [tf.tensor4d(pre.std.map((s) => 1 / (255 * s)), [1, 1, 3, 1]), tf.tensor1d(pre.mean.map((m, c) => -m / pre.std[c]!))],
    });
  }
  values.set(graph.input, x);
  producers.set(graph.input, 'input');
  const take = (name: string): tfl.SymbolicTensor => {
    const t = values.get(name);
    if (!t) throw new Error(`tfjs export: value ${name} used before it is defined`);
    return t;
  };
  const pad = (t: tfl.SymbolicTensor, p: number, name: string): tfl.SymbolicTensor =>
    p === 0 ? t : (tfl.layers.zeroPadding2d({ padding: [[p, p], [p, p]], name: `${name}_pad` }).apply(t) as tfl.SymbolicTensor);

  for (const op of graph.ops) {
    const name = layerName(op.name);
    let out: tfl.SymbolicTensor;
    switch (op.kind) {
      case 'conv': {
        const layer = tfl.layers.conv2d({ filters: op.outChannels, kernelSize: op.kernel, strides: op.stride, padding: 'valid', useBias: true, name });
        out = layer.apply(pad(take(op.input), op.pad, name)) as tfl.SymbolicTensor;
        pending.push({ layer, weights: [tf.tensor4d(op.weight, [op.kernel, op.kernel, op.inChannels, op.outChannels]), tf.tensor1d(op.bias)] });
        break;
      }
      case 'relu':
        out = tfl.layers.reLU({ name }).apply(take(op.input)) as tfl.SymbolicTensor;
        break;
      case 'add':
        out = tfl.layers.add({ name }).apply([take(op.inputs[0]), take(op.inputs[1])]) as tfl.SymbolicTensor;
        break;
      case 'maxpool':
        // torch pads a max pool with −∞; stock tfjs layers can only zero-pad. Here the input is a ReLU output,
        // so every value is ≥ 0, and each 3×3/s2/p1 window holds at least one real cell: a zero pad can never
        // exceed the window's real maximum, so zero padding gives exactly the −∞-padded result. Refuse otherwise.
        if (producers.get(op.input) !== 'relu') throw new Error(`tfjs export: ${op.name} must follow a ReLU (zero padding stands in for −∞)`);
        if (op.pad >= op.kernel) throw new Error(`tfjs export: ${op.name} pad ${op.pad} ≥ kernel ${op.kernel} would create all-padding windows`);
        out = tfl.layers.maxPooling2d({ poolSize: op.kernel, strides: op.stride, padding: 'valid', name }).apply(pad(take(op.input), op.pad, name)) as tfl.SymbolicTensor;
        break;
      case 'gap':
        out = tfl.layers.globalAveragePooling2d({ dataFormat: 'channelsLast', name: op.output === 'features' ? 'features' : name }).apply(take(op.input)) as tfl.SymbolicTensor;
        break;
      case 'gemm': {
        const layer = tfl.layers.dense({ units: op.outFeatures, useBias: true, name: op.output === 'logits' ? 'logits' : name });
        out = layer.apply(take(op.input)) as tfl.SymbolicTensor;
        pending.push({ layer, weights: [tf.tensor2d(op.weight, [op.inFeatures, op.outFeatures]), tf.tensor1d(op.bias)] });
        break;
      }
    }
    values.set(op.output, out);
    producers.set(op.output, op.kind);
  }
  const model = tfl.model({ inputs: input, outputs: take(graph.output), name: 'fra_resnet' });
  for (const { layer, weights } of pending) {
    layer.setWeights(weights);
    tf.dispose(weights);
  }
  model.setUserDefinedMetadata({ fra: tfjsMetadata(graph, options) });
  return model;
}

export function tfjsMetadata(graph: ModelGraph, options: TfjsExportOptions): Record<string, unknown> {
  const embed = options.embedPreprocessing ?? true;
  const flat = exportMetadata(
    graph,
    options.preprocessing,
    {
      input_layout: 'NHWC',
      input_kind: embed ? 'raw RGB pixels in [0, 255]; normalisation is the first layer ("preprocess")' : 'normalised RGB image; apply the normalisation below before feeding',
      preprocessing_embedded: String(embed),
      ...options.metadata,
    },
    options.source,
  );
  return {
    ...flat,
    preprocessing: { ...options.preprocessing, embedded: embed },
    classNames: graph.classNames,
  };
}

export interface TfjsExportResult {
  modelJsonPath: string;
  weightsPath: string;
  weightBytes: number;
}

/** Writes `dir/model.json` and `dir/group1-shard1of1.bin`. */
export async function exportTfjs(graph: ModelGraph, dir: string, options: TfjsExportOptions): Promise<TfjsExportResult> {
  const model = buildTfjsModel(graph, options);
  const modelJsonPath = join(dir, TFJS_MODEL_FILE);
  const weightsPath = join(dir, TFJS_WEIGHTS_FILE);
  let weightBytes = 0;
  try {
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []));
        weightBytes = weights.byteLength;
        const modelJson: tf.io.ModelJSON = {
          modelTopology: artifacts.modelTopology!,
          format: artifacts.format ?? 'layers-model',
          generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
          convertedBy: 'fra-workbench',
          weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
          userDefinedMetadata: artifacts.userDefinedMetadata ?? {},
        };
        await writeFileAtomic(weightsPath, weights);
        await writeFileAtomic(modelJsonPath, JSON.stringify(modelJson));
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
  } finally {
    model.dispose();
  }
  return { modelJsonPath, weightsPath, weightBytes };
}

/**
 * A load handler that reads a saved layers model from disk (what tfjs-node's
 * `file://` handler does), for `tf.loadLayersModel(tfjsFileHandler(path))`.
 */
export function tfjsFileHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const bytes = await readFile(join(dirname(modelJsonPath), p));
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}
