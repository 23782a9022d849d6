/**
 * Backbone-only export (fra-spec §6.2, the reference's `--model-prefix online_net.backbone`):
 * from a pre-training checkpoint, write the online backbone alone as a PyTorch state dict —
 * torchvision ResNet keys (`conv1.weight`, `layer1.0.bn1.running_mean`, …, no prefix), torch
 * layouts (conv weights O,I,kh,kw), BN `num_batches_tracked` as int64 like torch — in a
 * safetensors file, plus a small JSON description next to it (source checkpoint, backbone,
 * training position).
 *
 * The tensors go through a freshly built encoder of the checkpoint's backbone (strict load),
 * so every key is checked against the architecture and each layout comes from the module
 * declaration, never guessed from a shape.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { writeSafetensors, type SafetensorsTensorToWrite } from '../io/safetensors.js';
import { exportTorchStateDict } from '../io/torch-layout.js';
import { createResNetEncoder, isResNetEncoderName } from '../models/resnet.js';
import { SeedSequence } from '../nn/seed.js';
import { writeFileAtomic } from './atomic-file.js';
import { CheckpointError, loadCheckpoint, type CheckpointPosition } from './checkpoint.js';

export const BACKBONE_EXPORT_FORMAT = 'fra-workbench-backbone/1';
/** Where the online backbone lives in a pre-training checkpoint's state keys. */
export const ONLINE_BACKBONE_PREFIX = 'online_net.backbone.';

export interface BackboneExportDescription {
  format: typeof BACKBONE_EXPORT_FORMAT;
  /** The checkpoint file it came from (as given) and its whole-file SHA-256. */
  sourceCheckpoint: string;
  sourceSha256: string;
  /** The run configuration's backbone name (e.g. `resnet50_encoder`). */
  backbone: string;
  /** The prefix that was removed from the checkpoint's keys. */
  prefix: string;
  /** Training position of the source checkpoint. */
  position: CheckpointPosition;
  layout: 'pytorch';
  keys: number;
  file: string;
  sha256: string;
  createdAt: string;
}

export function backboneDescriptionPathFor(outPath: string): string {
  return outPath.replace(/\.safetensors$/, '') + '.json';
}

/**
 * Writes `outPath` (must end in .safetensors) and its `.json` description, both atomically.
 * The checkpoint is verified (checksum) on load; a checkpoint without the backbone refuses.
 */
export async function exportBackbone(checkpointPath: string, outPath: string, options: { prefix?: string } = {}): Promise<BackboneExportDescription> {
  if (!outPath.endsWith('.safetensors')) throw new CheckpointError(`backbone export file must end in .safetensors: ${outPath}`);
  const prefix = options.prefix ?? ONLINE_BACKBONE_PREFIX;
  const { meta, tensors } = await loadCheckpoint(checkpointPath);
  const backbone = String(meta.config['backbone']);
  let encoder: ReturnType<typeof createResNetEncoder> | undefined;
  let torchState: Map<string, tf.Tensor> | undefined;
  try {
    if (!isResNetEncoderName(backbone)) throw new CheckpointError(`${checkpointPath}: unknown backbone ${JSON.stringify(backbone)} in its configuration`);
    const selected = new Map<string, tf.Tensor>();
    for (const [name, t] of tensors) if (name.startsWith(prefix)) selected.set(name.slice(prefix.length), t);
    if (selected.size === 0) throw new CheckpointError(`${checkpointPath} has no tensors under "${prefix}"`);
    encoder = createResNetEncoder(backbone, new SeedSequence(0));
    try {
      encoder.loadState(selected, { strict: true });
    } catch (error) {
      throw new CheckpointError(`${checkpointPath}: the tensors under "${prefix}" are not a ${backbone}: ${(error as Error).message}`);
    }
    torchState = exportTorchStateDict(encoder);
    const entries = new Map<string, SafetensorsTensorToWrite>();
    for (const [name, t] of torchState) {
      if (t.dtype === 'int32') {
        // torch keeps num_batches_tracked as int64; match it so torch's load_state_dict sees its own dtype.
        entries.set(name, { dtype: 'I64', shape: t.shape, data: BigInt64Array.from(t.dataSync() as Int32Array, (v) => BigInt(v)) });
      } else {
        entries.set(name, { dtype: 'F32', shape: t.shape, data: Float32Array.from(t.dataSync() as Float32Array) });
      }
    }
    const bytes = writeSafetensors(entries, {
      format: BACKBONE_EXPORT_FORMAT,
      'fra.backbone': backbone,
      'fra.sourceSha256': meta.tensorsSha256,
      'fra.position': JSON.stringify(meta.position),
    });
    await writeFileAtomic(outPath, bytes);
    const description: BackboneExportDescription = {
      format: BACKBONE_EXPORT_FORMAT,
      sourceCheckpoint: checkpointPath,
      sourceSha256: meta.tensorsSha256,
      backbone,
      prefix,
      position: meta.position,
      layout: 'pytorch',
      keys: entries.size,
      file: basename(outPath),
      sha256: createHash('sha256').update(bytes).digest('hex'),
      createdAt: new Date().toISOString(),
    };
    await writeFileAtomic(backboneDescriptionPathFor(outPath), JSON.stringify(description, null, 2) + '\n');
    return description;
  } finally {
    if (torchState) tf.dispose([...torchState.values()]);
    encoder?.dispose();
    tf.dispose([...tensors.values()]);
  }
}
