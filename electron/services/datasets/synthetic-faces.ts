/**
 * The built-in synthetic faces, so a newcomer with no data can start: procedurally drawn,
 * expression-labelled faces with part masks (trainer/data/synthetic), written once into
 * <workspace>/datasets/synthetic-faces and then indexed like any folder. Nothing is downloaded.
 *
 * Generation writes into "<dir>.partial" and renames it into place when complete, so an
 * interrupted generation (app closed, cancelled) never looks like a finished dataset; the
 * manifest (synthetic-faces.json) is what marks a folder complete.
 */
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageWorkerClient } from './image-worker-client.js';
import type { SyntheticJob, SyntheticResult } from './image-worker-protocol.js';

export const SYNTHETIC_DEFAULT_FACES = 2000;
export const SYNTHETIC_DEFAULT_SIZE = 112;
/** Fixed, so the built-in dataset is the same faces on every machine. */
const SYNTHETIC_SEED = 0;

export interface SyntheticPlan {
  id: string;
  name: string;
  dir: string;
  /** The ImageFolder root that is registered and indexed. */
  imagesRoot: string;
  count: number;
  size: number;
}

export function syntheticPlan(workspace: string, count = SYNTHETIC_DEFAULT_FACES, size = SYNTHETIC_DEFAULT_SIZE): SyntheticPlan {
  const isDefault = count === SYNTHETIC_DEFAULT_FACES && size === SYNTHETIC_DEFAULT_SIZE;
  const id = isDefault ? 'synthetic-faces' : `synthetic-faces-${count}x${size}`;
  const dir = join(workspace, 'datasets', id);
  return {
    id,
    name: isDefault ? 'Synthetic faces (built-in)' : `Synthetic faces (built-in, ${count} at ${size} px)`,
    dir,
    imagesRoot: join(dir, 'images'),
    count,
    size,
  };
}

/** Whether the folder holds a completely written set with these settings. */
export async function isSyntheticComplete(plan: SyntheticPlan): Promise<boolean> {
  try {
    const manifest = JSON.parse(await readFile(join(plan.dir, 'synthetic-faces.json'), 'utf8')) as { count?: unknown; size?: unknown };
    return manifest.count === plan.count && manifest.size === plan.size && (await stat(plan.imagesRoot)).isDirectory();
  } catch {
    return false;
  }
}

export async function generateSyntheticFaces(
  plan: SyntheticPlan,
  worker: ImageWorkerClient,
  signal: AbortSignal,
  onProgress: (written: number, total: number) => void,
): Promise<void> {
  const partial = `${plan.dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  const job: SyntheticJob = { type: 'synthetic', dir: partial, count: plan.count, size: plan.size, seed: SYNTHETIC_SEED, labelled: true };
  try {
    await worker.request<SyntheticResult>(job, { signal, onProgress });
    signal.throwIfAborted();
  } catch (error) {
    await rm(partial, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  // Only an incomplete earlier set (no manifest) can be in the way; it is ours and regenerated.
  await rm(plan.dir, { recursive: true, force: true });
  await rename(partial, plan.dir);
}
