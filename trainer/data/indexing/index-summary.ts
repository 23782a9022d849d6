/**
 * The index summary (index-summary.json): everything the dataset browser
 * shows without touching the records — layout and its report, statistics,
 * bad-file examples, refresh counts. It is written last, so its presence
 * means the index is complete.
 */
import type { LabelRole, LayoutKind } from '../layouts/layout-types.js';
import type { BadFileReason } from './file-status.js';
import type { DatasetStatistics } from './dataset-statistics.js';
import type { FolderProblemReason } from './directory-walker.js';

export interface IndexedLayout {
  kind: LayoutKind;
  title: string;
  labelRole: LabelRole;
  classNames: string[];
  splits: string[];
  report: string[];
  warnings: string[];
}

export interface ProblemExample {
  path: string;
  detail: string;
}

export interface IndexChanges {
  /** Files not in the previous index. */
  added: number;
  /** Previous files no longer found. */
  removed: number;
  /** Files whose size or modification time changed (probed again). */
  changed: number;
  /** Files whose previous record was reused without opening them. */
  unchanged: number;
  /** Files opened and probed in this run. */
  probed: number;
}

export interface IndexSummary {
  formatVersion: number;
  /** Ties the summary to its records file (hex). */
  generation: string;
  datasetRoot: string;
  createdAt: string;
  durationMs: number;
  layout: IndexedLayout;
  maxPixels: number;
  recordCount: number;
  pathBytes: number;
  statistics: DatasetStatistics;
  /** Up to a few examples per bad-file reason; the complete list is in index-problems.ndjson. */
  badFileExamples: Partial<Record<BadFileReason, ProblemExample[]>>;
  /** Usable files whose content format differs from their extension (a few examples). */
  wrongExtensionExamples: ProblemExample[];
  /** Folders skipped (symlink cycles, unreadable folders, …), counted by reason, with examples. */
  folderProblems: { counts: Partial<Record<FolderProblemReason, number>>; examples: (ProblemExample & { reason: FolderProblemReason })[] };
  /** Listed items the layout's label rule dropped (e.g. FERPlus without a majority), by reason and split. */
  labelDrops: { reason: string; split: string; count: number; examples: string[] }[];
  changes: IndexChanges;
  /** True when a previous index existed and was reused for unchanged files. */
  refreshed: boolean;
}

/** One line of index-problems.ndjson. */
export type ProblemLine =
  | { kind: 'bad-file'; path: string; split: string; reason: BadFileReason; detail: string }
  | { kind: 'wrong-extension'; path: string; split: string; detail: string }
  | { kind: 'folder'; path: string; reason: FolderProblemReason; detail: string }
  | { kind: 'dropped'; path: string; split: string; reason: string };

export const INDEX_FILES = {
  summary: 'index-summary.json',
  records: 'index-records.bin',
  paths: 'index-paths.bin',
  problems: 'index-problems.ndjson',
  duplicates: 'index-duplicates.json',
} as const;
