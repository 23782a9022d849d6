import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { emaMomentum, pretrainLearningRate, type PretrainLrSchedule } from '../../../trainer/fra/schedules.js';

const ITERS = 100; // fra-spec §12: 100 iterations/epoch, 50 epochs
const FRA: PretrainLrSchedule = { baseLr: 0.9, epochs: 50, warmupEpochs: 10, cosine: true };

function assertClose(actual: number, expected: number, tolerance: number, label: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${label}: got ${actual}, expected ${expected} ±${tolerance}`);
}

describe('emaMomentum (fra-spec §4, §12)', () => {
  const total = ITERS * 50;
  it('matches the §12 reference values', () => {
    assertClose(emaMomentum(0.996, 0, total), 0.996, 1e-12, 'k=0');
    assertClose(emaMomentum(0.996, 1250, total), 0.9965858, 1e-7, 'k=1250');
    assertClose(emaMomentum(0.996, 2500, total), 0.998, 1e-12, 'k=2500');
    const last = emaMomentum(0.996, 4999, total);
    assert.ok(last < 1, 'stays below 1 at the last iteration');
    assertClose(1 - last, 4e-10, 1e-11, '1 - m at k=4999');
  });
  it('rises monotonically from the base towards 1', () => {
    let previous = -Infinity;
    for (let k = 0; k < total; k += 37) {
      const m = emaMomentum(0.996, k, total);
      assert.ok(m >= previous && m <= 1);
      previous = m;
    }
  });
  it('rejects a non-positive iteration count', () => {
    assert.throws(() => emaMomentum(0.996, 0, 0), RangeError);
  });
});

describe('pretrainLearningRate, cosine (fra-spec §4, §12)', () => {
  it('matches the §12 cosine values (once per epoch, no floor)', () => {
    const expected: Array<[number, number]> = [
      [10, 0.9],
      [20, 0.768198],
      [30, 0.45],
      [40, 0.131802],
      [49, 0.001387],
    ];
    for (const [epoch, lr] of expected) {
      assertClose(pretrainLearningRate(FRA, epoch, 0, ITERS), lr, 1e-6, `epoch ${epoch}`);
    }
  });
  it('is constant within an epoch after warm-up', () => {
    const first = pretrainLearningRate(FRA, 25, 0, ITERS);
    assert.equal(pretrainLearningRate(FRA, 25, 57, ITERS), first);
    assert.equal(pretrainLearningRate(FRA, 25, ITERS - 1, ITERS), first);
  });
});

describe('pretrainLearningRate, warm-up (fra-spec §4: per iteration, step = epoch·iters + i + 1)', () => {
  it('ramps linearly per iteration from base/warmupSteps to base', () => {
    const warmupSteps = 10 * ITERS;
    assertClose(pretrainLearningRate(FRA, 0, 0, ITERS), 0.9 / warmupSteps, 1e-15, 'first iteration');
    assertClose(pretrainLearningRate(FRA, 0, 1, ITERS), (0.9 * 2) / warmupSteps, 1e-15, 'second iteration');
    assertClose(pretrainLearningRate(FRA, 3, 41, ITERS), (0.9 * (3 * ITERS + 42)) / warmupSteps, 1e-15, 'epoch 3 iter 41');
    assertClose(pretrainLearningRate(FRA, 4, 99, ITERS), 0.45, 1e-15, 'half way');
    assertClose(pretrainLearningRate(FRA, 9, 99, ITERS), 0.9, 1e-15, 'last warm-up iteration reaches base');
  });
  it('hands over to the decay at epoch == warmupEpochs without a jump', () => {
    assert.equal(pretrainLearningRate(FRA, 9, 99, ITERS), pretrainLearningRate(FRA, 10, 0, ITERS));
  });
  it('without warm-up, epoch 0 starts at the base rate', () => {
    const noWarmup = { ...FRA, warmupEpochs: 0 };
    assert.equal(pretrainLearningRate(noWarmup, 0, 0, ITERS), 0.9);
    assertClose(pretrainLearningRate(noWarmup, 25, 0, ITERS), 0.45, 1e-12, 'mid-way cosine');
  });
});

describe('pretrainLearningRate, step schedule (--cos off)', () => {
  const step: PretrainLrSchedule = { baseLr: 0.9, epochs: 50, warmupEpochs: 2, cosine: false, milestones: [20, 40] };
  it('multiplies by 0.1 at each milestone reached (epoch >= milestone)', () => {
    assertClose(pretrainLearningRate(step, 2, 0, ITERS), 0.9, 1e-15, 'after warm-up');
    assertClose(pretrainLearningRate(step, 19, 50, ITERS), 0.9, 1e-15, 'before first milestone');
    assertClose(pretrainLearningRate(step, 20, 0, ITERS), 0.09, 1e-15, 'at first milestone');
    assertClose(pretrainLearningRate(step, 40, 0, ITERS), 0.009, 1e-15, 'at second milestone');
    assertClose(pretrainLearningRate(step, 49, 0, ITERS), 0.009, 1e-15, 'last epoch');
  });
  it('still warms up per iteration and ignores milestones during warm-up', () => {
    const early: PretrainLrSchedule = { ...step, milestones: [0, 1] };
    assertClose(pretrainLearningRate(early, 0, 0, ITERS), 0.9 / 200, 1e-15, 'warm-up epoch 0');
    assertClose(pretrainLearningRate(early, 2, 0, ITERS), 0.009, 1e-15, 'both milestones already passed');
  });
  it('defaults to the reference milestones [120, 160]', () => {
    const long: PretrainLrSchedule = { baseLr: 1, epochs: 200, warmupEpochs: 0, cosine: false };
    assert.equal(pretrainLearningRate(long, 119, 0, ITERS), 1);
    assertClose(pretrainLearningRate(long, 120, 0, ITERS), 0.1, 1e-15, 'epoch 120');
    assertClose(pretrainLearningRate(long, 160, 0, ITERS), 0.01, 1e-15, 'epoch 160');
  });
});

describe('pretrainLearningRate argument checks', () => {
  it('rejects positions outside the schedule', () => {
    assert.throws(() => pretrainLearningRate(FRA, 50, 0, ITERS), RangeError);
    assert.throws(() => pretrainLearningRate(FRA, 0, ITERS, ITERS), RangeError);
    assert.throws(() => pretrainLearningRate(FRA, -1, 0, ITERS), RangeError);
    assert.throws(() => pretrainLearningRate(FRA, 0, 0, 0), RangeError);
    assert.throws(() => pretrainLearningRate({ ...FRA, warmupEpochs: 1.5 }, 0, 0, ITERS), RangeError);
  });
});
