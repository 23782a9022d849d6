/**
 * PyTorch `state_dict` ↔ our module state (fra-spec §6.4).
 *
 * Names already agree (Module state keys *are* torch keys); only layouts differ:
 * conv2d (O,I,kh,kw) ↔ (kh,kw,I,O), linear (O,I) ↔ (I,O), conv1d (O,I,1) ↔ (I,O).
 * Each state entry declares its TorchLayout, so conversion never guesses from shapes
 * (a square Linear would otherwise load untransposed without any error).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module, TorchLayout } from '../nn/module.js';

/** Torch-layout tensor → our layout (new tensor; the input is not disposed). */
export function fromTorchLayout(layout: TorchLayout, tensor: tf.Tensor): tf.Tensor {
  checkRank(layout, tensor.shape, 'torch');
  switch (layout) {
    case 'same':
      return tf.clone(tensor);
    case 'conv2d':
      return tf.transpose(tensor, [2, 3, 1, 0]);
    case 'linear':
      return tf.transpose(tensor, [1, 0]);
    case 'conv1d':
      return tf.tidy(() => tf.transpose(tf.squeeze(tensor, [2]), [1, 0]));
  }
}

/** Our layout → torch layout (new tensor; the input is not disposed). */
export function toTorchLayout(layout: TorchLayout, tensor: tf.Tensor): tf.Tensor {
  checkRank(layout, tensor.shape, 'ours');
  switch (layout) {
    case 'same':
      return tf.clone(tensor);
    case 'conv2d':
      return tf.transpose(tensor, [3, 2, 0, 1]);
    case 'linear':
      return tf.transpose(tensor, [1, 0]);
    case 'conv1d':
      return tf.tidy(() => tf.expandDims(tf.transpose(tensor, [1, 0]), 2));
  }
}

/** The torch shape of a tensor that has `shape` in our layout. */
export function torchShapeOf(layout: TorchLayout, shape: readonly number[]): number[] {
  checkRank(layout, shape, 'ours');
  const d = (i: number): number => shape[i]!;
  switch (layout) {
    case 'same':
      return [...shape];
    case 'conv2d':
      return [d(3), d(2), d(0), d(1)];
    case 'linear':
      return [d(1), d(0)];
    case 'conv1d':
      return [d(1), d(0), 1];
  }
}

export interface TorchLoadOptions {
  /**
   * Only torch keys starting with this prefix are loaded, with it removed — e.g.
   * 'module.online_net.backbone.' for an FRA pre-training checkpoint (fra-spec §6.1–6.2:
   * DDP's 'module.' then the sub-network path). Other keys are reported as `ignored`.
   */
  prefix?: string;
  /** Throw (before writing anything) when a model entry is missing or a prefixed key is unknown. */
  strict?: boolean;
}

export interface TorchLoadReport {
  /** Model state keys the state dict did not provide (left unchanged). */
  missing: string[];
  /** Keys under the prefix (prefix removed) that the model does not have. */
  unexpected: string[];
  /** Keys outside the prefix, untouched (full names). */
  ignored: string[];
}

/**
 * Loads a PyTorch state dict (tensors in torch layout, torch key names) into `module`.
 * Every tensor is converted by its target entry's TorchLayout and cast to the entry's
 * dtype (torch's int64 `num_batches_tracked` arrives as int32 or float). All shapes are
 * checked before any variable is written, so a failed load leaves the module as it was.
 */
export function loadTorchStateDict(module: Module, torchTensors: ReadonlyMap<string, tf.Tensor>, options: TorchLoadOptions = {}): TorchLoadReport {
  const prefix = options.prefix ?? '';
  const selected = new Map<string, tf.Tensor>();
  const ignored: string[] = [];
  for (const [key, tensor] of torchTensors) {
    if (key.startsWith(prefix)) selected.set(key.slice(prefix.length), tensor);
    else ignored.push(key);
  }

  const entries = module.stateEntries();
  const known = new Set(entries.map((e) => e.name));
  const missing = entries.filter((e) => !selected.has(e.name)).map((e) => e.name);
  const unexpected = [...selected.keys()].filter((k) => !known.has(k));
  const misfits: string[] = [];
  for (const e of entries) {
    const t = selected.get(e.name);
    if (!t) continue;
    const expected = torchShapeOf(e.torchLayout, e.variable.shape);
    if (!sameShape(t.shape, expected)) {
      const ours = e.torchLayout === 'same' ? '' : ` (${e.torchLayout} layout of our [${e.variable.shape.join(', ')}])`;
      misfits.push(`${prefix}${e.name}: torch shape [${t.shape.join(', ')}] does not fit, expected [${expected.join(', ')}]${ours}`);
    }
    if (t.dtype !== 'float32' && t.dtype !== 'int32') misfits.push(`${prefix}${e.name}: unsupported dtype ${t.dtype}`);
  }
  const strictFailures = options.strict ? [...missing.map((k) => `missing: ${prefix}${k}`), ...unexpected.map((k) => `unexpected: ${prefix}${k}`)] : [];
  if (misfits.length > 0 || strictFailures.length > 0) {
    throw new Error(['PyTorch state dict does not fit the model:', ...misfits, ...strictFailures].join('\n  '));
  }

  for (const e of entries) {
    const t = selected.get(e.name);
    if (!t) continue;
    tf.tidy(() => {
      const converted = fromTorchLayout(e.torchLayout, t);
      e.variable.assign(converted.dtype === e.variable.dtype ? converted : tf.cast(converted, e.variable.dtype));
    });
  }
  return { missing, unexpected, ignored };
}

/**
 * The module's state as a PyTorch state dict: torch keys, torch layouts, state_dict
 * order. New tensors (caller disposes); pair with `tensorsToSafetensors` to export.
 */
export function exportTorchStateDict(module: Module): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const e of module.stateEntries()) out.set(e.name, toTorchLayout(e.torchLayout, e.variable));
  return out;
}

const LAYOUT_RANK: Record<Exclude<TorchLayout, 'same'>, { torch: number; ours: number; torchAxes: string; ourAxes: string }> = {
  conv2d: { torch: 4, ours: 4, torchAxes: '(O, I, kh, kw)', ourAxes: '(kh, kw, I, O)' },
  linear: { torch: 2, ours: 2, torchAxes: '(O, I)', ourAxes: '(I, O)' },
  conv1d: { torch: 3, ours: 2, torchAxes: '(O, I, 1)', ourAxes: '(I, O)' },
};

function checkRank(layout: TorchLayout, shape: readonly number[], side: 'torch' | 'ours'): void {
  if (layout === 'same') return;
  const r = LAYOUT_RANK[layout];
  const rank = side === 'torch' ? r.torch : r.ours;
  const axes = side === 'torch' ? r.torchAxes : r.ourAxes;
  if (shape.length !== rank || (layout === 'conv1d' && side === 'torch' && shape[2] !== 1)) {
    throw new Error(`${layout} tensor must be ${axes}${side === 'torch' ? ' in torch layout' : ''}, got shape [${shape.join(', ')}]`);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
