/**
 * `--pretrained`: loads the backbone a fine-tuning run starts from (fra-spec §6.2), whatever
 * file it comes in:
 *
 *   FRA Workbench checkpoint (.safetensors, our layout)
 *       pre-training: the online backbone (`online_net.backbone.*`); fine-tuning: its backbone
 *       (torchvision keys without `fc.*`). The checksum is verified on load.
 *   PyTorch .pth / .pth.tar / .pt
 *       read by the restricted unpickler (nothing in the file runs); `module.` then
 *       `<model-prefix>.` are stripped, `fc.*` is ignored (the reference re-initialises it).
 *   other .safetensors (torch layout: `import-torch` or backbone-export output, torchvision)
 *       the same prefix semantics as .pth.
 *
 * Every backbone weight must be found (the reference asserts only `fc` is missing); a file that
 * does not fit leaves the encoder unchanged and says why.
 */
import * as tf from '@tensorflow/tfjs-core';
import { extname } from 'node:path';
import { readSafetensorsFile } from '../io/safetensors.js';
import { safetensorsToTensors } from '../io/safetensors-tf.js';
import { detectCheckpointKind, importTorchWeights, stripModule } from '../io/torch-checkpoint.js';
import { loadTorchStateDict } from '../io/torch-layout.js';
import type { ResNetEncoder } from '../models/resnet.js';
import { CHECKPOINT_FORMAT, CheckpointError, loadCheckpoint } from '../run/checkpoint.js';
import { HEAD_PREFIX } from './classifier-model.js';

export interface BackboneInitReport {
  path: string;
  source: 'workbench-pretrain' | 'workbench-finetune' | 'pytorch' | 'safetensors';
  /** The prefix that selected the backbone ('' for bare torchvision keys). */
  modelPrefix: string;
  /** Backbone entries loaded. */
  loaded: number;
  /** Entries of the file that are not the backbone (other networks, heads, optimiser state). */
  ignored: number;
  /** The checkpoint's backbone name, when the file records it. */
  backbone?: string;
  /** One line for the log. */
  description: string;
}

const TORCH_EXTENSIONS = new Set(['.pth', '.pt', '.tar', '.bin', '.ckpt']);
const PRETRAIN_BACKBONE_PREFIX = 'online_net.backbone';

export async function initialiseBackbone(encoder: ResNetEncoder, path: string, options: { modelPrefix?: string; backbone: string }): Promise<BackboneInitReport> {
  const extension = extname(path).toLowerCase();
  if (extension === '.safetensors') {
    const contents = await readSafetensorsFile(path).catch((error: unknown) => {
      throw new CheckpointError(`cannot read ${path}: ${(error as Error).message}`);
    });
    if (contents.metadata.format === CHECKPOINT_FORMAT) return fromWorkbenchCheckpoint(encoder, path, options);
    const tensors = safetensorsToTensors(contents.tensors);
    try {
      return fromTorchLayout(encoder, path, tensors, options.modelPrefix, 'safetensors');
    } finally {
      tf.dispose([...tensors.values()]);
    }
  }
  if (TORCH_EXTENSIONS.has(extension)) {
    const report = await importTorchWeights(encoder, path, options.modelPrefix !== undefined ? { modelPrefix: options.modelPrefix } : {});
    return {
      path,
      source: 'pytorch',
      modelPrefix: report.modelPrefix,
      loaded: report.loaded,
      ignored: report.ignored.length + report.headKeys.length,
      description:
        `PyTorch ${report.kind.kind} checkpoint ${path}${report.meta.epoch !== undefined ? ` (epoch ${report.meta.epoch})` : ''}: ` +
        `${report.loaded} backbone tensors under "${report.modelPrefix}", ${report.ignored.length + report.headKeys.length} others ignored`,
    };
  }
  throw new CheckpointError(`${path}: cannot tell the file type from "${extension || 'no extension'}"; give a .safetensors checkpoint or a PyTorch .pth / .pth.tar`);
}

async function fromWorkbenchCheckpoint(encoder: ResNetEncoder, path: string, options: { modelPrefix?: string; backbone: string }): Promise<BackboneInitReport> {
  const { meta, tensors } = await loadCheckpoint(path);
  try {
    const saved = typeof meta.config['backbone'] === 'string' ? meta.config['backbone'] : undefined;
    if (saved !== undefined && saved !== options.backbone) {
      throw new CheckpointError(`${path} holds a ${saved}, this run is configured for a ${options.backbone}: set --backbone ${saved}`);
    }
    const finetuned = meta.kind === 'fra-finetune';
    const prefix = options.modelPrefix ?? (finetuned ? '' : PRETRAIN_BACKBONE_PREFIX);
    const withDot = prefix === '' || prefix.endsWith('.') ? prefix : `${prefix}.`;
    const selected = new Map<string, tf.Tensor>();
    for (const [name, t] of tensors) {
      if (!name.startsWith(withDot)) continue;
      const key = name.slice(withDot.length);
      // A fine-tuned checkpoint's classifier and optimiser state are not backbone weights.
      if (key.startsWith(`${HEAD_PREFIX}.`) || key.startsWith('optimizer.')) continue;
      selected.set(key, t);
    }
    if (selected.size === 0) throw new CheckpointError(`${path}: --model-prefix "${prefix}" selects no tensors (a ${meta.kind} checkpoint keeps its backbone under "${finetuned ? '' : PRETRAIN_BACKBONE_PREFIX}")`);
    try {
      encoder.loadState(selected, { strict: true });
    } catch (error) {
      throw new CheckpointError(`${path}: the tensors under "${prefix}" are not a ${options.backbone}: ${(error as Error).message}`);
    }
    return {
      path,
      source: finetuned ? 'workbench-finetune' : 'workbench-pretrain',
      modelPrefix: prefix,
      loaded: selected.size,
      ignored: tensors.size - selected.size,
      ...(saved !== undefined ? { backbone: saved } : {}),
      description: `${finetuned ? 'fine-tuning' : 'pre-training'} checkpoint ${path} (epoch ${meta.position.epoch}, step ${meta.position.globalStep}): ${selected.size} backbone tensors under "${prefix}"`,
    };
  } finally {
    tf.dispose([...tensors.values()]);
  }
}

function fromTorchLayout(encoder: ResNetEncoder, path: string, tensors: ReadonlyMap<string, tf.Tensor>, modelPrefix: string | undefined, source: 'safetensors'): BackboneInitReport {
  const detected = detectCheckpointKind(tensors.keys());
  const prefix = modelPrefix ?? detected.backbonePrefix;
  if (prefix === null) throw new CheckpointError(`${path}: cannot tell which tensors are the backbone (groups: ${Object.keys(detected.groups).join(', ')}); pass --model-prefix`);
  const withDot = prefix === '' || prefix.endsWith('.') ? prefix : `${prefix}.`;
  const selected = new Map<string, tf.Tensor>();
  for (const [name, t] of tensors) {
    const key = stripModule(name);
    if (!key.startsWith(withDot)) continue;
    const inner = key.slice(withDot.length);
    if (!inner.startsWith(`${HEAD_PREFIX}.`)) selected.set(inner, t);
  }
  if (selected.size === 0) throw new CheckpointError(`${path}: --model-prefix "${prefix}" selects no tensors (groups: ${Object.keys(detected.groups).join(', ')})`);
  try {
    loadTorchStateDict(encoder, selected, { strict: true });
  } catch (error) {
    throw new CheckpointError(`${path}: the tensors under "${prefix}" are not a matching ResNet: ${(error as Error).message}`);
  }
  return {
    path,
    source,
    modelPrefix: prefix,
    loaded: selected.size,
    ignored: tensors.size - selected.size,
    description: `safetensors ${path} (torch layout): ${selected.size} backbone tensors under "${prefix}", ${tensors.size - selected.size} others ignored`,
  };
}
