/**
 * The registered datasets and their lifecycle: load the registry and reopen each persisted index
 * (instant: only summaries are read), add / remove / refresh, notice folders that went missing,
 * and run indexing jobs in the background (dataset-jobs.ts) with every state change announced as
 * `datasets.changed`.
 */
import { randomBytes } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { openDatasetIndexIfPresent } from '../../../trainer/data/indexing/index-reader.js';
import { detectLayout } from '../../../trainer/data/layouts/detect-layout.js';
import { LayoutError, type LayoutDetection } from '../../../trainer/data/layouts/layout-types.js';
import { ApiError } from '../../contract/api-error.js';
import type { DatasetSummary, LayoutReport } from '../../contract/datasets-api.js';
import type { WorkbenchContext } from '../workbench-context.js';
import { DatasetHandle } from './dataset-handle.js';
import { IndexingJobs } from './dataset-jobs.js';
import { defaultDatasetName, isInside, resolveDatasetPath } from './dataset-paths.js';
import { DatasetRegistry, type RegistryEntry } from './dataset-registry.js';
import { layoutReportOf } from './dataset-views.js';
import { datasetNotFound, layoutApiError, writingWorkspace } from './service-errors.js';
import { isSyntheticComplete, syntheticPlan } from './synthetic-faces.js';

export class DatasetCatalog {
  private readonly handles = new Map<string, DatasetHandle>();
  private readonly registry: DatasetRegistry;
  private readonly jobs: IndexingJobs;
  private readonly cacheRoot: string;

  private constructor(private readonly context: WorkbenchContext) {
    this.registry = new DatasetRegistry(join(context.workspace, 'datasets'));
    this.cacheRoot = join(context.workspace, 'cache', 'datasets');
    this.jobs = new IndexingJobs({
      emitChanged: (handle) => this.emitChanged(handle),
      emitProgress: (handle) => {
        if (handle.progress) this.context.events.emit('datasets.indexProgress', { datasetId: handle.id, ...handle.progress });
      },
      saveError: (handle, error) => this.saveLastError(handle, error),
      log: context.log,
    });
  }

  static async open(context: WorkbenchContext): Promise<DatasetCatalog> {
    const catalog = new DatasetCatalog(context);
    await catalog.load();
    return catalog;
  }

  private async load(): Promise<void> {
    const { entries, damagedCopy } = await this.registry.load();
    if (damagedCopy) this.context.log('warn', `The datasets list could not be read; it was kept as ${damagedCopy} and an empty list started.`);
    for (const entry of entries) {
      const handle = new DatasetHandle(entry, join(this.cacheRoot, entry.id));
      this.handles.set(entry.id, handle);
      const index = await openDatasetIndexIfPresent(handle.indexDir).catch((error: unknown) => {
        // An unreadable index is rebuilt rather than fatal: the images are still there.
        this.context.log('warn', `The index of dataset “${entry.name}” cannot be read (${(error as Error).message}); it will be rebuilt.`);
        return null;
      });
      if (index) handle.setIndex(index);
      await this.settleState(handle, { startup: true });
    }
  }

  /**
   * Decides a dataset's state from what is on disk, starting indexing where the user's intent is
   * unfinished (added but never indexed, synthetic faces not yet generated).
   */
  private async settleState(handle: DatasetHandle, options: { startup: boolean }): Promise<void> {
    if (handle.job) return;
    if (handle.entry.synthetic) {
      // Ours and deterministic: an incomplete or deleted set is simply generated (again).
      const plan = this.syntheticPlanOf(handle);
      if (!(await isSyntheticComplete(plan))) {
        if (options.startup && handle.entry.lastError) this.fail(handle, handle.entry.lastError);
        else this.jobs.startSynthetic(handle, plan);
        return;
      }
    }
    const present = await exists(handle.entry.root);
    if (!present) {
      handle.state = 'missing';
      handle.reason = {
        message: `The folder ${handle.entry.root} is not there any more (moved, renamed, or on a drive that is not connected).`,
        hint: 'Reconnect the drive or move the folder back, then Refresh. If it moved for good, remove this dataset and add the new folder.',
      };
      return;
    }
    if (handle.index) {
      handle.state = 'ready';
      handle.reason = null;
    } else if (handle.entry.lastError && options.startup) {
      this.fail(handle, handle.entry.lastError);
    } else {
      this.jobs.startIndexing(handle);
    }
  }

  private fail(handle: DatasetHandle, reason: { message: string; hint?: string | undefined }): void {
    handle.state = 'failed';
    handle.reason = reason;
  }

  private syntheticPlanOf(handle: DatasetHandle): ReturnType<typeof syntheticPlan> {
    const match = /^synthetic-faces-(\d+)x(\d+)$/.exec(handle.id);
    return match ? syntheticPlan(this.context.workspace, Number(match[1]), Number(match[2])) : syntheticPlan(this.context.workspace);
  }

  /** All datasets, after checking their folders are still there. */
  async summaries(): Promise<DatasetSummary[]> {
    for (const handle of this.handles.values()) {
      // Failed datasets wait for the user's Refresh; only ready ⇄ missing changes are noticed here.
      if (handle.job || (handle.state !== 'ready' && handle.state !== 'missing')) continue;
      const before = handle.state;
      const present = await exists(handle.entry.root);
      if ((before === 'missing') === present) await this.settleState(handle, { startup: false });
      if (handle.state !== before) this.emitChanged(handle);
    }
    return [...this.handles.values()].map((handle) => handle.summary());
  }

  handle(datasetId: string): DatasetHandle {
    const handle = this.handles.get(datasetId);
    if (!handle) throw datasetNotFound(datasetId);
    return handle;
  }

  async detect(path: string): Promise<{ root: string; detection: LayoutDetection; layout: LayoutReport }> {
    const root = await resolveDatasetPath(path, this.context.workspace, this.context.hostKind);
    let detection: LayoutDetection;
    try {
      detection = await detectLayout(root);
    } catch (error) {
      if (error instanceof LayoutError) throw layoutApiError(error);
      throw error;
    }
    const { enumeration: _plan, root: _root, ...layout } = detection;
    return { root, detection, layout: layoutReportOf(layout) };
  }

  async add(path: string, name: string | undefined): Promise<{ dataset: DatasetSummary; layout: LayoutReport }> {
    const { root, detection, layout } = await this.detect(path);
    const existing = this.registry.findByRoot(root);
    if (existing) {
      throw new ApiError({
        code: 'already-added',
        message: `${root} is already added as “${existing.name}”.`,
        hint: 'Select it in the datasets list; use Refresh there to index it again.',
      });
    }
    const entry: RegistryEntry = { id: this.newId(name ?? defaultDatasetName(root)), name: name ?? defaultDatasetName(root), root, addedAt: new Date().toISOString(), synthetic: false };
    await writingWorkspace(this.registry.file, 'save the datasets list', () => this.registry.add(entry));
    const handle = new DatasetHandle(entry, join(this.cacheRoot, entry.id));
    handle.detectedLayout = layout;
    this.handles.set(entry.id, handle);
    this.jobs.startIndexing(handle, detection);
    return { dataset: handle.summary(), layout };
  }

  async addSynthetic(count: number | undefined, size: number | undefined): Promise<DatasetSummary> {
    const plan = syntheticPlan(this.context.workspace, count, size);
    const existing = this.handles.get(plan.id);
    if (existing) return existing.summary();
    const entry: RegistryEntry = { id: plan.id, name: plan.name, root: plan.imagesRoot, addedAt: new Date().toISOString(), synthetic: true };
    await writingWorkspace(this.registry.file, 'save the datasets list', () => this.registry.add(entry));
    const handle = new DatasetHandle(entry, join(this.cacheRoot, entry.id));
    this.handles.set(entry.id, handle);
    if (await isSyntheticComplete(plan)) this.jobs.startIndexing(handle);
    else this.jobs.startSynthetic(handle, plan);
    return handle.summary();
  }

  /** Unregisters the dataset and deletes its cache (index, thumbnails). The images are never touched. */
  async remove(datasetId: string): Promise<void> {
    const handle = this.handle(datasetId);
    // Unlisted first, so the stopping job's last state change is not announced for a removed dataset.
    this.handles.delete(datasetId);
    try {
      await this.jobs.stop(handle, 'closing');
      await writingWorkspace(this.registry.file, 'save the datasets list', () => this.registry.remove(datasetId));
    } catch (error) {
      this.handles.set(datasetId, handle);
      throw error;
    }
    // Defensive: the cache folder is ours, but never delete anything that contains the dataset itself.
    if (!isInside(handle.entry.root, handle.cacheDir)) await rm(handle.cacheDir, { recursive: true, force: true });
    this.context.events.emit('datasets.changed', { dataset: handle.summary(), removed: true });
  }

  async refresh(datasetId: string): Promise<DatasetSummary> {
    const handle = this.handle(datasetId);
    if (handle.job) return handle.summary();
    if (handle.entry.lastError) await this.saveLastError(handle, undefined);
    if (handle.entry.synthetic) {
      const plan = this.syntheticPlanOf(handle);
      if (!(await isSyntheticComplete(plan))) {
        this.jobs.startSynthetic(handle, plan);
        return handle.summary();
      }
    }
    if (!(await exists(handle.entry.root))) {
      const before = handle.state;
      await this.settleState(handle, { startup: false });
      if (handle.state !== before) this.emitChanged(handle);
      const info = { code: 'missing', message: handle.reason?.message ?? `${handle.entry.root} is missing.` };
      throw new ApiError(handle.reason?.hint === undefined ? info : { ...info, hint: handle.reason.hint });
    }
    this.jobs.startIndexing(handle);
    return handle.summary();
  }

  async cancelIndexing(datasetId: string): Promise<DatasetSummary> {
    const handle = this.handle(datasetId);
    await this.jobs.stop(handle, 'cancelled');
    return handle.summary();
  }

  async close(): Promise<void> {
    await Promise.all([...this.handles.values()].map((handle) => this.jobs.stop(handle, 'closing')));
    await this.jobs.close();
  }

  private emitChanged(handle: DatasetHandle): void {
    if (this.handles.get(handle.id) !== handle) return; // removed meanwhile
    this.context.events.emit('datasets.changed', { dataset: handle.summary() });
  }

  private async saveLastError(handle: DatasetHandle, error: RegistryEntry['lastError']): Promise<void> {
    if (this.handles.get(handle.id) !== handle) return;
    try {
      const updated = await this.registry.update(handle.id, (entry) => {
        const { lastError: _previous, ...rest } = entry;
        return error ? { ...rest, lastError: error } : rest;
      });
      if (updated) handle.entry = updated;
    } catch (caught) {
      this.context.log('warn', `Could not save the state of dataset “${handle.entry.name}”: ${(caught as Error).message}`);
    }
  }

  private newId(name: string): string {
    const slug =
      name
        .normalize('NFKD')
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 40) || 'dataset';
    for (;;) {
      const id = `${slug}-${randomBytes(3).toString('hex')}`;
      if (!this.handles.has(id)) return id;
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
