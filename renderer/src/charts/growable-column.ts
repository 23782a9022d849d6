// One numeric column that grows by amortised doubling, so a live run can append a few rows per
// second for days without reallocating on every batch. NaN stands for "no value" (a null in the
// contract's columns), which keeps the storage a flat Float64Array.
//
// The column also keeps the running finite min/max and the last finite value: chart summaries read
// them in O(1) instead of scanning a million points on every live update.

const INITIAL_CAPACITY = 256;

export interface ColumnStats {
  /** Finite values seen; min/max/last are NaN while it is 0. */
  finiteCount: number;
  min: number;
  max: number;
  last: number;
}

export class GrowableColumn {
  private data: Float64Array;
  private size = 0;
  private finiteCount = 0;
  private min = Infinity;
  private max = -Infinity;
  private last = Number.NaN;

  constructor(initialCapacity = INITIAL_CAPACITY) {
    this.data = new Float64Array(Math.max(1, initialCapacity));
  }

  get length(): number {
    return this.size;
  }

  get capacity(): number {
    return this.data.length;
  }

  /**
   * The filled part, without copying. A later append may move the storage, so take a fresh view
   * after appending instead of holding on to an old one.
   */
  view(): Float64Array {
    return this.data.subarray(0, this.size);
  }

  at(index: number): number {
    return index >= 0 && index < this.size ? (this.data[index] ?? Number.NaN) : Number.NaN;
  }

  push(value: number): void {
    this.reserve(this.size + 1);
    this.data[this.size++] = value;
    this.observe(value);
  }

  /**
   * Appends `values[rows[i]]` for each of `rows` (null: all of `values`), null becoming NaN. One
   * capacity check for the lot: a 250,000-row history page goes in without a call per value.
   */
  pushValues(values: readonly (number | null)[], rows: readonly number[] | null): void {
    const count = rows === null ? values.length : rows.length;
    this.reserve(this.size + count);
    const data = this.data;
    let size = this.size;
    for (let i = 0; i < count; i += 1) {
      const value = values[rows === null ? i : rows[i]!];
      const number = value === null || value === undefined ? Number.NaN : value;
      data[size++] = number;
      this.observe(number);
    }
    this.size = size;
  }

  /** Appends `count` copies of NaN (rows where this column has no value). */
  pushGap(count: number): void {
    if (count <= 0) return;
    this.reserve(this.size + count);
    this.data.fill(Number.NaN, this.size, this.size + count);
    this.size += count;
  }

  stats(): ColumnStats {
    const empty = this.finiteCount === 0;
    return { finiteCount: this.finiteCount, min: empty ? Number.NaN : this.min, max: empty ? Number.NaN : this.max, last: this.last };
  }

  private observe(value: number): void {
    if (!Number.isFinite(value)) return;
    this.finiteCount += 1;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.last = value;
  }

  private reserve(needed: number): void {
    if (needed <= this.data.length) return;
    let next = this.data.length * 2;
    while (next < needed) next *= 2;
    const grown = new Float64Array(next);
    grown.set(this.data.subarray(0, this.size));
    this.data = grown;
  }
}
