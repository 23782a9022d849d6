// Metrics of the runs on screen (the open run and any overlaid ones), as columnar buffers: the
// history first (`runs.metrics`, paged), then live `runs.metrics` batches appended. The buffers
// live outside Vue's reactivity (a million-point Float64Array must not be proxied); a per-run
// revision number is the reactive signal that a buffer grew.
//
// No gaps, no duplicates: events are listened to before the history is requested, batches that
// arrive meanwhile wait, and SeriesBuffer keeps only rows beyond the last step it holds.
import type { ApiErrorInfo, MetricsColumns } from '@contract/api';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { ref } from 'vue';
import { toErrorInfo, useApi } from '../api';
import { SeriesBuffer } from '../charts/series-buffer';
import { XColumns } from '../charts/x-axis';

/** One run's metrics; `generation` changes when the buffer is replaced (reload), not when it grows. */
export interface RunMetrics {
  runId: string;
  generation: number;
  buffer: SeriesBuffer;
  x: XColumns;
}

type LoadState = { status: 'loading' } | { status: 'ready' } | { status: 'error'; error: ApiErrorInfo };

/**
 * Rows per history page: bounded answers even for runs with millions of steps, and charts that
 * draw the first 100,000 steps while the rest are still on their way.
 */
const PAGE_ROWS = 100_000;

let nextGeneration = 1;

export const useRunMetricsStore = defineStore('runMetrics', () => {
  const entries = new Map<string, RunMetrics>();
  /** Reactive: bumps whenever a run's buffer grows or is replaced. */
  const revisions = ref<Record<string, number>>({});
  const states = ref<Record<string, LoadState>>({});
  /** Live batches that arrived while a run's history was loading. */
  const waiting = new Map<string, MetricsColumns[]>();
  let stopListening: (() => void) | undefined;

  function bump(runId: string): void {
    revisions.value = { ...revisions.value, [runId]: (revisions.value[runId] ?? 0) + 1 };
  }

  function listen(): void {
    if (stopListening !== undefined) return;
    const api = useApi();
    const offMetrics = api.events.on('runs.metrics', ({ runId, columns }) => {
      const entry = entries.get(runId);
      if (entry === undefined) return;
      const queue = waiting.get(runId);
      if (queue !== undefined) {
        queue.push(columns);
        return;
      }
      if (entry.buffer.append(columns) > 0) bump(runId);
    });
    // A restarted run resumes from its checkpoint, which may lie before its last logged step: the
    // host sets the steps trained again aside, so the held history is stale. Start over.
    const offChanged = api.events.on('runs.changed', ({ run, deleted }) => {
      if (deleted) release(run.id);
      else if (run.state === 'starting' && (entries.get(run.id)?.buffer.length ?? 0) > 0) void reload(run.id);
    });
    stopListening = () => {
      offMetrics();
      offChanged();
    };
  }

  /** Loads a run's metrics unless they are already held (or loading). */
  async function ensure(runId: string): Promise<void> {
    if (entries.has(runId)) return;
    await load(runId);
  }

  /** Drops what is held and loads the run's metrics again (after a restart rewrote history). */
  async function reload(runId: string): Promise<void> {
    await load(runId);
  }

  async function load(runId: string): Promise<void> {
    listen();
    const buffer = new SeriesBuffer();
    const entry: RunMetrics = { runId, generation: nextGeneration++, buffer, x: new XColumns(buffer) };
    entries.set(runId, entry);
    waiting.set(runId, []);
    states.value = { ...states.value, [runId]: { status: 'loading' } };
    bump(runId);
    try {
      let afterStep = 0;
      for (;;) {
        const page = await useApi().runs.metrics({ runId, afterStep, limit: PAGE_ROWS });
        if (entries.get(runId) !== entry) return; // released or reloaded meanwhile
        entry.buffer.append(page.columns);
        if (!page.truncated || page.lastStep <= afterStep) break;
        afterStep = page.lastStep;
        bump(runId); // draw what has arrived; the next page extends it
      }
      for (const batch of waiting.get(runId) ?? []) entry.buffer.append(batch);
      states.value = { ...states.value, [runId]: { status: 'ready' } };
    } catch (caught) {
      if (entries.get(runId) === entry) states.value = { ...states.value, [runId]: { status: 'error', error: toErrorInfo(caught) } };
    } finally {
      if (entries.get(runId) === entry) {
        waiting.delete(runId);
        bump(runId);
      }
    }
  }

  /** Forgets a run's metrics (its charts closed); they are loaded again on the next ensure. */
  function release(runId: string): void {
    entries.delete(runId);
    waiting.delete(runId);
    const { [runId]: _state, ...states2 } = states.value;
    states.value = states2;
  }

  function metricsOf(runId: string): RunMetrics | undefined {
    return entries.get(runId);
  }

  function stateOf(runId: string): LoadState | undefined {
    return states.value[runId];
  }

  function revisionOf(runId: string): number {
    return revisions.value[runId] ?? 0;
  }

  return { ensure, reload, release, metricsOf, stateOf, revisionOf };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useRunMetricsStore, import.meta.hot));
