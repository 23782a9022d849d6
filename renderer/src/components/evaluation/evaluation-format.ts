// Number formats of the evaluation report.

/** 0.8123 → "81.2%". */
export function percent(rate: number): string {
  return `${(100 * rate).toFixed(1)}%`;
}
