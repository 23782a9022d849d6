/**
 * Writes an index incrementally: records, paths and problems are appended to
 * ".partial" files through fixed-size buffers as the walk goes, so memory
 * does not grow with the dataset. `commit` renames them into place with the
 * summary last; until then any previous index stays intact and readable,
 * and a cancelled run only removes its partial files.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeRecordsHeader, RECORD_BYTES, writeRecord, type RecordFields } from './index-record.js';
import { INDEX_FILES, type IndexSummary, type ProblemLine } from './index-summary.js';

const FLUSH_BYTES = 1 << 20;
const MAX_PATH_BYTES = 0xffff;
const MAX_PATHS_BLOB = 0xffffffff;

class BufferedFile {
  private readonly buffer = Buffer.allocUnsafe(FLUSH_BYTES);
  readonly view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
  private used = 0;
  written = 0;
  constructor(private readonly fd: number) {}

  /** Space for `bytes` more bytes, flushing first if needed; returns the offset to write at. */
  reserve(bytes: number): number {
    if (this.used + bytes > this.buffer.length) this.flush();
    const at = this.used;
    this.used += bytes;
    this.written += bytes;
    return at;
  }

  append(bytes: Uint8Array): void {
    if (bytes.length > this.buffer.length) {
      this.flush();
      writeSync(this.fd, bytes);
      this.written += bytes.length;
      return;
    }
    const at = this.reserve(bytes.length);
    this.buffer.set(bytes, at);
  }

  flush(): void {
    let offset = 0;
    while (offset < this.used) offset += writeSync(this.fd, this.buffer, offset, this.used - offset);
    this.used = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export class IndexWriter {
  readonly generation = randomBytes(16);
  private readonly records: BufferedFile;
  private readonly paths: BufferedFile;
  private readonly problems: BufferedFile;
  private closed = false;
  recordCount = 0;
  problemCount = 0;

  private constructor(private readonly cacheDir: string) {
    this.records = new BufferedFile(openSync(this.partial(INDEX_FILES.records), 'w'));
    this.paths = new BufferedFile(openSync(this.partial(INDEX_FILES.paths), 'w'));
    this.problems = new BufferedFile(openSync(this.partial(INDEX_FILES.problems), 'w'));
    this.records.append(encodeRecordsHeader(this.generation));
  }

  static async create(cacheDir: string): Promise<IndexWriter> {
    await mkdir(cacheDir, { recursive: true });
    return new IndexWriter(cacheDir);
  }

  get pathBytes(): number {
    return this.paths.written;
  }

  /** Partial files carry the generation, so two runs on one cache folder never write the same file. */
  private partial(name: string): string {
    return join(this.cacheDir, `${name}.partial-${this.generation.toString('hex').slice(0, 12)}`);
  }

  /** Appends a record; `path` is its UTF-8 bytes (the caller has them already for the refresh lookup). */
  addRecord(path: Uint8Array, fields: RecordFields): void {
    if (path.length > MAX_PATH_BYTES) throw new Error(`path too long for the index (${path.length} bytes): ${Buffer.from(path).toString('utf8', 0, 80)}…`);
    if (this.paths.written + path.length > MAX_PATHS_BLOB) throw new Error('the index path table exceeds 4 GiB; split the dataset into smaller ones');
    const pathOffset = this.paths.written;
    this.paths.append(path);
    writeRecord(this.records.view, this.records.reserve(RECORD_BYTES), pathOffset, path.length, fields);
    this.recordCount++;
  }

  addProblem(line: ProblemLine): void {
    this.problems.append(Buffer.from(`${JSON.stringify(line)}\n`, 'utf8'));
    this.problemCount++;
  }

  private closeFiles(): void {
    if (this.closed) return;
    this.closed = true;
    this.records.close();
    this.paths.close();
    this.problems.close();
  }

  /** Moves the new index into place; the summary goes last, so a crash midway leaves a detectably stale index, never a mixed one. */
  async commit(summary: Omit<IndexSummary, 'generation' | 'recordCount' | 'pathBytes'>): Promise<IndexSummary> {
    this.closeFiles();
    const complete: IndexSummary = { ...summary, generation: this.generation.toString('hex'), recordCount: this.recordCount, pathBytes: this.paths.written };
    await writeFile(this.partial(INDEX_FILES.summary), JSON.stringify(complete));
    // A previous duplicate report describes the previous records: drop it.
    await rm(join(this.cacheDir, INDEX_FILES.duplicates), { force: true });
    for (const name of [INDEX_FILES.records, INDEX_FILES.paths, INDEX_FILES.problems, INDEX_FILES.summary]) {
      await rename(this.partial(name), join(this.cacheDir, name));
    }
    return complete;
  }

  /** Removes the partial files (cancelled or failed run); the previous index, if any, is untouched. */
  async discard(): Promise<void> {
    this.closeFiles();
    await Promise.all(
      [INDEX_FILES.records, INDEX_FILES.paths, INDEX_FILES.problems, INDEX_FILES.summary].map((name) => rm(this.partial(name), { force: true })),
    );
  }
}
