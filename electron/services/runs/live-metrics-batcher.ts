/**
 * Live metrics and progress of running runs, coalesced for the renderer. A fast trainer reports
 * dozens of steps a second; one event per step would flood the IPC channel and re-render charts
 * for nothing. Per run, metrics records collect into columns and only the newest progress is
 * kept; both are flushed at most once per `intervalMs` (default 250 ms: ≤ 4 events a second per
 * run), and right away when the run's process ends, so the last steps are never held back.
 */
import type { TrainerProgress } from '../../../trainer/contract/trainer-protocol.js';
import type { MetricsRecord } from '../../../trainer/run/run-format.js';
import type { MetricsColumns } from '../../contract/runs-api.js';
import { MetricsColumnsBuilder } from './metrics-columns.js';

export interface LiveMemory {
  rssBytes: number | null;
  tfjsBytes: number | null;
}

export interface LiveBatchSink {
  metrics(runId: string, columns: MetricsColumns): void;
  progress(runId: string, progress: TrainerProgress, memory: LiveMemory): void;
}

interface Pending {
  builder: MetricsColumnsBuilder | undefined;
  progress: { progress: TrainerProgress; memory: LiveMemory } | undefined;
  timer: NodeJS.Timeout | undefined;
}

export class LiveMetricsBatcher {
  private readonly pending = new Map<string, Pending>();
  private readonly intervalMs: number;

  constructor(
    private readonly sink: LiveBatchSink,
    options: { intervalMs?: number } = {},
  ) {
    this.intervalMs = options.intervalMs ?? 250;
  }

  addMetrics(runId: string, record: MetricsRecord): void {
    const entry = this.entry(runId);
    // Rounded as metrics.jsonl stores them, so live points equal the points read back later.
    entry.builder ??= new MetricsColumnsBuilder({ roundLikeMetricsLog: true });
    entry.builder.add(record);
    this.schedule(runId, entry);
  }

  setProgress(runId: string, progress: TrainerProgress, memory: LiveMemory): void {
    const entry = this.entry(runId);
    entry.progress = { progress, memory };
    this.schedule(runId, entry);
  }

  /** Sends what is pending for the run now (its process ended, or the service closes). */
  flush(runId: string): void {
    const entry = this.pending.get(runId);
    if (entry === undefined) return;
    this.pending.delete(runId);
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    // Metrics first: a progress event for step n never precedes the rows up to n.
    if (entry.builder !== undefined && entry.builder.rows > 0) this.sink.metrics(runId, entry.builder.build());
    if (entry.progress !== undefined) this.sink.progress(runId, entry.progress.progress, entry.progress.memory);
  }

  flushAll(): void {
    for (const runId of [...this.pending.keys()]) this.flush(runId);
  }

  private entry(runId: string): Pending {
    let entry = this.pending.get(runId);
    if (entry === undefined) {
      entry = { builder: undefined, progress: undefined, timer: undefined };
      this.pending.set(runId, entry);
    }
    return entry;
  }

  private schedule(runId: string, entry: Pending): void {
    if (entry.timer !== undefined) return;
    entry.timer = setTimeout(() => this.flush(runId), this.intervalMs);
  }
}
