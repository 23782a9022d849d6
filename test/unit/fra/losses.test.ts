/**
 * FRA losses (fra-spec §2) against the §12 reference values, against a float64 plain-JS
 * re-implementation of each scalar formula (used for finite-difference gradient checks),
 * and for tensor leaks. Runs on the `cpu` backend; the self-distillation value is also
 * checked once on `wasm`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../helpers/engine.js';
import {
  globalLoss,
  l2Normalize,
  regionLoss,
  scoresToPixelRows,
  selfDistillationLoss,
  stopGradient,
} from '../../../trainer/fra/losses.js';
import { sinkhornKnopp } from '../../../trainer/fra/sinkhorn.js';

// ---------------------------------------------------------------------------------------------
// Inputs of §12 (rounded to float32 so the tfjs and float64 paths see identical numbers)

const f32 = (xs: number[]): number[] => Array.from(Float32Array.from(xs));
const build = (n: number, f: (i: number) => number): number[] => f32(Array.from({ length: n }, (_, i) => f(i)));

const P = 6;
const K = 4;
/** teacher cosines t[p,k] = cos(0.37p + 0.91k), row-major [P,K] */
const TEACHER = build(P * K, (i) => Math.cos(0.37 * Math.floor(i / K) + 0.91 * (i % K)));
/** student cosines s[p,k] = 0.9·sin(0.23p − 0.57k) */
const STUDENT = build(P * K, (i) => 0.9 * Math.sin(0.23 * Math.floor(i / K) - 0.57 * (i % K)));
/** region loss inputs, B=2,N=3,C=5, idx = b·15 + n·5 + c (= flat row-major index) */
const REGION_SHAPE: [number, number, number] = [2, 3, 5];
const REGION_PRED = build(30, (i) => Math.cos(0.3 * i + 0.1));
const REGION_TGT = build(30, (i) => Math.sin(0.7 * i - 0.2));
/** global loss inputs, [2,4] */
const G1 = build(8, (i) => Math.cos(0.5 * i));
const G2 = build(8, (i) => Math.sin(0.5 * i + 1));

// ---------------------------------------------------------------------------------------------
// Float64 reference implementations of the scalar formulas (flat row-major arrays)

function normalizeRows(x: ArrayLike<number>, dim: number): number[] {
  const out = new Array<number>(x.length);
  for (let r = 0; r < x.length / dim; r++) {
    let ss = 0;
    for (let c = 0; c < dim; c++) ss += x[r * dim + c]! ** 2;
    const norm = Math.max(Math.sqrt(ss), 1e-12);
    for (let c = 0; c < dim; c++) out[r * dim + c] = x[r * dim + c]! / norm;
  }
  return out;
}

function globalRef(pred: ArrayLike<number>, tgt: ArrayLike<number>, rows: number, dim: number): number {
  const p = normalizeRows(pred, dim);
  const q = normalizeRows(tgt, dim);
  let dot = 0;
  for (let i = 0; i < rows * dim; i++) dot += p[i]! * q[i]!;
  return 2 - (2 * dot) / rows;
}

function regionRef(pred: ArrayLike<number>, tgt: ArrayLike<number>, [b, n, d]: [number, number, number], w = 0.02) {
  const p = normalizeRows(pred, d);
  const q = normalizeRows(tgt, d);
  const dot = (i: number, j: number) => {
    let s = 0;
    for (let c = 0; c < d; c++) s += p[i * d + c]! * q[j * d + c]!;
    return s;
  };
  let pos = 0;
  let neg = 0;
  for (let bi = 0; bi < b; bi++) {
    for (let i = 0; i < n; i++) {
      pos += dot(bi * n + i, bi * n + i);
      for (let j = 0; j < n; j++) if (j !== i) neg += dot(bi * n + i, bi * n + j) ** 2 / n;
    }
  }
  const positive = 2 - (2 * pos) / (b * n);
  const decorrelation = neg / (b * n);
  return { positive, decorrelation, loss: positive + w * decorrelation };
}

function softmaxRowsRef(x: ArrayLike<number>, cols: number, temperature: number): number[] {
  const out = new Array<number>(x.length);
  for (let r = 0; r < x.length / cols; r++) {
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, x[r * cols + c]! / temperature);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += out[r * cols + c] = Math.exp(x[r * cols + c]! / temperature - max);
    for (let c = 0; c < cols; c++) out[r * cols + c]! /= sum;
  }
  return out;
}

/** Sinkhorn exactly as `distributed_sinkhorn`, on a [rows, cols] probability matrix. */
function sinkhornRef(probs: number[], rows: number, cols: number, iterations = 3): number[] {
  // work on the K×P transpose implicitly: "rows" of Q = prototypes = our columns
  const q = probs.slice();
  const total = q.reduce((a, v) => a + v, 0);
  for (let i = 0; i < q.length; i++) q[i]! /= total;
  for (let it = 0; it < iterations; it++) {
    for (let k = 0; k < cols; k++) {
      let s = 0;
      for (let p = 0; p < rows; p++) s += q[p * cols + k]!;
      for (let p = 0; p < rows; p++) q[p * cols + k] = q[p * cols + k]! / s / cols;
    }
    for (let p = 0; p < rows; p++) {
      let s = 0;
      for (let k = 0; k < cols; k++) s += q[p * cols + k]!;
      for (let k = 0; k < cols; k++) q[p * cols + k] = q[p * cols + k]! / s / rows;
    }
  }
  return q.map((v) => v * rows);
}

function selfDistillRef(student: ArrayLike<number>, teacher: ArrayLike<number>, rows: number, cols: number) {
  const assign = sinkhornRef(softmaxRowsRef(teacher, cols, 0.04), rows, cols);
  const probs = softmaxRowsRef(student, cols, 0.1);
  let ce = 0;
  const mean = new Array<number>(cols).fill(0);
  for (let p = 0; p < rows; p++) {
    for (let k = 0; k < cols; k++) {
      ce -= assign[p * cols + k]! * Math.log(probs[p * cols + k]!);
      mean[k]! += probs[p * cols + k]! / rows;
    }
  }
  const meMax = mean.reduce((a, v) => a + v * Math.log(v), 0) + Math.log(cols);
  return { crossEntropy: ce / rows, meMax, loss: ce / rows + meMax };
}

/** Central finite differences in float64 of a scalar function of a flat array. */
function numericGradient(f: (x: number[]) => number, x: number[], h = 1e-6): number[] {
  return x.map((_, i) => {
    const plus = x.slice();
    const minus = x.slice();
    plus[i]! += h;
    minus[i]! -= h;
    return (f(plus) - f(minus)) / (2 * h);
  });
}

// ---------------------------------------------------------------------------------------------
// Assertion helpers

function assertClose(actual: number, expected: number, tol: { abs?: number; rel?: number }, what: string): void {
  const abs = tol.abs ?? 0;
  const rel = tol.rel ?? 0;
  const err = Math.abs(actual - expected);
  assert.ok(
    Number.isFinite(actual) && err <= abs + rel * Math.abs(expected),
    `${what}: got ${actual}, expected ${expected} (|err| ${err.toExponential(3)}, abs ${abs}, rel ${rel})`,
  );
}

function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: { abs?: number; rel?: number }, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assertClose(actual[i]!, expected[i]!, tol, `${what}[${i}]`);
}

/** Reference rows are quoted to a few significant digits; tiny entries are compared relatively. */
function assertRowMatchesSpec(actual: ArrayLike<number>, expected: Array<[number, number]>, what: string): void {
  expected.forEach(([value, sigDigits], i) => {
    const tol = Math.abs(value) >= 1e-3 ? { abs: 1e-5 } : { rel: 0.5 * 10 ** (1 - sigDigits) + 1e-5 };
    assertClose(actual[i]!, value, tol, `${what}[${i}]`);
  });
}

const scalar = (t: tf.Tensor): number => t.dataSync()[0]!;

/** Runs `fn`, disposes what it returns, and checks the live tensor count did not change. */
function assertNoLeak(fn: () => tf.TensorContainer, what: string): void {
  const before = tf.memory().numTensors;
  const out = fn();
  tf.dispose(out);
  assert.equal(tf.memory().numTensors, before, `${what} leaked tensors`);
}

// observed float32-vs-float64 gradient error is ~1e-7; this leaves a 10x margin
const GRAD_TOL = { abs: 1e-6, rel: 1e-4 };

// ---------------------------------------------------------------------------------------------

describe('FRA losses (cpu backend)', () => {
  before(async () => {
    await useBackend('cpu');
  });

  describe('float64 JS reference reproduces §12 (sanity of the gradient-check oracle)', () => {
    it('global, region and self-distillation values', () => {
      assertClose(globalRef(G1, G2, 2, 4), 0.1860064, { abs: 1e-7 }, 'global');
      const region = regionRef(REGION_PRED, REGION_TGT, REGION_SHAPE);
      assertClose(region.positive, 1.8929775, { abs: 1e-7 }, 'region pos');
      assertClose(region.decorrelation, 0.2828928, { abs: 1e-7 }, 'region neg');
      assertClose(region.loss, 1.8986353, { abs: 1e-7 }, 'region L_obj');
      const sd = selfDistillRef(STUDENT, TEACHER, P, K);
      assertClose(sd.loss, 4.0884462, { abs: 1e-7 }, 'self_distill');
      assertClose(sd.crossEntropy, 2.7770244, { abs: 1e-7 }, 'CE');
      assertClose(sd.meMax, 1.3114218, { abs: 1e-7 }, 'ME-MAX');
    });
  });

  describe('l2Normalize', () => {
    it('matches x / max(||x||, 1e-12), including an all-zero row, with finite gradients', () => {
      const x = tf.tensor2d([[3, 4], [0, 0], [1e-13, 0]]);
      const y = l2Normalize(x, 1);
      assertAllClose(y.dataSync(), [0.6, 0.8, 0, 0, 0.1, 0], { abs: 1e-6 }, 'normalized');
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(l2Normalize(t, -1), tf.tensor2d([[1, 2], [3, 4], [5, 6]]))))(x);
      assert.ok(Array.from(g.dataSync()).every(Number.isFinite), `gradient not finite: ${g.dataSync()}`);
      tf.dispose([x, y, g]);
    });
  });

  describe('§12 reference values', () => {
    it('softmax(t/0.04) rows 0 and 5 (the teacher probabilities fed to Sinkhorn)', () => {
      const probs = tf.tidy(() => tf.softmax(tf.div(tf.tensor2d(TEACHER, [P, K]), 0.04)).dataSync());
      assertRowMatchesSpec(probs.slice(0, 4), [[0.999936, 6], [6.4013e-5, 5], [2.9163e-14, 5], [1.556e-21, 5]], 'softmax row 0');
      assertRowMatchesSpec(probs.slice(20, 24), [[0.0268652, 6], [2.2128e-9, 5], [1.1088e-8, 5], [0.973135, 6]], 'softmax row 5');
      assertAllClose(probs, softmaxRowsRef(TEACHER, K, 0.04), { abs: 1e-6, rel: 1e-4 }, 'softmax vs float64');
    });

    it('sinkhornKnopp: rows 0,1,4,5, row sums 1, column sums', () => {
      const q = tf.tidy(() => Array.from(sinkhornKnopp(tf.softmax(tf.div<tf.Tensor2D>(tf.tensor2d(TEACHER, [P, K]), 0.04))).dataSync()));
      const row = (p: number) => q.slice(p * K, p * K + K);
      assertRowMatchesSpec(row(0), [[9.980845e-3, 7], [9.900105e-1, 7], [8.661116e-6, 7], [5.3e-21, 2]], 'row 0');
      assertRowMatchesSpec(row(1), [[0.8684007, 7], [0.1315983, 7], [9.73e-7, 3], [3.2e-19, 2]], 'row 1');
      assertRowMatchesSpec(row(4), [[0.9428129, 7], [1.769015e-3, 7], [5.521923e-2, 7], [1.98829e-4, 6]], 'row 4');
      assertRowMatchesSpec(row(5), [[4.041808e-5, 7], [5.158365e-6, 7], [0.4963238, 7], [0.5036306, 7]], 'row 5');
      for (let p = 0; p < P; p++) assertClose(row(p).reduce((a, v) => a + v, 0), 1, { abs: 1e-6 }, `row sum ${p}`);
      const colSums = Array.from({ length: K }, (_, k) => Array.from({ length: P }, (_, p) => q[p * K + k]!).reduce((a, v) => a + v, 0));
      assertAllClose(colSums, [3.818727, 1.12588, 0.551564, 0.503829], { abs: 1e-5 }, 'column sums');
      const ref = sinkhornRef(softmaxRowsRef(TEACHER, K, 0.04), P, K);
      assertAllClose(q, ref, { abs: 1e-6, rel: 1e-4 }, 'sinkhorn vs float64');
    });

    it('selfDistillationLoss = 4.0884462 (CE 2.7770244 + ME-MAX 1.3114218)', () => {
      const parts = tf.tidy(() => {
        const out = selfDistillationLoss(tf.tensor2d(STUDENT, [P, K]), tf.tensor2d(TEACHER, [P, K]));
        return [scalar(out.loss), scalar(out.crossEntropy), scalar(out.meMax)];
      });
      assertClose(parts[0]!, 4.0884462, { abs: 1e-5 }, 'loss');
      assertClose(parts[1]!, 2.7770244, { abs: 1e-5 }, 'crossEntropy');
      assertClose(parts[2]!, 1.3114218, { abs: 1e-5 }, 'meMax');
    });

    it('regionLoss: pos 1.8929775, neg 0.2828928, L_obj 1.8986353', () => {
      const parts = tf.tidy(() => {
        const out = regionLoss(tf.tensor3d(REGION_PRED, REGION_SHAPE), tf.tensor3d(REGION_TGT, REGION_SHAPE));
        return [scalar(out.loss), scalar(out.positive), scalar(out.decorrelation)];
      });
      assertClose(parts[0]!, 1.8986353, { abs: 1e-5 }, 'L_obj');
      assertClose(parts[1]!, 1.8929775, { abs: 1e-5 }, 'pos');
      assertClose(parts[2]!, 0.2828928, { abs: 1e-5 }, 'neg');
    });

    it('globalLoss = 0.1860064', () => {
      const value = tf.tidy(() => scalar(globalLoss(tf.tensor2d(G1, [2, 4]), tf.tensor2d(G2, [2, 4]))));
      assertClose(value, 0.1860064, { abs: 1e-5 }, 'global');
    });
  });

  describe('options and layout', () => {
    it('selfDistillationLoss honours temperatures, iterations and the ME-MAX weight', () => {
      const [loss, ce, me] = tf.tidy(() => {
        const out = selfDistillationLoss(tf.tensor2d(STUDENT, [P, K]), tf.tensor2d(TEACHER, [P, K]), {
          meMaxWeight: 0.5,
        });
        return [scalar(out.loss), scalar(out.crossEntropy), scalar(out.meMax)];
      });
      assertClose(loss!, ce! + 0.5 * me!, { abs: 1e-6 }, 'weighted loss');
      // zero Sinkhorn iterations leaves the teacher softmax (already row-stochastic) unchanged
      const [ce0, ceSoft] = tf.tidy(() => {
        const s = tf.tensor2d(STUDENT, [P, K]);
        const t = tf.tensor2d(TEACHER, [P, K]);
        const out = selfDistillationLoss(s, t, { sinkhornIterations: 0, teacherTemperature: 0.5, studentTemperature: 0.2 });
        const manual = tf.neg(tf.mean(tf.sum(tf.mul(tf.softmax(tf.div(t, 0.5)), tf.logSoftmax(tf.div(s, 0.2))), 1)));
        return [scalar(out.crossEntropy), scalar(manual)];
      });
      assertClose(ce0!, ceSoft!, { abs: 1e-6 }, 'CE with 0 iterations');
    });

    it('scoresToPixelRows maps NHWC [B,h,w,N] to [B*h*w, N] rows in (b,u,v) order', () => {
      const [b, h, w, n] = [2, 3, 2, 4];
      const values = Array.from({ length: b * h * w * n }, (_, i) => i);
      const rows = tf.tidy(() => {
        const r = scoresToPixelRows(tf.tensor4d(values, [b, h, w, n]));
        assert.deepEqual(r.shape, [b * h * w, n]);
        return r.arraySync();
      });
      for (let bi = 0; bi < b; bi++) {
        for (let u = 0; u < h; u++) {
          for (let v = 0; v < w; v++) {
            for (let k = 0; k < n; k++) {
              assert.equal(rows[(bi * h + u) * w + v]![k], ((bi * h + u) * w + v) * n + k);
            }
          }
        }
      }
    });

    it('rejects mismatched shapes', () => {
      tf.tidy(() => {
        assert.throws(() => globalLoss(tf.zeros([2, 4]), tf.zeros([2, 3])), /globalLoss/);
        assert.throws(() => regionLoss(tf.zeros([2, 3, 4]), tf.zeros([2, 4, 4])), /regionLoss/);
        assert.throws(() => selfDistillationLoss(tf.zeros([6, 4]), tf.zeros([5, 4])), /selfDistillationLoss/);
      });
    });
  });

  describe('gradients (tfjs float32 vs float64 central differences)', () => {
    // smooth, non-symmetric inputs that differ from the value-test inputs
    const gp = build(12, (i) => Math.sin(1.3 * i + 0.4) + 0.1 * i);
    const gt = build(12, (i) => Math.cos(0.8 * i - 0.3));

    it('globalLoss w.r.t. prediction and target', () => {
      const [dp, dt] = tf.tidy(() => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => globalLoss(a as tf.Tensor2D, b as tf.Tensor2D))([
          tf.tensor2d(gp, [3, 4]),
          tf.tensor2d(gt, [3, 4]),
        ]);
        return g.map((t) => Array.from(t.dataSync()));
      });
      assertAllClose(dp!, numericGradient((x) => globalRef(x, gt, 3, 4), gp), GRAD_TOL, 'dL/dprediction');
      assertAllClose(dt!, numericGradient((x) => globalRef(gp, x, 3, 4), gt), GRAD_TOL, 'dL/dtarget');
    });

    it('regionLoss (total, positive and decorrelation) w.r.t. prediction', () => {
      const shape: [number, number, number] = [2, 3, 5];
      const pred = build(30, (i) => Math.sin(0.9 * i + 0.2) + 0.05 * i);
      const tgt = build(30, (i) => Math.cos(0.45 * i + 1.1));
      for (const part of ['loss', 'positive', 'decorrelation'] as const) {
        const analytic = tf.tidy(() => {
          const target = tf.tensor3d(tgt, shape);
          const g = tf.grad((p: tf.Tensor) => regionLoss(p as tf.Tensor3D, target)[part])(tf.tensor3d(pred, shape));
          return Array.from(g.dataSync());
        });
        const numeric = numericGradient((x) => regionRef(x, tgt, shape)[part], pred);
        assertAllClose(analytic, numeric, GRAD_TOL, `d${part}/dprediction`);
      }
    });

    it('selfDistillationLoss w.r.t. the student scores', () => {
      const rows = 10;
      const student = build(rows * K, (i) => 0.8 * Math.sin(0.7 * i + 0.3));
      const teacher = build(rows * K, (i) => Math.cos(0.37 * Math.floor(i / K) + 0.91 * (i % K) + 0.05 * i));
      for (const part of ['loss', 'crossEntropy', 'meMax'] as const) {
        const analytic = tf.tidy(() => {
          const t = tf.tensor2d(teacher, [rows, K]);
          const g = tf.grad((s: tf.Tensor) => selfDistillationLoss(s as tf.Tensor2D, t)[part])(tf.tensor2d(student, [rows, K]));
          return Array.from(g.dataSync());
        });
        const numeric = numericGradient((x) => selfDistillRef(x, teacher, rows, K)[part], student);
        assertAllClose(analytic, numeric, GRAD_TOL, `d${part}/dstudent`);
      }
    });

    it('no gradient reaches the teacher scores (exactly zero)', () => {
      const [ds, dt] = tf.tidy(() => {
        const g = tf.grads((s: tf.Tensor, t: tf.Tensor) => selfDistillationLoss(s as tf.Tensor2D, t as tf.Tensor2D).loss)([
          tf.tensor2d(STUDENT, [P, K]),
          tf.tensor2d(TEACHER, [P, K]),
        ]);
        return g.map((t) => Array.from(t.dataSync()));
      });
      assert.ok(ds!.some((v) => v !== 0), 'student gradient should be non-zero');
      assert.ok(dt!.every((v) => v === 0), `teacher gradient should be exactly 0, got ${dt}`);
    });

    it('stopGradient is the identity forward and zero backward', () => {
      const [y, dx] = tf.tidy(() => {
        const x = tf.tensor1d([1, -2, 3]);
        const f = (t: tf.Tensor) => tf.sum(tf.add(tf.square(stopGradient(t)), t));
        return [Array.from(stopGradient(x).dataSync()), Array.from(tf.grad(f)(x).dataSync())];
      });
      assert.deepEqual(y, [1, -2, 3]);
      assert.deepEqual(dx, [1, 1, 1]);
    });
  });

  describe('no tensor leaks', () => {
    const inputs = () => ({
      s: tf.tensor2d(STUDENT, [P, K]),
      t: tf.tensor2d(TEACHER, [P, K]),
      rp: tf.tensor3d(REGION_PRED, REGION_SHAPE),
      rt: tf.tensor3d(REGION_TGT, REGION_SHAPE),
      g1: tf.tensor2d(G1, [2, 4]),
      g2: tf.tensor2d(G2, [2, 4]),
      x4: tf.ones([2, 3, 3, 4]) as tf.Tensor4D,
    });
    let x: ReturnType<typeof inputs>;
    before(() => {
      x = inputs();
    });
    after(() => {
      tf.dispose(Object.values(x));
    });

    it('each function returns only caller-owned tensors and keeps its inputs alive', () => {
      assertNoLeak(() => l2Normalize(x.g1, 1), 'l2Normalize');
      assertNoLeak(() => stopGradient(x.g1), 'stopGradient');
      assertNoLeak(() => globalLoss(x.g1, x.g2), 'globalLoss');
      assertNoLeak(() => ({ ...regionLoss(x.rp, x.rt) }), 'regionLoss');
      assertNoLeak(() => ({ ...selfDistillationLoss(x.s, x.t) }), 'selfDistillationLoss');
      assertNoLeak(() => sinkhornKnopp(x.t), 'sinkhornKnopp');
      assertNoLeak(() => scoresToPixelRows(x.x4), 'scoresToPixelRows');
      for (const t of Object.values(x)) assert.equal(t.isDisposed, false);
    });

    it('inside tf.tidy, and with gradients', () => {
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        globalLoss(x.g1, x.g2);
        regionLoss(x.rp, x.rt);
        selfDistillationLoss(x.s, x.t);
        sinkhornKnopp(x.t);
      });
      assert.equal(tf.memory().numTensors, before, 'tidy');
      assertNoLeak(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => globalLoss(a as tf.Tensor2D, b as tf.Tensor2D))([x.g1, x.g2]), 'globalLoss grads');
      assertNoLeak(() => tf.grad((a: tf.Tensor) => regionLoss(a as tf.Tensor3D, x.rt).loss)(x.rp), 'regionLoss grad');
      assertNoLeak(
        () => tf.grads((a: tf.Tensor, b: tf.Tensor) => selfDistillationLoss(a as tf.Tensor2D, b as tf.Tensor2D).loss)([x.s, x.t]),
        'selfDistillationLoss grads',
      );
      const student = tf.variable(x.s);
      assertNoLeak(() => tf.variableGrads(() => selfDistillationLoss(student, x.t).loss, [student]), 'variableGrads');
      student.dispose();
    });
  });
});

describe('FRA losses (wasm backend)', () => {
  before(async () => {
    await useBackend('wasm');
  });
  after(async () => {
    await useBackend('cpu');
  });

  it('selfDistillationLoss §12 value matches on wasm', () => {
    assert.equal(tf.getBackend(), 'wasm');
    const before = tf.memory().numTensors;
    const parts = tf.tidy(() => {
      const out = selfDistillationLoss(tf.tensor2d(STUDENT, [P, K]), tf.tensor2d(TEACHER, [P, K]));
      return [scalar(out.loss), scalar(out.crossEntropy), scalar(out.meMax)];
    });
    assertClose(parts[0]!, 4.0884462, { abs: 1e-5 }, 'loss');
    assertClose(parts[1]!, 2.7770244, { abs: 1e-5 }, 'crossEntropy');
    assertClose(parts[2]!, 1.3114218, { abs: 1e-5 }, 'meMax');
    assert.equal(tf.memory().numTensors, before, 'wasm leak');
  });
});
