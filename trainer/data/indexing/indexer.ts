/**
 * Indexes a dataset: enumerates its images (folder walk or label lists, as
 * the detected layout says), checks each file cheaply, and writes the
 * persisted index with statistics and a full list of problems.
 *
 * - Streaming: folder by folder, records written as they are made; memory
 *   does not grow with the dataset except for a refresh's lookup of the
 *   previous records (~80 bytes per image, a few hundred MB at 3.3M).
 * - Incremental: with a previous index in the cache folder, files whose size
 *   and modification time are unchanged reuse their record without being
 *   opened; the run reports added / removed / changed counts.
 * - Cancellable through an AbortSignal; a cancelled run leaves the previous
 *   index as it was.
 * - Never throws for a bad file: each is recorded with its reason.
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import sharp from 'sharp';
import { detectLayout } from '../layouts/detect-layout.js';
import { imageExtensionOf, type ImageExtension } from '../layouts/image-extensions.js';
import { readListEntries } from '../layouts/list-entries.js';
import type { FolderGroup, LayoutDetection, ListSource } from '../layouts/layout-types.js';
import { StatisticsAccumulator } from './dataset-statistics.js';
import { VisitedFolders, walkImageFolders, type FolderProblem, type FolderProblemReason } from './directory-walker.js';
import { isEnvironmentalStatus, type BadFileReason } from './file-status.js';
import { DatasetIndex, IndexUnavailableError, openDatasetIndexIfPresent, type RecordTable } from './index-reader.js';
import { INDEX_FORMAT_VERSION, type RecordFields } from './index-record.js';
import type { IndexChanges, IndexSummary, ProblemExample } from './index-summary.js';
import { IndexWriter } from './index-writer.js';
import { ProgressThrottle, type IndexProgress } from './index-progress.js';
import { PathLookup } from './path-lookup.js';
import { FileProber, statFile } from './probe-file.js';

/** Default refusal threshold (fra-spec has none; 50 MP decodes to 150 MB of RGB, far beyond any face crop). */
export const DEFAULT_MAX_PIXELS = 50_000_000;

export interface IndexDatasetOptions {
  /** The dataset folder or list file; detected with detectLayout unless `detection` is given. */
  root?: string;
  detection?: LayoutDetection;
  /** Where the index lives (the app passes <workspace>/datasets/<id>/). */
  cacheDir: string;
  /** Images with more pixels are refused for training ("too-large"). */
  maxPixels?: number;
  signal?: AbortSignal;
  onProgress?: (progress: IndexProgress) => void;
  /** Minimum time between progress events (the final one is always sent). Default 200 ms. */
  progressIntervalMs?: number;
  /** Reuse an existing index of the same dataset for unchanged files (default true). */
  incremental?: boolean;
}

const EXAMPLES_PER_REASON = 10;
/** Let other work (IPC, the abort signal, timers) run at least this often. */
const YIELD_EVERY_MS = 10;

export async function indexDataset(options: IndexDatasetOptions): Promise<DatasetIndex> {
  const detection = options.detection ?? (await detectLayout(requireRoot(options.root)));
  const previous = options.incremental === false ? null : await loadPrevious(options.cacheDir, detection.root);
  const writer = await IndexWriter.create(options.cacheDir);
  try {
    const run = new IndexRun(detection, options, writer, previous);
    await run.execute();
    await writer.commit(run.summary());
  } catch (error) {
    await writer.discard();
    throw error;
  }
  return DatasetIndex.open(options.cacheDir);
}

interface PreviousIndex {
  table: RecordTable;
  /** Details of its bad files, so reused bad records keep their explanation. */
  details: Map<string, string>;
}

/** The previous index of the same dataset, if there is a usable one (a damaged one just means a full re-index). */
async function loadPrevious(cacheDir: string, root: string): Promise<PreviousIndex | null> {
  const index = await openDatasetIndexIfPresent(cacheDir);
  if (!index || index.summary.datasetRoot !== root) return null;
  let table: RecordTable;
  try {
    table = await index.loadRecords();
  } catch (error) {
    if (error instanceof IndexUnavailableError) return null;
    throw error;
  }
  const details = new Map<string, string>();
  try {
    for await (const line of index.problems()) {
      if (line.kind === 'bad-file' || line.kind === 'wrong-extension') details.set(line.path, line.detail);
    }
  } catch {
    // A missing or damaged problems file only costs the detail texts.
  }
  return { table, details };
}

function requireRoot(root: string | undefined): string {
  if (root === undefined) throw new Error('indexDataset needs either a root folder or a layout detection');
  return root;
}

class IndexRun {
  private readonly started = performance.now();
  private readonly prober: FileProber;
  private readonly stats: StatisticsAccumulator;
  private readonly splitIndex: Map<string, number>;
  private readonly lookup: PathLookup | null;
  private readonly throttle: ProgressThrottle;
  private lastYield = performance.now();
  private readonly previous: RecordTable | null;
  private readonly previousDetails: Map<string, string>;
  private readonly progress: IndexProgress = {
    phase: 'indexing',
    filesSeen: 0,
    filesProbed: 0,
    filesReused: 0,
    badFiles: 0,
    foldersDone: 0,
    currentFolder: '',
    elapsedMs: 0,
    filesPerSecond: 0,
  };
  private readonly changes: IndexChanges = { added: 0, removed: 0, changed: 0, unchanged: 0, probed: 0 };
  private readonly badExamples = new Map<BadFileReason, ProblemExample[]>();
  private readonly wrongExtensionExamples: ProblemExample[] = [];
  private readonly folderProblemCounts = new Map<FolderProblemReason, number>();
  private readonly folderProblemExamples: (ProblemExample & { reason: FolderProblemReason })[] = [];
  private readonly labelDrops = new Map<string, { reason: string; split: string; count: number; examples: string[] }>();

  constructor(
    private readonly detection: LayoutDetection,
    private readonly options: IndexDatasetOptions,
    private readonly writer: IndexWriter,
    previous: PreviousIndex | null,
  ) {
    this.previous = previous?.table ?? null;
    this.previousDetails = previous?.details ?? new Map();
    this.prober = new FileProber(options.maxPixels ?? DEFAULT_MAX_PIXELS);
    this.stats = new StatisticsAccumulator(detection.splits, detection.classNames.length);
    this.splitIndex = new Map(detection.splits.map((name, i) => [name, i]));
    this.lookup = this.previous ? new PathLookup(this.previous) : null;
    this.throttle = new ProgressThrottle(options.progressIntervalMs ?? 200);
  }

  async execute(): Promise<void> {
    this.options.signal?.throwIfAborted();
    const plan = this.detection.enumeration;
    if (plan.type === 'folders') await this.indexFolders(plan.groups);
    else for (const source of plan.lists) await this.indexList(source);
    this.changes.probed = this.prober.probed;
    if (this.previous && this.lookup) this.changes.removed = this.previous.size - this.lookup.matchedCount;
    this.progress.phase = 'done';
    this.report(true);
  }

  private async indexFolders(groups: readonly FolderGroup[]): Promise<void> {
    const root = this.detection.root;
    const visited = new VisitedFolders();
    visited.claim(root, '');
    const usable: FolderGroup[] = [];
    for (const group of groups) {
      // Claim the group's ancestors and the group itself first, so links into them are caught as cycles/duplicates.
      const parts = group.dir.split('/');
      for (let depth = 1; depth < parts.length; depth++) {
        const ancestor = parts.slice(0, depth).join('/');
        visited.claim(`${root}/${ancestor}`, ancestor);
      }
      const owner = group.dir === '' ? null : visited.claim(`${root}/${group.dir}`, group.dir);
      if (owner !== null && owner !== group.dir) {
        this.addFolderProblem({ path: group.dir, reason: 'duplicate-folder-link', detail: `is the same folder as ${owner}; indexed once, as ${owner}` });
      } else usable.push(group);
    }
    const onProblem = (problem: FolderProblem) => this.addFolderProblem(problem);
    for (const group of usable) {
      const split = this.splitOf(group.split);
      for (const folder of walkImageFolders(root, group.dir, visited, onProblem)) {
        this.progress.currentFolder = folder.dir;
        for (let k = 0; k < folder.files.length; k++) {
          const file = folder.files[k]!;
          await this.indexFile(file.path, file.extension, split, group.label, file.viaSymlink);
          // Flat datasets can hold 100k files in one folder: keep the event loop and cancellation responsive.
          if ((k & 255) === 255) await this.checkpoint();
        }
        this.progress.foldersDone++;
        await this.checkpoint();
      }
    }
  }

  private async indexList(source: ListSource): Promise<void> {
    this.progress.currentFolder = 'listFile' in source ? source.listFile : source.labelFile;
    let sinceCheckpoint = 0;
    for await (const entry of readListEntries(this.detection, source)) {
      if (entry.type === 'dropped') {
        this.addLabelDrop(entry.item, entry.split, entry.reason);
        continue;
      }
      await this.indexFile(entry.path, imageExtensionOf(entry.path), this.splitOf(entry.split), entry.label, false);
      if (++sinceCheckpoint >= 256) {
        sinceCheckpoint = 0;
        await this.checkpoint();
      }
    }
    this.progress.foldersDone++;
  }

  private splitOf(name: string): number {
    const index = this.splitIndex.get(name);
    if (index === undefined) throw new Error(`internal: split "${name}" is not in the detected splits ${this.detection.splits.join(', ')}`);
    return index;
  }

  /** One file: reuse its previous record if unchanged, else probe it; always ends in exactly one record. */
  private async indexFile(path: string, extension: ImageExtension | null, split: number, label: number | null, viaSymlink: boolean): Promise<void> {
    this.progress.filesSeen++;
    if (this.options.signal?.aborted) this.options.signal.throwIfAborted();
    const absolute = `${this.detection.root}/${path}`;
    const pathBytes = Buffer.from(path, 'utf8');
    const previousIndex = this.lookup ? this.lookup.find(pathBytes) : -1;
    let fields: RecordFields | null = null;
    let detail = '';

    if (previousIndex >= 0) {
      const before = this.previous!.fields(previousIndex);
      const now = statFile(absolute);
      // Unchanged: same size and time, or still failing the same way (a dangling link stays dangling).
      const unchanged = now.ok ? before.size === now.stat.size && before.mtimeMs === now.stat.mtimeMs : now.status === before.status;
      if (unchanged) this.changes.unchanged++;
      else this.changes.changed++;
      // Permission and link problems are re-checked even so: chmod and re-linking leave mtime alone.
      if (now.ok && unchanged && !isEnvironmentalStatus(before.status)) {
        const limited = this.prober.checkPixelLimit({ status: before.status, width: before.width, height: before.height, detail: this.previousDetails.get(path) ?? '' });
        fields = { status: limited.status, format: before.format, split, label, width: before.width, height: before.height, size: before.size, mtimeMs: before.mtimeMs, wrongExtension: before.wrongExtension, viaSymlink };
        detail = limited.detail;
        this.progress.filesReused++;
      }
    } else if (this.previous) {
      this.changes.added++;
    }

    if (!fields) {
      let probe = this.prober.probe(absolute, extension);
      if (probe.needsDecoderMetadata) probe = this.prober.checkPixelLimit({ ...probe, ...(await decoderDimensions(absolute)), needsDecoderMetadata: false });
      fields = { status: probe.status, format: probe.format, split, label, width: probe.width, height: probe.height, size: probe.size, mtimeMs: probe.mtimeMs, wrongExtension: probe.wrongExtension, viaSymlink };
      detail = probe.detail;
      this.progress.filesProbed++;
    }

    this.writer.addRecord(pathBytes, fields);
    this.stats.add(fields);
    if (fields.status !== 'ok') this.noteBadFile(path, split, fields, detail);
    else if (fields.wrongExtension) this.noteWrongExtension(path, split, fields, extension);
  }

  private noteBadFile(path: string, split: number, fields: RecordFields, detail: string): void {
    if (fields.status === 'ok') return;
    this.progress.badFiles++;
    this.writer.addProblem({ kind: 'bad-file', path, split: this.detection.splits[split] ?? '', reason: fields.status, detail });
    const examples = this.badExamples.get(fields.status) ?? [];
    if (examples.length < EXAMPLES_PER_REASON) examples.push({ path, detail });
    this.badExamples.set(fields.status, examples);
  }

  private noteWrongExtension(path: string, split: number, fields: RecordFields, extension: ImageExtension | null): void {
    const detail = `the content is ${fields.format.toUpperCase()} but the name ends in ${extension}; usable, as the decoder reads the content`;
    this.writer.addProblem({ kind: 'wrong-extension', path, split: this.detection.splits[split] ?? '', detail });
    if (this.wrongExtensionExamples.length < EXAMPLES_PER_REASON) this.wrongExtensionExamples.push({ path, detail });
  }

  private addFolderProblem(problem: FolderProblem): void {
    this.folderProblemCounts.set(problem.reason, (this.folderProblemCounts.get(problem.reason) ?? 0) + 1);
    if (this.folderProblemExamples.length < EXAMPLES_PER_REASON * 3) this.folderProblemExamples.push(problem);
    this.writer.addProblem({ kind: 'folder', ...problem });
  }

  private addLabelDrop(item: string, split: string, reason: string): void {
    const key = `${split}\0${reason}`;
    const drop = this.labelDrops.get(key) ?? { reason, split, count: 0, examples: [] };
    drop.count++;
    if (drop.examples.length < 5) drop.examples.push(item);
    this.labelDrops.set(key, drop);
    this.writer.addProblem({ kind: 'dropped', path: item, split, reason });
  }

  /** Progress, cancellation and a turn for the event loop, between folders. */
  private async checkpoint(): Promise<void> {
    this.report(false);
    const now = performance.now();
    if (now - this.lastYield >= YIELD_EVERY_MS) {
      await yieldToEventLoop();
      this.lastYield = performance.now();
    }
    this.options.signal?.throwIfAborted();
  }

  private report(final: boolean): void {
    if (!this.options.onProgress) return;
    const now = performance.now();
    if (!final && !this.throttle.due(now)) return;
    this.progress.elapsedMs = now - this.started;
    this.progress.filesPerSecond = this.progress.elapsedMs > 0 ? (this.progress.filesSeen * 1000) / this.progress.elapsedMs : 0;
    this.options.onProgress({ ...this.progress });
  }

  summary(): Omit<IndexSummary, 'generation' | 'recordCount' | 'pathBytes'> {
    const d = this.detection;
    return {
      formatVersion: INDEX_FORMAT_VERSION,
      datasetRoot: d.root,
      createdAt: new Date().toISOString(),
      durationMs: performance.now() - this.started,
      layout: { kind: d.kind, title: d.title, labelRole: d.labelRole, classNames: d.classNames, splits: d.splits, report: d.report, warnings: d.warnings },
      maxPixels: this.options.maxPixels ?? DEFAULT_MAX_PIXELS,
      statistics: this.stats.result(),
      badFileExamples: Object.fromEntries(this.badExamples),
      wrongExtensionExamples: this.wrongExtensionExamples,
      folderProblems: { counts: Object.fromEntries(this.folderProblemCounts), examples: this.folderProblemExamples },
      labelDrops: [...this.labelDrops.values()],
      changes: this.previous ? this.changes : { added: this.progress.filesSeen, removed: 0, changed: 0, unchanged: 0, probed: this.prober.probed },
      refreshed: this.previous !== null,
    };
  }
}

/** Dimensions of formats the header prober leaves to libvips (TIFF, AVIF); a bad status if it cannot read them. */
async function decoderDimensions(absolute: string): Promise<{ status: 'ok' | 'unsupported-format'; width: number; height: number; detail: string }> {
  try {
    const meta = await sharp(absolute, { limitInputPixels: false }).metadata();
    if (meta.width && meta.height) return { status: 'ok', width: meta.width, height: meta.height, detail: '' };
    return { status: 'unsupported-format', width: 0, height: 0, detail: 'the decoder reports no image size' };
  } catch (error) {
    return { status: 'unsupported-format', width: 0, height: 0, detail: `the decoder cannot read it: ${(error as Error).message}` };
  }
}


