/**
 * Saves a fine-tuning run's checkpoints into its run directory the way pre-training does
 * (trainer/fra/pretrain-run.ts, docs/run-format.md): metrics flushed first, the checkpoint
 * written under its own name, then registered in the ledger, which applies the retention
 * policy. A full disk pauses the run through the host's control and retries after the user
 * freed space; the previous checkpoint stays valid meanwhile.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointLedger, checkpointNameFor, checkpointsDirOf } from '../run/checkpoint-ledger.js';
import type { CheckpointMeta, CheckpointPosition } from '../run/checkpoint.js';
import { osErrorCode, toStorageError, type RunStorageError } from '../run/disk-errors.js';
import type { MetricsWriter } from '../run/metrics-log.js';
import { RUN_FILES } from '../run/run-format.js';
import { FINETUNE_CHECKPOINT_METRICS, FINETUNE_CHECKPOINT_POLICY } from './checkpointing.js';

const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);

/** What happened to a checkpoint saved inside a run directory (the ledger's verdict). */
export interface CheckpointRegistration {
  name: string;
  kept: boolean;
  deleted: string[];
  markers: string[];
}

export type CheckpointFailedHandler = (error: RunStorageError) => Promise<'retry' | 'give-up'>;

export class RunCheckpointer {
  /** Path of the newest checkpoint the ledger kept. */
  lastCheckpoint: string | undefined;
  private lastSavedStep = -1;

  private constructor(
    readonly runDir: string,
    readonly ledger: CheckpointLedger,
    private readonly metrics: MetricsWriter,
    private readonly checkpointFailed: CheckpointFailedHandler | undefined,
  ) {}

  /**
   * Opens the run's ledger. A run without one (a fresh CLI folder) gets the fine-tuning policy;
   * an existing ledger keeps the policy the run was created with, except a monitored metric that
   * fine-tuning never reports (e.g. pre-training's `total`), which would rank nothing: that is
   * switched to test top-1 (max), the other settings kept, and `onNotice` says so.
   */
  static async open(runDir: string, metrics: MetricsWriter, options: { checkpointFailed?: CheckpointFailedHandler; onNotice?: (message: string) => void } = {}): Promise<RunCheckpointer> {
    const exists = await access(join(checkpointsDirOf(runDir), RUN_FILES.ledger)).then(
      () => true,
      () => false,
    );
    const ledger = await CheckpointLedger.open(runDir, exists ? {} : { policy: FINETUNE_CHECKPOINT_POLICY });
    const { monitor } = ledger.policy;
    if (!FINETUNE_CHECKPOINT_METRICS.includes(monitor)) {
      const { monitor: fineMonitor, mode } = FINETUNE_CHECKPOINT_POLICY;
      await ledger.setPolicy({ ...ledger.policy, monitor: fineMonitor, mode });
      options.onNotice?.(`checkpoint retention monitored "${monitor}", which fine-tuning does not report; it now keeps the best by ${fineMonitor} (${mode})`);
    }
    return new RunCheckpointer(runDir, ledger, metrics, options.checkpointFailed);
  }

  /**
   * Writes (via `write`) and registers the checkpoint at `at`, unless one was already saved at
   * this step. Returns undefined when nothing was saved.
   */
  async save(
    at: CheckpointPosition,
    write: (path: string) => Promise<CheckpointMeta>,
  ): Promise<{ path: string; meta: CheckpointMeta; registration: CheckpointRegistration } | undefined> {
    if (at.globalStep === this.lastSavedStep) return undefined;
    // The metrics leading up to a checkpoint are on disk before the checkpoint is.
    await this.metrics.flush();
    const name = checkpointNameFor(at);
    const path = join(checkpointsDirOf(this.runDir), `${name}.safetensors`);
    const meta = await this.retryWhenDiskFull(path, () => write(path));
    this.lastSavedStep = at.globalStep;
    const result = await this.retryWhenDiskFull(this.ledger.path, () => this.ledger.register(name));
    if (result.kept) this.lastCheckpoint = path;
    return { path, meta, registration: { name, kept: result.kept, deleted: result.deleted, markers: [...result.entry.markers] } };
  }

  private async retryWhenDiskFull<T>(path: string, task: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await task();
      } catch (error) {
        if (this.checkpointFailed === undefined || !DISK_FULL_CODES.has(osErrorCode(error) ?? '')) throw error;
        const previous = this.lastCheckpoint?.replace(/^.*[\\/]/, '');
        const storage = toStorageError(error, { path, action: 'save the checkpoint', ...(previous !== undefined ? { lastValidCheckpoint: previous } : {}) });
        if ((await this.checkpointFailed(storage)) === 'give-up') throw storage;
      }
    }
  }
}
