// Min/max-preserving downsampling of one series for the visible x-range (M4 style): the range is
// cut into about two buckets per pixel and each bucket keeps its first, last, minimum and maximum
// point, in x order. A million points become a few thousand while every spike stays visible —
// the failure users report with stride, random and LTTB sampling (anchors.md: wandb#5694,
// tensorboard#6829, uPlot's decimation demo). The range is cut out of the full-resolution data
// first (binary search on sorted x), so zooming in re-samples the window instead of magnifying
// an already-thinned series.
//
// Non-finite y values are gaps: a bucket that contains one keeps a NaN point at the first gap's
// position so the drawn line breaks there instead of bridging missing data.

export interface XWindow {
  min: number;
  max: number;
}

export interface DownsampledSeries {
  x: Float64Array;
  /** NaN marks a gap. */
  y: Float64Array;
  length: number;
  /** Raw points inside the window (what the output stands for). */
  sourceCount: number;
}

/** Buckets per pixel: two keep the drawn envelope exact at device-pixel resolution. */
export const BUCKETS_PER_PIXEL = 2;

/** First index in x[0, length) with x[i] >= value (length when none). x must be non-decreasing. */
export function lowerBound(x: ArrayLike<number>, length: number, value: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((x[mid] ?? Number.NaN) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in x[0, length) with x[i] > value (length when none). x must be non-decreasing. */
export function upperBound(x: ArrayLike<number>, length: number, value: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((x[mid] ?? Number.NaN) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function bucketCountFor(pixelWidth: number): number {
  return Math.max(1, Math.ceil(BUCKETS_PER_PIXEL * Math.max(1, pixelWidth)));
}

/**
 * Which of `count` equal buckets over [min, max] holds `x`. Buckets are half-open [lo, hi) except
 * the last, which also takes `max`; values outside the range clamp to the first/last bucket.
 */
export function bucketIndex(x: number, min: number, max: number, count: number): number {
  const span = max - min;
  if (!(span > 0)) return 0;
  const index = Math.floor(((x - min) / span) * count);
  return index < 0 ? 0 : index >= count ? count - 1 : index;
}

/**
 * Downsamples points [0, length) of (x, y) to what `pixelWidth` pixels can show of `window`
 * (null: everything). When zoomed in, the line is continued to the window's edges by a point
 * interpolated between the last point outside and the first inside, so lines run to the chart's
 * edges without an off-screen neighbour stretching the y-axis.
 */
export function downsampleMinMax(x: ArrayLike<number>, y: ArrayLike<number>, length: number, window: XWindow | null, pixelWidth: number): DownsampledSeries {
  const n = Math.min(length, x.length, y.length);
  if (n === 0) return { x: new Float64Array(0), y: new Float64Array(0), length: 0, sourceCount: 0 };

  const first = window === null ? 0 : lowerBound(x, n, window.min);
  const end = window === null ? n : upperBound(x, n, window.max);
  const sourceCount = Math.max(0, end - first);
  const buckets = bucketCountFor(pixelWidth);
  const out = new SeriesWriter(Math.min(sourceCount, buckets * 5) + 2);
  // (Not when a point sits exactly on the edge: it is drawn anyway.)
  if (window !== null && first > 0 && first < n && x[first]! > window.min) pushEdge(out, x, y, first - 1, first, window.min);

  if (sourceCount <= buckets * 4) {
    // Few enough points to draw them all: nothing to gain from bucketing.
    for (let i = first; i < end; i += 1) out.push(x[i]!, Number.isFinite(y[i]!) ? y[i]! : Number.NaN);
  } else {
    bucketMinMax(out, x, y, first, end, window === null ? x[0]! : window.min, window === null ? x[n - 1]! : window.max, buckets);
  }

  if (window !== null && end > 0 && end < n && x[end - 1]! < window.max) pushEdge(out, x, y, end - 1, end, window.max);
  return out.finish(sourceCount);
}

/** Keeps the first, last, minimum and maximum point (and the first gap) of each bucket, in x order. */
function bucketMinMax(out: SeriesWriter, x: ArrayLike<number>, y: ArrayLike<number>, first: number, end: number, min: number, max: number, buckets: number): void {
  let bucket = -1;
  let firstIndex = -1;
  let lastIndex = -1;
  let minIndex = -1;
  let maxIndex = -1;
  let gapIndex = -1;

  const flush = (): void => {
    const kept = [firstIndex, minIndex, maxIndex, lastIndex, gapIndex].filter((i) => i >= 0).sort((a, b) => a - b);
    let previous = -1;
    for (const i of kept) {
      if (i === previous) continue;
      out.push(x[i]!, i === gapIndex ? Number.NaN : y[i]!);
      previous = i;
    }
    firstIndex = lastIndex = minIndex = maxIndex = gapIndex = -1;
  };

  for (let i = first; i < end; i += 1) {
    const b = bucketIndex(x[i]!, min, max, buckets);
    if (b !== bucket) {
      flush();
      bucket = b;
    }
    const value = y[i]!;
    if (!Number.isFinite(value)) {
      if (gapIndex < 0) gapIndex = i;
      continue;
    }
    if (firstIndex < 0) firstIndex = i;
    lastIndex = i;
    if (minIndex < 0 || value < y[minIndex]!) minIndex = i;
    if (maxIndex < 0 || value > y[maxIndex]!) maxIndex = i;
  }
  flush();
}

/**
 * The point where the segment from point a to point b crosses x = edge (a window narrower than
 * the gap between two points gets both edges of that one segment). Skipped when either end is a
 * gap: the line is broken there anyway.
 */
function pushEdge(out: SeriesWriter, x: ArrayLike<number>, y: ArrayLike<number>, a: number, b: number, edge: number): void {
  const xa = x[a]!;
  const xb = x[b]!;
  const ya = y[a]!;
  const yb = y[b]!;
  if (!Number.isFinite(ya) || !Number.isFinite(yb)) return;
  const t = xb === xa ? 0 : (edge - xa) / (xb - xa);
  if (!(t >= 0 && t <= 1)) return;
  out.push(edge, ya + (yb - ya) * t);
}

class SeriesWriter {
  private readonly xs: Float64Array;
  private readonly ys: Float64Array;
  private size = 0;

  constructor(capacity: number) {
    this.xs = new Float64Array(capacity);
    this.ys = new Float64Array(capacity);
  }

  push(x: number, y: number): void {
    this.xs[this.size] = x;
    this.ys[this.size] = y;
    this.size += 1;
  }

  finish(sourceCount: number): DownsampledSeries {
    return { x: this.xs.subarray(0, this.size), y: this.ys.subarray(0, this.size), length: this.size, sourceCount };
  }
}
