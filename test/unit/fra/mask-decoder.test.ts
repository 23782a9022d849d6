/**
 * The FRA mask-embedding generator (`proj_attn`, fra-spec §1.4) and its multi-head attention,
 * checked against a float64 plain-JS re-implementation written from the spec in PyTorch
 * conventions (weights read back through `exportTorchStateDict`, so the torch layouts of
 * in_proj_weight [3d, d], out_proj, linear1/2, input_proj and mask_embed are exercised too).
 * Tiny dimensions; every parameter is overwritten with a deterministic pattern so biases and
 * LayerNorm affine terms are non-trivial.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../helpers/engine.js';
import { MultiheadAttention } from '../../../trainer/fra/attention.js';
import { LayerNorm } from '../../../trainer/fra/layer-norm.js';
import { MaskEmbeddingGenerator, type MaskEmbeddingGeneratorOptions } from '../../../trainer/fra/mask-decoder.js';
import { exportTorchStateDict } from '../../../trainer/io/torch-layout.js';
import type { Module } from '../../../trainer/nn/module.js';
import { SeedSequence } from '../../../trainer/nn/seed.js';

// ---------------------------------------------------------------------------------------------
// float64 helpers (row-major matrices as number[][])

type Mat = number[][];

const matmulT = (a: Mat, wTorch: Mat): Mat => a.map((row) => wTorch.map((w) => w.reduce((s, wi, i) => s + wi * row[i]!, 0)));
/** torch Linear: x·Wᵀ + b with W (out, in). */
const linear = (x: Mat, w: Mat, b?: number[]): Mat => matmulT(x, w).map((row) => row.map((v, j) => v + (b ? b[j]! : 0)));
const addMat = (a: Mat, b: Mat): Mat => a.map((row, i) => row.map((v, j) => v + b[i]![j]!));
const relu = (a: Mat): Mat => a.map((row) => row.map((v) => Math.max(v, 0)));
const columns = (a: Mat, from: number, count: number): Mat => a.map((row) => row.slice(from, from + count));

function softmaxRows(a: Mat): Mat {
  return a.map((row) => {
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const s = e.reduce((x, y) => x + y, 0);
    return e.map((v) => v / s);
  });
}

function layerNorm(a: Mat, gamma: number[], beta: number[]): Mat {
  return a.map((row) => {
    const mean = row.reduce((s, v) => s + v, 0) / row.length;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / row.length;
    return row.map((v, j) => ((v - mean) / Math.sqrt(variance + 1e-5)) * gamma[j]! + beta[j]!);
  });
}

/** torch nn.MultiheadAttention (eval, no masks) for one batch element. */
function multiheadAttention(q: Mat, k: Mat, v: Mat, p: (name: string) => Mat | number[], prefix: string, heads: number): Mat {
  const key = (name: string): string => (prefix === '' ? name : `${prefix}.${name}`);
  const inW = p(key('in_proj_weight')) as Mat; // (3d, d)
  const inB = p(key('in_proj_bias')) as number[];
  const d = inW[0]!.length;
  const hd = d / heads;
  const Q = linear(q, inW.slice(0, d), inB.slice(0, d));
  const K = linear(k, inW.slice(d, 2 * d), inB.slice(d, 2 * d));
  const V = linear(v, inW.slice(2 * d), inB.slice(2 * d));
  const merged: Mat = q.map(() => []);
  for (let h = 0; h < heads; h++) {
    const qh = columns(Q, h * hd, hd);
    const kh = columns(K, h * hd, hd);
    const vh = columns(V, h * hd, hd);
    const probs = softmaxRows(matmulT(qh, kh).map((row) => row.map((s) => s / Math.sqrt(hd))));
    const ctx = probs.map((row) => vh[0]!.map((_, j) => row.reduce((s, pr, t) => s + pr * vh[t]![j]!, 0)));
    ctx.forEach((row, i) => merged[i]!.push(...row));
  }
  return linear(merged, p(key('out_proj.weight')) as Mat, p(key('out_proj.bias')) as number[]);
}

/** DETR sine embedding written from the spec formula (§1.4 step 3), [h·w, 2F]. */
function sinePosition(h: number, w: number, F: number): Mat {
  const out: Mat = [];
  const axis = (e: number): number[] =>
    Array.from({ length: F }, (_, i) => {
      const a = e / Math.pow(10000, (2 * Math.floor(i / 2)) / F);
      return i % 2 === 0 ? Math.sin(a) : Math.cos(a);
    });
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) out.push([...axis(((r + 1) / (h + 1e-6)) * 2 * Math.PI), ...axis(((c + 1) / (w + 1e-6)) * 2 * Math.PI)]);
  }
  return out;
}

/** Exported torch state as nested arrays. */
function torchState(module: Module): (name: string) => Mat | number[] {
  const exported = exportTorchStateDict(module);
  const values = new Map<string, Mat | number[]>();
  for (const [name, t] of exported) {
    values.set(name, t.arraySync() as Mat | number[]);
    t.dispose();
  }
  return (name) => {
    const v = values.get(name);
    if (!v) throw new Error(`no state entry ${name}`);
    return v;
  };
}

/** Overwrites every parameter with a deterministic, float32-exact pattern (≈ ±scale). */
function fillParameters(module: Module, scale: number): void {
  module.namedParameters().forEach((p, k) => {
    const values = Array.from({ length: p.variable.size }, (_, i) => Math.fround(scale * Math.sin(1.3 * k + 0.71 * i + 0.05 * i * i)));
    p.variable.assign(tf.tensor(values, p.variable.shape));
  });
}

function pattern(shape: number[], seed: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Array.from({ length: size }, (_, i) => Math.fround(Math.cos(seed + 0.37 * i) + 0.3 * Math.sin(0.11 * i * i))),
    shape,
  );
}

/** max |x| over a tensor's values (a loop: spreading 0.5M values into Math.max overflows the stack). */
function maxAbs(t: tf.Tensor): number {
  let m = 0;
  for (const v of t.dataSync()) m = Math.max(m, Math.abs(v));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

// ---------------------------------------------------------------------------------------------

const TINY: Omit<MaskEmbeddingGeneratorOptions, 'seeds'> = {
  inChannels: 5,
  hiddenDim: 8,
  numQueries: 3,
  numHeads: 2,
  ffnDim: 6,
  numLayers: 2,
  dropout: 0.1,
};

describe('MultiheadAttention', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('equals torch nn.MultiheadAttention (packed in_proj q|k|v rows, heads as contiguous column blocks)', () => {
    const attention = new MultiheadAttention({ embedDim: 8, numHeads: 2, dropout: 0.1, seeds: new SeedSequence(3), dropoutSeeds: new SeedSequence(4) });
    attention.setTraining(false);
    fillParameters(attention, 0.4);
    const p = torchState(attention);
    const [query, key, value] = [pattern([2, 3, 8], 1), pattern([2, 4, 8], 2), pattern([2, 4, 8], 3)] as tf.Tensor3D[];
    const out = attention.forward(query!, key!, value!);
    assert.deepEqual(out.shape, [2, 3, 8]);
    const q = query!.arraySync() as number[][][];
    const k = key!.arraySync() as number[][][];
    const v = value!.arraySync() as number[][][];
    const expected = q.flatMap((_, b) => multiheadAttention(q[b]!, k[b]!, v[b]!, p, '', 2).flat());
    assert.ok(maxAbsDiff(out.dataSync(), expected) < 1e-5);
    tf.dispose([out, query!, key!, value!]);
    attention.dispose();
  });

  it('initialises like DETR: xavier in_proj/out_proj weights, zero biases', () => {
    const d = 256;
    const attention = new MultiheadAttention({ embedDim: d, numHeads: 8, dropout: 0.1, seeds: new SeedSequence(5), dropoutSeeds: new SeedSequence(6) });
    const inBound = Math.sqrt(6 / (d + 3 * d));
    const w = maxAbs(attention.inProjWeight);
    assert.ok(w <= inBound && w > 0.95 * inBound, 'xavier uses the (3d, d) fans');
    const state = new Map(attention.stateEntries().map((e) => [e.name, e.variable]));
    assert.equal(maxAbs(state.get('in_proj_bias')!), 0);
    assert.equal(maxAbs(state.get('out_proj.bias')!), 0);
    const outW = maxAbs(state.get('out_proj.weight')!);
    const outBound = Math.sqrt(6 / (2 * d));
    assert.ok(outW <= outBound && outW > 0.95 * outBound);
    assert.deepEqual(
      attention.stateEntries().map((e) => [e.name, e.torchLayout]),
      [
        ['in_proj_weight', 'linear'],
        ['in_proj_bias', 'same'],
        ['out_proj.weight', 'linear'],
        ['out_proj.bias', 'same'],
      ],
    );
    attention.dispose();
  });
});

describe('LayerNorm', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('normalises the last axis with biased variance and eps 1e-5', () => {
    const norm = new LayerNorm(4);
    fillParameters(norm, 0.8);
    const x = pattern([3, 4], 7);
    const p = new Map(norm.stateEntries().map((e) => [e.name, Array.from(e.variable.dataSync())]));
    const expected = layerNorm(x.arraySync() as Mat, p.get('weight')!, p.get('bias')!).flat();
    const y = norm.forward(x);
    assert.ok(maxAbsDiff(y.dataSync(), expected) < 1e-5);
    tf.dispose([x, y]);
    norm.dispose();
  });
});

describe('MaskEmbeddingGenerator', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('equals a float64 DETR decoder: pos on keys only, zero target, query_pos on every query, post-norm', () => {
    const generator = new MaskEmbeddingGenerator({ ...TINY, seeds: new SeedSequence(11) });
    generator.setTraining(false);
    fillParameters(generator, 0.5);
    const p = torchState(generator);
    const [B, h, w, C, d, N, heads] = [2, 2, 3, 5, 8, 3, 2];
    const features = pattern([B, h, w, C], 9) as tf.Tensor4D;
    const out = generator.forward(features);
    assert.deepEqual(out.shape, [B, N, d]);

    const x = features.arraySync();
    const pos = sinePosition(h, w, d / 2);
    const convW = (p('input_proj.weight') as unknown as number[][][][]).map((o) => o.map((i) => i[0]![0]!)); // (d, C)
    const queryPos = p('query_embed.weight') as Mat;
    const expected: number[] = [];
    for (let b = 0; b < B; b++) {
      const memory = linear(x[b]!.flat(), convW, p('input_proj.bias') as number[]);
      const keys = addMat(memory, pos);
      let tgt: Mat = queryPos.map((row) => row.map(() => 0));
      for (let l = 0; l < 2; l++) {
        const L = `transformer.decoder.layers.${l}`;
        const g = (n: string): number[] => p(`${L}.${n}`) as number[];
        const selfQ = addMat(tgt, queryPos);
        tgt = layerNorm(addMat(tgt, multiheadAttention(selfQ, selfQ, tgt, p, `${L}.self_attn`, heads)), g('norm1.weight'), g('norm1.bias'));
        const crossQ = addMat(tgt, queryPos);
        tgt = layerNorm(addMat(tgt, multiheadAttention(crossQ, keys, memory, p, `${L}.multihead_attn`, heads)), g('norm2.weight'), g('norm2.bias'));
        const ffn = linear(relu(linear(tgt, p(`${L}.linear1.weight`) as Mat, g('linear1.bias'))), p(`${L}.linear2.weight`) as Mat, g('linear2.bias'));
        tgt = layerNorm(addMat(tgt, ffn), g('norm3.weight'), g('norm3.bias'));
      }
      tgt = layerNorm(tgt, p('transformer.decoder.norm.weight') as number[], p('transformer.decoder.norm.bias') as number[]);
      const mlp = (i: number, a: Mat): Mat => linear(a, p(`mask_embed.layers.${i}.weight`) as Mat, p(`mask_embed.layers.${i}.bias`) as number[]);
      expected.push(...mlp(2, relu(mlp(1, relu(mlp(0, tgt))))).flat());
    }
    assert.ok(maxAbsDiff(out.dataSync(), expected) < 1e-4, `max diff ${maxAbsDiff(out.dataSync(), expected)}`);
    tf.dispose([features, out]);
    generator.dispose();
  });

  it('applies dropout only in training mode, reproducibly for a fixed seed', () => {
    const features = pattern([2, 3, 3, 5], 4) as tf.Tensor4D;
    const make = (): MaskEmbeddingGenerator => new MaskEmbeddingGenerator({ ...TINY, seeds: new SeedSequence(21) });
    const a = make();
    const b = make();
    const run = (g: MaskEmbeddingGenerator): Float32Array => tf.tidy(() => g.forward(features).dataSync() as Float32Array);

    const a1 = run(a);
    const b1 = run(b);
    assert.deepEqual(a1, b1, 'same seed ⇒ same init and same dropout masks');
    const a2 = run(a);
    assert.ok(maxAbsDiff(a1, a2) > 1e-4, 'each training forward draws new masks');

    a.setTraining(false);
    const e1 = run(a);
    const e2 = run(a);
    assert.deepEqual(e1, e2, 'no dropout in eval mode');
    assert.ok(maxAbsDiff(e1, a1) > 1e-4);

    tf.dispose(features);
    a.dispose();
    b.dispose();
  });

  it('initialises input_proj kaiming-uniform(a=1) with zero bias and query_embed ~ N(0,1)', () => {
    const C = 2048;
    const generator = new MaskEmbeddingGenerator({ inChannels: C, numQueries: 64, seeds: new SeedSequence(2) });
    const state = new Map(generator.stateEntries().map((e) => [e.name, e.variable]));
    const w = maxAbs(state.get('input_proj.weight')!);
    const bound = Math.sqrt(3 / C);
    assert.ok(w <= bound && w > 0.99 * bound);
    assert.equal(maxAbs(state.get('input_proj.bias')!), 0);
    const q = state.get('query_embed.weight')!;
    const { mean, variance } = tf.moments(q);
    assert.ok(Math.abs(mean.dataSync()[0]!) < 0.05 && Math.abs(Math.sqrt(variance.dataSync()[0]!) - 1) < 0.05);
    const ffnBias = maxAbs(state.get('transformer.decoder.layers.0.linear1.bias')!);
    assert.ok(ffnBias <= 1 / 16 && ffnBias > 0, 'linear1 bias keeps torch default U(±1/√256)');
    const ffnW = maxAbs(state.get('transformer.decoder.layers.0.linear1.weight')!);
    assert.ok(ffnW > 1 / 16 && ffnW <= Math.sqrt(6 / 512), 'linear1 weight is xavier, not torch default');
    tf.dispose([mean, variance]);
    generator.dispose();
  });
});
