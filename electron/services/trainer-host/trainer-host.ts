/**
 * The trainer host: starts one trainer process per running run, relays its events, and keeps
 * the run's state in run.json truthful from `starting` to how the process really ended.
 *
 *   queued → starting → running ⇄ paused → stopping → stopped | finished | failed | crashed
 *
 * - Before a process starts: the run's configuration is validated (each bad field named) and
 *   the checkpoint to resume from is verified by checksum (a corrupt one is reported and an
 *   earlier one used, never loaded silently).
 * - For the child's lifetime the host holds the run lock in the child's name (pid), so a
 *   second app instance never writes the run, and a host that dies leaves a lock that turns
 *   stale exactly when the trainer is gone.
 * - When the process ends the exit is classified (exit-classification.ts), the lock released,
 *   torn metrics / interrupted checkpoint writes reconciled, and the run moved to its final
 *   state with an `exit` event that says up to which step metrics are intact and where it can
 *   resume from.
 * - `initialise()` marks runs left active by a dead host as crashed (recoverStaleRuns).
 *
 * Launcher-agnostic: `ForkTrainerHost` (child_process.fork) here, the Electron utility-process
 * launcher in electron/main/utility-trainer-host.ts. No electron, no tfjs imports.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { ConfigValidationError } from '../../../trainer/contract/run-config.js';
import {
  abbreviateMessage,
  hostMessage,
  parseTrainerMessage,
  type DoneReason,
  type HostMessageBody,
  type TrainerMessage,
  type TrainerProgress,
} from '../../../trainer/contract/trainer-protocol.js';
import { checkpointsDirOf } from '../../../trainer/run/checkpoint-ledger.js';
import { repairIncompleteTail } from '../../../trainer/run/json-lines.js';
import { metricsPathOf, readLastMetricsRecord } from '../../../trainer/run/metrics-log.js';
import { acquireRunLock, inspectRunLock, RunLockedError, type RunLock } from '../../../trainer/run/run-lock.js';
import { canTransition, type MetricsRecord, type RunState } from '../../../trainer/run/run-format.js';
import { findRunKindSpec } from '../runs/run-kinds.js';
import { RunStoreError, type RunStore } from '../runs/run-store.js';
import { recoverStaleRuns, type RecoveryReport } from '../runs/stale-runs.js';
import { classifyExit, type ExitClassification, type ExitReason } from './exit-classification.js';
import { ForkLauncher, type ProcessExit, type TrainerEntry, type TrainerLauncher, type TrainerProcess } from './trainer-process.js';

export type { ExitReason } from './exit-classification.js';

export interface RunExit {
  runId: string;
  reason: ExitReason;
  /** The run's state after the exit. */
  state: RunState;
  description: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  done?: DoneReason;
  error?: { message: string; hint?: string; code?: string };
  lastMetricsStep: number | undefined;
  resumeFrom: { name: string; step: number } | undefined;
}

export interface TrainerHostEvents {
  state: [{ runId: string; state: RunState; reason?: string }];
  progress: [{ runId: string; progress: TrainerProgress }];
  metrics: [{ runId: string; record: MetricsRecord }];
  log: [{ runId: string; level: 'debug' | 'info' | 'warning' | 'error'; message: string }];
  checkpoint: [{ runId: string; name: string; step: number; epoch: number; path: string; kept: boolean; markers: string[]; deleted: string[] }];
  engine: [{ runId: string; report: Record<string, unknown> }];
  /** The trainer reported an error (it exits 1 right after). Not named 'error': EventEmitter throws on unhandled 'error'. */
  trainerError: [{ runId: string; message: string; hint?: string; code?: string; problems?: { flag: string; field: string | null; message: string }[] }];
  exit: [RunExit];
}

/** The interface the API, the queue and the tests drive; one implementation per launcher. */
export interface TrainerHost {
  /** Marks runs a dead host left active as crashed. Call once at start-up. */
  initialise(): Promise<RecoveryReport>;
  /**
   * Starts a `queued` run (a stopped/failed/crashed one is re-queued first and resumes from its
   * latest valid checkpoint). Resolves once the process is up and has been sent `start`.
   */
  start(runId: string): Promise<void>;
  pause(runId: string): void;
  resume(runId: string): void;
  /** Finish the step, save a checkpoint, exit. */
  stop(runId: string): void;
  /** Ends the process now (SIGKILL): the last checkpoint and the metrics written so far stay. */
  kill(runId: string): void;
  /** Resolves when the run's process has ended and the run's final state is written. */
  waitForExit(runId: string): Promise<RunExit>;
  activeRuns(): string[];
  /** Latest progress and memory of a live run (for system metrics and the run view). */
  liveInfo(runId: string): LiveRunInfo | undefined;
  on<K extends keyof TrainerHostEvents>(event: K, listener: (...args: TrainerHostEvents[K]) => void): this;
  off<K extends keyof TrainerHostEvents>(event: K, listener: (...args: TrainerHostEvents[K]) => void): this;
  /** Stops every live run (stop, then kill after `graceMs`). */
  shutdown(graceMs?: number): Promise<void>;
}

export interface LiveRunInfo {
  runId: string;
  pid: number;
  state: RunState;
  progress: TrainerProgress | undefined;
  /** From the trainer's last metrics record. */
  rssBytes: number | undefined;
  tfjsBytes: number | undefined;
}

export interface TrainerHostOptions {
  launcher: TrainerLauncher;
  /** V8 flags for the trainer (e.g. --max-old-space-size). */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Metrics fdatasync interval passed to the trainer (ms). */
  metricsSyncIntervalMs?: number;
}

interface Session {
  runId: string;
  dir: string;
  proc: TrainerProcess;
  lock: RunLock | undefined;
  state: RunState;
  /** Serialises run.json writes for this run in message order. */
  chain: Promise<void>;
  done: DoneReason | undefined;
  error: RunExit['error'];
  killRequested: boolean;
  stopRequested: boolean;
  progress: TrainerProgress | undefined;
  lastRecord: MetricsRecord | undefined;
  stderrTail: string;
  exited: Promise<RunExit>;
}

const STDERR_TAIL_BYTES = 16 * 1024;

export class ProcessTrainerHost extends EventEmitter implements TrainerHost {
  private readonly sessions = new Map<string, Session>();
  private readonly finished = new Map<string, RunExit>();
  private readonly exitWaiters = new Map<string, ((exit: RunExit) => void)[]>();

  constructor(
    readonly store: RunStore,
    private readonly options: TrainerHostOptions,
  ) {
    super();
  }

  initialise(): Promise<RecoveryReport> {
    return recoverStaleRuns(this.store);
  }

  activeRuns(): string[] {
    return [...this.sessions.keys()];
  }

  liveInfo(runId: string): LiveRunInfo | undefined {
    const s = this.sessions.get(runId);
    if (s === undefined) return undefined;
    const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
    return { runId, pid: s.proc.pid, state: s.state, progress: s.progress, rssBytes: num(s.lastRecord?.rssBytes), tfjsBytes: num(s.lastRecord?.tfjsBytes) };
  }

  async start(runId: string): Promise<void> {
    if (this.sessions.has(runId)) throw new RunStoreError('run-active', `Run ${runId} is already running in this app.`);
    let opened = await this.store.openRun(runId);
    const { manifest } = opened;
    if (manifest.state === 'stopped' || manifest.state === 'failed' || manifest.state === 'crashed') {
      await this.store.transition(runId, 'queued', `resume requested (was ${manifest.state})`);
      opened = await this.store.openRun(runId);
    }
    if (opened.manifest.state !== 'queued') {
      throw new RunStoreError('invalid-transition', `Run "${manifest.name}" is ${opened.manifest.state}; only a queued, stopped, failed or crashed run can be started.`);
    }
    // Each kind's own validator (run-kinds.ts), the same one runs.create used.
    const spec = findRunKindSpec(manifest.kind);
    if (spec === undefined) throw new RunStoreError('invalid-input', `Run "${manifest.name}" is a ${manifest.kind} run; this trainer host cannot run that kind.`);

    // Refused before any process starts: every bad field named.
    try {
      spec.validate(manifest.config);
    } catch (error) {
      if (error instanceof ConfigValidationError) {
        await this.store.transition(runId, 'failed', `invalid configuration: ${error.problems.map((p) => `${p.flag}: ${p.message}`).join('; ')}`);
      }
      throw error;
    }
    const lockNow = await inspectRunLock(opened.dir);
    if (lockNow.status === 'held' || lockNow.status === 'held-elsewhere') throw new RunLockedError(opened.dir, lockNow);

    const resumeFrom = await this.findResumeCheckpoint(runId);
    await this.store.transition(runId, 'starting', resumeFrom === undefined ? 'starting the trainer' : `starting the trainer to resume from ${resumeFrom.name} (step ${resumeFrom.step})`);
    this.emit('state', { runId, state: 'starting' });

    let proc: TrainerProcess;
    try {
      proc = await this.options.launcher.launch({
        serviceName: `fra-trainer ${runId}`,
        ...(this.options.env !== undefined ? { env: this.options.env } : {}),
        ...(this.options.execArgv !== undefined ? { execArgv: this.options.execArgv } : {}),
      });
    } catch (error) {
      const message = `the trainer process could not be started: ${error instanceof Error ? error.message : String(error)}`;
      await this.store.transition(runId, 'failed', message);
      this.emit('state', { runId, state: 'failed', reason: message });
      throw error;
    }

    let resolveExit!: (exit: RunExit) => void;
    const session: Session = {
      runId,
      dir: opened.dir,
      proc,
      lock: undefined,
      state: 'starting',
      chain: Promise.resolve(),
      done: undefined,
      error: undefined,
      killRequested: false,
      stopRequested: false,
      progress: undefined,
      lastRecord: undefined,
      stderrTail: '',
      exited: new Promise<RunExit>((resolve) => (resolveExit = resolve)),
    };
    this.sessions.set(runId, session);
    this.finished.delete(runId);

    // The lock names the trainer's pid: it lives exactly as long as the writer.
    try {
      session.lock = await acquireRunLock(opened.dir, { owner: 'trainer', pid: proc.pid });
    } catch (error) {
      session.error = { message: error instanceof Error ? error.message : String(error), code: 'locked' };
      session.killRequested = true;
      proc.kill('SIGKILL');
    }

    let helloSeen = false;
    proc.onStderr((text) => {
      session.stderrTail = (session.stderrTail + text).slice(-STDERR_TAIL_BYTES);
    });
    proc.onMessage((value) => {
      const parsed = parseTrainerMessage(value);
      if (!parsed.ok) {
        this.emit('log', { runId, level: 'warning', message: `ignored an invalid message from the trainer (${parsed.reason}): ${abbreviateMessage(value)}` });
        return;
      }
      const message = parsed.message;
      if (message.type === 'hello' && !helloSeen && session.lock !== undefined) {
        helloSeen = true;
        this.send(session, {
          type: 'start',
          runDir: opened.dir,
          kind: manifest.kind,
          config: manifest.config,
          ...(resumeFrom !== undefined ? { resumeFrom: resumeFrom.path } : {}),
          ...(this.options.metricsSyncIntervalMs !== undefined ? { metricsSyncIntervalMs: this.options.metricsSyncIntervalMs } : {}),
        });
        if (session.stopRequested) this.send(session, { type: 'stop' });
        return;
      }
      this.handleMessage(session, message);
    });
    proc.onExit((exit) => {
      session.chain = session.chain.then(() => this.finishSession(session, exit)).then(resolveExit, (error: unknown) => {
        // Writing the final state failed (disk gone?): still report the exit.
        this.emit('log', { runId, level: 'error', message: `could not record the end of the run: ${error instanceof Error ? error.message : String(error)}` });
        resolveExit({ runId, reason: 'crashed', state: session.state, description: String(error), code: exit.code, signal: exit.signal, lastMetricsStep: undefined, resumeFrom: undefined });
      });
    });
    void session.exited.then((exit) => {
      this.sessions.delete(runId);
      this.finished.set(runId, exit);
      for (const wake of this.exitWaiters.get(runId) ?? []) wake(exit);
      this.exitWaiters.delete(runId);
      this.emit('exit', exit);
    });
  }

  pause(runId: string): void {
    this.send(this.live(runId), { type: 'pause' });
  }

  resume(runId: string): void {
    this.send(this.live(runId), { type: 'resume' });
  }

  stop(runId: string): void {
    const session = this.live(runId);
    session.stopRequested = true;
    this.send(session, { type: 'stop' });
  }

  kill(runId: string): void {
    const session = this.live(runId);
    session.killRequested = true;
    session.proc.kill('SIGKILL');
  }

  waitForExit(runId: string): Promise<RunExit> {
    const done = this.finished.get(runId);
    if (done !== undefined && !this.sessions.has(runId)) return Promise.resolve(done);
    const session = this.sessions.get(runId);
    if (session === undefined) return Promise.reject(new RunStoreError('not-found', `Run ${runId} has no trainer process in this app.`));
    return new Promise((resolve) => {
      const list = this.exitWaiters.get(runId) ?? [];
      list.push(resolve);
      this.exitWaiters.set(runId, list);
    });
  }

  async shutdown(graceMs = 30_000): Promise<void> {
    await Promise.all(
      [...this.sessions.values()].map(async (session) => {
        session.stopRequested = true;
        this.send(session, { type: 'stop' });
        const timer = setTimeout(() => {
          session.killRequested = true;
          session.proc.kill('SIGKILL');
        }, graceMs);
        try {
          await session.exited;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  }

  override on<K extends keyof TrainerHostEvents>(event: K, listener: (...args: TrainerHostEvents[K]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override off<K extends keyof TrainerHostEvents>(event: K, listener: (...args: TrainerHostEvents[K]) => void): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }

  // -------------------------------------------------------------------------

  private live(runId: string): Session {
    const session = this.sessions.get(runId);
    if (session === undefined) throw new RunStoreError('not-found', `Run ${runId} has no trainer process in this app.`);
    return session;
  }

  private send(session: Session, body: HostMessageBody): void {
    session.proc.send(hostMessage(body));
  }

  private handleMessage(session: Session, message: TrainerMessage): void {
    const { runId } = session;
    switch (message.type) {
      case 'hello':
      case 'pong':
        return;
      case 'engine':
        this.emit('engine', { runId, report: message.report });
        return;
      case 'state': {
        const to: RunState = message.state;
        this.record(session, async () => {
          if (session.state === to || !canTransition(session.state, to)) return;
          await this.setState(session, to, message.reason);
        });
        return;
      }
      case 'progress':
        session.progress = message.progress;
        this.emit('progress', { runId, progress: message.progress });
        return;
      case 'metrics':
        session.lastRecord = message.record as MetricsRecord;
        this.emit('metrics', { runId, record: message.record as MetricsRecord });
        return;
      case 'log':
        this.emit('log', { runId, level: message.level, message: message.message });
        if (message.level === 'warning' || message.level === 'error') {
          this.record(session, () => this.appendEvent(session, 'log', message.message, { level: message.level }));
        }
        return;
      case 'checkpoint': {
        const { type: _t, v: _v, ...rest } = message;
        this.emit('checkpoint', { runId, ...rest });
        this.record(session, () =>
          this.appendEvent(session, 'checkpoint', `Checkpoint ${message.name} saved at step ${message.step}${message.kept ? '' : ' (not kept by the retention policy)'}.`, {
            name: message.name,
            step: message.step,
            kept: message.kept,
            markers: message.markers,
            deleted: message.deleted,
          }),
        );
        return;
      }
      case 'error': {
        session.error = { message: message.message, ...(message.hint !== undefined ? { hint: message.hint } : {}), ...(message.code !== undefined ? { code: message.code } : {}) };
        const { type: _t, v: _v, ...rest } = message;
        this.emit('trainerError', { runId, ...rest });
        this.record(session, () => this.appendEvent(session, 'error', message.message, { ...(message.hint !== undefined ? { hint: message.hint } : {}), code: message.code ?? null }));
        return;
      }
      case 'done':
        session.done = message.reason;
        return;
    }
  }

  /** Queues a run.json/events.jsonl write behind the previous ones; a failure is logged, never thrown at the process. */
  private record(session: Session, task: () => Promise<void>): void {
    session.chain = session.chain.then(task).catch((error: unknown) => {
      this.emit('log', { runId: session.runId, level: 'error', message: `could not record in the run folder: ${error instanceof Error ? error.message : String(error)}` });
    });
  }

  private async setState(session: Session, to: RunState, reason?: string): Promise<void> {
    await this.store.transition(session.runId, to, reason);
    session.state = to;
    this.emit('state', { runId: session.runId, state: to, ...(reason !== undefined ? { reason } : {}) });
  }

  /** Moves to `target`, through `stopping` when the state machine needs it (running → stopping → stopped). */
  private async settle(session: Session, target: RunState, reason: string): Promise<void> {
    if (session.state === target) return;
    if (!canTransition(session.state, target) && canTransition(session.state, 'stopping')) await this.setState(session, 'stopping', reason);
    if (canTransition(session.state, target)) await this.setState(session, target, reason);
  }

  private async appendEvent(session: Session, type: string, message: string, data?: Record<string, never> | Record<string, unknown>): Promise<void> {
    await this.store.appendEvent(session.runId, { type, message, ...(data !== undefined ? { data: JSON.parse(JSON.stringify(data)) as Record<string, never> } : {}) });
  }

  private async finishSession(session: Session, exit: ProcessExit): Promise<RunExit> {
    const { runId } = session;
    const verdict: ExitClassification = classifyExit({
      ...exit,
      done: session.done,
      errorReceived: session.error !== undefined,
      killRequested: session.killRequested,
      stderrTail: session.stderrTail,
    });
    await session.lock?.release().catch(() => undefined);

    // What survives: cut a torn metrics line, finish or clean interrupted checkpoint writes.
    await repairIncompleteTail(metricsPathOf(session.dir)).catch(() => undefined);
    const last = await readLastMetricsRecord(session.dir).catch(() => undefined);
    let resumeFrom: RunExit['resumeFrom'];
    try {
      const ledger = await this.store.openLedger(runId);
      if (verdict.reason !== 'clean') await ledger.reconcile();
      const latest = ledger.latest();
      if (latest !== undefined) resumeFrom = { name: latest.name, step: latest.step };
    } catch {
      // A damaged ledger is reported when the run is opened; the exit is still recorded.
    }
    const intact = last === undefined ? 'no metrics were logged' : `metrics are intact up to step ${last.step}`;
    const resumable = resumeFrom === undefined ? 'no checkpoint to resume from' : `it can resume from ${resumeFrom.name} (step ${resumeFrom.step})`;

    let target: RunState;
    let reason: string;
    switch (verdict.reason) {
      case 'clean':
        target = session.done === 'completed' ? 'finished' : 'stopped';
        reason = session.done === 'completed' ? 'training completed' : session.done === 'max-steps' ? 'reached --max-steps; checkpoint saved' : 'stopped at the user’s request; checkpoint saved';
        break;
      case 'error':
        target = 'failed';
        reason = `${session.error?.message ?? verdict.description}${session.error?.hint !== undefined ? ` ${session.error.hint}` : ''}`;
        break;
      case 'oom':
        target = 'failed';
        reason = verdict.description;
        break;
      case 'killed':
        target = verdict.byUser ? 'stopped' : 'crashed';
        reason = `${verdict.description}; ${intact}, ${resumable}`;
        break;
      case 'crashed':
        target = 'crashed';
        reason = `${verdict.description}; ${intact}, ${resumable}`;
        break;
    }
    try {
      await this.settle(session, target, reason);
    } catch (error) {
      if (!(error instanceof RunStoreError)) throw error;
    }
    const result: RunExit = {
      runId,
      reason: verdict.reason,
      state: session.state,
      description: verdict.description,
      code: exit.code,
      signal: exit.signal,
      ...(session.done !== undefined ? { done: session.done } : {}),
      ...(session.error !== undefined ? { error: session.error } : {}),
      lastMetricsStep: last?.step,
      resumeFrom,
    };
    await this.appendEvent(session, 'exit', `Trainer process ended: ${verdict.description}; ${intact}, ${resumable}.`, {
      reason: verdict.reason,
      code: exit.code,
      signal: exit.signal,
      goneReason: exit.goneReason ?? null,
      lastMetricsStep: last?.step ?? null,
      resumeFrom: resumeFrom ?? null,
      ...(verdict.reason === 'oom' || verdict.reason === 'crashed' ? { stderrTail: session.stderrTail.slice(-2000) } : {}),
    }).catch(() => undefined);
    return result;
  }

  /**
   * The newest kept checkpoint whose checksum verifies. A corrupt one is reported (event + log)
   * and skipped, never loaded.
   */
  private async findResumeCheckpoint(runId: string): Promise<{ name: string; step: number; path: string } | undefined> {
    const ledger = await this.store.openLedger(runId);
    await ledger.reconcile();
    const newestFirst = [...ledger.entries].sort((a, b) => b.step - a.step || b.createdAt.localeCompare(a.createdAt));
    for (const entry of newestFirst) {
      const verdict = await ledger.verify(entry.name);
      if (verdict.ok) return { name: entry.name, step: entry.step, path: join(checkpointsDirOf(this.store.runDir(runId)), entry.file) };
      this.emit('log', { runId, level: 'warning', message: verdict.message });
      await this.store.appendEvent(runId, { type: 'checkpoint-invalid', message: verdict.message, data: { name: entry.name, problem: verdict.problem } }).catch(() => undefined);
    }
    return undefined;
  }
}

/** The trainer host of the local server and the tests: `child_process.fork` of the real trainer entry. */
export class ForkTrainerHost extends ProcessTrainerHost {
  constructor(store: RunStore, options: Omit<TrainerHostOptions, 'launcher'> & { entry?: TrainerEntry } = {}) {
    const { entry, ...rest } = options;
    super(store, { ...rest, launcher: new ForkLauncher(entry) });
  }
}
