/**
 * DETR sine position embedding of the FRA mask decoder (fra-spec §1.4 step 3) against the
 * §12 reference values, plus its layout ([h·w, 256], pixels row-major, y-channels first).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../helpers/engine.js';
import { sinePositionEmbedding, sinePositionEmbeddingValues } from '../../../trainer/fra/position-encoding.js';

const CHANNELS = 256;

/** Channel c of the embedding at (y, x) of an h×w map, from the flat [h·w, 256] values. */
function at(values: Float32Array, width: number, c: number, y: number, x: number): number {
  return values[(y * width + x) * CHANNELS + c]!;
}

describe('sinePositionEmbedding', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('matches the fra-spec §12 reference values on a 7×7 map', () => {
    const values = sinePositionEmbeddingValues(7, 7);
    const reference: Array<[c: number, y: number, x: number, value: number]> = [
      [0, 0, 0, 0.781831],
      [1, 0, 0, 0.62349],
      [2, 3, 1, 0.032436],
      [3, 3, 1, -0.999474],
      [128, 0, 0, 0.781831],
      [128, 2, 5, -0.781832],
      [130, 2, 5, -0.998816],
      [255, 6, 6, 1.0],
    ];
    for (const [c, y, x, expected] of reference) {
      const actual = at(values, 7, c, y, x);
      assert.ok(Math.abs(actual - expected) < 1e-5, `c${c}(${y},${x}) = ${actual}, expected ${expected}`);
    }
  });

  it('puts the 128 y-channels first and the 128 x-channels last', () => {
    const values = sinePositionEmbeddingValues(4, 5);
    // y-channels depend on the row only, x-channels on the column only.
    for (let c = 0; c < 128; c++) {
      assert.equal(at(values, 5, c, 2, 0), at(values, 5, c, 2, 4), `y-channel ${c} varies along x`);
      assert.equal(at(values, 5, 128 + c, 0, 3), at(values, 5, 128 + c, 3, 3), `x-channel ${128 + c} varies along y`);
    }
    // On a non-square map the two halves differ at the same (r, c) index.
    assert.notEqual(at(values, 5, 0, 1, 1), at(values, 5, 128, 1, 1));
  });

  it('returns a [h·w, 256] tensor with the same values, and caches the values per size', () => {
    const before = tf.memory().numTensors;
    const tensor = sinePositionEmbedding(4, 4);
    assert.deepEqual(tensor.shape, [16, 256]);
    assert.deepEqual(Array.from(tensor.dataSync()), Array.from(sinePositionEmbeddingValues(4, 4)));
    tensor.dispose();
    assert.equal(tf.memory().numTensors, before, 'the cache must not hold tensors');
    assert.equal(sinePositionEmbeddingValues(4, 4), sinePositionEmbeddingValues(4, 4));
    assert.notEqual(sinePositionEmbeddingValues(4, 4), sinePositionEmbeddingValues(4, 5));
  });

  it('rejects invalid sizes', () => {
    assert.throws(() => sinePositionEmbeddingValues(0, 7), /invalid map size/);
    assert.throws(() => sinePositionEmbeddingValues(7, 7, 3), /even integer/);
  });
});
