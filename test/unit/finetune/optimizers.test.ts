/**
 * AdamW and SGD against float64 re-statements of torch.optim.AdamW / torch.optim.SGD (written
 * here from PyTorch's documented update, independently of the implementation): several steps,
 * two parameter groups with different learning rates, changing learning rates, weight decay on
 * every parameter, state round trip through getState/setState, skipped parameters.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../helpers/engine.js';
import { AdamW } from '../../../trainer/finetune/optim/adamw.js';
import { Sgd } from '../../../trainer/finetune/optim/sgd.js';
import type { FinetuneOptimizer, NamedVariable } from '../../../trainer/finetune/optim/optimizer.js';

const pattern = (n: number, seed: number, scale: number): number[] => Array.from({ length: n }, (_, i) => Math.fround(scale * Math.sin(seed + 1.37 * i + 0.11 * i * i)));

/** torch.optim.AdamW, amsgrad=False, one tensor, float64. */
function adamwReference(w: number[], grads: number[][], lrs: number[], wd: number, b1 = 0.9, b2 = 0.999, eps = 1e-8): number[] {
  let m = w.map(() => 0);
  let v = w.map(() => 0);
  let p = [...w];
  grads.forEach((g, index) => {
    const t = index + 1;
    const lr = lrs[index]!;
    p = p.map((x) => x * (1 - lr * wd));
    m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i]!);
    v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i]! * g[i]!);
    const bc1 = 1 - b1 ** t;
    const bc2 = 1 - b2 ** t;
    p = p.map((x, i) => x - (lr / bc1) * (m[i]! / (Math.sqrt(v[i]!) / Math.sqrt(bc2) + eps)));
  });
  return p;
}

/** torch.optim.SGD, dampening 0, nesterov False, one tensor, float64. */
function sgdReference(w: number[], grads: number[][], lrs: number[], momentum: number, wd: number): number[] {
  let p = [...w];
  let buf: number[] | null = null;
  grads.forEach((g, index) => {
    const d = g.map((gi, i) => gi + wd * p[i]!);
    buf = buf === null ? d : buf.map((b, i) => momentum * b + d[i]!);
    const step = buf;
    p = p.map((x, i) => x - lrs[index]! * step[i]!);
  });
  return p;
}

function assertClose(actual: ArrayLike<number>, expected: readonly number[], tolerance: number, label: string): void {
  assert.equal(actual.length, expected.length);
  const scale = Math.max(...expected.map(Math.abs));
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!);
    assert.ok(diff <= tolerance * scale, `${label}[${i}]: got ${actual[i]}, expected ${expected[i]} (diff ${diff})`);
  }
}

const N = 12;
const STEPS = 4;
const W0 = { trunk: pattern(N, 1, 0.8), head: pattern(N, 2, 0.5) };
const GRADS = { trunk: Array.from({ length: STEPS }, (_, s) => pattern(N, 10 + s, 0.3)), head: Array.from({ length: STEPS }, (_, s) => pattern(N, 20 + s, 2)) };
const LRS = { trunk: [0.01, 0.02, 0.015, 0.005], head: [0.1, 0.05, 0.2, 0.08] };

function params(): { trunk: NamedVariable; head: NamedVariable } {
  return {
    trunk: { name: 'layer1.0.conv1.weight', variable: tf.variable(tf.tensor2d(W0.trunk, [3, 4])) },
    head: { name: 'fc.bias', variable: tf.variable(tf.tensor2d(W0.head, [3, 4])) },
  };
}

/** Runs `steps` of `optimizer` from step `from`, two groups, gradients of the fixed pattern. */
function run(optimizer: FinetuneOptimizer, p: { trunk: NamedVariable; head: NamedVariable }, from: number, to: number): void {
  for (let s = from; s < to; s++) {
    const grads = new Map([
      [p.trunk.name, tf.tensor2d(GRADS.trunk[s]!, [3, 4])],
      [p.head.name, tf.tensor2d(GRADS.head[s]!, [3, 4])],
    ]);
    optimizer.step([{ params: [p.trunk], learningRate: LRS.trunk[s]! }, { params: [p.head], learningRate: LRS.head[s]! }], grads);
    tf.dispose([...grads.values()]);
  }
}

describe('fine-tuning optimisers', () => {
  before(() => useBackend('cpu'));

  it('AdamW equals torch.optim.AdamW over 4 steps, per-group learning rates, decoupled weight decay', () => {
    const p = params();
    const adamw = new AdamW({ weightDecay: 0.05 });
    run(adamw, p, 0, STEPS);
    assertClose(p.trunk.variable.dataSync(), adamwReference(W0.trunk, GRADS.trunk, LRS.trunk, 0.05), 2e-6, 'trunk');
    assertClose(p.head.variable.dataSync(), adamwReference(W0.head, GRADS.head, LRS.head, 0.05), 2e-6, 'head');
    assert.equal(adamw.stepCount, STEPS);
    adamw.dispose();
  });

  it('AdamW hand-computed first step: w(1−lr·wd) − lr·sign(g) (bias-corrected m/√v = g/|g|)', () => {
    const w = tf.variable(tf.tensor1d([1, -2]));
    const adamw = new AdamW({ weightDecay: 0.1 });
    adamw.step([{ params: [{ name: 'x', variable: w }], learningRate: 0.5 }], new Map([['x', tf.tensor1d([0.3, -4])]]));
    // 1·(1 − 0.05) − 0.5·(0.3/(0.3 + 1e-8)) = 0.45;  −2·0.95 + 0.5 = −1.4
    assertClose(w.dataSync(), [0.45, -1.4], 1e-6, 'w');
    adamw.dispose();
  });

  it('SGD with momentum equals torch.optim.SGD (weight decay in the gradient, lr on the buffer)', () => {
    const p = params();
    const sgd = new Sgd({ momentum: 0.9, weightDecay: 0.01 });
    run(sgd, p, 0, STEPS);
    assertClose(p.trunk.variable.dataSync(), sgdReference(W0.trunk, GRADS.trunk, LRS.trunk, 0.9, 0.01), 2e-6, 'trunk');
    assertClose(p.head.variable.dataSync(), sgdReference(W0.head, GRADS.head, LRS.head, 0.9, 0.01), 2e-6, 'head');
    sgd.dispose();
  });

  it('SGD hand-computed: two steps with momentum 0.5, no weight decay', () => {
    const w = tf.variable(tf.tensor1d([1]));
    const sgd = new Sgd({ momentum: 0.5, weightDecay: 0 });
    const step = (g: number, lr: number) => sgd.step([{ params: [{ name: 'x', variable: w }], learningRate: lr }], new Map([['x', tf.tensor1d([g])]]));
    step(2, 0.1); // buf 2 → w = 1 − 0.2 = 0.8
    step(1, 0.1); // buf 0.5·2 + 1 = 2 → w = 0.8 − 0.2 = 0.6
    assertClose(w.dataSync(), [0.6], 1e-6, 'w');
    sgd.dispose();
  });

  for (const [name, make] of [
    ['AdamW', () => new AdamW({ weightDecay: 0.05 })],
    ['SGD', () => new Sgd({ momentum: 0.9, weightDecay: 0.01 })],
  ] as const) {
    it(`${name}: a state saved after 2 steps and restored into a new optimiser continues exactly`, () => {
      const straight = params();
      const a = make();
      run(a, straight, 0, STEPS);

      const resumed = params();
      const b = make();
      run(b, resumed, 0, 2);
      const saved = new Map([...b.getState()].map(([k, t]) => [k, tf.clone(t)]));
      b.dispose();
      const c = make();
      c.setState(saved);
      tf.dispose([...saved.values()]);
      run(c, resumed, 2, STEPS);
      assert.deepEqual(Array.from(resumed.trunk.variable.dataSync()), Array.from(straight.trunk.variable.dataSync()));
      assert.deepEqual(Array.from(resumed.head.variable.dataSync()), Array.from(straight.head.variable.dataSync()));
      assert.ok([...c.getState().keys()].every((k) => /^(exp_avg|exp_avg_sq|momentum_buffer)\.(layer1\.0\.conv1\.weight|fc\.bias)$|^step$/.test(k)), [...c.getState().keys()].join());
      a.dispose();
      c.dispose();
    });
  }

  it('a parameter without a gradient is left alone; bad input changes nothing', () => {
    const p = params();
    const adamw = new AdamW({ weightDecay: 0.05 });
    adamw.step([{ params: [p.trunk, p.head], learningRate: 0.1 }], new Map([[p.head.name, tf.ones([3, 4])]]));
    assert.deepEqual(Array.from(p.trunk.variable.dataSync()), W0.trunk);
    const before = Array.from(p.head.variable.dataSync());
    assert.throws(() => adamw.step([{ params: [p.head], learningRate: 0.1 }], new Map([[p.head.name, tf.ones([4, 3])]])), /does not match/);
    assert.throws(() => adamw.step([{ params: [p.head], learningRate: -1 }], new Map([[p.head.name, tf.ones([3, 4])]])), /learning rate/);
    assert.deepEqual(Array.from(p.head.variable.dataSync()), before);
    adamw.dispose();
  });
});
