/**
 * Worker thread: exports the online backbone of ONE pre-training checkpoint into an (empty,
 * temporary) folder, then posts the result and ends. Started per export by backbone-export.ts,
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
import { createResNetEncoder, isResNetEncoderName } from '../../../trainer/models/resnet.js';
import { SeedSequence } from '../../../trainer/nn/seed.js';
import { CheckpointError, loadCheckpoint } from '../../../trainer/run/checkpoint.js';
import { backboneDescriptionPathFor, exportBackbone, ONLINE_BACKBONE_PREFIX } from '../../../trainer/run/export-backbone.js';

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
    const backbone = String(meta.config['backbone']);
    if (!isResNetEncoderName(backbone)) throw new CheckpointError(`${job.checkpointPath}: unknown backbone ${JSON.stringify(backbone)} in its configuration`);
    const selected = new Map<string, tf.Tensor>();
    for (const [name, t] of tensors) if (name.startsWith(ONLINE_BACKBONE_PREFIX)) selected.set(name.slice(ONLINE_BACKBONE_PREFIX.length), t);
    if (selected.size === 0) throw new CheckpointError(`${job.checkpointPath} has no tensors under "${ONLINE_BACKBONE_PREFIX}"`);
    const encoder = createResNetEncoder(backbone, new SeedSequence(0));
    try {
      encoder.loadState(selected, { strict: true });
      encoder.setTraining(false);
      const imageSize = typeof meta.config['imageSize'] === 'number' ? meta.config['imageSize'] : 224;
      const dataset = typeof meta.config['dataset'] === 'string' ? meta.config['dataset'] : undefined;
      const result = await exportModel(encoder, {
        format: job.format,
        outDir: job.outDir,
        preprocessing: vggface2Preprocessing([imageSize, imageSize]),
        ...(job.layout !== undefined ? { layout: job.layout } : {}),
        source: {
          run: job.runLabel,
          checkpoint: job.checkpointPath,
          checkpointSha256: meta.tensorsSha256,
          backboneName: backbone,
          network: `online network backbone (${ONLINE_BACKBONE_PREFIX}*) of a FRA pre-training checkpoint`,
          epoch: meta.position.epoch,
          globalStep: meta.position.globalStep,
        },
        config: meta.config,
        ...(dataset !== undefined ? { dataset: `Pre-trained self-supervised on \`${dataset}\` (identity labels unused).` } : {}),
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
    return { ok: false, code: 'not-exportable', message, hint: 'Only FRA pre-training checkpoints with a ResNet backbone can be exported.' };
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
