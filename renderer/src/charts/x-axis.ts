// What a metrics chart plots along x: optimiser step, (fractional) epoch, or wall time since the
// run's first record. The x column of each mode is derived from a SeriesBuffer and kept
// non-decreasing, because downsampling binary-searches it.
import { GrowableColumn } from './growable-column';
import type { SeriesBuffer } from './series-buffer';

export type XAxisMode = 'step' | 'epoch' | 'time';

export interface XAxisModeInfo {
  id: XAxisMode;
  label: string;
  /** Axis title, with the unit. */
  axisName: string;
}

export const X_AXIS_MODES: readonly XAxisModeInfo[] = [
  { id: 'step', label: 'Step', axisName: 'step' },
  { id: 'epoch', label: 'Epoch', axisName: 'epoch' },
  { id: 'time', label: 'Wall time (relative)', axisName: 'time since first step (s)' },
];

export function xAxisModeInfo(mode: XAxisMode): XAxisModeInfo {
  return X_AXIS_MODES.find((m) => m.id === mode) ?? X_AXIS_MODES[0]!;
}

/** Series keys the trainer may log alongside `epoch` that place a step inside its epoch. */
const ITERATION_KEY = 'iteration';
const ITERATIONS_PER_EPOCH_KEY = 'iterationsPerEpoch';

/**
 * Incrementally maintained x columns of one buffer. Buffers only grow, so each call extends the
 * cached column by the rows added since the previous call.
 */
export class XColumns {
  private readonly cache = new Map<XAxisMode, GrowableColumn>();
  private timeOrigin = Number.NaN;
  private iterationsPerEpoch: number | null = null;

  constructor(private readonly buffer: SeriesBuffer) {}

  /**
   * The run's iterations per epoch (from its progress), for runs whose metrics carry no iteration
   * column: a step's place in its epoch is then (step − 1) − epoch · iterationsPerEpoch, used
   * only where that lands inside the epoch. Rows already placed keep their x.
   */
  setIterationsPerEpoch(value: number | null): void {
    this.iterationsPerEpoch = value !== null && Number.isInteger(value) && value > 0 ? value : null;
  }

  /** False when the buffer holds no wall-clock times at all (records written before they existed). */
  hasTime(): boolean {
    return this.buffer.time.stats().finiteCount > 0;
  }

  get(mode: XAxisMode): Float64Array {
    if (mode === 'step') return this.buffer.step.view();
    let column = this.cache.get(mode);
    if (column === undefined) {
      column = new GrowableColumn(Math.max(256, this.buffer.length));
      this.cache.set(mode, column);
    }
    for (let row = column.length; row < this.buffer.length; row += 1) {
      const raw = mode === 'epoch' ? this.fractionalEpoch(row) : this.relativeSeconds(row);
      const previous = row === 0 ? Number.NaN : column.at(row - 1);
      column.push(nonDecreasing(raw, previous));
    }
    return column.view();
  }

  /** epoch + iteration / iterationsPerEpoch where the position is known, else the epoch number. */
  private fractionalEpoch(row: number): number {
    const epoch = this.buffer.epoch.at(row);
    if (!Number.isFinite(epoch)) return epoch;
    const iteration = this.buffer.series(ITERATION_KEY)?.at(row) ?? Number.NaN;
    const perEpoch = this.buffer.series(ITERATIONS_PER_EPOCH_KEY)?.at(row) ?? Number.NaN;
    if (Number.isFinite(iteration) && perEpoch > 0) return epoch + iteration / perEpoch;
    const hint = this.iterationsPerEpoch;
    if (hint !== null) {
      const inferred = this.buffer.step.at(row) - 1 - epoch * hint;
      if (inferred >= 0 && inferred < hint) return epoch + inferred / hint;
    }
    return epoch;
  }

  private relativeSeconds(row: number): number {
    const time = this.buffer.time.at(row);
    if (!Number.isFinite(time)) return Number.NaN;
    if (Number.isNaN(this.timeOrigin)) this.timeOrigin = time;
    return (time - this.timeOrigin) / 1000;
  }
}

/**
 * Rows without a usable x value (no epoch or time recorded) sit at the previous row's x, and a
 * clock that stepped backwards never makes x decrease: the column stays sorted.
 */
function nonDecreasing(value: number, previous: number): number {
  if (!Number.isFinite(value)) return Number.isFinite(previous) ? previous : 0;
  return Number.isFinite(previous) && value < previous ? previous : value;
}
