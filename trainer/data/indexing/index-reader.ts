/**
 * Opening a persisted index. Opening reads only the summary and checks the
 * records file header, so it is instant at any size; the record table is
 * loaded on demand — fully (two reads, ~70 bytes per image) for training, or
 * a page at a time for the dataset browser.
 */
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { statusFromCode, type FileStatus } from './file-status.js';
import {
  decodeRecordsHeader,
  INDEX_FORMAT_VERSION,
  readRecordFields,
  RECORD_BYTES,
  RECORDS_HEADER_BYTES,
  recordLabel,
  recordPathLength,
  recordPathOffset,
  recordSplit,
  recordStatusCode,
  type IndexRecord,
  type RecordFields,
} from './index-record.js';
import { INDEX_FILES, type IndexSummary, type ProblemLine } from './index-summary.js';

/** The cache folder holds no index, or one this version cannot use; the message says to (re-)index. */
export class IndexUnavailableError extends Error {
  override name = 'IndexUnavailableError';
  constructor(
    readonly cacheDir: string,
    readonly reason: string,
  ) {
    super(`No usable dataset index in ${cacheDir}: ${reason}. Index the dataset (again) to fix this.`);
  }
}

/** All records in memory, addressed by record number without per-record objects. */
export class RecordTable {
  private readonly decoder = new TextDecoder();
  constructor(
    private readonly records: Buffer,
    private readonly paths: Buffer,
  ) {}

  get size(): number {
    return this.records.length / RECORD_BYTES;
  }

  path(i: number): string {
    const at = this.offsetOf(i);
    const start = recordPathOffset(this.records, at);
    return this.decoder.decode(this.paths.subarray(start, start + recordPathLength(this.records, at)));
  }

  /** The raw UTF-8 bytes of a path, without decoding (fast comparisons). */
  pathBytes(i: number): Buffer {
    const at = this.offsetOf(i);
    const start = recordPathOffset(this.records, at);
    return this.paths.subarray(start, start + recordPathLength(this.records, at));
  }

  status(i: number): FileStatus {
    return statusFromCode(recordStatusCode(this.records, this.offsetOf(i)));
  }

  isUsable(i: number): boolean {
    return recordStatusCode(this.records, this.offsetOf(i)) === 0;
  }

  split(i: number): number {
    return recordSplit(this.records, this.offsetOf(i));
  }

  label(i: number): number | null {
    const label = recordLabel(this.records, this.offsetOf(i));
    return label < 0 ? null : label;
  }

  /** A record's fields without decoding its path. */
  fields(i: number): RecordFields {
    return readRecordFields(this.records, this.offsetOf(i));
  }

  record(i: number): IndexRecord {
    return { path: this.path(i), ...readRecordFields(this.records, this.offsetOf(i)) };
  }

  private offsetOf(i: number): number {
    if (!(i >= 0 && i < this.size)) throw new RangeError(`record ${i} is outside the index (0…${this.size - 1})`);
    return i * RECORD_BYTES;
  }
}

export class DatasetIndex {
  private constructor(
    readonly cacheDir: string,
    readonly summary: IndexSummary,
  ) {}

  get size(): number {
    return this.summary.recordCount;
  }

  /** Loads every record (for training and refresh). */
  async loadRecords(): Promise<RecordTable> {
    const [records, paths] = await Promise.all([readFile(this.file('records')), readFile(this.file('paths'))]);
    this.checkSizes(records.length, paths.length);
    return new RecordTable(records.subarray(RECORDS_HEADER_BYTES), paths);
  }

  /** Records start…start+count−1 only, read at their offsets (browsing a page of a huge index). */
  async readRecords(start: number, count: number): Promise<IndexRecord[]> {
    const first = Math.max(0, start);
    const end = Math.min(this.size, start + count);
    if (end <= first) return [];
    const records = Buffer.alloc((end - first) * RECORD_BYTES);
    const recordsFile = await open(this.file('records'), 'r');
    try {
      await recordsFile.read(records, 0, records.length, RECORDS_HEADER_BYTES + first * RECORD_BYTES);
    } finally {
      await recordsFile.close();
    }
    const pathStart = recordPathOffset(records, 0);
    const lastAt = (end - first - 1) * RECORD_BYTES;
    const pathEnd = recordPathOffset(records, lastAt) + recordPathLength(records, lastAt);
    const paths = Buffer.alloc(pathEnd - pathStart);
    const pathsFile = await open(this.file('paths'), 'r');
    try {
      await pathsFile.read(paths, 0, paths.length, pathStart);
    } finally {
      await pathsFile.close();
    }
    const out: IndexRecord[] = [];
    for (let i = 0; i < end - first; i++) {
      const at = i * RECORD_BYTES;
      const from = recordPathOffset(records, at) - pathStart;
      out.push({ path: paths.toString('utf8', from, from + recordPathLength(records, at)), ...readRecordFields(records, at) });
    }
    return out;
  }

  /** Every bad file, skipped folder and dropped list item, streamed from index-problems.ndjson. */
  async *problems(): AsyncGenerator<ProblemLine> {
    const lines = createInterface({ input: createReadStream(this.file('problems'), { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of lines) if (line !== '') yield JSON.parse(line) as ProblemLine;
  }

  file(name: keyof typeof INDEX_FILES): string {
    return join(this.cacheDir, INDEX_FILES[name]);
  }

  private checkSizes(recordsBytes: number, pathsBytes: number): void {
    if (recordsBytes !== RECORDS_HEADER_BYTES + this.size * RECORD_BYTES || pathsBytes !== this.summary.pathBytes) {
      throw new IndexUnavailableError(this.cacheDir, 'the records files do not match the summary (changed while open, or damaged)');
    }
  }

  /** Opens the index in `cacheDir`; throws IndexUnavailableError when there is none or it is damaged or stale. */
  static async open(cacheDir: string): Promise<DatasetIndex> {
    let summary: IndexSummary;
    try {
      summary = JSON.parse(await readFile(join(cacheDir, INDEX_FILES.summary), 'utf8')) as IndexSummary;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new IndexUnavailableError(cacheDir, code === 'ENOENT' ? 'the dataset has not been indexed yet' : `the summary cannot be read (${(error as Error).message})`);
    }
    if (summary.formatVersion !== INDEX_FORMAT_VERSION) {
      throw new IndexUnavailableError(cacheDir, `it was written in index format ${summary.formatVersion}, this version reads format ${INDEX_FORMAT_VERSION}`);
    }
    const index = new DatasetIndex(cacheDir, summary);
    const header = Buffer.alloc(RECORDS_HEADER_BYTES);
    try {
      const file = await open(index.file('records'), 'r');
      try {
        await file.read(header, 0, RECORDS_HEADER_BYTES, 0);
      } finally {
        await file.close();
      }
    } catch (error) {
      throw new IndexUnavailableError(cacheDir, `the records file cannot be read (${(error as Error).message})`);
    }
    const decoded = decodeRecordsHeader(header);
    if (typeof decoded === 'string') throw new IndexUnavailableError(cacheDir, decoded);
    if (decoded.recordBytes !== RECORD_BYTES) throw new IndexUnavailableError(cacheDir, `records of ${decoded.recordBytes} bytes, expected ${RECORD_BYTES}`);
    if (decoded.generation !== summary.generation) throw new IndexUnavailableError(cacheDir, 'the records belong to a different indexing run (an interrupted update)');
    const recordsSize = (await stat(index.file('records'))).size;
    if (recordsSize !== RECORDS_HEADER_BYTES + summary.recordCount * RECORD_BYTES) throw new IndexUnavailableError(cacheDir, 'the records file is incomplete');
    return index;
  }
}

/** The index in `cacheDir`, or null when there is none (any other problem still throws). */
export async function openDatasetIndexIfPresent(cacheDir: string): Promise<DatasetIndex | null> {
  try {
    return await DatasetIndex.open(cacheDir);
  } catch (error) {
    if (error instanceof IndexUnavailableError) return null;
    throw error;
  }
}
