// Min/max-preserving downsampling of one series for the visible x-range (M4, Jugel et al. 2014):
// the range is cut into one bucket per device pixel and each bucket keeps its first, last, minimum
// and maximum point, in x order. Drawn as a line, those four points per pixel column rasterise to
// the same pixels as the full data, so a million points become a few thousand while every spike
// stays visible — the failure users report with stride, random and LTTB sampling (anchors.md:
// wandb#5694, tensorboard#6829, uPlot's decimation demo). The range is cut out of the
// full-resolution data first (binary search on sorted x), so zooming in re-samples the window
// instead of magnifying an already-thinned series.
//
// Cutting into buckets depends only on x, so it is planned once (`planBuckets`) and applied to
// several y columns of the same x (a raw line and its smoothed line) with `downsampleWithPlan`.
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

/**
 * Buckets per device pixel. One is enough: first/min/max/last per pixel column draws exactly
 * what the full data draws (M4). Callers pass device pixels (CSS pixels × devicePixelRatio).
 */
export const BUCKETS_PER_PIXEL = 1;

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

/** How points [first, end) of one x column fall into buckets; shared by every y column of that x. */
export interface BucketPlan {
  /** Points of the column considered (its length). */
  length: number;
  window: XWindow | null;
  first: number;
  end: number;
  /**
   * Start index of each non-empty bucket followed by `end`, or null when the window holds so few
   * points that all of them are drawn.
   */
  bounds: Int32Array | null;
}

/** Cuts points [0, length) of x, restricted to `window` (null: everything), into pixel buckets. */
export function planBuckets(x: ArrayLike<number>, length: number, window: XWindow | null, pixelWidth: number): BucketPlan {
  const n = Math.min(length, x.length);
  const first = n === 0 ? 0 : window === null ? 0 : lowerBound(x, n, window.min);
  const end = n === 0 ? 0 : window === null ? n : upperBound(x, n, window.max);
  const buckets = bucketCountFor(pixelWidth);
  // Few enough points to draw them all: nothing to gain from bucketing.
  if (end - first <= buckets * 4) return { length: n, window, first, end, bounds: null };

  const min = window === null ? x[0]! : window.min;
  const max = window === null ? x[n - 1]! : window.max;
  const bounds = new Int32Array(Math.min(buckets, end - first) + 1);
  let count = 0;
  let start = first;
  while (start < end) {
    bounds[count++] = start;
    const bucket = bucketIndex(x[start]!, min, max, buckets);
    // Binary search for the first point of a later bucket: O(buckets · log n), not O(n).
    let lo = start + 1;
    let hi = end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (bucketIndex(x[mid]!, min, max, buckets) > bucket) hi = mid;
      else lo = mid + 1;
    }
    start = lo;
  }
  bounds[count] = end;
  return { length: n, window, first, end, bounds: bounds.subarray(0, count + 1) };
}

/**
 * Downsamples points [0, length) of (x, y) to what `pixelWidth` device pixels can show of `window`
 * (null: everything). When zoomed in, the line is continued to the window's edges by a point
 * interpolated between the last point outside and the first inside, so lines run to the chart's
 * edges without an off-screen neighbour stretching the y-axis.
 */
export function downsampleMinMax(x: ArrayLike<number>, y: ArrayLike<number>, length: number, window: XWindow | null, pixelWidth: number): DownsampledSeries {
  return downsampleWithPlan(planBuckets(x, Math.min(length, y.length), window, pixelWidth), x, y);
}

/** Applies a plan made from `x` to one y column of the same length. */
export function downsampleWithPlan(plan: BucketPlan, x: ArrayLike<number>, y: ArrayLike<number>): DownsampledSeries {
  const { length: n, window, first, end, bounds } = plan;
  if (n === 0) return { x: new Float64Array(0), y: new Float64Array(0), length: 0, sourceCount: 0 };
  const sourceCount = Math.max(0, end - first);
  const out = new SeriesWriter((bounds === null ? sourceCount : (bounds.length - 1) * 5) + 2);
  // (Not when a point sits exactly on the edge: it is drawn anyway.)
  if (window !== null && first > 0 && first < n && x[first]! > window.min) pushEdge(out, x, y, first - 1, first, window.min);

  if (bounds === null) {
    for (let i = first; i < end; i += 1) {
      const value = y[i]!;
      out.push(x[i]!, value - value === 0 ? value : Number.NaN);
    }
  } else {
    for (let b = 0; b + 1 < bounds.length; b += 1) keepBucketExtremes(out, x, y, bounds[b]!, bounds[b + 1]!);
  }

  if (window !== null && end > 0 && end < n && x[end - 1]! < window.max) pushEdge(out, x, y, end - 1, end, window.max);
  return out.finish(sourceCount);
}

/** Keeps the first, last, minimum and maximum point (and the first gap) of points [start, end), in x order. */
function keepBucketExtremes(out: SeriesWriter, x: ArrayLike<number>, y: ArrayLike<number>, start: number, end: number): void {
  let firstIndex = -1;
  let lastIndex = -1;
  let minIndex = -1;
  let maxIndex = -1;
  let gapIndex = -1;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = start; i < end; i += 1) {
    const value = y[i]!;
    // value - value is 0 for finite numbers and NaN for NaN and ±Infinity: one cheap test.
    if (value - value !== 0) {
      if (gapIndex < 0) gapIndex = i;
      continue;
    }
    if (firstIndex < 0) firstIndex = i;
    lastIndex = i;
    if (value < min) {
      min = value;
      minIndex = i;
    }
    if (value > max) {
      max = value;
      maxIndex = i;
    }
  }
  // The (up to five) kept indices in ascending order, each once: a tiny sorting network.
  let a = firstIndex;
  let b = minIndex;
  let c = maxIndex;
  let d = lastIndex;
  let e = gapIndex;
  let t: number;
  if (a > b) ((t = a), (a = b), (b = t));
  if (d > e) ((t = d), (d = e), (e = t));
  if (c > e) ((t = c), (c = e), (e = t));
  if (c > d) ((t = c), (c = d), (d = t));
  if (a > d) ((t = a), (a = d), (d = t));
  if (a > c) ((t = a), (a = c), (c = t));
  if (b > e) ((t = b), (b = e), (e = t));
  if (b > d) ((t = b), (b = d), (d = t));
  if (b > c) ((t = b), (b = c), (c = t));
  let previous = -1;
  for (const i of [a, b, c, d, e]) {
    if (i < 0 || i === previous) continue;
    out.push(x[i]!, i === gapIndex ? Number.NaN : y[i]!);
    previous = i;
  }
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
