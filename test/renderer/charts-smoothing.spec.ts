import { describe, expect, it } from 'vitest';
import { clampSmoothingWeight, debiasedEma, EmaSmoother, MAX_SMOOTHING_WEIGHT, SmoothingCache } from '../../renderer/src/charts/smoothing.js';

describe('debiased EMA (TensorBoard smoothing)', () => {
  it('matches hand-computed values', () => {
    // w = 0.5: last = 0.5, 1.25, 2.125; debias 1 − 0.5ⁿ = 0.5, 0.75, 0.875.
    const out = debiasedEma([1, 2, 3], 0.5);
    expect(out[0]).toBeCloseTo(1, 12);
    expect(out[1]).toBeCloseTo(1.25 / 0.75, 12);
    expect(out[2]).toBeCloseTo(2.125 / 0.875, 12);
  });

  it('debiasing makes the first smoothed value equal the first raw value', () => {
    for (const w of [0.1, 0.6, 0.9, 0.999]) expect(debiasedEma([7.25, 1, 1], w)[0]).toBeCloseTo(7.25, 10);
  });

  it('passes non-finite values through without counting them', () => {
    const out = debiasedEma([1, Number.NaN, 3], 0.5);
    expect(out[0]).toBeCloseTo(1, 12);
    expect(Number.isNaN(out[1]!)).toBe(true);
    // Second finite value: last = 0.25 + 1.5 = 1.75, debias 1 − 0.25 = 0.75.
    expect(out[2]).toBeCloseTo(1.75 / 0.75, 12);
  });

  it('weight 0 leaves the series unchanged', () => {
    expect(Array.from(debiasedEma([3, -1, 4, 1.5], 0))).toEqual([3, -1, 4, 1.5]);
  });

  it('clamps the weight to [0, 0.999]', () => {
    expect(clampSmoothingWeight(2)).toBe(MAX_SMOOTHING_WEIGHT);
    expect(clampSmoothingWeight(-1)).toBe(0);
    expect(clampSmoothingWeight(Number.NaN)).toBe(0);
    expect(new EmaSmoother(1).weight).toBe(0.999);
  });

  it('extending incrementally gives the same values as smoothing everything at once', () => {
    const values = Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 10 + (i % 7 === 0 ? Number.NaN : 0));
    const whole = debiasedEma(values, 0.9);
    const smoother = new EmaSmoother(0.9);
    smoother.extend(values, 10);
    smoother.extend(values, 600);
    const stepwise = smoother.extend(values, 1000);
    expect(Array.from(stepwise)).toEqual(Array.from(whole));
  });

  it('the cache restarts a series when its weight changes or it shrinks', () => {
    const cache = new SmoothingCache();
    const values = new Float64Array([1, 2, 3, 4]);
    const a = Array.from(cache.get('s', values, 4, 0.5));
    expect(a).toEqual(Array.from(debiasedEma(values, 0.5)));
    expect(Array.from(cache.get('s', values, 4, 0.9))).toEqual(Array.from(debiasedEma(values, 0.9)));
    const replaced = new Float64Array([10, 20]);
    expect(Array.from(cache.get('s', replaced, 2, 0.9))).toEqual(Array.from(debiasedEma(replaced, 0.9)));
  });
});
