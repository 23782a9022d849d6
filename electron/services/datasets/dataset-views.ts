/**
 * Turns what the data layer stores (layout detections, index summaries, records, problem lines)
 * into the contract's plain shapes. Pure functions: no I/O, no state.
 */
import { BAD_FILE_EXPLANATIONS, BAD_FILE_REASONS, type BadFileReason } from '../../../trainer/data/indexing/file-status.js';
import type { IndexRecord } from '../../../trainer/data/indexing/index-record.js';
import type { IndexedLayout, IndexSummary, ProblemLine } from '../../../trainer/data/indexing/index-summary.js';
import type { DatasetProblem, DatasetStatistics, DatasetImageItem, LayoutReport } from '../../contract/datasets-api.js';

export function layoutReportOf(layout: IndexedLayout): LayoutReport {
  return {
    kind: layout.kind,
    title: layout.title,
    labelRole: layout.labelRole,
    classNames: [...layout.classNames],
    splits: [...layout.splits],
    report: [...layout.report],
    warnings: [...layout.warnings],
  };
}

/** Unusable files, skipped folders and dropped list entries (usable files with a wrong extension are not problems). */
export function problemCountOf(summary: IndexSummary): number {
  const folders = Object.values(summary.folderProblems.counts).reduce((sum, n) => sum + (n ?? 0), 0);
  const dropped = summary.labelDrops.reduce((sum, drop) => sum + drop.count, 0);
  return summary.statistics.overall.bad + folders + dropped;
}

export function statisticsOf(summary: IndexSummary): DatasetStatistics {
  const overall = summary.statistics.overall;
  return {
    images: overall.images,
    usable: overall.usable,
    bad: overall.bad,
    bytes: overall.bytes,
    labelCounts: [...overall.labelCounts],
    labelsWithImages: overall.labelsWithImages,
    splits: summary.layout.splits.map((name) => {
      const split = summary.statistics.splits[name];
      return { name, images: split?.images ?? 0, usable: split?.usable ?? 0, bad: split?.bad ?? 0 };
    }),
    formats: Object.entries(overall.formats)
      .map(([format, count]) => ({ format, count: count ?? 0 }))
      .sort((a, b) => b.count - a.count),
    badByReason: BAD_FILE_REASONS.filter((reason) => (overall.badByReason[reason] ?? 0) > 0).map((reason) => ({
      reason,
      count: overall.badByReason[reason] ?? 0,
      explanation: BAD_FILE_EXPLANATIONS[reason],
    })),
    wrongExtension: overall.wrongExtension,
    width: { ...overall.width },
    height: { ...overall.height },
    fileSize: { ...overall.fileSize },
  };
}

export function imageItemOf(index: number, record: IndexRecord, layout: IndexedLayout): DatasetImageItem {
  const known = record.width > 0 && record.height > 0;
  return {
    index,
    path: record.path,
    label: record.label,
    labelName: record.label === null ? null : (layout.classNames[record.label] ?? null),
    split: layout.splits[record.split] ?? '',
    width: known ? record.width : null,
    height: known ? record.height : null,
    bytes: record.size,
    status: record.status,
  };
}

export function statusExplanation(status: string): string | null {
  return status === 'ok' ? null : (BAD_FILE_EXPLANATIONS[status as BadFileReason] ?? null);
}

const FOLDER_PROBLEM_EXPLANATIONS: Readonly<Record<string, string>> = {
  'unreadable-folder': 'the folder cannot be listed, so its images are not indexed; fix its permissions',
  'symlink-cycle': 'a symbolic link leads back to a folder above it; it is skipped (fix or remove the link)',
  'duplicate-folder-link': 'a second link to a folder that is already indexed; its images are indexed once',
  'symlink-loop': 'a symbolic link that points (eventually) back to itself; fix or remove the link',
  'broken-symlink': 'a symbolic link whose target does not exist; fix or remove the link',
};

export function problemOf(line: ProblemLine): DatasetProblem {
  switch (line.kind) {
    case 'bad-file':
      return { kind: line.kind, path: line.path, split: line.split, reason: line.reason, detail: line.detail, explanation: BAD_FILE_EXPLANATIONS[line.reason] };
    case 'wrong-extension':
      return { kind: line.kind, path: line.path, split: line.split, reason: null, detail: line.detail, explanation: 'usable; rename the file to match its content to avoid confusing other tools' };
    case 'folder':
      return { kind: line.kind, path: line.path, split: null, reason: line.reason, detail: line.detail, explanation: FOLDER_PROBLEM_EXPLANATIONS[line.reason] ?? null };
    case 'dropped':
      return { kind: line.kind, path: line.path, split: line.split, reason: line.reason, detail: line.reason, explanation: 'the layout’s label rule leaves this entry out of the dataset' };
  }
}
