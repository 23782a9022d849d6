/**
 * The wasm training kernels (Conv2DBackpropFilter, Conv2DBackpropInput) against
 * tfjs's reference `cpu` backend and against finite differences, over the
 * kernel sizes, strides and paddings ResNets use plus awkward ones.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../helpers/engine.js';
import { registerWasmTrainingKernels } from '../../../trainer/engine/wasm-kernels/register.js';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  x: [number, number, number, number];
  k: number;
  co: number;
  stride: number;
  pad: Pad;
}

const CASES: Case[] = [
  { x: [2, 7, 7, 3], k: 3, co: 4, stride: 1, pad: 'same' },
  { x: [2, 8, 8, 3], k: 3, co: 4, stride: 2, pad: 'same' },
  { x: [2, 9, 9, 5], k: 3, co: 2, stride: 2, pad: 'same' },
  { x: [2, 9, 8, 3], k: 3, co: 4, stride: 2, pad: 'valid' },
  { x: [1, 10, 10, 3], k: 3, co: 4, stride: 1, pad: 'valid' },
  { x: [2, 8, 8, 3], k: 3, co: 4, stride: 2, pad: 1 },
  { x: [2, 9, 9, 3], k: 3, co: 4, stride: 2, pad: 1 },
  { x: [2, 12, 12, 3], k: 7, co: 5, stride: 2, pad: 3 },
  { x: [1, 11, 11, 2], k: 7, co: 3, stride: 2, pad: 3 },
  { x: [2, 9, 9, 4], k: 7, co: 3, stride: 1, pad: 'same' },
  { x: [2, 8, 8, 4], k: 1, co: 6, stride: 2, pad: 0 },
  { x: [2, 7, 7, 4], k: 1, co: 6, stride: 2, pad: 'valid' },
  { x: [1, 7, 7, 4], k: 1, co: 6, stride: 1, pad: 'same' },
  { x: [2, 11, 9, 3], k: 3, co: 2, stride: 2, pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
  { x: [2, 10, 7, 3], k: 3, co: 2, stride: 1, pad: [[0, 0], [0, 2], [1, 0], [0, 0]] },
];

function describeCase(c: Case): string {
  return `x ${c.x.join('×')} k${c.k} s${c.stride} pad ${JSON.stringify(c.pad)}`;
}

/** Seeded uniform values so both backends see identical inputs. */
function seeded(shape: number[], seed: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

async function convGradients(c: Case): Promise<{ dx: Float32Array; dw: Float32Array }> {
  return tf.tidy(() => {
    const filterShape: [number, number, number, number] = [c.k, c.k, c.x[3], c.co];
    const x = tf.tensor4d(seeded(c.x, 1), c.x);
    const w = tf.tensor4d(seeded(filterShape, 2), filterShape);
    const y = tf.conv2d(x, w, c.stride, c.pad);
    const dy = tf.tensor(seeded(y.shape, 3), y.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad))([x, w], dy);
    return { dx: dx!.dataSync() as Float32Array, dw: dw!.dataSync() as Float32Array };
  });
}

function maxRelativeError(actual: Float32Array, expected: Float32Array): number {
  assert.equal(actual.length, expected.length);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < actual.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - expected[i]!));
    maxRef = Math.max(maxRef, Math.abs(expected[i]!));
  }
  return maxDiff / Math.max(maxRef, 1e-12);
}

describe('wasm conv gradient kernels', () => {
  const reference = new Map<string, { dx: Float32Array; dw: Float32Array }>();

  before(async () => {
    await useBackend('cpu');
    for (const c of CASES) reference.set(describeCase(c), await convGradients(c));
    await useBackend('wasm');
  });

  it('are the kernels the wasm backend actually runs', () => {
    assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'), 'Conv2DBackpropFilter registered for wasm');
    const before = tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc;
    registerWasmTrainingKernels(); // idempotent: must not re-register or throw
    assert.equal(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc, before);
  });

  for (const c of CASES) {
    it(`match the cpu backend: ${describeCase(c)}`, async () => {
      const ours = await convGradients(c);
      const ref = reference.get(describeCase(c))!;
      assert.ok(maxRelativeError(ours.dx, ref.dx) < 1e-5, `dx rel err ${maxRelativeError(ours.dx, ref.dx)}`);
      assert.ok(maxRelativeError(ours.dw, ref.dw) < 1e-5, `dW rel err ${maxRelativeError(ours.dw, ref.dw)}`);
    });
  }

  it('match finite differences (loss is bilinear, so central differences are exact up to rounding)', () => {
    for (const c of [CASES[1]!, CASES[7]!, CASES[10]!, CASES[13]!]) {
      const filterShape: [number, number, number, number] = [c.k, c.k, c.x[3], c.co];
      const { analytic, numeric } = tf.tidy(() => {
        const x = tf.tensor4d(seeded(c.x, 11), c.x);
        const w = tf.tensor4d(seeded(filterShape, 12), filterShape);
        const r = tf.tensor(seeded(tf.conv2d(x, w, c.stride, c.pad).shape, 13));
        const loss = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.sum(tf.mul(tf.conv2d(a, b, c.stride, c.pad), tf.reshape(r, tf.conv2d(a, b, c.stride, c.pad).shape)));
        const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(a as tf.Tensor4D, b as tf.Tensor4D))([x, w]);
        const vx = tf.tensor4d(seeded(c.x, 14), c.x);
        const vw = tf.tensor4d(seeded(filterShape, 15), filterShape);
        const eps = 1e-2;
        const up = loss(tf.add(x, tf.mul(vx, eps)), tf.add(w, tf.mul(vw, eps)));
        const down = loss(tf.sub(x, tf.mul(vx, eps)), tf.sub(w, tf.mul(vw, eps)));
        // d/dε L(x+εv, w+εu) at 0 = <gx, v> + <gw, u>; the ε² cross term cancels in the central difference.
        return {
          analytic: tf.add(tf.sum(tf.mul(gx!, vx)), tf.sum(tf.mul(gw!, vw))).dataSync()[0]!,
          numeric: tf.div(tf.sub(up, down), 2 * eps).dataSync()[0]!,
        };
      });
      assert.ok(Math.abs(analytic - numeric) <= 1e-3 * Math.max(1, Math.abs(numeric)), `${describeCase(c)}: ${analytic} vs ${numeric}`);
    }
  });

  it('serve tf.layers conv2d training (the Layers API reaches the registered kernels)', async () => {
    const grads = async (backend: 'cpu' | 'wasm') => {
      await useBackend(backend);
      return tf.tidy(() => {
        const layer = tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: 'zeros', useBias: true });
        const x = tf.tensor4d(seeded([2, 9, 9, 3], 21), [2, 9, 9, 3]);
        layer.build(x.shape);
        layer.setWeights([tf.tensor4d(seeded([3, 3, 3, 4], 22), [3, 3, 3, 4]), tf.zeros([4])]);
        const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
        const { grads: g } = tf.variableGrads(() => tf.sum(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar, vars);
        const kernelGrad = g[vars[0]!.name]!.dataSync() as Float32Array;
        return kernelGrad;
      });
    };
    const ref = await grads('cpu');
    const ours = await grads('wasm');
    assert.ok(maxRelativeError(ours, ref) < 1e-5);
  });

  it('keep the tensor count stable across training steps', async () => {
    await useBackend('wasm');
    const w1 = tf.variable(tf.tensor4d(seeded([3, 3, 3, 8], 31), [3, 3, 3, 8]));
    const w2 = tf.variable(tf.tensor4d(seeded([1, 1, 8, 4], 32), [1, 1, 8, 4]));
    const x = tf.tensor4d(seeded([2, 16, 16, 3], 33), [2, 16, 16, 3]);
    const counts: number[] = [];
    for (let step = 0; step < 4; step++) {
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.mean(tf.square(tf.conv2d(tf.relu(tf.conv2d(x, w1 as tf.Tensor4D, 2, 1)), w2 as tf.Tensor4D, 2, 0))) as tf.Scalar, [w1, w2]);
        w1.assign(tf.sub(w1, tf.mul(grads[w1.name]!, 0.01)));
        w2.assign(tf.sub(w2, tf.mul(grads[w2.name]!, 0.01)));
      });
      counts.push(tf.memory().numTensors);
    }
    assert.deepEqual(counts, [counts[0], counts[0], counts[0], counts[0]]);
    tf.dispose([w1, w2, x]);
  });
});
