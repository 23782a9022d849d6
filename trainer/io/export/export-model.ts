/**
 * One export directory: the model (ONNX `model.onnx`, or TF.js `model.json` +
 * `group1-shard1of1.bin`), `preprocessing.json` and `MODEL_CARD.md`. Shared
 * by the `fra-export` CLI and (later) the UI.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResNetEncoder } from '../../models/resnet.js';
import { writeFileAtomic } from '../../run/atomic-file.js';
import { buildModelCard } from './model-card.js';
import { buildModelGraph, type ClassifierWeights, type ExportSource, type ModelGraph, type Preprocessing } from './model-graph.js';
import { exportOnnx, type InputLayout } from './onnx-export.js';
import { exportTfjs, TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE } from './tfjs-export.js';

export const ONNX_MODEL_FILE = 'model.onnx';
export const PREPROCESSING_FILE = 'preprocessing.json';
export const MODEL_CARD_FILE = 'MODEL_CARD.md';

export interface ExportModelOptions {
  format: 'onnx' | 'tfjs';
  outDir: string;
  preprocessing: Preprocessing;
  /** ONNX input layout (TF.js is always NHWC). Default nchw. */
  layout?: InputLayout;
  embedPreprocessing?: boolean;
  /** ONNX only. */
  inputType?: 'float32' | 'uint8';
  classifier?: ClassifierWeights;
  source?: ExportSource;
  config?: Record<string, unknown>;
  dataset?: string;
  metrics?: Record<string, number>;
}

export interface ExportModelResult {
  graph: ModelGraph;
  files: string[];
  card: string;
}

export async function exportModel(encoder: ResNetEncoder, options: ExportModelOptions): Promise<ExportModelResult> {
  const graph = buildModelGraph(encoder, options.classifier ? { classifier: options.classifier } : {});
  const embed = options.embedPreprocessing ?? true;
  await mkdir(options.outDir, { recursive: true });
  let files: string[];
  let inputLayout: string;
  let inputType: string | undefined;
  if (options.format === 'onnx') {
    const layout = options.layout ?? 'nchw';
    const result = exportOnnx(graph, {
      layout,
      preprocessing: options.preprocessing,
      embedPreprocessing: embed,
      ...(options.inputType ? { inputType: options.inputType } : {}),
      ...(options.source ? { source: options.source } : {}),
    });
    await writeFileAtomic(join(options.outDir, ONNX_MODEL_FILE), result.bytes);
    files = [ONNX_MODEL_FILE];
    inputLayout = `${layout.toUpperCase()} ${JSON.stringify(result.inputShape)}`;
    inputType = options.inputType ?? 'float32';
  } else {
    if (options.layout === 'nchw') throw new Error('the TF.js export takes NHWC input only');
    await exportTfjs(graph, options.outDir, {
      preprocessing: options.preprocessing,
      embedPreprocessing: embed,
      ...(options.source ? { source: options.source } : {}),
    });
    files = [TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE];
    inputLayout = 'NHWC [batch, H, W, 3]';
    inputType = 'float32';
  }
  const preprocessingJson = {
    ...options.preprocessing,
    embedded: embed,
    inputLayout,
    inputType,
    output: graph.output,
    outputFeatures: graph.outFeatures,
    classNames: graph.classNames,
  };
  await writeFileAtomic(join(options.outDir, PREPROCESSING_FILE), JSON.stringify(preprocessingJson, null, 2) + '\n');
  files.push(PREPROCESSING_FILE, MODEL_CARD_FILE);
  const card = buildModelCard({
    format: options.format,
    files,
    graph,
    preprocessing: options.preprocessing,
    preprocessingEmbedded: embed,
    inputLayout,
    inputType,
    createdAt: new Date().toISOString(),
    ...(options.source ? { source: options.source } : {}),
    ...(options.config ? { config: options.config } : {}),
    ...(options.dataset ? { dataset: options.dataset } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  await writeFileAtomic(join(options.outDir, MODEL_CARD_FILE), card);
  return { graph, files, card };
}
