/**
 * Optional exact-duplicate pass: groups usable images with identical bytes.
 * Only files that share their size with another file can be duplicates, so
 * those alone are hashed (SHA-1, streamed for large files) — on typical data
 * far fewer than all. Progress is reported and the pass is cancellable; the
 * report is saved next to the index (and dropped when the index is rebuilt,
 * as it describes those records).
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { DatasetIndex } from './index-reader.js';
import { ProgressThrottle } from './index-progress.js';

export interface DuplicateGroup {
  sha1: string;
  size: number;
  /** Relative paths, in index order; all but the first are redundant copies. */
  paths: string[];
}

export interface DuplicateReport {
  /** The index generation this report describes. */
  generation: string;
  usableFiles: number;
  /** Files hashed (those sharing their size with another). */
  filesHashed: number;
  /** Files that could not be read while hashing (left out of the groups). */
  unreadable: number;
  groups: DuplicateGroup[];
  /** Files beyond the first of each group. */
  duplicateFiles: number;
  /** Bytes taken by those redundant copies. */
  redundantBytes: number;
  durationMs: number;
}

export interface DuplicateProgress {
  filesHashed: number;
  filesToHash: number;
  bytesHashed: number;
  elapsedMs: number;
  currentPath: string;
}

export interface DuplicateOptions {
  signal?: AbortSignal;
  onProgress?: (progress: DuplicateProgress) => void;
  progressIntervalMs?: number;
  /** Where the dataset is now, if it moved since indexing. */
  datasetRoot?: string;
}

/** Files up to this size are hashed from one read; larger ones are streamed. */
const WHOLE_READ_LIMIT = 8 << 20;
const YIELD_EVERY_MS = 10;

export async function findExactDuplicates(index: DatasetIndex, options: DuplicateOptions = {}): Promise<DuplicateReport> {
  const started = performance.now();
  const root = options.datasetRoot ?? index.summary.datasetRoot;
  const table = await index.loadRecords();
  const sizes = new Float64Array(table.size);
  const usable: number[] = [];
  for (let i = 0; i < table.size; i++) {
    if (!table.isUsable(i)) continue;
    usable.push(i);
    sizes[i] = table.fields(i).size;
  }
  const bySize = Uint32Array.from(usable).sort((a, b) => (sizes[a] ?? 0) - (sizes[b] ?? 0) || a - b);

  // Runs of equal size: the only places duplicates can be.
  const runs: [number, number][] = [];
  let filesToHash = 0;
  for (let start = 0; start < bySize.length; ) {
    let end = start + 1;
    while (end < bySize.length && sizes[bySize[end]!] === sizes[bySize[start]!]) end++;
    if (end - start > 1) {
      runs.push([start, end]);
      filesToHash += end - start;
    }
    start = end;
  }

  const throttle = new ProgressThrottle(options.progressIntervalMs ?? 200);
  const progress: DuplicateProgress = { filesHashed: 0, filesToHash, bytesHashed: 0, elapsedMs: 0, currentPath: '' };
  const report = (final: boolean) => {
    const now = performance.now();
    if (!options.onProgress || (!final && !throttle.due(now))) return;
    options.onProgress({ ...progress, elapsedMs: now - started });
  };
  let lastYield = performance.now();
  let unreadable = 0;
  const groups: DuplicateGroup[] = [];
  for (const [start, end] of runs) {
    const byHash = new Map<string, number[]>();
    for (let k = start; k < end; k++) {
      options.signal?.throwIfAborted();
      const record = bySize[k]!;
      const path = table.path(record);
      progress.currentPath = path;
      const digest = await sha1OfFile(`${root}/${path}`, sizes[record] ?? 0);
      progress.filesHashed++;
      if (digest === null) {
        unreadable++;
        continue;
      }
      progress.bytesHashed += sizes[record] ?? 0;
      const members = byHash.get(digest) ?? [];
      members.push(record);
      byHash.set(digest, members);
      report(false);
      if (performance.now() - lastYield >= YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    for (const [sha1, members] of byHash) {
      if (members.length < 2) continue;
      members.sort((a, b) => a - b);
      groups.push({ sha1, size: sizes[members[0]!] ?? 0, paths: members.map((m) => table.path(m)) });
    }
  }
  options.signal?.throwIfAborted();
  report(true);
  groups.sort((a, b) => (a.paths[0]! < b.paths[0]! ? -1 : 1));
  const duplicateFiles = groups.reduce((n, g) => n + g.paths.length - 1, 0);
  const result: DuplicateReport = {
    generation: index.summary.generation,
    usableFiles: usable.length,
    filesHashed: progress.filesHashed,
    unreadable,
    groups,
    duplicateFiles,
    redundantBytes: groups.reduce((n, g) => n + g.size * (g.paths.length - 1), 0),
    durationMs: performance.now() - started,
  };
  await writeFile(index.file('duplicates'), JSON.stringify(result));
  return result;
}

/** The saved duplicate report of this index, or null if the pass has not run since the last (re-)index. */
export async function readDuplicateReport(index: DatasetIndex): Promise<DuplicateReport | null> {
  try {
    const report = JSON.parse(await readFile(index.file('duplicates'), 'utf8')) as DuplicateReport;
    return report.generation === index.summary.generation ? report : null;
  } catch {
    return null;
  }
}

async function sha1OfFile(path: string, size: number): Promise<string | null> {
  try {
    if (size <= WHOLE_READ_LIMIT) return createHash('sha1').update(readFileSync(path)).digest('hex');
    const hash = createHash('sha1');
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } catch {
    return null;
  }
}
