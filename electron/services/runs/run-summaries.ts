/**
 * RunSummary / RunDetail (electron/contract/runs-api.ts) from what is on disk and what is live.
 *
 * The manifest (run.json) says what a run is; the rest of a summary is derived:
 * - progress: the live trainer's latest report, else the run's last metrics line;
 * - resumableFrom: for a stopped/failed/crashed run, the checkpoint a restart starts from (the
 *   ledger's latest, as the trainer host picks it; the host also verifies its checksum at start);
 * - backend/device: what the trainer really ran on (its engine report, kept in events.jsonl),
 *   else what the configuration asked for;
 * - queuePosition from the queue, stateReason from the last state change.
 * Derived parts are cached per run and recomputed only when one of the files they come from
 * changed (size/mtime), so listing thousands of runs stays a few stats per run.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { progressSchema, type TrainerProgress } from '../../../trainer/contract/trainer-protocol.js';
import { readLastMetricsRecord } from '../../../trainer/run/metrics-log.js';
import { RUN_FILES, type MetricsRecord, type RunManifest, type RunState } from '../../../trainer/run/run-format.js';
import type { RunDetail, RunSummary } from '../../contract/runs-api.js';
import type { LiveRunInfo } from '../trainer-host/trainer-host.js';
import { findRunKindSpec } from './run-kinds.js';
import type { RunStore } from './run-store.js';

type Json = NonNullable<RunDetail['engine']>[string];
export type EngineReportJson = Record<string, Json>;

export interface LiveView {
  liveInfo(runId: string): LiveRunInfo | undefined;
  /** 1-based position while waiting in the queue. */
  queuePosition(runId: string): number | undefined;
}

export interface OpenedManifest {
  id: string;
  dir: string;
  manifest: RunManifest;
}

/** What a state event says, which may be newer than the manifest read for it. */
export interface StateOverride {
  state: RunState;
  reason?: string | undefined;
  /** With state 'queued': the position the queue announced. */
  queuePosition?: number | undefined;
}

interface Derived {
  key: string;
  updatedAt: string;
  lastRecord: MetricsRecord | undefined;
  resumableFrom: { name: string; step: number } | undefined;
  engine: EngineReportJson | undefined;
}

const RESUMABLE_STATES: ReadonlySet<RunState> = new Set(['stopped', 'failed', 'crashed']);

export class RunSummaries {
  private readonly derived = new Map<string, Derived>();

  constructor(
    private readonly store: RunStore,
    private readonly live: LiveView,
  ) {}

  async summary(run: OpenedManifest, override?: StateOverride): Promise<RunSummary> {
    const { manifest } = run;
    const derived = await this.derive(run);
    const last = manifest.stateHistory[manifest.stateHistory.length - 1];
    const state = override?.state ?? manifest.state;
    const reason = override?.reason ?? (last?.state === state ? last.reason : undefined);
    const liveInfo = this.live.liveInfo(run.id);
    const progress = liveInfo?.progress ?? progressOfRecord(derived.lastRecord, manifest.config);
    const position = state === 'queued' ? (override?.queuePosition ?? this.live.queuePosition(run.id)) : undefined;
    const engine = engineSummary(derived.engine);
    const backend = engine.backend ?? manifest.backend;
    const device = engine.device ?? manifest.device;
    const datasetLabel = safely(() => findRunKindSpec(manifest.kind)?.datasetLabel(manifest.config));
    return {
      id: run.id,
      name: manifest.name,
      kind: manifest.kind,
      state,
      ...(reason !== undefined ? { stateReason: reason } : {}),
      createdAt: manifest.createdAt,
      updatedAt: derived.updatedAt,
      tags: [...manifest.tags],
      seed: manifest.seed,
      ...(backend !== undefined ? { backend } : {}),
      ...(device !== undefined ? { device } : {}),
      ...(manifest.parentRunId !== undefined ? { parentRunId: manifest.parentRunId } : {}),
      progress: progress ?? null,
      ...(position !== undefined ? { queuePosition: position } : {}),
      ...(RESUMABLE_STATES.has(state) && derived.resumableFrom !== undefined ? { resumableFrom: derived.resumableFrom } : {}),
      ...(datasetLabel !== undefined ? { datasetLabel } : {}),
    };
  }

  async detail(run: OpenedManifest): Promise<RunDetail> {
    const summary = await this.summary(run);
    const derived = await this.derive(run);
    const liveInfo = this.live.liveInfo(run.id);
    let checkpointPolicy: RunDetail['checkpointPolicy'];
    try {
      checkpointPolicy = (await this.store.openLedger(run.id)).policy;
    } catch {
      // A damaged ledger is the checkpoints view's to report; the run itself is still shown.
    }
    return {
      summary,
      config: run.manifest.config,
      ...(checkpointPolicy !== undefined ? { checkpointPolicy } : {}),
      stateHistory: run.manifest.stateHistory.map((h) => ({ state: h.state, at: h.at, ...(h.reason !== undefined ? { reason: h.reason } : {}) })),
      ...(liveInfo !== undefined ? { memory: { rssBytes: liveInfo.rssBytes ?? null, tfjsBytes: liveInfo.tfjsBytes ?? null } } : {}),
      ...(derived.engine !== undefined ? { engine: derived.engine } : {}),
    };
  }

  /** The engine report of a run (what it really trained on), when it has started at least once. */
  async engineReport(run: OpenedManifest): Promise<EngineReportJson | undefined> {
    return (await this.derive(run)).engine;
  }

  forget(runId: string): void {
    this.derived.delete(runId);
  }

  private async derive(run: OpenedManifest): Promise<Derived> {
    const paths = this.store.pathsOf(run.id);
    const [manifestStat, metricsStat, ledgerStat, eventsStat] = await Promise.all(
      [paths.manifest, paths.metrics, join(paths.checkpoints, RUN_FILES.ledger), paths.events].map((p) => stat(p).catch(() => undefined)),
    );
    const key = [run.manifest.state, manifestStat?.mtimeMs, metricsStat?.size, metricsStat?.mtimeMs, ledgerStat?.mtimeMs, ledgerStat?.size, eventsStat?.size].join('|');
    const cached = this.derived.get(run.id);
    if (cached?.key === key) return cached;

    const lastChange = run.manifest.stateHistory[run.manifest.stateHistory.length - 1]?.at ?? run.manifest.createdAt;
    const written = manifestStat === undefined ? undefined : manifestStat.mtime.toISOString();
    const updatedAt = written !== undefined && Date.parse(written) > Date.parse(lastChange) ? written : lastChange;
    const lastRecord = await readLastMetricsRecord(run.dir).catch(() => undefined);
    let resumableFrom: Derived['resumableFrom'];
    if (RESUMABLE_STATES.has(run.manifest.state)) {
      try {
        const latest = (await this.store.openLedger(run.id)).latest();
        if (latest !== undefined) resumableFrom = { name: latest.name, step: latest.step };
      } catch {
        // No readable ledger: nothing to resume from, which the summary says by leaving it out.
      }
    }
    let engine: EngineReportJson | undefined;
    try {
      const { events } = await this.store.readEvents(run.id);
      const report = events.findLast((e) => e.type === 'engine')?.data;
      if (report !== undefined) engine = report as EngineReportJson;
    } catch {
      // Unreadable events: the configured backend is shown instead.
    }
    const derived: Derived = { key, updatedAt, lastRecord, resumableFrom, engine };
    this.derived.set(run.id, derived);
    return derived;
  }
}

/** Backend and a one-line device from the trainer's engine report (trainer/engine/index.ts EngineReport). */
export function engineSummary(report: EngineReportJson | undefined): { backend?: string; device?: string } {
  if (report === undefined) return {};
  const active = typeof report['active'] === 'string' ? report['active'] : undefined;
  const device = report['device'];
  let deviceLine: string | undefined;
  if (typeof device === 'object' && device !== null && !Array.isArray(device)) {
    const gpus = Array.isArray(device['gpus']) ? device['gpus'] : [];
    const gpuNames = gpus.map((g) => (typeof g === 'object' && g !== null && !Array.isArray(g) && typeof g['name'] === 'string' ? g['name'] : undefined)).filter((n) => n !== undefined);
    const cpu = typeof device['cpuModel'] === 'string' ? device['cpuModel'] : undefined;
    deviceLine = active === 'node-gpu' && gpuNames.length > 0 ? gpuNames.join(', ') : cpu !== undefined ? `CPU: ${cpu}` : undefined;
  }
  return { ...(active !== undefined ? { backend: active } : {}), ...(deviceLine !== undefined ? { device: deviceLine } : {}) };
}

/** Where a run that is not live stopped, from its last metrics line; null when the line lacks the position. */
function progressOfRecord(record: MetricsRecord | undefined, config: unknown): TrainerProgress | null {
  if (record === undefined) return null;
  const perEpoch = record.iterationsPerEpoch;
  const epochs = typeof config === 'object' && config !== null && !Array.isArray(config) ? (config as Record<string, unknown>)['epochs'] : undefined;
  const planned = perEpoch !== undefined && typeof epochs === 'number' ? perEpoch * epochs : record.step;
  const parsed = progressSchema.safeParse({
    epoch: record.epoch,
    iteration: record.iteration,
    iterationsPerEpoch: perEpoch,
    step: record.step,
    totalSteps: Math.max(planned, record.step),
    etaSeconds: null,
    stepsPerSecond: null,
  });
  return parsed.success ? parsed.data : null;
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
