/**
 * The `runs.*` service: create, queue, control and watch training runs.
 *
 * Built from the pieces around it: the RunStore (run folders, the one source of truth), a
 * ProcessTrainerHost (one trainer process per running run, launched by the context's launcher:
 * child_process.fork in the server and tests, Electron's utilityProcess in the app), a RunQueue
 * (one accelerator: one run at a time, the rest wait in order), the per-kind registry
 * (run-kinds.ts: validation, form fields, presets), summaries (run-summaries.ts), the live event
 * relay (run-events-relay.ts), metrics as columns (metrics-query.ts) and estimates
 * (run-estimate.ts).
 *
 * Start-up marks runs a dead app left active as crashed (nothing is lost: they resume from their
 * last checkpoint) and re-queues runs left queued. close() stops live runs the safe way — each
 * finishes its step and saves a checkpoint — and kills a trainer only after a grace period.
 */
import type { ApiHandlersFor } from '../../contract/api-dispatcher.js';
import { ApiError } from '../../contract/api-error.js';
import type { RunSummary } from '../../contract/runs-api.js';
import type { FinetuneConfig } from '../../../trainer/contract/finetune-config.js';
import type { PretrainConfig } from '../../../trainer/contract/run-config.js';
import type { RunState } from '../../../trainer/run/run-format.js';
import { RunQueue } from '../trainer-host/run-queue.js';
import { ProcessTrainerHost, type LiveRunInfo } from '../trainer-host/trainer-host.js';
import type { WorkbenchContext } from '../workbench-context.js';
import { probeAutoEngine, type EngineGuess } from './engine-probe.js';
import { queryMetricsColumns } from './metrics-query.js';
import { invalidTransition, toApiError } from './run-errors.js';
import { estimateFinetuneRun } from './finetune-estimate.js';
import { estimatePretrainRun } from './run-estimate.js';
import { readEvaluationOf } from './run-evaluation.js';
import { RunEventsRelay } from './run-events-relay.js';
import { invalidConfigError, runKindSpec } from './run-kinds.js';
import { mergeLog } from './run-log.js';
import { RunStoreError } from './run-store.js';
import { RunSummaries, engineSummary, type OpenedManifest } from './run-summaries.js';

const FINAL_STATES: ReadonlySet<RunState> = new Set(['stopped', 'finished', 'failed', 'crashed']);
const DELETABLE_STATES: ReadonlySet<RunState> = new Set(['queued', ...FINAL_STATES]);

export interface RunsService {
  handlers: ApiHandlersFor<'runs'>;
  /** Stops live runs (each finishes its step and saves a checkpoint) and the queue. */
  close(): Promise<void>;
  /** Live trainer processes, for system metrics. */
  liveRuns(): LiveRunInfo[];
}

export interface RunsServiceOptions {
  /** How long close() waits for a stopping trainer before killing it (default 30 s). */
  closeGraceMs?: number;
  /** Longest wait before live metrics/progress are sent (default 250 ms). */
  batchIntervalMs?: number;
  /** What `auto` resolves to here; default: engine-probe.ts (package lookup + nvidia-smi). */
  probeEngine?: () => Promise<EngineGuess>;
}

export async function createRunsService(context: WorkbenchContext, options: RunsServiceOptions = {}): Promise<RunsService> {
  const store = context.runStore;
  // The trainer finds dataset indexes under $FRA_WORKSPACE (trainer/data/training-data.ts): point it
  // at this workspace so a folder indexed in the Datasets view is not indexed again by the run.
  const host = new ProcessTrainerHost(store, { launcher: context.launcher, env: { ...process.env, FRA_WORKSPACE: context.workspace } });
  const recovery = await host.initialise();
  for (const run of recovery.recovered) {
    context.log('warn', `Run ${run.id} was left ${run.previousState} by an earlier session and is now marked crashed${run.resumeFrom !== undefined ? `; it can restart from checkpoint ${run.resumeFrom.name}` : ''}.`);
  }
  for (const failure of recovery.failures) context.log('error', `Could not check run ${failure.id} at start-up: ${failure.error}`);

  const queue = new RunQueue(store, host, {
    concurrency: 1,
    validateConfig: (kind, config) => {
      const spec = runKindSpec(kind);
      const check = spec.check(config);
      if (!check.ok) throw invalidConfigError(spec, check.problems);
    },
  });
  const summaries = new RunSummaries(store, { liveInfo: (id) => host.liveInfo(id), queuePosition: (id) => queue.positionOf(id) });
  const relay = new RunEventsRelay(context, store, host, queue, summaries, options.batchIntervalMs !== undefined ? { batchIntervalMs: options.batchIntervalMs } : {});

  let engineGuess: Promise<EngineGuess> | undefined;
  const autoEngine = (): Promise<EngineGuess> => (engineGuess ??= (options.probeEngine ?? probeAutoEngine)());

  const open = async (runId: string): Promise<OpenedManifest> => store.openRun(runId);
  const summaryOf = async (runId: string): Promise<RunSummary> => summaries.summary(await open(runId));
  const isLive = (runId: string): boolean => host.activeRuns().includes(runId);
  /** A run whose manifest says it is active must have its trainer in this app to be controlled. */
  const requireLive = (run: OpenedManifest, action: string): void => {
    if (isLive(run.id)) return;
    throw new ApiError({
      code: 'not-live',
      message: `Cannot ${action} run "${run.manifest.name}": it is ${run.manifest.state}, but its trainer is not running in this app.`,
      hint: 'Another FRA Workbench instance may be training it: control it from there. If none is, restart the app; the run is then marked crashed and can be restarted from its last checkpoint.',
    });
  };

  /**
   * A run reaches its final state a moment before its process is fully wound down (lock released,
   * queue told). Acting on it in that moment (restart, delete) waits for the wind-down first.
   */
  const windDown = async (runId: string): Promise<OpenedManifest> => {
    const run = await open(runId);
    if (isLive(runId) && FINAL_STATES.has(run.manifest.state)) {
      await host.waitForExit(runId);
      return open(runId);
    }
    return run;
  };

  const restored = await queue.restore();
  if (restored.length > 0) context.log('info', `${restored.length} queued run${restored.length === 1 ? '' : 's'} waiting from the last session.`);

  const handlers: ApiHandlersFor<'runs'> = {
    'runs.list': async () => {
      const listings = await store.listRuns();
      const damaged = listings.flatMap((l) => (l.status === 'damaged' ? [{ id: l.id, problem: l.problem }] : []));
      const runs = await mapBounded(
        listings.flatMap((l) => (l.status === 'ok' ? [l] : [])),
        16,
        (listing) => summaries.summary(listing),
      );
      return { runs, damaged };
    },

    'runs.get': async ({ runId }) => summaries.detail(await open(runId)),

    'runs.configForm': async (input) => {
      const spec = runKindSpec(input?.kind ?? 'pretrain');
      const engine = await autoEngine();
      return { fields: spec.fields(), presets: spec.presets(), engine: { backend: engine.backend, device: engine.device, notes: engine.notes } };
    },

    'runs.validate': async ({ kind, config }) => {
      const check = runKindSpec(kind).check(config);
      return check.ok ? { ok: true, problems: [], notices: check.notices } : { ok: false, problems: check.problems, notices: [] };
    },

    'runs.estimate': async ({ kind, config }) => {
      const spec = runKindSpec(kind);
      const check = spec.check(config);
      if (!check.ok) throw invalidConfigError(spec, check.problems);
      if (spec.kind === 'finetune') return estimateFinetuneRun(check.config as unknown as FinetuneConfig, { autoBackend: async () => (await autoEngine()).backend });
      if (spec.kind !== 'pretrain') return { secondsPerStep: null, stepsPerEpoch: null, secondsPerEpoch: null, memoryBytes: null, basis: `No estimate for ${spec.title} runs yet.` };
      return estimatePretrainRun(check.config as unknown as PretrainConfig, {
        store,
        workspace: context.workspace,
        autoBackend: async () => (await autoEngine()).backend,
        backendOfRun: async (runId) => engineSummary(await summaries.engineReport(await open(runId))).backend,
        pretrainConfigOf: (stored) => {
          const earlier = spec.check(stored);
          return earlier.ok ? (earlier.config as unknown as PretrainConfig) : undefined;
        },
      });
    },

    'runs.create': async ({ kind, name, config, tags, checkpointPolicy, parentRunId }) => {
      const spec = runKindSpec(kind);
      const check = spec.check(config);
      if (!check.ok) throw invalidConfigError(spec, check.problems);
      const backend = spec.backendOf(check.config);
      const policy = checkpointPolicy ?? spec.defaultCheckpointPolicy;
      // Stored complete (every default filled in), so the run means the same if a default changes later.
      const run = await store.createRun({
        name,
        kind,
        config: check.config as never,
        seed: spec.seedOf(check.config),
        appVersion: context.appVersion,
        ...(backend !== undefined ? { backend } : {}),
        ...(tags !== undefined ? { tags } : {}),
        ...(policy !== undefined ? { checkpointPolicy: policy } : {}),
        ...(parentRunId !== undefined ? { parentRunId } : {}),
      });
      try {
        await queue.enqueue(run.id);
      } catch (error) {
        relay.changed(run.id);
        throw error;
      }
      return summaryOf(run.id);
    },

    'runs.pause': async ({ runId }) => {
      const run = await open(runId);
      const { state } = run.manifest;
      if (state === 'paused') return summaries.summary(run);
      if (state !== 'running') throw invalidTransition(run.manifest.name, state, 'pause', state === 'starting' ? 'wait until it is running' : undefined);
      requireLive(run, 'pause');
      host.pause(runId);
      return summaries.summary(run);
    },

    'runs.resume': async ({ runId }) => {
      const run = await open(runId);
      const { state } = run.manifest;
      if (state === 'running') return summaries.summary(run);
      if (state !== 'paused') throw invalidTransition(run.manifest.name, state, 'resume', ['stopped', 'failed', 'crashed'].includes(state) ? 'use restart to continue it from its latest checkpoint' : undefined);
      requireLive(run, 'resume');
      host.resume(runId);
      return summaries.summary(run);
    },

    'runs.stop': async ({ runId }) => {
      let run = await open(runId);
      if (run.manifest.state === 'queued' && queue.holds(runId) && queue.positionOf(runId) === undefined) {
        // The queue is starting it this very moment: let the start finish, then stop the process.
        await queue.idle();
        run = await open(runId);
      }
      const { state } = run.manifest;
      switch (state) {
        case 'queued':
          if (queue.positionOf(runId) !== undefined) await queue.cancel(runId);
          // Otherwise it was left queued without a place in the queue (an interrupted start): nothing runs it.
          else await store.transition(runId, 'stopped', 'stopped by the user before it started');
          relay.changed(runId);
          return summaryOf(runId);
        case 'starting':
        case 'running':
        case 'paused':
          requireLive(run, 'stop');
          host.stop(runId);
          return summaries.summary(run);
        case 'stopping':
          return summaries.summary(run);
        default:
          throw invalidTransition(run.manifest.name, state, 'stop', 'it is not running');
      }
    },

    'runs.restart': async ({ runId }) => {
      const run = await windDown(runId);
      const { state } = run.manifest;
      const orphanQueued = state === 'queued' && !queue.holds(runId);
      if (state !== 'stopped' && state !== 'failed' && state !== 'crashed' && !orphanQueued) {
        throw invalidTransition(run.manifest.name, state, 'restart', state === 'finished' ? 'a finished run is final; create a new run to train further' : undefined);
      }
      await queue.enqueue(runId);
      return summaryOf(runId);
    },

    'runs.rename': async ({ runId, name }) => {
      await store.rename(runId, name);
      relay.changed(runId);
      return summaryOf(runId);
    },

    'runs.setTags': async ({ runId, tags }) => {
      const { manifest } = await open(runId);
      const wanted = [...new Set(tags.map((t) => t.trim()))];
      const removed = manifest.tags.filter((t) => !wanted.includes(t));
      const added = wanted.filter((t) => !manifest.tags.includes(t));
      if (removed.length > 0) await store.untag(runId, removed);
      if (added.length > 0) await store.tag(runId, added);
      relay.changed(runId);
      return summaryOf(runId);
    },

    'runs.delete': async ({ runId }) => {
      let run: OpenedManifest | undefined;
      try {
        run = await windDown(runId);
      } catch (error) {
        // A damaged folder can still be moved to the trash (the user asked for it; it stays restorable).
        if (!(error instanceof RunStoreError && error.code === 'damaged')) throw error;
      }
      let summary: RunSummary | undefined;
      if (run !== undefined) {
        const { state, name } = run.manifest;
        const starting = queue.holds(runId) && queue.positionOf(runId) === undefined;
        if (isLive(runId) || starting || !DELETABLE_STATES.has(state)) {
          throw new ApiError({ code: 'run-active', message: `Cannot delete run "${name}": it is ${starting ? 'starting' : state}.`, hint: 'Stop it first; once it has stopped (its checkpoint saved), it can be deleted.' });
        }
        // A waiting run leaves the queue first, so nothing starts it from the trash.
        if (queue.positionOf(runId) !== undefined) await queue.cancel(runId);
        summary = await summaryOf(runId);
      }
      const trashed = await store.delete(runId);
      summaries.forget(runId);
      if (summary !== undefined) relay.deleted(runId, summary);
      return { trashId: trashed.trashId };
    },

    'runs.metrics': async ({ runId, afterStep, limit }) => {
      const run = await open(runId);
      const result = await queryMetricsColumns(run.dir, { afterStep, limit });
      return { columns: result.columns, lastStep: result.lastStep, truncated: result.truncated, ...(result.invalidLines > 0 ? { invalidLines: result.invalidLines } : {}) };
    },

    'runs.evaluation': async ({ runId, which }) => ({ report: await readEvaluationOf(await open(runId), which) }),

    'runs.logs': async ({ runId, limit }) => {
      await open(runId);
      const { events } = await store.readEvents(runId);
      return { entries: mergeLog(events, relay.recentLines.of(runId), limit) };
    },
  };

  let closing: Promise<void> | undefined;
  return {
    handlers: withApiErrors(handlers),
    liveRuns: () => host.activeRuns().flatMap((id) => host.liveInfo(id) ?? []),
    close: () => {
      closing ??= (async () => {
        // Nothing new starts; waiting runs stay queued on disk and are re-queued next time.
        queue.close();
        await queue.idle();
        await host.shutdown(options.closeGraceMs);
        relay.flush();
        await relay.settled();
      })();
      return closing;
    },
  };
}

/** Every handler answers store/host/validator errors as ApiErrors with a code, message and hint. */
function withApiErrors(handlers: ApiHandlersFor<'runs'>): ApiHandlersFor<'runs'> {
  const wrapped: Record<string, (input: never) => Promise<unknown>> = {};
  for (const [method, handler] of Object.entries(handlers) as [string, (input: never) => unknown][]) {
    wrapped[method] = async (input) => {
      try {
        return await handler(input);
      } catch (error) {
        throw toApiError(error);
      }
    };
  }
  return wrapped as unknown as ApiHandlersFor<'runs'>;
}

/** `map` with at most `limit` calls in flight, results in input order (thousands of runs, bounded file handles). */
async function mapBounded<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) out[i] = await map(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
