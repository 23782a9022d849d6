/**
 * Resolves a run configuration's dataset into what the training loop reads:
 * the `random` tensors, procedural synthetic faces, or an indexed folder
 * (indexed on first use into the workspace's dataset cache, reopened
 * instantly afterwards). Plain Node; no tfjs.
 */
import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { DatasetIndex } from './indexing/index-reader.js';
import { indexDataset } from './indexing/indexer.js';
import type { DatasetSpec } from './loader/batch-spec.js';
import { RANDOM_DATASET_SIZE } from './random-pairs.js';
import { SYNTHETIC_DEFAULT_COUNT, SYNTHETIC_MAX_SIZE, SYNTHETIC_MIN_SIZE } from './synthetic/index.js';
import { registeredIndexDir, workspaceDir } from './workspace-datasets.js';

export type TrainingData =
  | { kind: 'random'; size: number }
  | { kind: 'files'; spec: DatasetSpec; size: number; description: string };

export interface TrainingDataRequest {
  dataset: 'vggface2' | 'image_folder' | 'synthetic' | 'random';
  dataRoot: string;
  imageSize: number;
  seed: number;
}

/**
 * Where the trainer keeps indexes of folders that are not registered in the app (CLI runs):
 * <workspace>/datasets/<hash of the folder>. Registered folders use the app's index (workspace-datasets.ts).
 */
export function datasetCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(workspaceDir(env), 'datasets');
}

/** Loader threads worth running here: the trainer keeps one core; the reference's -j 16 would oversubscribe. */
export function effectiveWorkerCount(requested: number): number {
  return Math.max(1, Math.min(requested, availableParallelism() - 1));
}

export async function resolveTrainingData(request: TrainingDataRequest, onNotice: (message: string) => void = () => undefined): Promise<TrainingData> {
  switch (request.dataset) {
    case 'random':
      return { kind: 'random', size: RANDOM_DATASET_SIZE };
    case 'synthetic': {
      // Rendered at the training size within the generator's range; the crop resizes to imageSize anyway.
      const renderSize = Math.min(SYNTHETIC_MAX_SIZE, Math.max(SYNTHETIC_MIN_SIZE, request.imageSize));
      return {
        kind: 'files',
        spec: { kind: 'synthetic', count: SYNTHETIC_DEFAULT_COUNT, seed: request.seed, labelled: false, renderSize },
        size: SYNTHETIC_DEFAULT_COUNT,
        description: `${SYNTHETIC_DEFAULT_COUNT} synthetic faces rendered at ${renderSize} px`,
      };
    }
    case 'vggface2':
    case 'image_folder':
      return openIndexedFolder(request, onNotice);
  }
}

/** Where the trainer indexes a folder that is not registered in the app. `root` must be a realpath. */
export function trainerIndexDirFor(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(datasetCacheRoot(env), createHash('sha1').update(root).digest('hex').slice(0, 16));
}

/**
 * The index a run on `root` (a realpath) would use without indexing: the app's index when the folder is
 * registered in the Datasets view, else one the trainer made earlier. Null when there is none yet.
 */
export async function openExistingDatasetIndex(root: string, env: NodeJS.ProcessEnv = process.env): Promise<{ dir: string; index: DatasetIndex } | null> {
  for (const dir of [await registeredIndexDir(root, env), trainerIndexDirFor(root, env)]) {
    if (dir === undefined) continue;
    const index = await DatasetIndex.open(dir).catch(() => null);
    if (index !== null) return { dir, index };
  }
  return null;
}

async function openIndexedFolder(request: TrainingDataRequest, onNotice: (message: string) => void): Promise<TrainingData> {
  if (!request.dataRoot) throw new Error(`--dataset ${request.dataset} needs --data-root <folder>`);
  let root: string;
  try {
    root = await realpath(request.dataRoot);
  } catch {
    throw new Error(`dataset folder ${request.dataRoot} does not exist or cannot be read`);
  }
  const existing = await openExistingDatasetIndex(root);
  const cacheDir = existing?.dir ?? trainerIndexDirFor(root);
  let index: DatasetIndex;
  if (existing !== null) {
    index = existing.index;
    onNotice(`using the dataset index in ${cacheDir} (re-index from the Datasets view or delete that folder after changing the dataset)`);
  } else {
    onNotice(`indexing ${root} (first use; the index is kept in ${cacheDir})`);
    let lastReport = 0;
    index = await indexDataset({
      root,
      cacheDir,
      onProgress: (p) => {
        if (p.phase === 'done' || p.elapsedMs - lastReport >= 5000) {
          lastReport = p.elapsedMs;
          onNotice(`  ${p.filesSeen} files seen, ${p.badFiles} unusable, ${Math.round(p.filesPerSecond)} files/s`);
        }
      },
    });
  }
  const summary = index.summary;
  const kind = summary.layout.kind;
  if (request.dataset === 'vggface2' && kind !== 'vggface2') {
    onNotice(`--dataset vggface2 but ${root} looks like a ${kind} layout; training on all its images, labels ignored`);
  }
  // Pre-training reads the train split where the layout has one (the reference reads <root>/train).
  const splits = summary.layout.splits.includes('train') ? ['train'] : undefined;
  const spec: DatasetSpec = splits ? { kind: 'indexed', indexDir: cacheDir, splits } : { kind: 'indexed', indexDir: cacheDir };
  // The loader workers open the records; here the summary's usable count is enough (no 3.3M-record load twice).
  const statistics = summary.statistics;
  const size = splits ? splits.reduce((n, split) => n + (statistics.splits[split]?.usable ?? 0), 0) : statistics.overall.usable;
  if (size === 0) throw new Error(`${root} has no usable images (see the index report in ${cacheDir})`);
  return { kind: 'files', spec, size, description: `${size} images from ${root} (${kind}${splits ? ', train split' : ''})` };
}
