/**
 * The run queue: one accelerator, so one running run by default (`concurrency`). Further runs
 * wait in state `queued`, first in first out, and anyone can see their position. When a run's
 * process ends, the next queued run starts.
 *
 * The queue order is kept in memory; the run folders say which runs are queued, so after an app
 * restart `restore()` re-queues them in creation order.
 */
import { EventEmitter } from 'node:events';
import { ConfigValidationError } from '../../../trainer/contract/run-config.js';
import type { CheckpointPolicy, RunKind } from '../../../trainer/run/run-format.js';
import { findRunKindSpec } from '../runs/run-kinds.js';
import { RunStoreError, type OpenedRun, type RunStore } from '../runs/run-store.js';
import type { RunExit, TrainerHost } from './trainer-host.js';

export interface SubmitRunInput {
  name: string;
  /** Default 'pretrain'. */
  kind?: RunKind;
  /** A configuration of that kind (run-kinds.ts); validated before anything is created. */
  config: unknown;
  tags?: string[];
  checkpointPolicy?: CheckpointPolicy;
  parentRunId?: string;
}

export interface QueueEntry {
  runId: string;
  /** 1 = next to start. */
  position: number;
  enqueuedAt: string;
}

export interface RunQueueEvents {
  /** The waiting list changed (positions included). */
  changed: [{ queued: QueueEntry[]; running: string[] }];
  /** A run could not be started (invalid config, locked, launch failure); the queue moves on. */
  startFailed: [{ runId: string; error: Error }];
  started: [{ runId: string }];
}

export interface RunQueueOptions {
  /** Runs started at once (default 1: one accelerator). */
  concurrency?: number;
  /**
   * Checks a stored configuration before a stopped/failed/crashed run is queued again; throws
   * (e.g. ConfigValidationError) when it cannot run. Default: the kind's own validator
   * (run-kinds.ts); a kind without one is left to the trainer host.
   */
  validateConfig?: (kind: RunKind, config: unknown) => void;
}

function validateKnownConfig(kind: RunKind, config: unknown): void {
  findRunKindSpec(kind)?.validate(config);
}

export class RunQueue extends EventEmitter {
  private readonly waiting: { runId: string; enqueuedAt: string }[] = [];
  private readonly running = new Set<string>();
  private pumping: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly validateConfig: (kind: RunKind, config: unknown) => void;
  readonly concurrency: number;

  constructor(
    private readonly store: RunStore,
    private readonly host: TrainerHost,
    options: RunQueueOptions = {},
  ) {
    super();
    this.concurrency = options.concurrency ?? 1;
    this.validateConfig = options.validateConfig ?? validateKnownConfig;
    host.on('exit', (exit: RunExit) => {
      if (this.running.delete(exit.runId)) {
        this.changed();
        this.pump();
      }
    });
  }

  /**
   * Validates the configuration (a ConfigValidationError names every bad field; nothing is
   * created), creates the run (`queued`) and puts it at the end of the queue.
   */
  async submit(input: SubmitRunInput): Promise<OpenedRun> {
    const kind = input.kind ?? 'pretrain';
    const spec = findRunKindSpec(kind);
    if (spec === undefined) throw new RunStoreError('invalid-input', `Cannot queue a ${kind} run: this version has no trainer for that kind.`);
    const config = spec.validate(input.config);
    const backend = spec.backendOf(config);
    const checkpointPolicy = input.checkpointPolicy ?? spec.defaultCheckpointPolicy;
    const run = await this.store.createRun({
      name: input.name,
      kind,
      config: input.config as never,
      seed: spec.seedOf(config),
      ...(backend !== undefined ? { backend } : {}),
      ...(input.tags !== undefined ? { tags: input.tags } : {}),
      ...(checkpointPolicy !== undefined ? { checkpointPolicy } : {}),
      ...(input.parentRunId !== undefined ? { parentRunId: input.parentRunId } : {}),
    });
    this.enqueueId(run.id);
    return run;
  }

  /** Queues an existing run: a queued one, or a stopped/failed/crashed one to resume. */
  async enqueue(runId: string): Promise<QueueEntry> {
    if (this.running.has(runId) || this.waiting.some((w) => w.runId === runId)) {
      throw new RunStoreError('run-active', `Run ${runId} is already queued or running.`);
    }
    const { manifest } = await this.store.openRun(runId);
    if (manifest.state === 'stopped' || manifest.state === 'failed' || manifest.state === 'crashed') {
      this.validateConfig(manifest.kind, manifest.config);
      await this.store.transition(runId, 'queued', `queued to resume (was ${manifest.state})`);
    } else if (manifest.state !== 'queued') {
      throw new RunStoreError('invalid-transition', `Run "${manifest.name}" is ${manifest.state}; it cannot be queued.`);
    }
    this.enqueueId(runId);
    return this.positions().find((e) => e.runId === runId) ?? { runId, position: 0, enqueuedAt: new Date().toISOString() };
  }

  /** Takes a waiting run out of the queue; it becomes `stopped` (it can be queued again). */
  async cancel(runId: string): Promise<void> {
    const index = this.waiting.findIndex((w) => w.runId === runId);
    if (index === -1) throw new RunStoreError('not-found', `Run ${runId} is not waiting in the queue.`);
    this.waiting.splice(index, 1);
    await this.store.transition(runId, 'stopped', 'removed from the queue before it started');
    this.changed();
  }

  /** Re-queues runs left `queued` on disk (after an app restart), oldest first. */
  async restore(): Promise<string[]> {
    const queued = (await this.store.listRuns())
      .filter((l) => l.status === 'ok' && l.manifest.state === 'queued' && !this.running.has(l.id) && !this.waiting.some((w) => w.runId === l.id))
      .reverse();
    for (const listing of queued) this.enqueueId(listing.id);
    return queued.map((l) => l.id);
  }

  /** 1 = next to start; undefined when the run is not waiting. */
  positionOf(runId: string): number | undefined {
    const index = this.waiting.findIndex((w) => w.runId === runId);
    return index === -1 ? undefined : index + 1;
  }

  /** True while the run waits in the queue or the queue has started it and its process has not ended. */
  holds(runId: string): boolean {
    return this.running.has(runId) || this.waiting.some((w) => w.runId === runId);
  }

  positions(): QueueEntry[] {
    return this.waiting.map((w, i) => ({ runId: w.runId, position: i + 1, enqueuedAt: w.enqueuedAt }));
  }

  runningRuns(): string[] {
    return [...this.running];
  }

  /**
   * Starts nothing more (the app is closing). Waiting runs stay `queued` on disk, so `restore()`
   * re-queues them next time; await `idle()` for a start already under way.
   */
  close(): void {
    this.closed = true;
  }

  /** Resolves when nothing is waiting to be started (runs may still be running). */
  idle(): Promise<void> {
    return this.pumping;
  }

  override on<K extends keyof RunQueueEvents>(event: K, listener: (...args: RunQueueEvents[K]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  // -------------------------------------------------------------------------

  private enqueueId(runId: string): void {
    this.waiting.push({ runId, enqueuedAt: new Date().toISOString() });
    this.changed();
    this.pump();
  }

  private changed(): void {
    this.emit('changed', { queued: this.positions(), running: this.runningRuns() });
  }

  /** Starts waiting runs while there is room; one start at a time, in order. */
  private pump(): void {
    this.pumping = this.pumping.then(async () => {
      while (!this.closed && this.running.size < this.concurrency && this.waiting.length > 0) {
        const next = this.waiting.shift()!;
        this.running.add(next.runId);
        this.changed();
        try {
          await this.host.start(next.runId);
          this.emit('started', { runId: next.runId });
        } catch (error) {
          this.running.delete(next.runId);
          this.changed();
          const err = error instanceof Error ? error : new Error(String(error));
          if (!(err instanceof ConfigValidationError)) {
            await this.store.openRun(next.runId).then(
              (opened) => (opened.manifest.state === 'queued' ? this.store.transition(next.runId, 'failed', `could not start: ${err.message}`) : undefined),
              () => undefined,
            );
          }
          this.emit('startFailed', { runId: next.runId, error: err });
        }
      }
    });
  }
}
