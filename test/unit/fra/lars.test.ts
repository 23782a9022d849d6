import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../helpers/engine.js';
import { Lars, isExcludedFromLarsAdaptation, type LarsOptions, type NamedVariable } from '../../../trainer/fra/lars.js';

// ---------- float64 reference of fra-spec §4, written independently of the implementation ----------

interface RefOptions { momentum: number; weightDecay: number; trust: number; eps: number }

function norm(values: readonly number[]): number {
  return Math.sqrt(values.reduce((sum, v) => sum + v * v, 0));
}

/** One LARS step on one tensor; returns the new weights and the new momentum buffer. */
function referenceStep(
  w: readonly number[], g: readonly number[], buffer: readonly number[] | null,
  lr: number, excluded: boolean, o: RefOptions,
): { w: number[]; buffer: number[] } {
  let d: number[];
  if (excluded) {
    d = g.map((gi) => gi * lr);
  } else {
    const wn = norm(w);
    const local = (o.trust * wn) / (norm(g) + o.weightDecay * wn + o.eps);
    d = g.map((gi, i) => (gi + o.weightDecay * w[i]!) * local * lr);
  }
  const newBuffer = buffer === null ? d : d.map((di, i) => o.momentum * buffer[i]! + di);
  return { w: w.map((wi, i) => wi - newBuffer[i]!), buffer: newBuffer };
}

// ---------- helpers ----------

/** Deterministic float32-representable values, so JS and tfjs start from identical inputs. */
function pattern(n: number, seed: number, scale: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.fround(scale * Math.sin(seed + 1.37 * i + 0.11 * i * i)));
}

const SHAPE: [number, number] = [4, 3];
const SIZE = 12;

function makeParam(name: string, values: readonly number[]): NamedVariable {
  return { name, variable: tf.variable(tf.tensor2d(values as number[], SHAPE), true) };
}

/** Element-wise |actual − expected| ≤ relativeToMax·max|expected| + absolute. */
function assertAllClose(
  actual: ArrayLike<number>, expected: readonly number[], relativeToMax: number, label: string, absolute = 0,
): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  const tolerance = relativeToMax * Math.max(...expected.map(Math.abs)) + absolute;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!);
    assert.ok(diff <= tolerance, `${label}[${i}]: got ${actual[i]}, expected ${expected[i]} (diff ${diff}, tolerance ${tolerance})`);
  }
}

function assertAllZero(values: ArrayLike<number>, label: string): void {
  assert.ok(Array.from(values).every((v) => v === 0), `${label}: expected all zeros, got ${Array.from(values).join(',')}`);
}

function disposeParams(params: readonly NamedVariable[]): void {
  for (const p of params) p.variable.dispose();
}

const INCLUDED_HEAD_BN = 'online_net.neck.proj.mlp.1.weight';
const EXCLUDED = [
  'online_net.backbone.bn1.weight',
  'online_net.backbone.layer1.0.downsample.1.weight',
  'x.bias',
];

describe('isExcludedFromLarsAdaptation (fra-spec §4 exclusion rule)', () => {
  it('excludes names containing bn, downsample.1 or bias', () => {
    const excluded = [
      'online_net.backbone.bn1.weight',
      'online_net.backbone.bn1.bias',
      'online_net.backbone.layer3.2.bn3.weight',
      'online_net.backbone.layer1.0.downsample.1.weight',
      'online_net.backbone.layer1.0.downsample.1.bias',
      'online_net.neck.proj.mlp.0.bias',
      'predictor.mlp.3.bias',
      'online_net.neck.decoder.layers.0.norm1.bias',
      'online_net.neck.input_proj.bias',
    ];
    for (const name of excluded) assert.equal(isExcludedFromLarsAdaptation(name), true, name);
  });
  it('keeps head BN, decoder LayerNorm, query_embed, input_proj and plain weights in the LARS group', () => {
    const included = [
      'online_net.neck.proj.mlp.1.weight', // BN γ inside an MLP head: NOT excluded in FRA
      'predictor.mlp.1.weight',
      'online_net.neck.decoder.layers.0.norm1.weight',
      'online_net.neck.decoder.layers.1.norm2.weight',
      'online_net.neck.decoder.layers.1.norm3.weight',
      'online_net.neck.decoder.norm.weight',
      'online_net.neck.query_embed.weight',
      'online_net.neck.input_proj.weight',
      'online_net.backbone.conv1.weight',
      'online_net.backbone.layer1.0.downsample.0.weight', // the shortcut conv, not its BN
      'predictor.mlp.0.weight',
    ];
    for (const name of included) assert.equal(isExcludedFromLarsAdaptation(name), false, name);
  });
});

describe('Lars', () => {
  before(async () => {
    await useBackend('cpu');
  });

  /** Two consecutive steps (so momentum is exercised) for one tensor, checked against the reference. */
  function checkTwoSteps(name: string, options: LarsOptions, lrs: [number, number]): void {
    const ref: RefOptions = {
      momentum: options.momentum ?? 0.9, weightDecay: options.weightDecay,
      trust: options.trustCoefficient ?? 1e-3, eps: options.eps ?? 1e-8,
    };
    const w0 = pattern(SIZE, 0.3, 0.8);
    const grads = [pattern(SIZE, 2.1, 0.05), pattern(SIZE, 4.7, 0.03)];
    const param = makeParam(name, w0);
    const lars = new Lars(options);
    let refW: number[] = w0;
    let refBuffer: number[] | null = null;
    for (let step = 0; step < 2; step++) {
      const g = tf.tensor2d(grads[step]!, SHAPE);
      lars.applyGradients([param], new Map([[name, g]]), lrs[step]!);
      g.dispose();
      const r = referenceStep(refW, grads[step]!, refBuffer, lrs[step]!, isExcludedFromLarsAdaptation(name), ref);
      refW = r.w;
      refBuffer = r.buffer;
      const buffer = lars.getState().get(name);
      assert.ok(buffer, `${name}: buffer exists after step ${step + 1}`);
      // The buffer is computed directly, so it can be held to float32 relative accuracy.
      assertAllClose(buffer.dataSync(), refBuffer, 2e-6, `${name} buffer, step ${step + 1}`);
      // w − buf loses the low bits of the (small) update against |w|; compare relative to |w|.
      assertAllClose(param.variable.dataSync(), refW, 2e-7, `${name} weights, step ${step + 1}`);
      // And the total displacement w0 − w: float32 relative accuracy of the update, plus the two
      // roundings of the stored weights (one ulp of max|w| each).
      const moved = Array.from(param.variable.dataSync(), (v, i) => w0[i]! - v);
      const refMoved = refW.map((v, i) => w0[i]! - v);
      const weightUlp = Math.max(...refW.map(Math.abs)) * 2 ** -23;
      assertAllClose(moved, refMoved, 2e-6, `${name} displacement, step ${step + 1}`, 2 * (step + 1) * weightUlp);
    }
    lars.dispose();
    disposeParams([param]);
  }

  it('matches the float64 reference for an included head-BN weight (LARS + wd), large trust ratio', () => {
    checkTwoSteps(INCLUDED_HEAD_BN, { weightDecay: 0.05, trustCoefficient: 0.5, momentum: 0.9 }, [0.7, 0.4]);
  });

  it('matches the float64 reference for an included weight with the FRA defaults (η 1e-3, wd 1e-6)', () => {
    checkTwoSteps(INCLUDED_HEAD_BN, { weightDecay: 1e-6 }, [0.9, 0.768198]);
    checkTwoSteps('predictor.mlp.0.weight', { weightDecay: 1e-6 }, [0.9, 0.45]);
  });

  for (const name of EXCLUDED) {
    it(`matches the reference for excluded '${name}' (d = g·lr, no wd, no trust ratio)`, () => {
      checkTwoSteps(name, { weightDecay: 0.05, trustCoefficient: 0.5, momentum: 0.9 }, [0.7, 0.4]);
    });
  }

  it('excluded tensors ignore weight decay and trust: first buffer is exactly g·lr', () => {
    const g = pattern(SIZE, 1.1, 0.2);
    const param = makeParam('x.bias', pattern(SIZE, 0.5, 1));
    const lars = new Lars({ weightDecay: 0.5, trustCoefficient: 0.5 });
    const gt = tf.tensor2d(g, SHAPE);
    lars.applyGradients([param], { 'x.bias': gt }, 0.25); // Record form of grads
    assert.deepEqual(Array.from(lars.getState().get('x.bias')!.dataSync()), g.map((v) => Math.fround(v * 0.25)));
    gt.dispose();
    lars.dispose();
    disposeParams([param]);
  });

  it('a zero-norm included tensor never moves (local = 0, spec §4); an excluded one does', () => {
    const zeros = new Array<number>(SIZE).fill(0);
    const included = makeParam('predictor.mlp.0.weight', zeros);
    const excluded = makeParam('online_net.backbone.bn1.weight', zeros);
    const lars = new Lars({ weightDecay: 1e-6 });
    for (let step = 0; step < 2; step++) {
      const g = tf.tensor2d(pattern(SIZE, 3 + step, 0.1), SHAPE);
      lars.applyGradients([included, excluded], new Map([['predictor.mlp.0.weight', g], ['online_net.backbone.bn1.weight', g]]), 0.9);
      g.dispose();
    }
    assertAllZero(included.variable.dataSync(), 'weights');
    assertAllZero(lars.getState().get('predictor.mlp.0.weight')!.dataSync(), 'buffer');
    assert.ok(norm(Array.from(excluded.variable.dataSync())) > 0.01, 'excluded zero tensor is updated by g·lr');
    lars.dispose();
    disposeParams([included, excluded]);
  });

  it('a zero gradient on an included tensor applies only the weight decay, with the literal trust ratio', () => {
    const w0 = pattern(SIZE, 0.9, 0.5);
    const zeros = new Array<number>(SIZE).fill(0);
    const options = { momentum: 0.9, weightDecay: 0.01, trust: 0.5, eps: 1e-8 };
    const param = makeParam('online_net.neck.query_embed.weight', w0);
    const lars = new Lars({ weightDecay: options.weightDecay, trustCoefficient: options.trust });
    const g = tf.zeros(SHAPE);
    lars.applyGradients([param], new Map([['online_net.neck.query_embed.weight', g]]), 0.8);
    g.dispose();
    const ref = referenceStep(w0, zeros, null, 0.8, false, options);
    // local = η/(wd + eps/‖w‖) ≈ 50, so d ≈ 0.5·0.8·w: a large, finite step.
    assertAllClose(lars.getState().get('online_net.neck.query_embed.weight')!.dataSync(), ref.buffer, 2e-6, 'buffer');
    assertAllClose(param.variable.dataSync(), ref.w, 2e-6, 'weights');
    lars.dispose();
    disposeParams([param]);
  });

  it('leaves a parameter without a gradient untouched and creates no buffer for it', () => {
    const trained = makeParam('online_net.neck.proj.mlp.0.weight', pattern(SIZE, 0.2, 1));
    const targetValues = pattern(SIZE, 0.4, 1);
    const target = makeParam('target_net.neck.proj.mlp.0.weight', targetValues);
    const lars = new Lars({ weightDecay: 1e-6 });
    const g = tf.tensor2d(pattern(SIZE, 0.6, 0.1), SHAPE);
    for (let step = 0; step < 2; step++) {
      lars.applyGradients([trained, target], new Map([['online_net.neck.proj.mlp.0.weight', g]]), 0.9);
    }
    assert.deepEqual(Array.from(target.variable.dataSync()), targetValues.map(Math.fround));
    assert.deepEqual([...lars.getState().keys()], ['online_net.neck.proj.mlp.0.weight']);
    assert.equal(g.isDisposed, false, 'the caller keeps ownership of grads');
    g.dispose();
    lars.dispose();
    disposeParams([trained, target]);
  });

  it('getState/setState round trip gives an identical next step', () => {
    const names = [INCLUDED_HEAD_BN, 'online_net.backbone.bn1.weight'];
    const initial = [pattern(SIZE, 0.1, 1), pattern(SIZE, 0.7, 1)];
    const stepGrads = [0, 1, 2].map((s) => names.map((_, j) => pattern(SIZE, 5 + s + 3 * j, 0.1)));
    const gradMap = (s: number) => new Map(names.map((n, j) => [n, tf.tensor2d(stepGrads[s]![j]!, SHAPE)] as const));

    const paramsA = names.map((n, j) => makeParam(n, initial[j]!));
    const larsA = new Lars({ weightDecay: 0.01, trustCoefficient: 0.2 });
    for (const s of [0, 1]) {
      const gm = gradMap(s);
      larsA.applyGradients(paramsA, gm, 0.5);
      for (const t of gm.values()) t.dispose();
    }

    // A fresh optimiser + a copy of the weights, restored from A's state.
    const paramsB = paramsA.map((p) => ({ name: p.name, variable: tf.variable(p.variable.clone(), true) }));
    const larsB = new Lars({ weightDecay: 0.01, trustCoefficient: 0.2 });
    larsB.setState(larsA.getState());

    const gm = gradMap(2);
    larsA.applyGradients(paramsA, gm, 0.5);
    larsB.applyGradients(paramsB, gm, 0.5);
    for (const t of gm.values()) t.dispose();
    for (let j = 0; j < names.length; j++) {
      assert.deepEqual(Array.from(paramsB[j]!.variable.dataSync()), Array.from(paramsA[j]!.variable.dataSync()), names[j]);
      assert.deepEqual(
        Array.from(larsB.getState().get(names[j]!)!.dataSync()),
        Array.from(larsA.getState().get(names[j]!)!.dataSync()),
      );
    }

    // setState copied: B's buffers outlive A's.
    larsA.dispose();
    for (const buffer of larsB.getState().values()) assert.equal(buffer.isDisposed, false);
    // Restoring from its own state is safe too.
    larsB.setState(larsB.getState());
    for (const buffer of larsB.getState().values()) assert.equal(buffer.isDisposed, false);
    larsB.dispose();
    disposeParams([...paramsA, ...paramsB]);
  });

  it('rejects a gradient of the wrong shape without touching anything', () => {
    const values = pattern(SIZE, 0.2, 1);
    const param = makeParam('predictor.mlp.0.weight', values);
    const lars = new Lars({ weightDecay: 1e-6 });
    const bad = tf.zeros([3, 4]);
    assert.throws(() => lars.applyGradients([param], { 'predictor.mlp.0.weight': bad }, 0.9), /shape/);
    assert.deepEqual(Array.from(param.variable.dataSync()), values.map(Math.fround));
    assert.equal(lars.getState().size, 0);
    bad.dispose();
    lars.dispose();
    disposeParams([param]);
  });

  it('does not leak tensors over 5 steps, even when called inside the caller’s tf.tidy', () => {
    const params = [
      makeParam(INCLUDED_HEAD_BN, pattern(SIZE, 0.1, 1)),
      makeParam('x.bias', pattern(SIZE, 0.2, 1)),
      makeParam('target_net.x.weight', pattern(SIZE, 0.3, 1)), // no grad
    ];
    const grads = new Map([
      [INCLUDED_HEAD_BN, tf.tensor2d(pattern(SIZE, 1, 0.1), SHAPE)],
      ['x.bias', tf.tensor2d(pattern(SIZE, 2, 0.1), SHAPE)],
    ]);
    const lars = new Lars({ weightDecay: 1e-6 });
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    for (let step = 0; step < 5; step++) {
      tf.tidy(() => lars.applyGradients(params, grads, 0.9));
      counts.push(tf.memory().numTensors);
    }
    // Exactly one momentum buffer per parameter that received a gradient, and nothing else.
    assert.deepEqual(counts, new Array<number>(5).fill(before + 2));
    for (const buffer of lars.getState().values()) assert.equal(buffer.isDisposed, false);
    lars.dispose();
    assert.equal(tf.memory().numTensors, before);
    for (const g of grads.values()) g.dispose();
    disposeParams(params);
  });
});
