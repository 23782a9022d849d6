/**
 * Test helper: writes a checkpoint pair exactly as trainer/run/checkpoint.ts lays it out
 * (`<name>.safetensors` first, then the `<name>.json` description with its SHA-256), without
 * tfjs: the tensor file is deterministic filler bytes. Not a test file itself.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../trainer/run/atomic-file.js';
import { checkpointNameFor } from '../../../trainer/run/checkpoint-ledger.js';

export interface FakeCheckpoint {
  name: string;
  tensorsPath: string;
  sidecarPath: string;
  sha256: string;
}

export interface FakeCheckpointOptions {
  epoch: number;
  step: number;
  metrics?: Record<string, number | null>;
  /** Size of the tensor file. Default 4 KiB. */
  bytes?: number;
  name?: string;
  /** Whole-file writer (swap in a failing one to simulate a full disk). */
  write?: (path: string, data: Uint8Array | string) => Promise<void>;
}

export async function writeFakeCheckpoint(checkpointsDir: string, options: FakeCheckpointOptions): Promise<FakeCheckpoint> {
  const name = options.name ?? checkpointNameFor({ epoch: options.epoch, globalStep: options.step });
  const bytes = fillerBytes(options.bytes ?? 4096, options.step);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const write = options.write ?? writeFileAtomic;
  const tensorsPath = join(checkpointsDir, `${name}.safetensors`);
  const sidecarPath = join(checkpointsDir, `${name}.json`);
  await write(tensorsPath, bytes);
  const sidecar = {
    format: 'fra-workbench-checkpoint/1',
    kind: 'fra-pretrain',
    position: { epoch: options.epoch, iterationInEpoch: 0, globalStep: options.step, iterationsPerEpoch: 10 },
    config: { seed: 1 },
    rng: { dropoutSeedPosition: options.step },
    metrics: options.metrics ?? { total: 1 / (options.step + 1) },
    backend: 'cpu',
    createdAt: new Date().toISOString(),
    tensorsFile: `${name}.safetensors`,
    tensorsSha256: sha256,
  };
  await write(sidecarPath, JSON.stringify(sidecar, null, 2) + '\n');
  return { name, tensorsPath, sidecarPath, sha256 };
}

/** Deterministic, not all-zero (so a flipped byte changes the hash), cheap for megabytes. */
function fillerBytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
