/**
 * Which network of a FRA Workbench checkpoint an export contains:
 *
 *   pre-training checkpoint  the online (or target) backbone → pooled `features`
 *   fine-tuning checkpoint   the backbone and its `fc` classifier → `logits`, with class names
 *
 * Shared by the `fra-export` CLI and the UI's export, so both describe the source alike.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { isResNetEncoderName, type ResNetEncoderName } from '../../models/resnet.js';
import { CheckpointError, type CheckpointMeta } from '../../run/checkpoint.js';
import type { ClassifierWeights } from './model-graph.js';

export interface ExportNetwork {
  backbone: ResNetEncoderName;
  /** Encoder state in our layout, keyed like ResNetEncoder.stateEntries() (tensors owned by the caller's map). */
  encoderState: Map<string, tf.Tensor>;
  classifier?: ClassifierWeights;
  /** For the model card, e.g. "online network backbone (online_net.backbone.*) of a FRA pre-training checkpoint". */
  description: string;
  /** A sentence about the training data for the model card. */
  dataset?: string;
}

/** `network` picks online/target of a pre-training checkpoint; a fine-tuning checkpoint has one network. */
export function selectExportNetwork(meta: CheckpointMeta, tensors: ReadonlyMap<string, tf.Tensor>, network: 'online' | 'target' = 'online'): ExportNetwork {
  const backbone = String(meta.config['backbone']);
  if (!isResNetEncoderName(backbone)) throw new CheckpointError(`unknown backbone ${JSON.stringify(backbone)} in the checkpoint's configuration`);
  if (meta.kind === 'fra-finetune') return fineTunedClassifier(meta, tensors, backbone);
  const prefix = `${network}_net.backbone.`;
  const encoderState = new Map<string, tf.Tensor>();
  for (const [name, t] of tensors) if (name.startsWith(prefix)) encoderState.set(name.slice(prefix.length), t);
  if (encoderState.size === 0) throw new CheckpointError(`the checkpoint has no tensors under "${prefix}"`);
  const dataset = typeof meta.config['dataset'] === 'string' ? meta.config['dataset'] : undefined;
  return {
    backbone,
    encoderState,
    description: `${network} network backbone (${prefix}*) of a FRA pre-training checkpoint`,
    ...(dataset !== undefined ? { dataset: `Pre-trained self-supervised on \`${dataset}\` (identity labels unused).` } : {}),
  };
}

function fineTunedClassifier(meta: CheckpointMeta, tensors: ReadonlyMap<string, tf.Tensor>, backbone: ResNetEncoderName): ExportNetwork {
  const weight = tensors.get('fc.weight');
  const bias = tensors.get('fc.bias');
  if (weight === undefined) throw new CheckpointError('the fine-tuning checkpoint has no classifier (fc.weight)');
  const encoderState = new Map<string, tf.Tensor>();
  for (const [name, t] of tensors) if (!name.startsWith('fc.') && !name.startsWith('optimizer.')) encoderState.set(name, t);
  const classNames = meta.classNames;
  const mode = meta.config['mode'] === 'linear' ? 'linear probe (frozen backbone)' : 'fine-tuned';
  const data = typeof meta.config['dataRoot'] === 'string' ? meta.config['dataRoot'] : 'an unrecorded dataset';
  return {
    backbone,
    encoderState,
    classifier: { weight, ...(bias !== undefined ? { bias } : {}), ...(classNames !== undefined ? { classNames } : {}) },
    description: `${mode} classifier (backbone + fc) of a FRA fine-tuning checkpoint`,
    dataset: `Classifier ${mode} on \`${data}\`${classNames !== undefined ? ` (${classNames.length} classes: ${classNames.join(', ')})` : ''}; the backbone's own pre-training is recorded in the configuration (\`pretrained\`).`,
  };
}
