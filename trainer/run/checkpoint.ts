/**
 * Pre-training checkpoints: ONE self-describing safetensors file holds every
 * tensor (model state in our NHWC layout under PyTorch key names, optimiser
 * momentum under `optimizer.momentum.<name>`), the checkpoint description
 * (training position, configuration, RNG state) and a SHA-256 of the tensor
 * data, all in its header metadata. It is replaced atomically (temp, fsync,
 * rename), so a kill at any moment leaves the previous or the new checkpoint
 * whole — never a tensors file that disagrees with its description.
 *
 * The `.json` sidecar written next to it is a convenience copy for people,
 * scripts and the run store's ledger (it adds the whole-file SHA-256); it is
 * never needed to load. A corrupted or truncated file is refused.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { readSafetensors, writeSafetensors, type SafetensorsData } from '../io/safetensors.js';
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
  /** FRA pre-training (trainer/fra) or a fine-tuned classifier (trainer/finetune: torchvision keys, `fc` head). */
  kind: 'fra-pretrain' | 'fra-finetune';
  position: CheckpointPosition;
  /** Fine-tuning: the classifier's class names, in output order. */
  classNames?: string[];
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

/** SHA-256 over every tensor's name, shape and raw little-endian bytes, in name order. */
function tensorDataChecksum(tensors: ReadonlyMap<string, { shape: readonly number[]; data: SafetensorsData }>): string {
  const hash = createHash('sha256');
  for (const name of [...tensors.keys()].sort()) {
    const t = tensors.get(name)!;
    hash.update(`${name}:${t.shape.join('x')};`);
    hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return hash.digest('hex');
}

const META_KEY = 'fra.checkpoint';
const DATA_SHA_KEY = 'fra.tensorDataSha256';

export async function saveCheckpoint(
  tensorsPath: string,
  tensors: ReadonlyMap<string, tf.Tensor>,
  meta: Omit<CheckpointMeta, 'format' | 'tensorsFile' | 'tensorsSha256' | 'createdAt'>,
): Promise<CheckpointMeta> {
  if (!tensorsPath.endsWith('.safetensors')) throw new CheckpointError(`checkpoint file must end in .safetensors: ${tensorsPath}`);
  const entries = tensorsToSafetensors(tensors);
  const described: Omit<CheckpointMeta, 'tensorsSha256'> = { format: CHECKPOINT_FORMAT, ...meta, createdAt: new Date().toISOString(), tensorsFile: tensorsPath.split(/[\\/]/).pop()! };
  const bytes = writeSafetensors(entries, {
    format: CHECKPOINT_FORMAT,
    [META_KEY]: JSON.stringify(described),
    [DATA_SHA_KEY]: tensorDataChecksum(entries),
  });
  const full: CheckpointMeta = { ...described, tensorsSha256: createHash('sha256').update(bytes).digest('hex') };
  await writeFileAtomic(tensorsPath, bytes);
  await writeFileAtomic(sidecarPathFor(tensorsPath), JSON.stringify(full, null, 2) + '\n');
  return full;
}

/** Loads and verifies a checkpoint given its .safetensors (or sidecar .json) path. */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  const tensorsPath = path.endsWith('.json') ? path.replace(/\.json$/, '.safetensors') : path;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(tensorsPath);
  } catch (error) {
    throw new CheckpointError(`cannot read checkpoint ${tensorsPath}: ${(error as Error).message}`);
  }
  const refuse = (why: string) =>
    new CheckpointError(`${tensorsPath} is corrupted or truncated (${why}). Resume from an earlier checkpoint instead.`);
  let contents: ReturnType<typeof readSafetensors>;
  try {
    contents = readSafetensors(bytes);
  } catch (error) {
    throw refuse((error as Error).message);
  }
  const described = contents.metadata[META_KEY];
  if (contents.metadata.format !== CHECKPOINT_FORMAT || described === undefined) {
    throw new CheckpointError(`${tensorsPath} is not a FRA Workbench checkpoint (format ${JSON.stringify(contents.metadata.format ?? null)}); import PyTorch weights with the importer instead`);
  }
  const expected = contents.metadata[DATA_SHA_KEY];
  const actual = tensorDataChecksum(contents.tensors);
  if (expected !== actual) throw refuse(`checksum mismatch: expected ${String(expected).slice(0, 12)}…, got ${actual.slice(0, 12)}…`);
  const meta: CheckpointMeta = {
    ...(JSON.parse(described) as Omit<CheckpointMeta, 'tensorsSha256'>),
    tensorsSha256: createHash('sha256').update(bytes).digest('hex'),
  };
  return { meta, tensors: safetensorsToTensors(contents.tensors) };
}
