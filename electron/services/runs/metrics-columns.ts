/**
 * Metrics records (one object per step, as in metrics.jsonl) → MetricsColumns (a few flat arrays),
 * the shape `runs.metrics` and the live `runs.metrics` event carry: a million steps travel as
 * one array per series instead of a million objects.
 *
 * Series keys (electron/contract/runs-api.ts):
 *   losses.<name>            → "loss/<name>"
 *   lr, emaMomentum, imagesPerSecond, secondsPerStep, rssBytes, tfjsBytes → same name
 *   regionScore              → "regionScore"; pre-training logs the region probe as
 *                              `region: { nmi, foregroundNmi, meanBestIoU, … }` (trainer/fra/
 *                              region-probe.ts), whose headline number, `nmi` (0 = chance,
 *                              1 = regions are the face parts), becomes regionScore; the other two
 *                              scores become "region/foregroundNmi" and "region/meanBestIoU".
 *   any other number         → its key; nested objects of numbers are flattened with "/"
 *                              (fine-tuning's `val: { top1 }` → "val/top1").
 * Position fields (iteration, iterationsPerEpoch) are not series. A missing or non-finite value is
 * null, so every array stays as long as `step`.
 */
import type { MetricsColumns } from '../../contract/runs-api.js';
import type { MetricsRecord } from '../../../trainer/run/run-format.js';

/** Series that come first, in this order, when present: the charts' default panels. */
const LEADING_SERIES = ['lr', 'emaMomentum', 'imagesPerSecond', 'secondsPerStep', 'rssBytes', 'tfjsBytes', 'regionScore'] as const;
/** Top-level keys that are columns of their own or positions, not series. */
const NOT_SERIES: ReadonlySet<string> = new Set(['step', 'epoch', 'time', 'iteration', 'iterationsPerEpoch', 'losses', 'region', 'regionScore']);
/** Region-probe fields that are settings of the probe, not scores. */
const REGION_SETTINGS: ReadonlySet<string> = new Set(['nmi', 'imageSize', 'gridSize']);
/** Deeper nesting is not a metric anyone plots; it also bounds the work per record. */
const MAX_DEPTH = 3;

export interface ColumnsBuilderOptions {
  /**
   * Round non-integers to 9 significant digits, exactly as MetricsWriter stores them, so values
   * streamed live equal the values read back from metrics.jsonl later.
   */
  roundLikeMetricsLog?: boolean;
}

/** Accumulates records row by row; series that appear late are back-filled with nulls. */
export class MetricsColumnsBuilder {
  private readonly step: number[] = [];
  private readonly epoch: (number | null)[] = [];
  private readonly time: (number | null)[] = [];
  private readonly series = new Map<string, (number | null)[]>();
  private readonly round: boolean;
  /** Series keys of nested values ("loss/" + "total"), made once rather than once per record. */
  private readonly nestedKeys = new Map<string, Map<string, string>>();
  /** Series that got a value in the row being added (the rest are padded with null). */
  private filled = 0;

  constructor(options: ColumnsBuilderOptions = {}) {
    this.round = options.roundLikeMetricsLog ?? false;
  }

  get rows(): number {
    return this.step.length;
  }

  get lastStep(): number | undefined {
    return this.step[this.step.length - 1];
  }

  // add() runs once per line of a history that can be millions of lines long: no per-record
  // Object.entries pairs or template strings, and padding only when a series was left out.
  add(record: MetricsRecord): void {
    const row = this.step.length;
    this.filled = 0;
    this.step.push(record.step);
    this.epoch.push(finiteOrNull(record.epoch));
    this.time.push(finiteOrNull(record['time']));
    const r = record as Record<string, unknown>;

    const losses = r['losses'];
    if (isObject(losses)) for (const name of Object.keys(losses)) this.set(this.nestedKey('loss', name), row, losses[name]);
    const region = r['region'];
    const regionScore = typeof r['regionScore'] === 'number' || r['regionScore'] === null ? r['regionScore'] : isObject(region) ? region['nmi'] : undefined;
    if (regionScore !== undefined) this.set('regionScore', row, regionScore);
    if (isObject(region)) {
      for (const name of Object.keys(region)) if (!REGION_SETTINGS.has(name)) this.set(this.nestedKey('region', name), row, region[name]);
    }
    for (const key of Object.keys(r)) {
      if (NOT_SERIES.has(key)) continue;
      this.flatten(key, r[key], row, 1);
    }
    // Series this record did not mention get a null for this row.
    if (this.filled < this.series.size) {
      const length = row + 1;
      for (const values of this.series.values()) if (values.length < length) values.push(null);
    }
  }

  build(): MetricsColumns {
    const series: Record<string, (number | null)[]> = {};
    for (const key of orderedKeys([...this.series.keys()])) series[key] = this.series.get(key)!;
    return { step: this.step, epoch: this.epoch, time: this.time, series };
  }

  private flatten(key: string, value: unknown, row: number, depth: number): void {
    // null is how metrics.jsonl stores a non-finite number (JSON has no NaN), so it is a value too.
    if (typeof value === 'number' || value === null) {
      this.set(key, row, value);
      return;
    }
    if (depth >= MAX_DEPTH || !isObject(value)) return;
    for (const name of Object.keys(value)) this.flatten(this.nestedKey(key, name), value[name], row, depth + 1);
  }

  /** `${parent}/${name}`, interned: the same few keys come back on every record. */
  private nestedKey(parent: string, name: string): string {
    let names = this.nestedKeys.get(parent);
    if (names === undefined) {
      names = new Map();
      this.nestedKeys.set(parent, names);
    }
    let key = names.get(name);
    if (key === undefined) {
      key = `${parent}/${name}`;
      names.set(name, key);
    }
    return key;
  }

  private set(key: string, row: number, value: unknown): void {
    let values = this.series.get(key);
    if (values === undefined) {
      values = new Array<number | null>(row).fill(null);
      this.series.set(key, values);
    }
    if (values.length > row) return; // the same key twice in one record: the first wins
    const number = finiteOrNull(value);
    values.push(number !== null && this.round && !Number.isInteger(number) ? Number(number.toPrecision(9)) : number);
    this.filled += 1;
  }
}

export function columnsFromRecords(records: Iterable<MetricsRecord>, options: ColumnsBuilderOptions = {}): MetricsColumns {
  const builder = new MetricsColumnsBuilder(options);
  for (const record of records) builder.add(record);
  return builder.build();
}

export function emptyColumns(): MetricsColumns {
  return { step: [], epoch: [], time: [], series: {} };
}

/** Loss terms first ("loss/total" leading), then the fixed series, then everything else as found. */
function orderedKeys(keys: string[]): string[] {
  const losses = keys.filter((k) => k.startsWith('loss/')).sort((a, b) => (a === 'loss/total' ? -1 : b === 'loss/total' ? 1 : 0));
  const leading = LEADING_SERIES.filter((k) => keys.includes(k));
  const taken = new Set<string>([...losses, ...leading]);
  return [...losses, ...leading, ...keys.filter((k) => !taken.has(k))];
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
