/**
 * Background work on a dataset: (re-)indexing, and for the built-in synthetic faces, generating
 * them first. One job per dataset at a time; each reports progress, can be cancelled, and always
 * ends with the dataset in a truthful state (ready, failed with the reason, or missing).
 *
 * Indexing runs in the host process: indexDataset streams folder by folder and yields to the
 * event loop every few milliseconds. Face generation is synchronous JavaScript, so it runs in a
 * worker thread.
 */
import { stat } from 'node:fs/promises';
import { indexDataset } from '../../../trainer/data/indexing/indexer.js';
import { detectLayout } from '../../../trainer/data/layouts/detect-layout.js';
import type { LayoutDetection } from '../../../trainer/data/layouts/layout-types.js';
import type { DatasetIndexProgress } from '../../contract/datasets-api.js';
import type { HostLogLevel } from '../workbench-context.js';
import type { AbortCause, DatasetHandle } from './dataset-handle.js';
import type { RegistryEntry } from './dataset-registry.js';
import { layoutReportOf } from './dataset-views.js';
import { ImageWorkerClient } from './image-worker-client.js';
import { describeFailure } from './service-errors.js';
import { generateSyntheticFaces, type SyntheticPlan } from './synthetic-faces.js';

export interface JobHooks {
  emitChanged(handle: DatasetHandle): void;
  emitProgress(handle: DatasetHandle): void;
  /** Persists (or clears, with undefined) why the last job failed, so a restart does not retry it blindly. */
  saveError(handle: DatasetHandle, error: RegistryEntry['lastError']): Promise<void>;
  log(level: HostLogLevel, message: string): void;
}

/** The abort reason of a job, so the failure handler knows whether the user asked for it. */
class JobAborted extends Error {
  override name = 'AbortError';
  constructor(readonly abortCause: AbortCause) {
    super(abortCause === 'cancelled' ? 'indexing was cancelled' : 'indexing was stopped');
  }
}

export class IndexingJobs {
  /** Dedicated to generation: aborting a generation terminates its thread. */
  private readonly generator = new ImageWorkerClient();

  constructor(private readonly hooks: JobHooks) {}

  startIndexing(handle: DatasetHandle, detection?: LayoutDetection): void {
    this.start(handle, (signal) => this.index(handle, signal, detection));
  }

  startSynthetic(handle: DatasetHandle, plan: SyntheticPlan): void {
    this.start(handle, async (signal) => {
      const started = performance.now();
      const report = (written: number): void => {
        const elapsedMs = performance.now() - started;
        handle.progress = {
          ...emptyProgress('generating', plan.count),
          filesSeen: written,
          currentFolder: plan.dir,
          elapsedMs,
          filesPerSecond: elapsedMs > 0 ? (written * 1000) / elapsedMs : 0,
        };
        this.hooks.emitProgress(handle);
      };
      report(0);
      await generateSyntheticFaces(plan, this.generator, signal, report);
      this.hooks.log('info', `Generated ${plan.count} synthetic faces in ${plan.dir}.`);
      await this.index(handle, signal);
    });
  }

  /** Aborts the dataset's job, if any, and waits until the dataset's state is settled. */
  async stop(handle: DatasetHandle, cause: AbortCause): Promise<void> {
    const job = handle.job;
    if (!job) return;
    job.controller.abort(new JobAborted(cause));
    await job.done;
  }

  async close(): Promise<void> {
    await this.generator.close();
  }

  private start(handle: DatasetHandle, work: (signal: AbortSignal) => Promise<void>): void {
    if (handle.job) return;
    const controller = new AbortController();
    handle.state = 'indexing';
    handle.reason = null;
    handle.progress = emptyProgress('indexing', handle.index?.size ?? null);
    const done = (async () => {
      try {
        await work(controller.signal);
        handle.state = 'ready';
        handle.reason = null;
        if (handle.entry.lastError) await this.hooks.saveError(handle, undefined);
      } catch (error) {
        await this.settleFailure(handle, error, controller.signal);
      } finally {
        handle.job = null;
        handle.progress = null;
        this.hooks.emitChanged(handle);
      }
    })();
    handle.job = { controller, done };
    this.hooks.emitChanged(handle);
  }

  private async index(handle: DatasetHandle, signal: AbortSignal, given?: LayoutDetection): Promise<void> {
    const expectedFiles = handle.index?.size ?? null;
    handle.progress = emptyProgress('indexing', expectedFiles);
    this.hooks.emitProgress(handle);
    const detection = given ?? (await detectLayout(handle.entry.root));
    signal.throwIfAborted();
    const { enumeration: _plan, root: _root, ...layout } = detection;
    handle.detectedLayout = layoutReportOf(layout);
    const index = await indexDataset({
      detection,
      cacheDir: handle.indexDir,
      signal,
      onProgress: (progress) => {
        handle.progress = { ...progress, expectedFiles };
        this.hooks.emitProgress(handle);
      },
    });
    handle.setIndex(index);
    const statistics = index.summary.statistics.overall;
    this.hooks.log('info', `Indexed “${handle.entry.name}”: ${statistics.usable} usable images, ${statistics.bad} unusable.`);
  }

  private async settleFailure(handle: DatasetHandle, error: unknown, signal: AbortSignal): Promise<void> {
    if (signal.aborted) {
      const cause = signal.reason instanceof JobAborted ? signal.reason.abortCause : 'closing';
      if (handle.index) {
        // The previous index is intact (a cancelled run only drops its partial files).
        handle.state = 'ready';
        handle.reason = null;
        return;
      }
      const what = handle.progress?.phase === 'generating' ? 'Generating the synthetic faces' : 'Indexing';
      const reason = { message: `${what} was cancelled before it finished.`, hint: 'Refresh the dataset to start again.' };
      handle.state = 'failed';
      handle.reason = reason;
      if (cause === 'cancelled') await this.hooks.saveError(handle, reason);
      return;
    }
    if (!(await exists(handle.entry.root))) {
      handle.state = 'missing';
      handle.reason = {
        message: `The folder ${handle.entry.root} disappeared while it was being indexed.`,
        hint: 'Reconnect the drive or move the folder back, then Refresh.',
      };
      return;
    }
    const reason = describeFailure(error, 'indexing');
    handle.state = 'failed';
    handle.reason = reason;
    this.hooks.log('error', `Indexing “${handle.entry.name}” failed: ${reason.message}`);
    await this.hooks.saveError(handle, reason);
  }
}

function emptyProgress(phase: DatasetIndexProgress['phase'], expectedFiles: number | null): DatasetIndexProgress {
  return { phase, filesSeen: 0, filesProbed: 0, filesReused: 0, badFiles: 0, foldersDone: 0, currentFolder: '', elapsedMs: 0, filesPerSecond: 0, expectedFiles };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
