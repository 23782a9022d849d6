/**
 * Pre-training checkpoints: one safetensors file with every tensor (model
 * state in our NHWC layout under PyTorch key names, optimiser momentum under
 * `optimizer.momentum.<name>`) and a JSON sidecar with the training position,
 * configuration and a SHA-256 of the tensor file. Both are written atomically,
 * tensors first, so a sidecar never points at a file that is not complete.
 * A corrupted or truncated file is detected by its checksum and refused.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import { safetensorsToTensors, tensorsToSafetensors } from '../io/safetensors-tf.js';
import { writeFileAtomic } from './atomic-file.js';

export const CHECKPOINT_FORMAT = 'fra-workbench-checkpoint/1';
export const OPTIMIZER_PREFIX = 'optimizer.momentum.';

export interface CheckpointPosition {
  /** Epoch to start from when resuming (the reference's `epoch` key: the *next* epoch). */
  epoch: number;
  /** Iterations already done inside that epoch (mid-epoch checkpoints). */
  iterationInEpoch: number;
  /** Optimiser steps done in total (0-based index of the next step). */
  globalStep: number;
  iterationsPerEpoch: number;
}

export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  kind: 'fra-pretrain';
  position: CheckpointPosition;
  /** The validated run configuration (plain JSON). */
  config: Record<string, unknown>;
  /** RNG state, so dropout and data order continue exactly. */
  rng: { dropoutSeedPosition: number };
  /** Last logged metrics at save time. */
  metrics: Record<string, number>;
  backend: string;
  createdAt: string;
  tensorsFile: string;
  tensorsSha256: string;
}

export interface Checkpoint {
  meta: CheckpointMeta;
  /** Model state by key, then optimiser buffers under OPTIMIZER_PREFIX. Caller disposes. */
  tensors: Map<string, tf.Tensor>;
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export function sidecarPathFor(tensorsPath: string): string {
  return tensorsPath.replace(/\.safetensors$/, '') + '.json';
}

export async function saveCheckpoint(
  tensorsPath: string,
  tensors: ReadonlyMap<string, tf.Tensor>,
  meta: Omit<CheckpointMeta, 'format' | 'tensorsFile' | 'tensorsSha256' | 'createdAt'>,
): Promise<CheckpointMeta> {
  if (!tensorsPath.endsWith('.safetensors')) throw new CheckpointError(`checkpoint file must end in .safetensors: ${tensorsPath}`);
  const bytes = writeSafetensors(tensorsToSafetensors(tensors), { format: CHECKPOINT_FORMAT });
  const full: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    ...meta,
    createdAt: new Date().toISOString(),
    tensorsFile: tensorsPath.split(/[\\/]/).pop()!,
    tensorsSha256: createHash('sha256').update(bytes).digest('hex'),
  };
  await writeFileAtomic(tensorsPath, bytes);
  await writeFileAtomic(sidecarPathFor(tensorsPath), JSON.stringify(full, null, 2) + '\n');
  return full;
}

/** Loads and verifies a checkpoint given its .safetensors or .json path. */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  const tensorsPath = path.endsWith('.json') ? path.replace(/\.json$/, '.safetensors') : path;
  const sidecar = sidecarPathFor(tensorsPath);
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(await readFile(sidecar, 'utf8')) as CheckpointMeta;
  } catch (error) {
    throw new CheckpointError(`cannot read checkpoint description ${sidecar}: ${(error as Error).message}`);
  }
  if (meta.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`${sidecar}: unsupported checkpoint format ${JSON.stringify(meta.format)} (expected ${CHECKPOINT_FORMAT})`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(tensorsPath);
  } catch (error) {
    throw new CheckpointError(`cannot read checkpoint tensors ${tensorsPath}: ${(error as Error).message}`);
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== meta.tensorsSha256) {
    throw new CheckpointError(
      `${tensorsPath} is corrupted or truncated (checksum mismatch: expected ${meta.tensorsSha256.slice(0, 12)}…, got ${digest.slice(0, 12)}…). ` +
        'Resume from an earlier checkpoint instead.',
    );
  }
  return { meta, tensors: safetensorsToTensors(readSafetensors(bytes).tensors) };
}
