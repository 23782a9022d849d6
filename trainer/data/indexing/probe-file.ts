/**
 * Checks one file cheaply: open, fstat, the first and last bytes only (never
 * the pixels), close. Synchronous on purpose: at millions of small files the
 * cost is the per-call overhead, and plain syscalls in a row are several
 * times faster than the same calls through the thread pool with promises. The
 * indexer yields to the event loop between folders, so progress events and
 * cancellation still flow.
 */
import { closeSync, fstatSync, lstatSync, openSync, readSync, statSync, constants as fsConstants } from 'node:fs';
import type { BadFileReason, FileStatus } from './file-status.js';
import { probeImageHeader, type ProbeBytes } from './image-header.js';
import { formatOfExtension, type ImageFormat } from './image-format.js';
import type { ImageExtension } from '../layouts/image-extensions.js';

/** Enough for the header of nearly every JPEG without an EXIF thumbnail, and all of a small file. */
const HEAD_BYTES = 16384;
const TAIL_BYTES = 1024;

export interface FileStat {
  size: number;
  mtimeMs: number;
}

export type StatOutcome = { ok: true; stat: FileStat } | { ok: false; status: BadFileReason; detail: string };

/**
 * Size and modification time, following symlinks (a refresh compares them
 * with the previous record before deciding to probe); a bad status when the
 * file cannot be reached.
 */
export function statFile(absolutePath: string): StatOutcome {
  let info;
  try {
    info = statSync(absolutePath, { throwIfNoEntry: false });
  } catch (error) {
    return { ok: false, ...statusOfError(error) };
  }
  if (!info) {
    const link = safeLstat(absolutePath);
    return link?.isSymbolicLink()
      ? { ok: false, status: 'broken-symlink', detail: 'the symbolic link points to a file that does not exist' }
      : { ok: false, status: 'missing', detail: 'no such file' };
  }
  if (!info.isFile()) return { ok: false, status: 'not-a-regular-file', detail: info.isDirectory() ? 'a folder with an image name' : 'a device, pipe or socket with an image name' };
  return { ok: true, stat: { size: info.size, mtimeMs: info.mtimeMs } };
}

export interface FileProbe {
  status: FileStatus;
  format: ImageFormat;
  width: number;
  height: number;
  /** From the opened file (0 when it could not be opened). */
  size: number;
  mtimeMs: number;
  wrongExtension: boolean;
  detail: string;
  /** TIFF/HEIF content: the caller asks the decoder for the dimensions. */
  needsDecoderMetadata: boolean;
}

/**
 * The open file as the header prober sees it. One instance is reused for
 * every file (no closure or buffer allocated per file: at 3M files every
 * allocation shows up in the profile).
 */
class OpenFileBytes implements ProbeBytes {
  private readonly headBuffer = Buffer.allocUnsafe(HEAD_BYTES);
  private readonly tailBuffer = Buffer.allocUnsafe(TAIL_BYTES);
  fd = -1;
  size = 0;
  head: Uint8Array = this.headBuffer;
  tail: Uint8Array = this.tailBuffer;

  load(fd: number, size: number): void {
    this.fd = fd;
    this.size = size;
    const headLength = readSync(fd, this.headBuffer, 0, Math.min(HEAD_BYTES, size), 0);
    this.head = this.headBuffer.subarray(0, headLength);
    if (size > headLength) {
      const tailLength = Math.min(TAIL_BYTES, size);
      this.tail = this.tailBuffer.subarray(0, readSync(fd, this.tailBuffer, 0, tailLength, size - tailLength));
    } else this.tail = this.head;
  }

  read(offset: number, length: number): Uint8Array {
    const chunk = Buffer.allocUnsafe(Math.max(0, Math.min(length, this.size - offset)));
    return chunk.subarray(0, readSync(this.fd, chunk, 0, chunk.length, offset));
  }
}

/** Probes files one at a time, reusing its read buffers. */
export class FileProber {
  private readonly bytes = new OpenFileBytes();
  /** How many files were actually opened and probed (refresh tests and benchmarks watch this). */
  probed = 0;

  constructor(private readonly maxPixels: number) {}

  /**
   * Opens the file and checks it: fstat (size, time, regular file?), the
   * first bytes and the last bytes. Opening first — rather than stat then
   * open — saves a syscall per file, which is most of the cost at this scale.
   * `extension` is null for listed files without an image extension (no
   * wrong-extension check then).
   */
  probe(absolutePath: string, extension: ImageExtension | null): FileProbe {
    this.probed++;
    let fd: number;
    try {
      // O_NONBLOCK: opening a FIFO with an image name must not hang the indexer.
      fd = openSync(absolutePath, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    } catch (error) {
      const failure = statusOfError(error);
      if (failure.status === 'missing' && safeLstat(absolutePath)?.isSymbolicLink()) {
        return badProbe('broken-symlink', 'the symbolic link points to a file that does not exist', 0, 0);
      }
      return badProbe(failure.status, failure.detail, 0, 0);
    }
    try {
      const info = fstatSync(fd);
      const size = info.size;
      const mtimeMs = info.mtimeMs;
      if (!info.isFile()) return badProbe('not-a-regular-file', info.isDirectory() ? 'a folder with an image name' : 'a device, pipe or socket with an image name', 0, mtimeMs);
      if (size === 0) return badProbe('empty', 'the file has zero bytes', 0, mtimeMs);
      this.bytes.load(fd, size);
      const header = probeImageHeader(this.bytes);
      const probe: FileProbe = {
        status: header.status,
        format: header.format,
        width: header.width,
        height: header.height,
        size,
        mtimeMs,
        wrongExtension: extension !== null && header.format !== 'unknown' && header.format !== formatOfExtension(extension),
        detail: header.detail,
        needsDecoderMetadata: header.needsDecoderMetadata,
      };
      return this.checkPixelLimit(probe);
    } catch (error) {
      const failure = statusOfError(error);
      return badProbe(failure.status, failure.detail, 0, 0);
    } finally {
      closeSync(fd);
    }
  }

  /** Applies the pixel limit to a probe whose dimensions are known (also used when reusing records). */
  checkPixelLimit<T extends { status: FileStatus; width: number; height: number; detail: string }>(probe: T): T {
    if (probe.status === 'ok' && probe.width * probe.height > this.maxPixels) {
      const megapixels = (probe.width * probe.height) / 1e6;
      return { ...probe, status: 'too-large', detail: `${probe.width}×${probe.height} = ${megapixels.toFixed(1)} MP exceeds the ${(this.maxPixels / 1e6).toFixed(1)} MP limit` };
    }
    if (probe.status === 'too-large' && probe.width * probe.height <= this.maxPixels) return { ...probe, status: 'ok', detail: '' };
    return probe;
  }
}

function badProbe(status: BadFileReason, detail: string, size: number, mtimeMs: number): FileProbe {
  return { status, format: 'unknown', width: 0, height: 0, size, mtimeMs, wrongExtension: false, detail, needsDecoderMetadata: false };
}

function safeLstat(path: string) {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** Maps a file-system error to a bad-file reason with the system's own words. */
export function statusOfError(error: unknown): { status: BadFileReason; detail: string } {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = (error as Error | undefined)?.message ?? String(error);
  switch (code) {
    case 'ELOOP':
      return { status: 'symlink-loop', detail: 'too many levels of symbolic links (the link points back to itself)' };
    case 'EACCES':
    case 'EPERM':
      return { status: 'unreadable', detail: 'permission denied' };
    case 'ENOENT':
      return { status: 'missing', detail: 'no such file' };
    case 'ENOTDIR':
      return { status: 'missing', detail: 'a parent of this path is not a folder' };
    case 'EISDIR':
      return { status: 'not-a-regular-file', detail: 'a folder with an image name' };
    default:
      return { status: 'unreadable', detail: code ? `${code}: ${message}` : message };
  }
}
