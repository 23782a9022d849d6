/**
 * `runs.estimate` for fine-tuning / linear probing: a rough analytic estimate, labelled as such.
 *
 * A fine-tuning step is one backbone forward and backward (3× the forward FLOPs) plus a linear
 * classifier; a linear probe runs the frozen backbone forward only. Both are scaled by the same
 * per-backend training speeds as the pre-training estimate (run-estimate.ts), so the two kinds
 * stay comparable. Steps per epoch follow the loader's rule (full batches only) from the train
 * split: fixed for the synthetic expressions, from the dataset index for a folder when there is
 * one, else unknown.
 */
import { realpath } from 'node:fs/promises';
import type { FinetuneConfig } from '../../../trainer/contract/finetune-config.js';
import { SYNTHETIC_EXPRESSIONS } from '../../../trainer/contract/finetune-config.js';
import { SYNTHETIC_EXPRESSION_SPLITS } from '../../../trainer/finetune/finetune-data.js';
import { openExistingDatasetIndex } from '../../../trainer/data/training-data.js';
import type { RunEstimate } from '../../contract/runs-api.js';
import type { EngineBackend } from './engine-probe.js';
import { backboneCost } from './model-cost.js';
import { completeEstimate, formatFlops, MEMORY_MODEL, roughTrainingSpeed } from './run-estimate.js';

/** Split names the trainer trains on, in its order of preference (trainer/finetune/finetune-data.ts). */
const TRAIN_SPLITS = ['train', 'training'];

export interface FinetuneEstimateContext {
  autoBackend(): Promise<EngineBackend>;
  env?: NodeJS.ProcessEnv;
}

export async function estimateFinetuneRun(config: FinetuneConfig, context: FinetuneEstimateContext): Promise<RunEstimate> {
  const backend: EngineBackend = config.backend === 'auto' ? await context.autoBackend() : config.backend;
  const cost = backboneCost(config.backbone, config.imageSize);
  const forwardFlops = 2 * cost.macs;
  // Backward costs about twice the forward; a frozen backbone (linear probe) has none.
  const flopsPerImage = config.mode === 'linear' ? forwardFlops : 3 * forwardFlops;
  const stepFlops = flopsPerImage * config.batchSize;
  const speed = roughTrainingSpeed(backend);
  const secondsPerStep = speed.overheadSeconds + stepFlops / speed.flopsPerSecond;
  // Weights, and for fine-tuning their gradients and two AdamW moments; activations kept for backward.
  const heldFloats = config.mode === 'linear' ? cost.params : 4 * cost.params;
  const activations = config.mode === 'linear' ? 0 : config.batchSize * cost.activations * MEMORY_MODEL.bytesPerActivation;
  const memoryBytes = Math.round(MEMORY_MODEL.processBaseBytes + MEMORY_MODEL.bytesPerFloat * heldFloats + activations);
  const basis =
    `Rough estimate: ${formatFlops(stepFlops)} per ${config.mode === 'linear' ? 'linear-probe' : 'fine-tuning'} step at ${formatFlops(speed.flopsPerSecond)}/s on ${backend}, ` +
    `from ${speed.source}, plus ≈${speed.overheadSeconds} s of per-step overhead. Expect up to 2× either way; the first steps of a run measure it.`;
  const images = await trainImages(config, context.env ?? process.env);
  const stepsPerEpoch = images === null ? null : Math.floor(Math.floor(images * config.trainPercent) / config.batchSize);
  return completeEstimate({ secondsPerStep, stepsPerEpoch, epochs: config.epochs, maxSteps: config.maxSteps, memoryBytes, basis, backend });
}

async function trainImages(config: FinetuneConfig, env: NodeJS.ProcessEnv): Promise<number | null> {
  if (config.dataRoot === SYNTHETIC_EXPRESSIONS) return SYNTHETIC_EXPRESSION_SPLITS.train.count;
  let root: string;
  try {
    root = await realpath(config.dataRoot);
  } catch {
    return null;
  }
  const existing = await openExistingDatasetIndex(root, env);
  if (existing === null) return null;
  const { statistics, layout } = existing.index.summary;
  const train = layout.splits.find((s) => TRAIN_SPLITS.includes(s.toLowerCase()));
  return train === undefined ? null : (statistics.splits[train]?.usable ?? 0);
}
