// From full-resolution series to what one chart draws for its current window: smoothing on the
// full data, then min/max downsampling of raw and smoothed lines, plus the exact-value lookups
// the tooltip and the accessible summary use. Pure, so it is tested without a canvas.
import { downsampleWithPlan, lowerBound, planBuckets, type DownsampledSeries, type XWindow } from './downsample';
import type { ColumnStats } from './growable-column';
import { SMOOTHED_LINE_WIDTH, smoothedLineWidth } from './line-width';
import { clampSmoothingWeight, SmoothingCache } from './smoothing';

export interface ChartSeriesInput {
  /** Unique in the chart; change it when the data is replaced rather than appended to. */
  id: string;
  label: string;
  color?: string;
  /** Full-resolution x, non-decreasing. */
  x: Float64Array;
  /** Full-resolution y, same length as x; NaN = no value. */
  y: Float64Array;
  /** Optimiser step of each point, for the tooltip when x is epoch or time. */
  steps?: Float64Array;
  /** Running statistics of y, when the source keeps them (saves a scan per update). */
  stats?: ColumnStats;
}

export interface PreparedSeries {
  id: string;
  label: string;
  color: string | undefined;
  raw: DownsampledSeries;
  /** Null when smoothing is off. */
  smoothed: DownsampledSeries | null;
  /** Stroke width of the smoothed line: 1 px where it is a band of pixel-scale zigzags (line-width.ts). */
  smoothedWidth: number;
  /** True when the window holds values ≤ 0 that a log axis cannot show. */
  hidesNonPositive: boolean;
}

export interface PrepareOptions {
  window: XWindow | null;
  /** Width of the plot in device pixels (CSS pixels × devicePixelRatio): one bucket each. */
  pixelWidth: number;
  smoothing: number;
  logScale: boolean;
  cache?: SmoothingCache;
}

export function seriesLength(series: ChartSeriesInput): number {
  return Math.min(series.x.length, series.y.length);
}

export function prepareChartSeries(series: readonly ChartSeriesInput[], options: PrepareOptions): PreparedSeries[] {
  const weight = clampSmoothingWeight(options.smoothing);
  const cache = options.cache ?? new SmoothingCache();
  return series.map((s) => {
    const length = seriesLength(s);
    // The raw and the smoothed line share x, so they share buckets; the smoothed column comes
    // from the cache, which only smooths points added since the last render.
    const plan = planBuckets(s.x, length, options.window, options.pixelWidth);
    const raw = downsampleWithPlan(plan, s.x, s.y);
    const smoothed = weight > 0 ? downsampleWithPlan(plan, s.x, cache.get(s.id, s.y, length, weight)) : null;
    // Min/max buckets keep every window minimum, so a non-positive value in the window shows up here.
    const hidesNonPositive = options.logScale && anyNonPositive(raw);
    if (options.logScale) {
      maskNonPositive(raw);
      if (smoothed !== null) maskNonPositive(smoothed);
    }
    const smoothedWidth = smoothed === null ? SMOOTHED_LINE_WIDTH : smoothedLineWidth(smoothed.y, smoothed.length, options.pixelWidth);
    return { id: s.id, label: s.label, color: s.color, raw, smoothed, smoothedWidth, hidesNonPositive };
  });
}

/** The x-range covered by all series together, or null when none has a point. */
export function dataExtent(series: readonly ChartSeriesInput[]): XWindow | null {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    const length = seriesLength(s);
    if (length === 0) continue;
    min = Math.min(min, s.x[0]!);
    max = Math.max(max, s.x[length - 1]!);
  }
  return Number.isFinite(min) && Number.isFinite(max) ? { min, max } : null;
}

/**
 * The x-window for a dataZoom range given in percent of `extent` (the axis is pinned to the
 * extent, so percentages map linearly). Null when the whole extent is shown.
 */
export function windowFromPercent(extent: XWindow, startPercent: number, endPercent: number): XWindow | null {
  const start = Math.max(0, Math.min(100, startPercent));
  const end = Math.max(start, Math.min(100, endPercent));
  if (start <= 0 && end >= 100) return null;
  const span = extent.max - extent.min;
  return { min: extent.min + (span * start) / 100, max: extent.min + (span * end) / 100 };
}

export interface SeriesSummary {
  label: string;
  points: number;
  last: number;
  min: number;
  max: number;
}

export function summarizeSeries(series: ChartSeriesInput): SeriesSummary {
  const points = seriesLength(series);
  if (series.stats !== undefined) return { label: series.label, points, last: series.stats.last, min: series.stats.min, max: series.stats.max };
  let min = Number.NaN;
  let max = Number.NaN;
  let last = Number.NaN;
  for (let i = 0; i < points; i += 1) {
    const v = series.y[i]!;
    if (!Number.isFinite(v)) continue;
    if (!(v >= min)) min = v;
    if (!(v <= max)) max = v;
    last = v;
  }
  return { label: series.label, points, last, min, max };
}

/** Index of the point whose x is nearest to `value` (ties go to the earlier point); -1 when empty. */
export function nearestIndex(x: ArrayLike<number>, length: number, value: number): number {
  if (length === 0) return -1;
  const after = lowerBound(x, length, value);
  if (after >= length) return length - 1;
  if (after === 0) return 0;
  return value - x[after - 1]! <= x[after]! - value ? after - 1 : after;
}

function anyNonPositive(series: DownsampledSeries): boolean {
  for (let i = 0; i < series.length; i += 1) if (series.y[i]! <= 0) return true;
  return false;
}

function maskNonPositive(series: DownsampledSeries): void {
  for (let i = 0; i < series.length; i += 1) if (series.y[i]! <= 0) series.y[i] = Number.NaN;
}

export type WindowStep = 'pan-left' | 'pan-right' | 'zoom-in' | 'zoom-out' | 'reset';

/** Smallest window, as a fraction of the extent: deeper zoom shows nothing new. */
const MIN_WINDOW_FRACTION = 1e-6;

/**
 * The window after one keyboard step: pans move by a fifth of the window, zooms halve or double it
 * around its centre; the result stays inside the extent and is null when it covers all of it.
 */
export function stepWindow(extent: XWindow, window: XWindow | null, step: WindowStep): XWindow | null {
  const span = extent.max - extent.min;
  if (step === 'reset' || !(span > 0)) return null;
  const current = window ?? extent;
  let width = current.max - current.min;
  let centre = (current.min + current.max) / 2;
  if (step === 'pan-left') centre -= width / 5;
  if (step === 'pan-right') centre += width / 5;
  if (step === 'zoom-in') width = Math.max(span * MIN_WINDOW_FRACTION, width / 2);
  if (step === 'zoom-out') width *= 2;
  if (width >= span) return null;
  const min = Math.min(Math.max(extent.min, centre - width / 2), extent.max - width);
  return { min, max: min + width };
}
