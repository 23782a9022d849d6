// All metrics of one run as growable columns (step, epoch, time, and one column per series key),
// filled first from `runs.metrics` and then from live `runs.metrics` events.
//
// The merge rule is the one thing that keeps history and live updates consistent: a row is taken
// only when its step is greater than the last step held. Rows that arrive twice (history and a live
// batch overlapping while the history loads) are dropped, and steps never go backwards, so the x
// columns stay sorted for binary search.
import type { MetricsColumns } from '@contract/api';
import { GrowableColumn } from './growable-column';

export class SeriesBuffer {
  readonly step = new GrowableColumn();
  readonly epoch = new GrowableColumn();
  /** Milliseconds since the Unix epoch; NaN for records written without it. */
  readonly time = new GrowableColumn();
  private readonly columns = new Map<string, GrowableColumn>();

  get length(): number {
    return this.step.length;
  }

  /** The last step held, or null while empty. */
  get lastStep(): number | null {
    return this.length === 0 ? null : this.step.at(this.length - 1);
  }

  /** Series keys in the order they first appeared. */
  seriesKeys(): string[] {
    return [...this.columns.keys()];
  }

  has(key: string): boolean {
    return this.columns.has(key);
  }

  series(key: string): GrowableColumn | undefined {
    return this.columns.get(key);
  }

  /**
   * Appends the rows of `batch` whose step is beyond the last step held (in batch order, each
   * accepted row raising the bar). Returns how many rows were taken.
   */
  append(batch: MetricsColumns): number {
    const accepted: number[] = [];
    let bar = this.lastStep ?? Number.NEGATIVE_INFINITY;
    for (let row = 0; row < batch.step.length; row += 1) {
      const step = batch.step[row];
      if (step === undefined || !Number.isFinite(step) || step <= bar) continue;
      accepted.push(row);
      bar = step;
    }
    if (accepted.length === 0) return 0;
    // The usual case (a history page, a live batch): every row is new, so columns copy whole.
    const rows = accepted.length === batch.step.length ? null : accepted;

    const before = this.length;
    this.step.pushValues(batch.step, rows);
    this.epoch.pushValues(batch.epoch, rows);
    this.time.pushValues(batch.time, rows);
    for (const [key, values] of Object.entries(batch.series)) {
      let column = this.columns.get(key);
      if (column === undefined) {
        // A series that starts late (e.g. the region score, first logged at an epoch end) gets
        // gaps for the rows before it, so every column stays aligned with `step`.
        column = new GrowableColumn();
        column.pushGap(before);
        this.columns.set(key, column);
      }
      column.pushValues(values, rows);
    }
    // Series this batch did not mention have no value at these rows.
    for (const column of this.columns.values()) column.pushGap(this.length - column.length);
    return accepted.length;
  }
}
