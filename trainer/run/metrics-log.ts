/**
 * The append-only metrics log of a run (`metrics.jsonl`): one JSON object per optimiser step,
 * steps strictly increasing.
 *
 * What is guaranteed (see docs/run-format.md, "Guarantees"):
 * - `append()` returns only after its line is in the kernel (one write() of the whole line on an
 *   O_APPEND descriptor). Killing the process (kill -9, a crash, OOM) therefore keeps every line
 *   whose `append()` returned; only the line being written at that instant can be lost, and if
 *   the kernel had taken part of it, it is left as an incomplete last line that readers ignore
 *   (and report) and the next writer cuts off before appending.
 * - A power cut or OS crash can additionally lose the lines of the last `syncIntervalMs`
 *   (default 1 s): fdatasync runs at most that long after an unsynced append, off the training
 *   thread. `flush()` makes everything durable now; call it before registering a checkpoint so
 *   the metrics leading up to a checkpoint are never behind it on disk.
 * - A disk that fills mid-line never leaves half a line: the partial bytes are cut off again
 *   and `append()` throws a RunStorageError that says what to do.
 * - Numbers that are not integers are stored with 9 significant digits (exact for the float32
 *   values tfjs computes); NaN and ±Infinity are stored as null (JSON has neither).
 * - Resuming from a checkpoint at step S moves lines with step > S (the steps that will be
 *   trained again) to `metrics.superseded.jsonl` instead of deleting them, so metrics.jsonl is
 *   always one clean history and every measured line is kept.
 */
import { closeSync, fdatasync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toStorageError } from './disk-errors.js';
import { LineReader, findLastNewline, repairIncompleteTail, type IncompleteTail, type TailRepair } from './json-lines.js';
import { RUN_FILES, describeSchemaProblems, isPlainMetricsRecord, metricsRecordSchema, type MetricsRecord } from './run-format.js';

const fdatasyncAsync = promisify(fdatasync);

export function metricsPathOf(runDir: string): string {
  return join(runDir, RUN_FILES.metrics);
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

export interface MetricsWriterOptions {
  /** Longest time an appended line may stay un-fsynced (power-cut exposure). Default 1000 ms; 0 = fdatasync after every line. */
  syncIntervalMs?: number;
  /**
   * Resuming from a checkpoint taken after this many steps: lines with a larger step are moved to
   * metrics.superseded.jsonl before appending starts (see rewindMetrics).
   */
  resumeAfterStep?: number;
}

export class MetricsWriter {
  /** Step of the last line in the file (0 when empty). */
  lastStep: number;
  /** What opening had to fix at the end of the file (a line torn by the previous writer's death). */
  readonly repair: TailRepair;
  readonly rewind: MetricsRewind | undefined;
  readonly path: string;
  private fd: number | undefined;
  private size: number;
  private readonly syncIntervalMs: number;
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private unsynced = false;
  /** An fdatasync that failed in the background; reported by the next append/flush. */
  private failure: unknown;

  private constructor(path: string, fd: number, size: number, lastStep: number, repair: TailRepair, rewind: MetricsRewind | undefined, syncIntervalMs: number) {
    this.path = path;
    this.fd = fd;
    this.size = size;
    this.lastStep = lastStep;
    this.repair = repair;
    this.rewind = rewind;
    this.syncIntervalMs = syncIntervalMs;
  }

  static async open(runDir: string, options: MetricsWriterOptions = {}): Promise<MetricsWriter> {
    const path = metricsPathOf(runDir);
    try {
      const repair = await repairIncompleteTail(path);
      const rewind = options.resumeAfterStep !== undefined ? await rewindMetrics(runDir, options.resumeAfterStep) : undefined;
      const last = await readLastMetricsRecord(runDir);
      const fd = openSync(path, 'a');
      const size = fstatSync(fd).size;
      return new MetricsWriter(path, fd, size, last?.step ?? 0, repair, rewind, options.syncIntervalMs ?? 1000);
    } catch (error) {
      throw toStorageError(error, { path, action: 'open the metrics log' });
    }
  }

  /**
   * Appends one step. Synchronous on purpose: when it returns, the line is in the kernel and
   * survives the death of this process. Steps must strictly increase.
   */
  append(record: MetricsRecord): void {
    const fd = this.openFd();
    this.throwBackgroundFailure();
    if (!Number.isInteger(record.step) || record.step <= this.lastStep) {
      throw new Error(`metrics step ${record.step} does not follow step ${this.lastStep} in ${this.path}; steps must strictly increase`);
    }
    const bytes = Buffer.from(JSON.stringify(record, compactNumbers) + '\n');
    let written = 0;
    try {
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    } catch (error) {
      // A partial line would glue itself to the next one: cut it off so the file stays whole lines.
      if (written > 0) {
        try {
          ftruncateSync(fd, this.size);
        } catch {
          // The file keeps an incomplete last line; readers ignore it and the next open removes it.
        }
      }
      throw toStorageError(error, { path: this.path, action: 'append to' });
    }
    this.size += bytes.length;
    this.lastStep = record.step;
    this.unsynced = true;
    if (this.syncIntervalMs === 0) this.startSync();
    else if (this.syncTimer === undefined && this.syncing === undefined) {
      this.syncTimer = setTimeout(() => this.startSync(), this.syncIntervalMs);
      // A pending sync must not keep a finished process alive; close() syncs anyway.
      this.syncTimer.unref();
    }
  }

  /** Makes every appended line durable (fdatasync) before resolving. */
  async flush(): Promise<void> {
    this.openFd();
    if (this.syncTimer !== undefined) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    while (this.syncing !== undefined) await this.syncing;
    if (this.unsynced) {
      this.startSync();
      await this.syncing;
    }
    this.throwBackgroundFailure();
  }

  async close(): Promise<void> {
    if (this.fd === undefined) return;
    try {
      await this.flush();
    } finally {
      const fd = this.fd;
      this.fd = undefined;
      if (fd !== undefined) closeSync(fd);
    }
  }

  private startSync(): void {
    if (this.syncTimer !== undefined) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    const fd = this.fd;
    if (fd === undefined || this.syncing !== undefined) return;
    this.unsynced = false;
    this.syncing = fdatasyncAsync(fd)
      .catch((error: unknown) => {
        this.failure = error;
      })
      .finally(() => {
        this.syncing = undefined;
        // Lines appended while this sync ran are covered by the next one.
        if (this.unsynced && this.fd !== undefined && this.syncTimer === undefined) {
          this.syncTimer = setTimeout(() => this.startSync(), this.syncIntervalMs);
          this.syncTimer.unref();
        }
      });
  }

  private openFd(): number {
    if (this.fd === undefined) throw new Error(`metrics writer for ${this.path} is closed`);
    return this.fd;
  }

  private throwBackgroundFailure(): void {
    if (this.failure === undefined) return;
    const failure = this.failure;
    this.failure = undefined;
    throw toStorageError(failure, { path: this.path, action: 'flush' });
  }
}

/**
 * Non-integers are written with 9 significant digits: exact for float32 (what tfjs computes
 * losses in; 9 digits round-trip any float32) and ample for rates and timings, while a double's
 * 17 digits would make the log about 40% larger for no information. NaN/±Infinity become null.
 */
function compactNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) && Number.isFinite(value) ? Number(value.toPrecision(9)) : value;
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

export interface MetricsReadOptions {
  /** First step to return (found by binary search: steps strictly increase). */
  fromStep?: number;
  /** Last step to return. */
  toStep?: number;
  /** Read size; 1 MiB by default. Tests use tiny chunks to cross line boundaries. */
  chunkBytes?: number;
  /** Which file of the run to read (the superseded lines can be read the same way). Default metrics.jsonl. */
  file?: typeof RUN_FILES.metrics | typeof RUN_FILES.supersededMetrics;
}

export interface InvalidMetricsLine {
  /** Byte offset of the line in the file. */
  offset: number;
  reason: string;
}

export interface MetricsReadReport {
  records: number;
  lastStep: number | undefined;
  /** Offset just past the last complete line read: where a follower continues. */
  endOffset: number;
  /** Bytes after the last newline: a line cut off by a crash (or still being written). Ignored. */
  incompleteLastLine: IncompleteTail | undefined;
  /** Complete lines that are not valid metrics records (e.g. zero-filled blocks after a power cut). Skipped. */
  invalidLines: number;
  /** The first few invalid lines, for the message to the user. */
  invalidExamples: InvalidMetricsLine[];
}

/**
 * Streams a run's metrics. Iterate it with `for await`; `report` is complete when the loop ends.
 * Never loads the file whole, so a multi-day run with millions of steps reads in constant memory.
 */
export class MetricsReader implements AsyncIterable<MetricsRecord> {
  readonly report: MetricsReadReport = { records: 0, lastStep: undefined, endOffset: 0, incompleteLastLine: undefined, invalidLines: 0, invalidExamples: [] };
  private readonly path: string;
  private readonly options: MetricsReadOptions;

  constructor(runDir: string, options: MetricsReadOptions = {}) {
    this.path = join(runDir, options.file ?? RUN_FILES.metrics);
    this.options = options;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<MetricsRecord> {
    for await (const batch of this.batches()) yield* batch;
  }

  /** The same records, a chunk at a time: far fewer promise hops when charting a million points. */
  async *batches(): AsyncGenerator<MetricsRecord[]> {
    const { fromStep, toStep } = this.options;
    let from = 0;
    let size: number;
    try {
      const handle = await open(this.path, 'r');
      try {
        size = (await handle.stat()).size;
        if (fromStep !== undefined) from = await findFirstLineWithStepAtLeast(handle, size, fromStep);
      } finally {
        await handle.close();
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw toStorageError(error, { path: this.path, action: 'read' });
    }
    const reader = new LineReader(this.path, { from, to: size, ...(this.options.chunkBytes !== undefined ? { chunkBytes: this.options.chunkBytes } : {}) });
    this.report.endOffset = from;
    for await (const lines of reader.batches()) {
      const out: MetricsRecord[] = [];
      let done = false;
      for (const line of lines) {
        const record = this.parse(line.text, line.start);
        if (record === undefined) continue;
        if (fromStep !== undefined && record.step < fromStep) continue;
        if (toStep !== undefined && record.step > toStep) {
          done = true;
          break;
        }
        out.push(record);
        this.report.records++;
        this.report.lastStep = record.step;
        this.report.endOffset = line.end;
      }
      if (!done) this.report.endOffset = reader.end;
      if (out.length > 0) yield out;
      if (done) return;
    }
    if (reader.tail !== undefined && reader.tailText !== undefined) {
      // A complete record that only lacks its newline (hand-edited file) is still data; a torn line is not.
      const record = this.parse(reader.tailText, reader.tail.offset, true);
      if (record === undefined) this.report.incompleteLastLine = reader.tail;
      else if ((fromStep === undefined || record.step >= fromStep) && (toStep === undefined || record.step <= toStep)) {
        this.report.records++;
        this.report.lastStep = record.step;
        yield [record];
      }
    }
  }

  private parse(text: string, offset: number, quiet = false): MetricsRecord | undefined {
    const result = parseMetricsLine(text);
    if (result.ok) return result.record;
    if (!quiet) {
      this.report.invalidLines++;
      if (this.report.invalidExamples.length < 5) this.report.invalidExamples.push({ offset, reason: result.reason });
    }
    return undefined;
  }
}

export function readMetrics(runDir: string, options: MetricsReadOptions = {}): MetricsReader {
  return new MetricsReader(runDir, options);
}

/** Convenience for small runs and tests: every record in memory. */
export async function readAllMetrics(runDir: string, options: MetricsReadOptions = {}): Promise<{ records: MetricsRecord[]; report: MetricsReadReport }> {
  const reader = readMetrics(runDir, options);
  const records: MetricsRecord[] = [];
  for await (const batch of reader.batches()) for (const record of batch) records.push(record);
  return { records, report: reader.report };
}

export function parseMetricsLine(text: string): { ok: true; record: MetricsRecord } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: text.trim() === '' ? 'empty line' : `not JSON: ${abbreviate(text)}` };
  }
  if (isPlainMetricsRecord(value)) return { ok: true, record: value };
  const parsed = metricsRecordSchema.safeParse(value);
  return parsed.success ? { ok: true, record: parsed.data } : { ok: false, reason: describeSchemaProblems(parsed.error) };
}

/** The last complete record, read from the end of the file (cheap on any size). */
export async function readLastMetricsRecord(runDir: string): Promise<MetricsRecord | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(metricsPathOf(runDir), 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    // Consider bytes [0, end); step back over torn or invalid trailing lines until a valid record.
    let end = (await handle.stat()).size;
    while (end > 0) {
      const newline = await findLastNewline(handle, end);
      if (newline === -1) return undefined;
      const start = (await findLastNewline(handle, newline)) + 1;
      const parsed = parseMetricsLine(await readRange(handle, start, newline));
      if (parsed.ok) return parsed.record;
      end = start;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------
// Seeking by step (steps strictly increase, so binary search over byte offsets works)
// ---------------------------------------------------------------------------

/** Byte offset of the first complete line whose step is >= `step`; the end of the last complete line when none is. */
export async function findFirstLineWithStepAtLeast(handle: FileHandle, size: number, step: number): Promise<number> {
  const lastNewline = await findLastNewline(handle, size);
  const completeEnd = lastNewline + 1;
  let lo = 0;
  let hi = completeEnd;
  let best = completeEnd;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const line = await firstValidLineIn(handle, mid, hi);
    if (line === undefined) {
      hi = mid;
    } else if (line.step >= step) {
      best = line.start;
      hi = mid;
    } else {
      lo = line.end;
    }
  }
  return best;
}

/** The first line starting at or after `from` and before `before` that has a numeric step. */
async function firstValidLineIn(handle: FileHandle, from: number, before: number): Promise<{ start: number; end: number; step: number } | undefined> {
  let start = from === 0 ? 0 : await nextLineStart(handle, from, before);
  while (start < before) {
    const end = await nextLineStart(handle, start + 1, Number.MAX_SAFE_INTEGER);
    const text = await readRange(handle, start, end - 1);
    const step = stepOf(text);
    if (step !== undefined) return { start, end, step };
    start = end;
  }
  return undefined;
}

/** Offset just past the first '\n' at or after `from - 1` (i.e. the start of the next line at or after `from`). */
async function nextLineStart(handle: FileHandle, from: number, limit: number): Promise<number> {
  const block = Buffer.allocUnsafe(4096);
  let position = from - 1;
  for (;;) {
    const { bytesRead } = await handle.read(block, 0, block.length, position);
    if (bytesRead === 0) return Math.min(position, limit);
    const at = block.subarray(0, bytesRead).indexOf(0x0a);
    if (at !== -1) return Math.min(position + at + 1, limit);
    position += bytesRead;
    if (position >= limit) return limit;
  }
}

function stepOf(text: string): number | undefined {
  try {
    const value = JSON.parse(text) as { step?: unknown };
    return typeof value.step === 'number' && Number.isFinite(value.step) ? value.step : undefined;
  } catch {
    return undefined;
  }
}

async function readRange(handle: FileHandle, start: number, end: number): Promise<string> {
  const buffer = Buffer.alloc(Math.max(0, end - start));
  if (buffer.length > 0) await handle.read(buffer, 0, buffer.length, start);
  return buffer.toString('utf8');
}

function abbreviate(text: string): string {
  const printable = text.replace(/\0/g, '\\0');
  return JSON.stringify(printable.length > 40 ? printable.slice(0, 40) + '…' : printable);
}

// ---------------------------------------------------------------------------
// Rewinding for a resume
// ---------------------------------------------------------------------------

export interface MetricsRewind {
  /** Lines moved to metrics.superseded.jsonl (0 when nothing followed the checkpoint). */
  movedLines: number;
  movedBytes: number;
  firstMovedStep: number | undefined;
  lastMovedStep: number | undefined;
}

/**
 * Before resuming from a checkpoint taken after `keepThroughStep` steps: moves every line with a
 * larger step to metrics.superseded.jsonl, so the steps about to be trained again are not logged
 * twice. Crash-safe ordering: the lines are appended and fsynced to the superseded file before
 * metrics.jsonl is shortened; a crash in between leaves a duplicate there, never a loss.
 */
export async function rewindMetrics(runDir: string, keepThroughStep: number): Promise<MetricsRewind> {
  const path = metricsPathOf(runDir);
  const result: MetricsRewind = { movedLines: 0, movedBytes: 0, firstMovedStep: undefined, lastMovedStep: undefined };
  await repairIncompleteTail(path);
  let handle: FileHandle;
  try {
    handle = await open(path, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return result;
    throw error;
  }
  try {
    const size = (await handle.stat()).size;
    const cut = await findFirstLineWithStepAtLeast(handle, size, keepThroughStep + 1);
    if (cut >= size) return result;
    const archive = await open(join(runDir, RUN_FILES.supersededMetrics), 'a');
    try {
      for await (const lines of new LineReader(path, { from: cut, to: size }).batches()) {
        const text = lines.map((line) => line.text + '\n').join('');
        await archive.write(text);
        result.movedLines += lines.length;
        result.movedBytes += Buffer.byteLength(text);
        for (const line of lines) {
          const step = stepOf(line.text);
          if (step === undefined) continue;
          result.firstMovedStep ??= step;
          result.lastMovedStep = step;
        }
      }
      await archive.datasync();
    } finally {
      await archive.close();
    }
    await handle.truncate(cut);
    await handle.datasync();
    return result;
  } finally {
    await handle.close();
  }
}
