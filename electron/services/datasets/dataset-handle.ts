/**
 * One registered dataset at run time: its registry entry, its state, its current index (with the
 * record and problem readers built on it) and the indexing job running for it, if any. The index
 * is swapped as a whole when a (re-)index completes, so readers see one generation or the next,
 * never a mix.
 */
import { join } from 'node:path';
import type { DatasetIndex } from '../../../trainer/data/indexing/index-reader.js';
import type { IndexedLayout } from '../../../trainer/data/indexing/index-summary.js';
import { ThumbnailCache } from '../../../trainer/data/thumbnails.js';
import type { DatasetIndexProgress, DatasetState, DatasetSummary, LayoutReport } from '../../contract/datasets-api.js';
import { DatasetProblems } from './dataset-problems.js';
import { DatasetRecords } from './dataset-records.js';
import type { RegistryEntry } from './dataset-registry.js';
import { layoutReportOf, problemCountOf } from './dataset-views.js';
import { notIndexed } from './service-errors.js';

export interface IndexingJob {
  controller: AbortController;
  /** Settles when the job has finished (successfully or not) and the handle is updated. */
  done: Promise<void>;
}

/** Why a job was aborted: the user cancelled it, or the dataset/service is going away. */
export type AbortCause = 'cancelled' | 'closing';

export class DatasetHandle {
  state: DatasetState = 'ready';
  reason: { message: string; hint?: string | undefined } | null = null;
  index: DatasetIndex | null = null;
  records: DatasetRecords | null = null;
  problems: DatasetProblems | null = null;
  /** The layout found by detection, shown while the first index is being built. */
  detectedLayout: LayoutReport | null = null;
  progress: DatasetIndexProgress | null = null;
  job: IndexingJob | null = null;
  private thumbnailCache: ThumbnailCache | null = null;

  constructor(
    public entry: RegistryEntry,
    /** <workspace>/cache/datasets/<id>: the index and the thumbnails; deleted on remove. */
    readonly cacheDir: string,
  ) {}

  get id(): string {
    return this.entry.id;
  }

  get indexDir(): string {
    return join(this.cacheDir, 'index');
  }

  get thumbnails(): ThumbnailCache {
    this.thumbnailCache ??= new ThumbnailCache(join(this.cacheDir, 'thumbnails'), { format: 'webp', concurrency: 2 });
    return this.thumbnailCache;
  }

  setIndex(index: DatasetIndex): void {
    this.index = index;
    this.records = new DatasetRecords(index);
    this.problems = new DatasetProblems(index);
  }

  layout(): IndexedLayout | null {
    return this.index?.summary.layout ?? null;
  }

  requireIndexed(): { index: DatasetIndex; records: DatasetRecords; problems: DatasetProblems; layout: IndexedLayout } {
    if (!this.index || !this.records || !this.problems) throw notIndexed(this.entry.name);
    return { index: this.index, records: this.records, problems: this.problems, layout: this.index.summary.layout };
  }

  layoutReport(): LayoutReport | null {
    const layout = this.layout();
    return layout ? layoutReportOf(layout) : this.detectedLayout;
  }

  summary(): DatasetSummary {
    const indexSummary = this.index?.summary ?? null;
    const layout = this.layoutReport();
    const summary: DatasetSummary = {
      id: this.entry.id,
      name: this.entry.name,
      root: this.entry.root,
      state: this.state,
      imageCount: indexSummary?.statistics.overall.usable ?? 0,
      fileCount: indexSummary?.recordCount ?? 0,
      problemCount: indexSummary ? problemCountOf(indexSummary) : 0,
      layoutKind: layout?.kind ?? null,
      layoutDescription: layout?.title ?? null,
      labelRole: layout?.labelRole ?? null,
      synthetic: this.entry.synthetic,
      classNames: layout?.classNames ?? [],
      splits: layout?.splits ?? [],
      addedAt: this.entry.addedAt,
      indexedAt: indexSummary?.createdAt ?? null,
      indexGeneration: indexSummary?.generation ?? null,
      progress: this.state === 'indexing' ? this.progress : null,
    };
    if (this.reason && (this.state === 'failed' || this.state === 'missing')) {
      summary.stateReason = this.reason.message;
      if (this.reason.hint !== undefined) summary.stateHint = this.reason.hint;
    }
    return summary;
  }
}
