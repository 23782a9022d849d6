import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng, RNG_STREAMS, sampleRng } from '../../../trainer/data/augment/random.js';

function draws(rng: { nextUint32(): number }, n: number): number[] {
  return Array.from({ length: n }, () => rng.nextUint32());
}

describe('augmentation random numbers', () => {
  it('the same key gives the same sequence; any different key part gives another', () => {
    const base = draws(sampleRng(7, 2, 1000, RNG_STREAMS.pretrainView1), 16);
    assert.deepEqual(draws(sampleRng(7, 2, 1000, RNG_STREAMS.pretrainView1), 16), base);
    for (const other of [
      sampleRng(8, 2, 1000, RNG_STREAMS.pretrainView1),
      sampleRng(7, 3, 1000, RNG_STREAMS.pretrainView1),
      sampleRng(7, 2, 1001, RNG_STREAMS.pretrainView1),
      sampleRng(7, 2, 1000, RNG_STREAMS.pretrainView2),
      sampleRng(7 + 2 ** 32, 2, 1000, RNG_STREAMS.pretrainView1),
    ]) {
      assert.notDeepEqual(draws(other, 16), base);
    }
  });

  it('view streams of one sample are uncorrelated', () => {
    const n = 4000;
    let sxy = 0;
    for (let index = 0; index < n; index++) {
      const x = sampleRng(1, 0, index, RNG_STREAMS.pretrainView1).next() - 0.5;
      const y = sampleRng(1, 0, index, RNG_STREAMS.pretrainView2).next() - 0.5;
      sxy += x * y;
    }
    const correlation = sxy / n / (1 / 12);
    assert.ok(Math.abs(correlation) < 0.06, `correlation ${correlation}`);
  });

  it('uniform(a, b) stays in [a, b) with mean (a + b) / 2', () => {
    const rng = createRng(3);
    let sum = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const x = rng.uniform(0.6, 1.4);
      assert.ok(x >= 0.6 && x < 1.4);
      sum += x;
    }
    assert.ok(Math.abs(sum / n - 1) < 0.01);
  });

  it('bernoulli(p) has frequency p, and p 0 / 1 are never / always', () => {
    const rng = createRng(4);
    let hits = 0;
    for (let i = 0; i < 20000; i++) if (rng.bernoulli(0.2)) hits++;
    assert.ok(Math.abs(hits / 20000 - 0.2) < 0.015, `${hits}`);
    for (let i = 0; i < 1000; i++) {
      assert.equal(rng.bernoulli(0), false);
      assert.equal(rng.bernoulli(1), true);
    }
  });

  it('int(n) covers 0…n−1 uniformly and rejects bad n', () => {
    const rng = createRng(5);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 70000; i++) counts[rng.int(7)]! += 1;
    for (const c of counts) assert.ok(Math.abs(c - 10000) < 500, `${counts}`);
    assert.equal(rng.int(1), 0);
    assert.throws(() => rng.int(0), RangeError);
    assert.throws(() => rng.int(2.5), RangeError);
  });

  it('shuffle and permutation return permutations, all orders reachable', () => {
    const rng = createRng(6);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const p = rng.permutation(4);
      assert.deepEqual([...p].sort(), [0, 1, 2, 3]);
      seen.add(p.join(''));
    }
    assert.equal(seen.size, 24);
    const items = ['a', 'b', 'c', 'd', 'e'];
    const shuffled = rng.shuffle(items);
    assert.equal(shuffled, items, 'shuffles in place');
    assert.deepEqual([...items].sort(), ['a', 'b', 'c', 'd', 'e']);
  });

  it('rejects keys that are not safe integers', () => {
    assert.throws(() => sampleRng(0.5, 0, 0, 1), RangeError);
    assert.throws(() => sampleRng(0, Number.NaN, 0, 1), RangeError);
  });
});
