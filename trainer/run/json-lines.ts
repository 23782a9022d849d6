/**
 * JSON Lines on disk: durable single-write appends, chunked reading that never holds a whole
 * file in memory, and the rule for a trailing line without its newline (what a crash or a
 * power cut can leave). Shared by the event log and the metrics log.
 */
import { open, type FileHandle } from 'node:fs/promises';

export interface RawLine {
  text: string;
  /** Byte offset of the line's first byte. */
  start: number;
  /** Byte offset just past its newline. */
  end: number;
}

/** Bytes at the end of a file that do not end in a newline. */
export interface IncompleteTail {
  offset: number;
  bytes: number;
}

const NEWLINE = 0x0a;

/**
 * Reads complete lines from `from` up to `to` (default: the size when reading started, so a
 * file that grows meanwhile still ends). Yields one batch per chunk; memory is bounded by the
 * chunk size plus the longest line. After iteration, `end` is the offset just past the last
 * complete line and `tail` describes any bytes after it.
 */
export class LineReader {
  end: number;
  tail: IncompleteTail | undefined;
  /** The unterminated trailing text, when there is one (so callers can tell a hand-edited last line from a torn one). */
  tailText: string | undefined;
  private readonly path: string;
  private readonly from: number;
  private readonly to: number | undefined;
  private readonly chunkBytes: number;

  constructor(path: string, options: { from?: number; to?: number; chunkBytes?: number } = {}) {
    this.path = path;
    this.from = options.from ?? 0;
    this.to = options.to;
    this.chunkBytes = Math.max(16, options.chunkBytes ?? 1 << 20);
    this.end = this.from;
  }

  async *batches(): AsyncGenerator<RawLine[]> {
    const handle = await open(this.path, 'r');
    try {
      const limit = this.to ?? (await handle.stat()).size;
      let position = this.from;
      let pending: Buffer = Buffer.alloc(0);
      let pendingStart = this.from;
      const chunk = Buffer.allocUnsafe(this.chunkBytes);
      while (position < limit) {
        const { bytesRead } = await handle.read(chunk, 0, Math.min(this.chunkBytes, limit - position), position);
        if (bytesRead === 0) break;
        position += bytesRead;
        const data = pending.length > 0 ? Buffer.concat([pending, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
        const lines: RawLine[] = [];
        let lineStart = 0;
        for (let nl = data.indexOf(NEWLINE); nl !== -1; nl = data.indexOf(NEWLINE, lineStart)) {
          lines.push({ text: data.toString('utf8', lineStart, nl), start: pendingStart + lineStart, end: pendingStart + nl + 1 });
          lineStart = nl + 1;
        }
        // Copy: `chunk` is reused for the next read.
        pending = Buffer.from(data.subarray(lineStart));
        pendingStart += lineStart;
        if (lines.length > 0) {
          this.end = lines[lines.length - 1]!.end;
          yield lines;
        }
      }
      if (pending.length > 0) {
        this.tail = { offset: pendingStart, bytes: pending.length };
        this.tailText = pending.toString('utf8');
      }
    } finally {
      await handle.close();
    }
  }
}

/**
 * Appends one line with a single write and makes it durable (fdatasync). If the disk fills
 * part-way, the partial bytes are cut off again so the file stays a sequence of whole lines.
 * For low-rate logs (events); the metrics writer keeps its file open instead.
 */
export async function appendLineDurably(path: string, line: string): Promise<void> {
  const handle = await open(path, 'a');
  try {
    const before = (await handle.stat()).size;
    await writeWhole(handle, Buffer.from(line.endsWith('\n') ? line : line + '\n'), before);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

async function writeWhole(handle: FileHandle, bytes: Buffer, sizeBefore: number): Promise<void> {
  try {
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
      written += bytesWritten;
    }
  } catch (error) {
    await handle.truncate(sizeBefore).catch(() => undefined);
    throw error;
  }
}

export type TailRepair =
  | { action: 'none' }
  /** The trailing bytes were a complete JSON value missing only its newline (e.g. hand-edited): the newline was added. */
  | { action: 'terminated'; offset: number; bytes: number }
  /** The trailing bytes were a cut-off line: they were removed (their content is unrecoverable). */
  | { action: 'truncated'; offset: number; bytes: number };

/**
 * Makes a JSON Lines file end in a newline before anyone appends to it, so a line torn by a
 * crash cannot glue itself to the next writer's first line. Looks only at the file's end.
 */
export async function repairIncompleteTail(path: string): Promise<TailRepair> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { action: 'none' };
    throw error;
  }
  try {
    const size = (await handle.stat()).size;
    if (size === 0) return { action: 'none' };
    const lastNewline = await findLastNewline(handle, size);
    const offset = lastNewline + 1;
    if (offset === size) return { action: 'none' };
    const fragment = Buffer.alloc(size - offset);
    await handle.read(fragment, 0, fragment.length, offset);
    if (isJsonObject(fragment.toString('utf8'))) {
      await handle.write('\n', size);
      await handle.datasync();
      return { action: 'terminated', offset, bytes: size - offset };
    }
    await handle.truncate(offset);
    await handle.datasync();
    return { action: 'truncated', offset, bytes: size - offset };
  } finally {
    await handle.close();
  }
}

/** Offset of the last '\n' before `size`, or -1. Reads backwards in small blocks. */
export async function findLastNewline(handle: FileHandle, size: number): Promise<number> {
  const block = Buffer.allocUnsafe(64 * 1024);
  let endExclusive = size;
  while (endExclusive > 0) {
    const start = Math.max(0, endExclusive - block.length);
    const { bytesRead } = await handle.read(block, 0, endExclusive - start, start);
    const at = block.subarray(0, bytesRead).lastIndexOf(NEWLINE);
    if (at !== -1) return start + at;
    endExclusive = start;
  }
  return -1;
}

export function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
