// TensorBoard's smoothing: an exponential moving average, debiased so the start of the curve is
// not dragged towards zero (tensorflow/tensorboard#639). With weight w and the n-th finite value v:
//   last = w·last + (1 − w)·v;  smoothed = last / (1 − wⁿ)
// so the first smoothed value equals the first raw value. Non-finite values are gaps: they pass
// through unsmoothed and do not advance n. Smoothing runs on the full-resolution series, before
// downsampling, so what is drawn does not depend on the zoom level (tensorboard#6829).

export const MAX_SMOOTHING_WEIGHT = 0.999;

export function clampSmoothingWeight(weight: number): number {
  if (!Number.isFinite(weight) || weight <= 0) return 0;
  return Math.min(weight, MAX_SMOOTHING_WEIGHT);
}

/** Debiased EMA of `values[0, length)` with `weight` in [0, 0.999]. */
export function debiasedEma(values: ArrayLike<number>, weight: number, length = values.length): Float64Array {
  const smoother = new EmaSmoother(weight);
  return smoother.extend(values, length).slice();
}

/**
 * The same EMA kept up to date as a series grows: each `extend` smooths only the values added
 * since the previous call.
 */
export class EmaSmoother {
  readonly weight: number;
  private out = new Float64Array(256);
  private size = 0;
  private last = 0;
  private count = 0;

  constructor(weight: number) {
    this.weight = clampSmoothingWeight(weight);
  }

  get length(): number {
    return this.size;
  }

  /** Smooths values[this.length, length) and returns the smoothed view of [0, length). */
  extend(values: ArrayLike<number>, length: number): Float64Array {
    if (length > this.out.length) {
      let capacity = this.out.length * 2;
      while (capacity < length) capacity *= 2;
      const grown = new Float64Array(capacity);
      grown.set(this.out.subarray(0, this.size));
      this.out = grown;
    }
    const w = this.weight;
    for (let i = this.size; i < length; i += 1) {
      const value = values[i] ?? Number.NaN;
      if (!Number.isFinite(value)) {
        this.out[i] = Number.NaN;
        continue;
      }
      this.last = this.last * w + (1 - w) * value;
      this.count += 1;
      this.out[i] = this.last / (1 - w ** this.count);
    }
    this.size = Math.max(this.size, length);
    return this.out.subarray(0, length);
  }
}

/**
 * Smoothed columns of several series, each extended incrementally while its source only grows.
 * `key` must change when a series is replaced rather than appended to (e.g. a reloaded run).
 */
export class SmoothingCache {
  private readonly entries = new Map<string, EmaSmoother>();

  get(key: string, values: ArrayLike<number>, length: number, weight: number): Float64Array {
    const w = clampSmoothingWeight(weight);
    let smoother = this.entries.get(key);
    if (smoother === undefined || smoother.weight !== w || smoother.length > length) {
      smoother = new EmaSmoother(w);
      this.entries.set(key, smoother);
    }
    return smoother.extend(values, length);
  }

  /** Forgets series not in `keep` (their charts closed). */
  retain(keep: ReadonlySet<string>): void {
    for (const key of this.entries.keys()) if (!keep.has(key)) this.entries.delete(key);
  }
}
