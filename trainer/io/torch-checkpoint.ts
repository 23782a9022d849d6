/**
 * PyTorch checkpoints (`.pth` / `.pth.tar`) of the FRA reference and torchvision, read with
 * the restricted unpickler (trainer/io/torch-pickle: nothing in the file is executed), and
 * loaded into our modules with the reference's fine-tuning semantics (fra-spec §6.1–6.2):
 * take `checkpoint['state_dict']` when present, otherwise the object; strip `module.`
 * (DDP) from every key, then `<model-prefix>.`; keys outside the prefix are ignored.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../nn/module.js';
import { loadTorchStateDict, type TorchLoadReport } from './torch-layout.js';
import { loadTorchBytes, loadTorchFile, tensorData, type TensorData, type TorchFile } from './torch-pickle/load.js';
import { TorchPickleError, TorchTensor } from './torch-pickle/unpickler.js';

export type CheckpointKind =
  /** FRA pre-training checkpoint: online_net.backbone (+ target_net, predictors, neck, encoder_q alias). */
  | 'fra'
  /** Only `encoder_q.*` (MoCo-style, or an FRA file whose other groups were dropped). */
  | 'encoder_q'
  /** A bare ResNet state_dict with torchvision names (torchvision, or extract_backbone.py's output). */
  | 'resnet'
  | 'unknown';

export interface CheckpointKindInfo {
  kind: CheckpointKind;
  /** `--model-prefix` that selects the backbone ('' for a bare ResNet), or null when unknown. */
  backbonePrefix: string | null;
  /** Whether the keys carried DDP's `module.` prefix. */
  ddp: boolean;
  hasTargetNet: boolean;
  hasPredictors: boolean;
  hasNeck: boolean;
  hasEncoderQ: boolean;
  /** torchvision classifier head present (fc.weight / fc.bias at the backbone level). */
  hasFc: boolean;
  /** Key counts per group (`module.` removed; online_net/target_net split by sub-network). */
  groups: Record<string, number>;
}

export interface TorchCheckpointMeta {
  format: TorchFile['format'];
  /** `checkpoint['epoch']` (the reference stores the *next* epoch). */
  epoch?: number;
  arch?: string;
  bestAcc1?: number;
  /** Top-level keys of the file's dict (e.g. epoch, arch, state_dict, optimizer, scaler). */
  topLevelKeys: string[];
  /** Whether the weights came from `checkpoint['state_dict']` (else the object itself). */
  fromStateDictKey: boolean;
  /** State-dict entries that are not tensors (skipped). */
  nonTensorKeys: string[];
}

export interface TorchCheckpoint {
  /** Tensor data by full key, torch layout, tfjs-compatible element types. */
  stateDict: Map<string, TensorData>;
  meta: TorchCheckpointMeta;
  kind: CheckpointKindInfo;
}

export async function readTorchCheckpoint(path: string): Promise<TorchCheckpoint> {
  const file = await loadTorchFile(path);
  try {
    return fromTorchFile(file);
  } catch (error) {
    if (error instanceof TorchPickleError) error.message = `${path}: ${error.message}`;
    throw error;
  }
}

export function readTorchCheckpointBytes(bytes: Uint8Array): TorchCheckpoint {
  return fromTorchFile(loadTorchBytes(bytes));
}

function fromTorchFile(file: TorchFile): TorchCheckpoint {
  const root = file.value;
  if (!(root instanceof Map)) throw new TorchPickleError('the checkpoint is not a dict (expected a state_dict or a dict with "state_dict")');
  const top = root as Map<unknown, unknown>;
  const topLevelKeys = [...top.keys()].map(String);
  const inner = top.get('state_dict');
  const fromStateDictKey = inner instanceof Map;
  const source = (fromStateDictKey ? inner : top) as Map<unknown, unknown>;
  const stateDict = new Map<string, TensorData>();
  const nonTensorKeys: string[] = [];
  for (const [key, value] of source) {
    if (typeof key !== 'string') throw new TorchPickleError(`state dict key ${String(key)} is not a string`);
    if (value instanceof TorchTensor) stateDict.set(key, tensorData(key, value));
    else nonTensorKeys.push(key);
  }
  if (stateDict.size === 0) {
    throw new TorchPickleError(`no tensors found (top-level keys: ${topLevelKeys.join(', ') || 'none'}); expected a state_dict or a dict with "state_dict"`);
  }
  const meta: TorchCheckpointMeta = { format: file.format, topLevelKeys, fromStateDictKey, nonTensorKeys };
  if (fromStateDictKey) {
    const epoch = top.get('epoch');
    const arch = top.get('arch');
    const best = top.get('best_acc1');
    if (typeof epoch === 'number') meta.epoch = epoch;
    if (typeof arch === 'string') meta.arch = arch;
    if (typeof best === 'number') meta.bestAcc1 = best;
  }
  return { stateDict, meta, kind: detectCheckpointKind(stateDict.keys()) };
}

/** Removes DDP's `module.` from a key (only as a leading component). */
export function stripModule(key: string): string {
  return key.startsWith('module.') ? key.slice('module.'.length) : key;
}

/** Classifies a state dict by its key names (see CheckpointKind). */
export function detectCheckpointKind(keys: Iterable<string>): CheckpointKindInfo {
  const all = [...keys];
  const ddp = all.length > 0 && all.every((k) => k.startsWith('module.'));
  const stripped = all.map(stripModule);
  const groups: Record<string, number> = {};
  for (const k of stripped) {
    const parts = k.split('.');
    const group = parts.slice(0, parts[0] === 'online_net' || parts[0] === 'target_net' ? 2 : 1).join('.');
    groups[group] = (groups[group] ?? 0) + 1;
  }
  const has = (prefix: string): boolean => stripped.some((k) => k.startsWith(prefix));
  const hasOnline = has('online_net.backbone.');
  const hasEncoderQ = has('encoder_q.');
  const encoderQPrefix = has('encoder_q.backbone.') ? 'encoder_q.backbone' : 'encoder_q';
  const info = {
    ddp,
    hasTargetNet: has('target_net.'),
    hasPredictors: has('predictor.') || has('predictor_obj.'),
    hasNeck: has('online_net.neck.'),
    hasEncoderQ,
    groups,
  };
  if (hasOnline) return { kind: 'fra', backbonePrefix: 'online_net.backbone', hasFc: has('online_net.backbone.fc.'), ...info };
  if (hasEncoderQ) return { kind: 'encoder_q', backbonePrefix: encoderQPrefix, hasFc: has(`${encoderQPrefix}.fc.`), ...info };
  if (stripped.includes('conv1.weight') && has('layer1.')) return { kind: 'resnet', backbonePrefix: '', hasFc: has('fc.'), ...info };
  return { kind: 'unknown', backbonePrefix: null, hasFc: false, ...info };
}

export interface PrefixSelection {
  /** Keys under the prefix, `module.` and `<prefix>.` removed. */
  selected: Map<string, TensorData>;
  /** Full keys outside the prefix. */
  ignored: string[];
}

/**
 * The reference's `--model-prefix` step: strip `module.`, then keep the keys that start with
 * `<modelPrefix>.` with it removed ('' keeps everything). A trailing dot is optional.
 */
export function selectByModelPrefix(stateDict: ReadonlyMap<string, TensorData>, modelPrefix: string): PrefixSelection {
  const prefix = modelPrefix === '' || modelPrefix.endsWith('.') ? modelPrefix : modelPrefix + '.';
  const selected = new Map<string, TensorData>();
  const ignored: string[] = [];
  for (const [key, t] of stateDict) {
    const k = stripModule(key);
    if (k.startsWith(prefix)) selected.set(k.slice(prefix.length), t);
    else ignored.push(key);
  }
  return { selected, ignored };
}

/** New tf tensors for the given entries (caller disposes). */
export function toTfTensors(entries: ReadonlyMap<string, TensorData>): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [k, t] of entries) out.set(k, tf.tensor(t.data, t.shape, t.dtype));
  return out;
}

export interface ImportTorchOptions {
  /** `--model-prefix` (e.g. 'online_net.backbone', 'encoder_q', '' for a bare ResNet). Default: detected. */
  modelPrefix?: string;
  /** Also fail on keys under the prefix that the module lacks (default: report them). Missing keys always fail. */
  strict?: boolean;
}

export interface ImportTorchReport extends TorchLoadReport {
  modelPrefix: string;
  kind: CheckpointKindInfo;
  meta: TorchCheckpointMeta;
  loaded: number;
  /** Unexpected keys that are the torchvision classifier head (the reference re-initialises fc). */
  headKeys: string[];
}

/**
 * Loads a `.pth`/`.pth.tar` into `module` (torch layouts converted). Throws when the prefix
 * selects nothing, when any module entry is missing, or when a shape does not fit — a
 * failed import leaves the module unchanged. `fc.*` under the prefix is reported, not loaded.
 */
export async function importTorchWeights(module: Module, path: string, options: ImportTorchOptions = {}): Promise<ImportTorchReport> {
  const checkpoint = await readTorchCheckpoint(path);
  try {
    return importTorchCheckpoint(module, checkpoint, options);
  } catch (error) {
    if (error instanceof Error) error.message = `${path}: ${error.message}`;
    throw error;
  }
}

export function importTorchCheckpoint(module: Module, checkpoint: TorchCheckpoint, options: ImportTorchOptions = {}): ImportTorchReport {
  const { kind, meta } = checkpoint;
  const modelPrefix = options.modelPrefix ?? kind.backbonePrefix;
  if (modelPrefix === null || modelPrefix === undefined) {
    throw new Error(`cannot tell which weights to import (groups: ${Object.keys(kind.groups).join(', ')}); pass --model-prefix`);
  }
  const { selected, ignored } = selectByModelPrefix(checkpoint.stateDict, modelPrefix);
  if (selected.size === 0) {
    const hint = kind.backbonePrefix !== null ? ` (this looks like a "${kind.kind}" checkpoint: try --model-prefix ${kind.backbonePrefix === '' ? '""' : kind.backbonePrefix})` : '';
    throw new Error(`--model-prefix "${modelPrefix}" selects no keys${hint}`);
  }
  const known = new Set(module.stateEntries().map((e) => e.name));
  const headKeys = [...selected.keys()].filter((k) => (k === 'fc.weight' || k === 'fc.bias') && !known.has(k));
  for (const k of headKeys) selected.delete(k);
  // The reference asserts that only the classifier is missing; our encoders have none, so nothing may be.
  const missing = [...known].filter((k) => !selected.has(k));
  if (missing.length > 0) {
    const shown = missing.slice(0, 8).join(', ') + (missing.length > 8 ? `, … (${missing.length} in all)` : '');
    throw new Error(`--model-prefix "${modelPrefix}" leaves ${missing.length} of ${known.size} model weights missing: ${shown}`);
  }
  const tensors = toTfTensors(selected);
  try {
    const report = loadTorchStateDict(module, tensors, { strict: options.strict ?? false });
    return { ...report, ignored: [...ignored, ...report.ignored], modelPrefix, kind, meta, loaded: selected.size - report.unexpected.length, headKeys };
  } finally {
    tf.dispose([...tensors.values()]);
  }
}
