// The runtime check of MetricsColumns, the shape `runs.metrics` answers and events carry: a few
// arrays of up to a million numbers each. z.array(z.number().nullable()) checks every element
// through zod's machinery and copies every array — a quarter of a second per 100,000-step
// history on each side of the wire. Here each column is checked by one plain loop and passed
// through as is; the meaning is the same (finite numbers, or null where the column allows it) plus
// the rule the contract always stated but never checked: every column is as long as `step`.
import { z } from 'zod';

export type NumberColumn = number[];
export type NullableNumberColumn = (number | null)[];

/** Index of the first element that is not a finite number (or null, if allowed); -1 when all are. */
export function firstInvalidIndex(values: readonly unknown[], nullable: boolean): number {
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i];
    // v - v is 0 exactly for finite numbers (NaN and ±Infinity give NaN).
    if (typeof v === 'number' ? v - v !== 0 : !(nullable && v === null)) return i;
  }
  return -1;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)}`;
  return `a value of type ${typeof value}`;
}

/** Why `value` is not a column, or null when it is one. */
function columnProblem(value: unknown, nullable: boolean): string | null {
  const expected = nullable ? 'a finite number or null' : 'a finite number';
  if (!Array.isArray(value)) return `expected an array of numbers, got ${describe(value)}`;
  const at = firstInvalidIndex(value, nullable);
  return at < 0 ? null : `element ${at} is ${describe(value[at])}, expected ${expected}`;
}

function column<T extends NumberColumn | NullableNumberColumn>(nullable: boolean): z.ZodType<T> {
  return z.custom<T>().superRefine((value, ctx) => {
    const problem = columnProblem(value, nullable);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem, input: value });
  });
}

/** An array of finite numbers, checked in one loop and not copied. */
export const numberColumnSchema = column<NumberColumn>(false);
/** An array of finite numbers or nulls, checked in one loop and not copied. */
export const nullableNumberColumnSchema = column<NullableNumberColumn>(true);

/**
 * Metrics as columns, so 1,000,000 steps travel as a few flat arrays rather than a million objects.
 * Every array has the same length as `step`; a missing or non-finite value is null.
 * Series keys: "loss/<component>" for each loss term (e.g. "loss/total", "loss/byol"), then
 * "lr", "emaMomentum", "imagesPerSecond", "secondsPerStep", "rssBytes", "tfjsBytes", "regionScore",
 * and for fine-tuning "train/accuracy", "val/top1", … whatever the trainer logs as numbers.
 */
export const metricsColumnsSchema = z
  .object({
    step: numberColumnSchema,
    epoch: nullableNumberColumnSchema,
    /** Milliseconds since the Unix epoch when the step finished; null for records written without it. */
    time: nullableNumberColumnSchema,
    series: z.record(z.string(), nullableNumberColumnSchema),
  })
  .superRefine((columns, ctx) => {
    if (!Array.isArray(columns.step)) return; // already reported
    const rows = columns.step.length;
    const check = (values: unknown, path: (string | number)[]): void => {
      if (Array.isArray(values) && values.length !== rows) ctx.addIssue({ code: 'custom', path, input: values, message: `has ${values.length} values but step has ${rows}; every column must be as long as step` });
    };
    check(columns.epoch, ['epoch']);
    check(columns.time, ['time']);
    for (const [key, values] of Object.entries(columns.series)) check(values, ['series', key]);
  });
export type MetricsColumns = z.infer<typeof metricsColumnsSchema>;
