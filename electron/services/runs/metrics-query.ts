/**
 * `runs.metrics`: a run's metrics.jsonl as columns, from a step on, at most `limit` rows.
 *
 * Steps strictly increase in the file, so `afterStep` is found by binary search over byte offsets
 * (findFirstLineWithStepAtLeast, via MetricsReader's fromStep): a chart that already holds
 * 900,000 steps asks for the next ones without the host reading the first 900,000 again.
 * A torn last line (a crash, or the line being written right now) and lines that are not metrics
 * records are skipped, never fatal; how many complete lines were skipped is reported.
 */
import { readMetrics } from '../../../trainer/run/metrics-log.js';
import type { MetricsColumns } from '../../contract/runs-api.js';
import { MetricsColumnsBuilder } from './metrics-columns.js';

export interface MetricsQuery {
  /** Rows with a step greater than this. */
  afterStep: number;
  limit: number;
}

export interface MetricsQueryResult {
  columns: MetricsColumns;
  /** Step of the last row returned, or `afterStep` when there is none (the next query's afterStep). */
  lastStep: number;
  /** True when rows beyond `limit` exist. */
  truncated: boolean;
  /** Complete lines in the range read that are not metrics records (skipped). */
  invalidLines: number;
}

export async function queryMetricsColumns(runDir: string, query: MetricsQuery): Promise<MetricsQueryResult> {
  const builder = new MetricsColumnsBuilder();
  const reader = readMetrics(runDir, { fromStep: query.afterStep + 1 });
  let truncated = false;
  outer: for await (const batch of reader.batches()) {
    for (const record of batch) {
      if (builder.rows >= query.limit) {
        truncated = true;
        break outer;
      }
      builder.add(record);
    }
  }
  return { columns: builder.build(), lastStep: builder.lastStep ?? query.afterStep, truncated, invalidLines: reader.report.invalidLines };
}
