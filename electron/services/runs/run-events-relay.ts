/**
 * Turns what the trainer host and the queue report into the `runs.*` events of the contract:
 * - runs.changed for every state change, queue move, engine report and exit (and, through
 *   `changed()`, for renames, tags, creation and deletion done by the service);
 * - runs.metrics and runs.progress, coalesced per run (live-metrics-batcher.ts);
 * - runs.log for trainer log lines, trainer errors, checkpoints and state changes.
 *
 * runs.changed emissions of one run are serialised, and each carries the state the event that
 * caused it reported, so the renderer sees queued → starting → running in order even when the
 * manifest has moved on by the time a summary is read.
 */
import type { RunState } from '../../../trainer/run/run-format.js';
import type { ApiEvent, ApiEventPayload } from '../../contract/api-table.js';
import type { RunLogEntry, RunSummary } from '../../contract/runs-api.js';
import type { RunQueue } from '../trainer-host/run-queue.js';
import type { TrainerHost } from '../trainer-host/trainer-host.js';
import type { WorkbenchContext } from '../workbench-context.js';
import { LiveMetricsBatcher } from './live-metrics-batcher.js';
import { RecentTrainerLines } from './run-log.js';
import type { RunStore } from './run-store.js';
import type { RunSummaries, StateOverride } from './run-summaries.js';

export interface RunEventsRelayOptions {
  /** Longest wait before live metrics/progress are sent (default 250 ms). */
  batchIntervalMs?: number;
}

export class RunEventsRelay {
  readonly recentLines = new RecentTrainerLines();
  private readonly batcher: LiveMetricsBatcher;
  private readonly chains = new Map<string, Promise<void>>();
  /** The state a live run's last state event reported (newer than run.json can be when read). */
  private readonly liveState = new Map<string, StateOverride>();
  /** Queue positions last announced, so only moves are announced. */
  private announcedPositions = new Map<string, number>();

  constructor(
    private readonly context: WorkbenchContext,
    private readonly store: RunStore,
    private readonly host: TrainerHost,
    queue: RunQueue,
    private readonly summaries: RunSummaries,
    options: RunEventsRelayOptions = {},
  ) {
    this.batcher = new LiveMetricsBatcher(
      {
        metrics: (runId, columns) => this.emit('runs.metrics', { runId, columns }),
        progress: (runId, progress, memory) => this.emit('runs.progress', { runId, progress, memory }),
      },
      options.batchIntervalMs !== undefined ? { intervalMs: options.batchIntervalMs } : {},
    );

    host.on('state', ({ runId, state, reason }) => {
      // A final state is set once the process has ended: its last rows go out before the news.
      if (FINAL_STATES.has(state)) this.batcher.flush(runId);
      const override: StateOverride = { state, ...(reason !== undefined ? { reason } : {}) };
      this.liveState.set(runId, override);
      this.changed(runId, override);
      this.log(runId, levelOfState(state), `State: ${state}${reason !== undefined ? ` (${reason})` : ''}`);
    });
    host.on('metrics', ({ runId, record }) => this.batcher.addMetrics(runId, record));
    host.on('progress', ({ runId, progress }) => {
      const info = host.liveInfo(runId);
      this.batcher.setProgress(runId, progress, { rssBytes: info?.rssBytes ?? null, tfjsBytes: info?.tfjsBytes ?? null });
    });
    host.on('log', ({ runId, level, message }) => this.log(runId, level, message));
    host.on('trainerError', ({ runId, message, hint }) => this.log(runId, 'error', hint !== undefined ? `${message} ${hint}` : message));
    host.on('checkpoint', ({ runId, name, step, kept }) => this.log(runId, 'info', `Checkpoint ${name} saved at step ${step}${kept ? '' : ' (not kept by the retention policy)'}.`));
    host.on('engine', ({ runId, report }) => void this.recordEngine(runId, report));
    host.on('exit', ({ runId }) => {
      this.batcher.flush(runId);
      this.liveState.delete(runId);
      this.changed(runId);
    });
    queue.on('changed', ({ queued }) => {
      const now = new Map(queued.map((q) => [q.runId, q.position]));
      for (const [runId, position] of now) {
        if (this.announcedPositions.get(runId) !== position) this.changed(runId, { state: 'queued', queuePosition: position });
      }
      this.announcedPositions = now;
    });
    queue.on('startFailed', ({ runId, error }) => {
      this.log(runId, 'error', `The run could not be started: ${error.message}`);
      this.changed(runId);
    });
  }

  /** Announces the run's current summary (after the ones already on their way). */
  changed(runId: string, override?: StateOverride): void {
    const state = override ?? (this.host.activeRuns().includes(runId) ? this.liveState.get(runId) : undefined);
    this.enqueue(runId, async () => {
      const opened = await this.store.openRun(runId);
      this.emit('runs.changed', { run: await this.summaries.summary(opened, state) });
    });
  }

  /** Announces a deletion with the summary the run had. */
  deleted(runId: string, summary: RunSummary): void {
    this.enqueue(runId, async () => {
      this.emit('runs.changed', { run: summary, deleted: true });
    });
    this.recentLines.forget(runId);
    this.announcedPositions.delete(runId);
  }

  /** A log line of the run: kept (info/debug; warnings and errors are in events.jsonl) and sent live. */
  log(runId: string, level: RunLogEntry['level'], message: string): void {
    const entry = this.recentLines.add(runId, level, message);
    this.emit('runs.log', { runId, entry });
  }

  /** Sends the pending live metrics and progress of every run now. */
  flush(): void {
    this.batcher.flushAll();
  }

  /** Resolves when every announcement queued so far has been sent. */
  async settled(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }

  /**
   * Emits, logging instead of throwing: these run inside trainer-host listeners and timers, where
   * an exception (a payload the contract rejects) would take the host down with it.
   */
  private emit<E extends ApiEvent>(event: E, data: ApiEventPayload<E>): void {
    try {
      this.context.events.emit(event, data);
    } catch (error) {
      this.context.log('error', `Could not send ${event}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private enqueue(runId: string, task: () => Promise<void>): void {
    const next = (this.chains.get(runId) ?? Promise.resolve()).then(task).catch((error: unknown) => {
      // A run deleted meanwhile has nothing left to announce; anything else is worth a log line.
      if ((error as { code?: unknown }).code === 'not-found') return;
      this.context.log('warn', `Could not announce a change of run ${runId}: ${error instanceof Error ? error.message : String(error)}`);
    });
    this.chains.set(runId, next);
    void next.then(() => {
      if (this.chains.get(runId) === next) this.chains.delete(runId);
    });
  }

  /** Keeps the engine report in the run's events (the run view and later estimates read it), then re-announces the run. */
  private async recordEngine(runId: string, report: Record<string, unknown>): Promise<void> {
    const active = typeof report['active'] === 'string' ? report['active'] : 'unknown';
    const requested = typeof report['requested'] === 'string' ? report['requested'] : 'unknown';
    try {
      await this.store.appendEvent(runId, {
        type: 'engine',
        message: `Training on ${active}${requested !== active ? ` (requested ${requested})` : ''}.`,
        data: JSON.parse(JSON.stringify(report)) as Record<string, never>,
      });
    } catch (error) {
      this.context.log('warn', `Could not record the engine report of run ${runId}: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.changed(runId);
  }
}

const FINAL_STATES: ReadonlySet<RunState> = new Set(['stopped', 'finished', 'failed', 'crashed']);

function levelOfState(state: RunState): RunLogEntry['level'] {
  return state === 'failed' ? 'error' : state === 'crashed' ? 'warning' : 'info';
}
