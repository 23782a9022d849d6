/**
 * Fine-tuning checkpoints: the same self-describing safetensors files as pre-training
 * (trainer/run/checkpoint.ts), with kind 'fra-finetune', the class names, the model under
 * torchvision keys (`conv1.weight`, …, `fc.weight`) and the optimiser state under
 * `optimizer.<torch state name>.<parameter>` (`optimizer.exp_avg.fc.weight`, `optimizer.step`,
 * `optimizer.momentum_buffer.conv1.weight`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FinetuneConfig } from '../contract/finetune-config.js';
import type { CheckpointPolicy } from '../run/run-format.js';
import { CheckpointError, loadCheckpoint, saveCheckpoint, type CheckpointMeta, type CheckpointPosition } from '../run/checkpoint.js';
import type { FinetuneModel } from './classifier-model.js';
import type { FinetuneOptimizer } from './optim/optimizer.js';

export const FINETUNE_OPTIMIZER_PREFIX = 'optimizer.';

/** The ledger metric a fine-tuning run ranks its checkpoints by (see FINETUNE_CHECKPOINT_POLICY). */
export const VAL_TOP1_METRIC = 'valTop1';

/** The metrics a fine-tuning checkpoint can carry (the val* ones only when taken right after an evaluation). */
export const FINETUNE_CHECKPOINT_METRICS: readonly string[] = ['loss', 'trainAccuracy', VAL_TOP1_METRIC, 'valTop5', 'valMeanClassAccuracy', 'valLoss'];

/**
 * Retention for a fine-tuning run: a checkpoint every epoch, keep the last one and the best by
 * test top-1 (checkpoints saved without an evaluation carry no top-1 and are never ranked).
 */
export const FINETUNE_CHECKPOINT_POLICY: CheckpointPolicy = { everyNEpochs: 1, saveLast: true, saveTopK: 1, monitor: VAL_TOP1_METRIC, mode: 'max' };

export interface FinetuneCheckpointInput {
  model: FinetuneModel;
  optimizer: FinetuneOptimizer;
  config: FinetuneConfig;
  position: CheckpointPosition;
  metrics: Record<string, number>;
  classNames: readonly string[];
  backend: string;
}

export async function writeFinetuneCheckpoint(path: string, input: FinetuneCheckpointInput): Promise<CheckpointMeta> {
  const tensors = new Map<string, tf.Tensor>();
  for (const e of input.model.stateEntries()) tensors.set(e.name, e.variable);
  for (const [name, t] of input.optimizer.getState()) tensors.set(FINETUNE_OPTIMIZER_PREFIX + name, t);
  return saveCheckpoint(path, tensors, {
    kind: 'fra-finetune',
    position: input.position,
    config: input.config as unknown as Record<string, unknown>,
    classNames: [...input.classNames],
    rng: { dropoutSeedPosition: 0 },
    metrics: input.metrics,
    backend: input.backend,
  });
}

function requireSame(path: string, what: string, saved: unknown, now: unknown, fix: string): void {
  if (saved !== undefined && JSON.stringify(saved) !== JSON.stringify(now)) {
    throw new CheckpointError(`${path} was written with ${what} ${JSON.stringify(saved)}, this run has ${JSON.stringify(now)}: ${fix}`);
  }
}

/** Loads a fine-tuning checkpoint's model state (strict), checking it is one and fits this run. */
export async function loadFinetuneModel(path: string, model: FinetuneModel, config: FinetuneConfig, classNames: readonly string[]): Promise<{ meta: CheckpointMeta; optimizerState: Map<string, tf.Tensor> }> {
  const { meta, tensors } = await loadCheckpoint(path);
  const optimizerState = new Map<string, tf.Tensor>();
  try {
    if (meta.kind !== 'fra-finetune') {
      throw new CheckpointError(`${path} is a ${meta.kind} checkpoint, not a fine-tuning one: start from it with --pretrained instead of --resume`);
    }
    requireSame(path, 'backbone', meta.config['backbone'], config.backbone, 'use the same --backbone');
    requireSame(path, 'classes', meta.classNames, classNames, 'resume on the same dataset');
    const state = new Map<string, tf.Tensor>();
    for (const [name, t] of tensors) {
      if (name.startsWith(FINETUNE_OPTIMIZER_PREFIX)) optimizerState.set(name.slice(FINETUNE_OPTIMIZER_PREFIX.length), t);
      else state.set(name, t);
    }
    model.loadState(state, { strict: true });
    tf.dispose([...state.values()]);
    return { meta, optimizerState };
  } catch (error) {
    tf.dispose([...tensors.values()]);
    throw error;
  }
}

/**
 * Resume: model and optimiser state restored exactly; the batch size, iterations per epoch,
 * mode and optimiser must be those the checkpoint was written with, or the run would not
 * continue as saved.
 */
export async function restoreFinetuneCheckpoint(
  path: string,
  model: FinetuneModel,
  optimizer: FinetuneOptimizer,
  config: FinetuneConfig,
  classNames: readonly string[],
  iterationsPerEpoch: number,
): Promise<CheckpointMeta> {
  const { meta, optimizerState } = await loadFinetuneModel(path, model, config, classNames);
  try {
    requireSame(path, 'batch size', meta.config['batchSize'], config.batchSize, `resume with -b ${String(meta.config['batchSize'])}, or start a new run`);
    requireSame(path, 'mode', meta.config['mode'], config.mode, 'resume with the same --mode');
    requireSame(path, 'optimiser', meta.config['optimizer'], config.optimizer, 'resume with the same --optimizer (its state is not interchangeable)');
    if (meta.position.iterationsPerEpoch !== iterationsPerEpoch) {
      throw new CheckpointError(
        `${path} was written with ${meta.position.iterationsPerEpoch} iterations per epoch, this run has ${iterationsPerEpoch}: ` +
          'the dataset or --train-percent changed, so the schedule cannot continue exactly.',
      );
    }
    optimizer.setState(optimizerState);
    return meta;
  } finally {
    tf.dispose([...optimizerState.values()]);
  }
}
