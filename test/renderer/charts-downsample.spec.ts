import { describe, expect, it } from 'vitest';
import { BUCKETS_PER_PIXEL, bucketCountFor, bucketIndex, downsampleMinMax, downsampleWithPlan, lowerBound, planBuckets, upperBound, type XWindow } from '../../renderer/src/charts/downsample.js';

/** A deterministic, wiggly series (no Math.random: failures must reproduce). */
function wave(n: number): { x: Float64Array; y: Float64Array } {
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    x[i] = i;
    y[i] = Math.sin(i / 50) + 0.1 * Math.sin(i * 1.7);
  }
  return { x, y };
}

describe('binary search over sorted x', () => {
  const x = new Float64Array([0, 1, 1, 1, 2, 5]);
  it('lowerBound finds the first x >= value', () => {
    expect(lowerBound(x, x.length, 1)).toBe(1);
    expect(lowerBound(x, x.length, 1.5)).toBe(4);
    expect(lowerBound(x, x.length, -3)).toBe(0);
    expect(lowerBound(x, x.length, 9)).toBe(6);
  });
  it('upperBound finds the first x > value', () => {
    expect(upperBound(x, x.length, 1)).toBe(4);
    expect(upperBound(x, x.length, 5)).toBe(6);
    expect(upperBound(x, x.length, -1)).toBe(0);
  });
  it('respects the given length, not the array size', () => {
    expect(lowerBound(x, 3, 2)).toBe(3);
  });
});

describe('bucket bounds', () => {
  it('puts min in the first bucket and max in the last', () => {
    expect(bucketIndex(0, 0, 100, 10)).toBe(0);
    expect(bucketIndex(100, 0, 100, 10)).toBe(9);
  });
  it('treats buckets as half-open [lo, hi): a boundary value opens the next bucket', () => {
    expect(bucketIndex(9.999, 0, 100, 10)).toBe(0);
    expect(bucketIndex(10, 0, 100, 10)).toBe(1);
    expect(bucketIndex(90, 0, 100, 10)).toBe(9);
  });
  it('clamps values outside the range and handles an empty span', () => {
    expect(bucketIndex(-5, 0, 100, 10)).toBe(0);
    expect(bucketIndex(500, 0, 100, 10)).toBe(9);
    expect(bucketIndex(7, 7, 7, 10)).toBe(0);
  });
  it('uses one bucket per device pixel', () => {
    expect(BUCKETS_PER_PIXEL).toBe(1);
    expect(bucketCountFor(800)).toBe(800);
    expect(bucketCountFor(0)).toBe(1);
  });
});

describe('downsampleMinMax', () => {
  const n = 1_000_000;
  const { x, y } = wave(n);
  const spikeAt = 123_457;
  const dipAt = 876_543;
  y[spikeAt] = 1000;
  y[dipAt] = -1000;

  it('turns a million points into a few thousand and keeps a single spike and dip', () => {
    const out = downsampleMinMax(x, y, n, null, 1000);
    expect(out.sourceCount).toBe(n);
    expect(out.length).toBeLessThanOrEqual(1000 * 5);
    expect(out.length).toBeGreaterThan(1000);
    const ys = Array.from(out.y);
    expect(ys).toContain(1000);
    expect(ys).toContain(-1000);
    expect(out.x[ys.indexOf(1000)]).toBe(spikeAt);
    expect(out.x[ys.indexOf(-1000)]).toBe(dipAt);
  });

  it('keeps the first and last point and emits points in x order', () => {
    const out = downsampleMinMax(x, y, n, null, 500);
    expect(out.x[0]).toBe(0);
    expect(out.y[0]).toBe(y[0]);
    expect(out.x[out.length - 1]).toBe(n - 1);
    for (let i = 1; i < out.length; i += 1) expect(out.x[i]!).toBeGreaterThan(out.x[i - 1]!);
  });

  it('keeps every bucket\'s extremes: the envelope per bucket matches the raw data', () => {
    const small = wave(10_000);
    const out = downsampleMinMax(small.x, small.y, 10_000, null, 200); // 200 buckets of 50 points
    for (let b = 0; b < 200; b += 1) {
      const lo = b * 50;
      let rawMin = Infinity;
      let rawMax = -Infinity;
      for (let i = lo; i < lo + 50; i += 1) {
        rawMin = Math.min(rawMin, small.y[i]!);
        rawMax = Math.max(rawMax, small.y[i]!);
      }
      const kept: number[] = [];
      for (let i = 0; i < out.length; i += 1) if (out.x[i]! >= lo && out.x[i]! < lo + 50) kept.push(out.y[i]!);
      expect(kept.length).toBeLessThanOrEqual(4);
      expect(Math.min(...kept)).toBe(rawMin);
      expect(Math.max(...kept)).toBe(rawMax);
    }
  });

  it('re-samples only the visible window and continues the line to its edges', () => {
    const window = { min: 1000.5, max: 2000.5 };
    const out = downsampleMinMax(x, y, n, window, 100);
    expect(out.sourceCount).toBe(1000); // x = 1001 … 2000
    for (let i = 0; i < out.length; i += 1) {
      expect(out.x[i]!).toBeGreaterThanOrEqual(window.min);
      expect(out.x[i]!).toBeLessThanOrEqual(window.max);
    }
    expect(out.x[0]).toBe(1000.5);
    expect(out.y[0]).toBeCloseTo((y[1000]! + y[1001]!) / 2, 12);
    expect(out.x[out.length - 1]).toBe(2000.5);
    expect(out.y[out.length - 1]).toBeCloseTo((y[2000]! + y[2001]!) / 2, 12);
  });

  it('zooming in on the spike shows it at full resolution', () => {
    const out = downsampleMinMax(x, y, n, { min: spikeAt - 10, max: spikeAt + 10 }, 800);
    expect(out.sourceCount).toBe(21);
    expect(Array.from(out.x)).toEqual(Array.from({ length: 21 }, (_, i) => spikeAt - 10 + i));
    expect(out.y[10]).toBe(1000);
  });

  it('returns small series unchanged', () => {
    const out = downsampleMinMax(new Float64Array([1, 2, 3]), new Float64Array([5, 6, 7]), 3, null, 800);
    expect(Array.from(out.x)).toEqual([1, 2, 3]);
    expect(Array.from(out.y)).toEqual([5, 6, 7]);
  });

  it('handles an empty series and a window with no points in it', () => {
    expect(downsampleMinMax(new Float64Array(0), new Float64Array(0), 0, null, 100).length).toBe(0);
    const out = downsampleMinMax(new Float64Array([0, 10]), new Float64Array([0, 100]), 2, { min: 4, max: 6 }, 100);
    expect(out.sourceCount).toBe(0);
    expect(Array.from(out.x)).toEqual([4, 6]);
    expect(Array.from(out.y)).toEqual([40, 60]);
  });

  it('keeps gaps (NaN) as breaks and never picks them as min or max', () => {
    const m = 100_000;
    const g = wave(m);
    for (let i = 50_000; i < 50_100; i += 1) g.y[i] = Number.NaN;
    g.y[70_000] = Number.POSITIVE_INFINITY;
    const out = downsampleMinMax(g.x, g.y, m, null, 200);
    const gapXs: number[] = [];
    for (let i = 0; i < out.length; i += 1) if (Number.isNaN(out.y[i]!)) gapXs.push(out.x[i]!);
    expect(gapXs).toContain(50_000);
    expect(gapXs).toContain(70_000);
    for (let i = 0; i < out.length; i += 1) if (!Number.isNaN(out.y[i]!)) expect(Number.isFinite(out.y[i]!)).toBe(true);
  });

  it('passes gaps through in small series too', () => {
    const out = downsampleMinMax(new Float64Array([0, 1, 2]), new Float64Array([1, Number.NaN, 3]), 3, null, 100);
    expect(Number.isNaN(out.y[1]!)).toBe(true);
  });
});

/**
 * The definition of the downsampling, written the slow and obvious way: every point is put in its
 * bucket with bucketIndex, and each bucket keeps first/min/max/last (and its first gap) in x order.
 */
function referenceBuckets(x: Float64Array, y: Float64Array, window: XWindow | null, pixels: number): [number, number][] {
  const n = x.length;
  const first = window === null ? 0 : lowerBound(x, n, window.min);
  const end = window === null ? n : upperBound(x, n, window.max);
  const count = bucketCountFor(pixels);
  const min = window === null ? x[0]! : window.min;
  const max = window === null ? x[n - 1]! : window.max;
  const buckets = new Map<number, number[]>();
  for (let i = first; i < end; i += 1) {
    const b = bucketIndex(x[i]!, min, max, count);
    buckets.set(b, [...(buckets.get(b) ?? []), i]);
  }
  const out: [number, number][] = [];
  for (const indices of buckets.values()) {
    const finite = indices.filter((i) => Number.isFinite(y[i]!));
    const gap = indices.find((i) => !Number.isFinite(y[i]!));
    const kept = new Set<number>();
    if (finite.length > 0) {
      kept.add(finite[0]!).add(finite[finite.length - 1]!);
      kept.add(finite.reduce((a, i) => (y[i]! < y[a]! ? i : a)));
      kept.add(finite.reduce((a, i) => (y[i]! > y[a]! ? i : a)));
    }
    if (gap !== undefined) kept.add(gap);
    for (const i of [...kept].sort((a, b) => a - b)) out.push([x[i]!, i === gap ? Number.NaN : y[i]!]);
  }
  return out;
}

function pairs(out: { x: Float64Array; y: Float64Array; length: number }): [number, number][] {
  return Array.from({ length: out.length }, (_, i) => [out.x[i]!, out.y[i]!]);
}

describe('bucket plans', () => {
  // Uneven x (repeated and skipped steps), gaps and infinities: the cases a plan could get wrong.
  const n = 20_000;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  let at = 0;
  for (let i = 0; i < n; i += 1) {
    at += i % 97 === 0 ? 0 : i % 13 === 0 ? 7 : 1;
    x[i] = at;
    y[i] = i % 501 === 0 ? Number.NaN : i % 777 === 0 ? Number.POSITIVE_INFINITY : Math.sin(i / 30) + 0.3 * Math.sin(i * 1.3);
  }

  it('keep exactly the points the per-point definition keeps, whole range and windows', () => {
    for (const window of [null, { min: 1234.5, max: 9876.25 }, { min: x[100]!, max: x[19_000]! }]) {
      for (const pixels of [37, 300, 1200]) {
        const out = downsampleMinMax(x, y, n, window, pixels);
        const inner = window === null ? pairs(out) : pairs(out).filter(([px]) => px > window.min && px < window.max);
        const expected = referenceBuckets(x, y, window, pixels).filter(([px]) => window === null || (px > window.min && px < window.max));
        expect(inner).toEqual(expected);
      }
    }
  });

  it('one plan serves every y column of the same x (a raw line and its smoothed line)', () => {
    const smoothed = y.map((v, i) => (Number.isFinite(v) ? v * 0.5 + i * 1e-4 : v));
    const window = { min: 500, max: 15_000 };
    const plan = planBuckets(x, n, window, 640);
    expect(pairs(downsampleWithPlan(plan, x, y))).toEqual(pairs(downsampleMinMax(x, y, n, window, 640)));
    expect(pairs(downsampleWithPlan(plan, x, smoothed))).toEqual(pairs(downsampleMinMax(x, smoothed, n, window, 640)));
  });

  it('draws every point when the window holds few of them', () => {
    const plan = planBuckets(x, n, { min: 100, max: 140 }, 800);
    expect(plan.bounds).toBeNull();
    expect(plan.end - plan.first).toBeLessThan(50);
  });
});
