/**
 * BatchNorm: our matMul-based training op against tfjs's own batchNorm
 * (values and gradients, on the reference cpu backend and on wasm) and
 * PyTorch's running-statistics semantics.
 */
import * as tf from '@tensorflow/tfjs-core';
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../helpers/engine.js';
import { BatchNorm } from '../../../trainer/nn/layers.js';
import { batchNormTraining } from '../../../trainer/nn/batch-norm-op.js';

function seeded(n: number, seed: number, scale = 1, offset = 0): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 31 - 1) * scale + offset;
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** tfjs's stock formulation: moments + batchNorm, differentiated by tfjs. */
function referenceBn(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, [0]);
  return tf.batchNorm(x, mean, variance, beta, gamma, 1e-5) as tf.Tensor2D;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`batchNormTraining on ${backend}`, () => {
    before(() => useBackend(backend));

    it('matches tfjs batchNorm in value and in all three gradients', () => {
      tf.tidy(() => {
        const rows = 37;
        const c = 5;
        const x = tf.tensor2d(seeded(rows * c, 1, 3, 0.5), [rows, c]);
        const gamma = tf.tensor1d(seeded(c, 2, 1, 1));
        const beta = tf.tensor1d(seeded(c, 3));
        const dy = tf.tensor2d(seeded(rows * c, 4), [rows, c]);
        const ours = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => batchNormTraining(a as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5));
        const ref = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => referenceBn(a as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D));
        assert.ok(maxAbsDiff(batchNormTraining(x, gamma, beta, 1e-5).dataSync(), referenceBn(x, gamma, beta).dataSync()) < 1e-5);
        const g1 = ours([x, gamma, beta], dy);
        const g2 = ref([x, gamma, beta], dy);
        for (let i = 0; i < 3; i++) assert.ok(maxAbsDiff(g1[i]!.dataSync(), g2[i]!.dataSync()) < 1e-4, `gradient ${i}`);
      });
    });

    it('hands out batch statistics during the forward pass and leaks nothing', () => {
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const x = tf.tensor2d([1, 10, 3, 20, 5, 30], [3, 2]);
        let seen: number[] = [];
        batchNormTraining(x, tf.ones([2]), tf.zeros([2]), 1e-5, (s) => {
          seen = [...s.mean.dataSync(), ...s.variance.dataSync()];
        });
        assert.deepEqual(seen.map((v) => Number(v.toFixed(4))), [3, 20, Number((8 / 3).toFixed(4)), Number((200 / 3).toFixed(4))]);
      });
      assert.equal(tf.memory().numTensors, before);
    });
  });
}

describe('BatchNorm module', () => {
  before(() => useBackend('wasm'));

  it('updates running statistics like torch (momentum 0.1, unbiased variance) and counts batches', () => {
    const bn = new BatchNorm(2);
    const x = tf.tensor4d([1, 10, 3, 20, 5, 30, 7, 40], [2, 1, 2, 2]); // rows: (1,10) (3,20) (5,30) (7,40)
    tf.tidy(() => bn.forward(x));
    // batch mean (4, 25); unbiased var: (20/3, 500/3)
    assert.ok(maxAbsDiff(bn.runningMean.dataSync(), [0.4, 2.5]) < 1e-6);
    assert.ok(maxAbsDiff(bn.runningVar.dataSync(), [0.9 + 0.1 * (20 / 3), 0.9 + 0.1 * (500 / 3)]) < 1e-5);
    assert.equal(bn.numBatchesTracked.dataSync()[0], 1);
    bn.dispose();
    x.dispose();
  });

  it('uses running statistics in eval mode and leaves them untouched', () => {
    const bn = new BatchNorm(2);
    bn.runningMean.assign(tf.tensor1d([1, 2]));
    bn.runningVar.assign(tf.tensor1d([4, 9]));
    bn.weight.assign(tf.tensor1d([2, 3]));
    bn.bias.assign(tf.tensor1d([0.5, -0.5]));
    bn.setTraining(false);
    const y = tf.tidy(() => bn.forward(tf.tensor2d([3, 5], [1, 2])).dataSync());
    const expected = [((3 - 1) / Math.sqrt(4 + 1e-5)) * 2 + 0.5, ((5 - 2) / Math.sqrt(9 + 1e-5)) * 3 - 0.5];
    assert.ok(maxAbsDiff(y, expected) < 1e-5);
    assert.deepEqual([...bn.runningMean.dataSync()], [1, 2]);
    bn.dispose();
  });
});
