import { describe, expect, it } from 'vitest';
import { downsampleMinMax } from '../../renderer/src/charts/downsample.js';
import { BAND_LINE_WIDTH, directionChanges, SMOOTHED_LINE_WIDTH, smoothedLineWidth } from '../../renderer/src/charts/line-width.js';
import { debiasedEma } from '../../renderer/src/charts/smoothing.js';

describe('smoothed line width', () => {
  it('counts changes between rising and falling, restarting at gaps and ignoring flat steps', () => {
    expect(directionChanges([1, 2, 3, 4], 4)).toBe(0);
    expect(directionChanges([1, 3, 2, 4, 0], 5)).toBe(3);
    expect(directionChanges([1, 2, 2, 1], 4)).toBe(1);
    expect(directionChanges([1, 2, Number.NaN, 1, 0], 5)).toBe(0);
    expect(directionChanges([1, 2, 1], 2)).toBe(0);
  });

  // What a chart draws of a long loss curve: a few hundred pixel columns of min/max buckets.
  const n = 200_000;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i += 1) x[i] = i;
  const pixels = 500;
  const curve = (wiggle: number): Float64Array => {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i += 1) y[i] = 4 / (1 + i / 1e4) + wiggle * Math.sin(i / 7);
    return y;
  };

  it('stays 2 px for a smooth curve, however many steps it spans', () => {
    const y = curve(0);
    const drawn = downsampleMinMax(x, debiasedEma(y, 0.6), n, null, pixels);
    expect(smoothedLineWidth(drawn.y, drawn.length, pixels)).toBe(SMOOTHED_LINE_WIDTH);
  });

  it('is 1 px where the smoothed line is a band of pixel-scale zigzags', () => {
    const y = curve(0.2);
    const drawn = downsampleMinMax(x, debiasedEma(y, 0.6), n, null, pixels);
    expect(smoothedLineWidth(drawn.y, drawn.length, pixels)).toBe(BAND_LINE_WIDTH);
    // Zoomed in to a few points per pixel, the same data is a line again.
    const zoomed = downsampleMinMax(x, debiasedEma(y, 0.6), n, { min: 1000, max: 1300 }, pixels);
    expect(smoothedLineWidth(zoomed.y, zoomed.length, pixels)).toBe(SMOOTHED_LINE_WIDTH);
  });
});
