/**
 * Worker thread: exports ONE checkpoint into an (empty, temporary) folder, then posts the result
 * and ends: a pre-training checkpoint's online backbone, or a fine-tuning checkpoint's classifier
 * (backbone + fc → logits, class names in the card; tfjs and onnx only). Started per export by backbone-export.ts,
 * so the tfjs work — loading the checkpoint, folding batch norm, serialising ONNX or TF.js —
 * never runs on the host's event loop, and its memory is returned when the export ends.
 *
 * Formats: 'safetensors' is trainer/run/export-backbone.ts (PyTorch state dict, torchvision keys);
 * 'tfjs' and 'onnx' are trainer/io/export/export-model.ts with the same source description and
 * preprocessing as the `fra-export` CLI.
 */
import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { activateCpuBackend } from '../../../trainer/engine/local-backends.js';
import { exportModel, MODEL_CARD_FILE } from '../../../trainer/io/export/export-model.js';
import { vggface2Preprocessing } from '../../../trainer/io/export/model-graph.js';
import { selectExportNetwork, type ExportNetwork } from '../../../trainer/io/export/checkpoint-network.js';
import { createResNetEncoder } from '../../../trainer/models/resnet.js';
import { SeedSequence } from '../../../trainer/nn/seed.js';
import { CheckpointError, loadCheckpoint } from '../../../trainer/run/checkpoint.js';
import { backboneDescriptionPathFor, exportBackbone } from '../../../trainer/run/export-backbone.js';

export interface ExportJob {
  checkpointPath: string;
  /** The ledger's SHA-256 of the checkpoint file: a file that changed since is refused. */
  expectedSha256: string;
  outDir: string;
  format: 'safetensors' | 'tfjs' | 'onnx';
  layout?: 'nchw' | 'nhwc';
  /** For the model card: which run it came from. */
  runLabel: string;
}

export type ExportReply =
  | { ok: true; files: string[]; modelCard?: string }
  | { ok: false; code: string; message: string; hint?: string };

export const BACKBONE_FILE = 'backbone.safetensors';

async function runExport(job: ExportJob): Promise<ExportReply> {
  await activateCpuBackend();
  if (job.format === 'safetensors') {
    const out = join(job.outDir, BACKBONE_FILE);
    const description = await exportBackbone(job.checkpointPath, out);
    if (description.sourceSha256 !== job.expectedSha256) return changedSinceSaved(job);
    return { ok: true, files: [BACKBONE_FILE, backboneDescriptionPathFor(BACKBONE_FILE)] };
  }
  const { meta, tensors } = await loadCheckpoint(job.checkpointPath);
  try {
    if (meta.tensorsSha256 !== job.expectedSha256) return changedSinceSaved(job);
    // The same selection as the `fra-export` CLI: a pre-training checkpoint's online backbone
    // (pooled features), or a fine-tuning checkpoint's backbone + classifier (logits, class names).
    let selected: ExportNetwork;
    try {
      selected = selectExportNetwork(meta, tensors, 'online');
    } catch (error) {
      throw new CheckpointError(`${job.checkpointPath}: ${(error as Error).message}`);
    }
    const encoder = createResNetEncoder(selected.backbone, new SeedSequence(0));
    try {
      encoder.loadState(selected.encoderState, { strict: true });
      encoder.setTraining(false);
      const imageSize = typeof meta.config['imageSize'] === 'number' ? meta.config['imageSize'] : 224;
      const result = await exportModel(encoder, {
        format: job.format,
        outDir: job.outDir,
        preprocessing: vggface2Preprocessing([imageSize, imageSize]),
        ...(job.layout !== undefined ? { layout: job.layout } : {}),
        ...(selected.classifier !== undefined ? { classifier: selected.classifier } : {}),
        source: {
          run: job.runLabel,
          checkpoint: job.checkpointPath,
          checkpointSha256: meta.tensorsSha256,
          backboneName: selected.backbone,
          network: selected.description,
          epoch: meta.position.epoch,
          globalStep: meta.position.globalStep,
        },
        config: meta.config,
        ...(selected.dataset !== undefined ? { dataset: selected.dataset } : {}),
        metrics: meta.metrics,
      });
      return { ok: true, files: result.files, modelCard: MODEL_CARD_FILE };
    } finally {
      encoder.dispose();
    }
  } finally {
    tf.dispose([...tensors.values()]);
  }
}

function changedSinceSaved(job: ExportJob): ExportReply {
  return {
    ok: false,
    code: 'checkpoint-corrupted',
    message: `${job.checkpointPath} is not the file that was saved: its checksum no longer matches the run's checkpoint ledger.`,
    hint: 'Export another checkpoint of this run; this one may have been overwritten or damaged.',
  };
}

function describeFailure(error: unknown): ExportReply {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof CheckpointError) {
    if (/corrupted or truncated/.test(message)) return { ok: false, code: 'checkpoint-corrupted', message, hint: 'Export another checkpoint of this run.' };
    if (/cannot read checkpoint/.test(message)) return { ok: false, code: 'not-found', message, hint: 'Refresh the checkpoint list: the file may have been deleted.' };
    return { ok: false, code: 'not-exportable', message, hint: 'Only FRA pre-training and fine-tuning checkpoints with a ResNet backbone can be exported.' };
  }
  return { ok: false, code: 'export-failed', message: `The export failed: ${message}` };
}

const port = parentPort;
if (port !== null) {
  runExport(workerData as ExportJob).then(
    (reply) => port.postMessage(reply),
    (error: unknown) => port.postMessage(describeFailure(error)),
  );
}
