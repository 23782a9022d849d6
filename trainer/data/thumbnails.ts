/**
 * On-disk thumbnail cache for the dataset browser (issue 4 item 3): small
 * square previews generated lazily with sharp, so browsing millions of images
 * stays instant after the first look.
 *
 * - Key: SHA-256 of (absolute path, size, mtime, file size, format). An edited
 *   or replaced file gets a new thumbnail; stale entries are simply unused.
 * - Image: EXIF-oriented (`rotate()`), centre-cropped to size × size
 *   (`fit: 'cover'`), encoded as WebP (or JPEG).
 * - Writes are atomic (temporary file + rename), so a crash or a concurrent
 *   reader never sees a half-written thumbnail, and two processes generating
 *   the same one just overwrite each other with identical bytes.
 * - Generation runs with bounded concurrency. `get` requests go ahead of
 *   background `prefetch` work; a new `prefetch` replaces the not-yet-started
 *   part of the previous one (the browser has scrolled on), and the queue is
 *   capped.
 * - Unreadable images (missing, not an image, truncated, …) reject with an
 *   `ImageReadError` naming the file and the reason; the failure is
 *   remembered for that file version so it is not decoded again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { ImageReadError } from './image-source.js';

export type ThumbnailFormat = 'webp' | 'jpeg';

export interface ThumbnailCacheOptions {
  /** Thumbnails generated at the same time (default 2). */
  concurrency?: number;
  format?: ThumbnailFormat;
  /** Encoder quality 1–100 (default 80). */
  quality?: number;
  /** Most background paths kept waiting; older ones are dropped (default 512). */
  maxQueuedPrefetch?: number;
}

export interface ThumbnailStats {
  /** Thumbnails encoded and written by this cache instance. */
  generated: number;
  /** Requests answered from an existing file. */
  reused: number;
  /** Images that could not be read. */
  failed: number;
  /** Background requests waiting to start. */
  queued: number;
  /** Generations running now. */
  active: number;
  /** Highest number of simultaneous generations seen. */
  maxActive: number;
}

interface Job {
  key: string;
  run: () => Promise<void>;
  /** Settle a job that will never run (dropped from the background queue). */
  cancel: () => void;
}

/** Rejection of background requests superseded by a newer `prefetch`. */
class PrefetchCancelled extends Error {
  override name = 'PrefetchCancelled';
}

const DEFAULT_SIZE = 128;
/** Bump when the thumbnail recipe changes, so old files are not reused. */
const RECIPE_VERSION = 1;

export class ThumbnailCache {
  readonly dir: string;
  private readonly concurrency: number;
  private readonly format: ThumbnailFormat;
  private readonly quality: number;
  private readonly maxQueuedPrefetch: number;
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly failures = new Map<string, ImageReadError>();
  private foreground: Job[] = [];
  private background: Job[] = [];
  private active = 0;
  /** Requests still checking the disk (not yet queued or answered). */
  private checking = 0;
  /** Incremented by each `prefetch`; requests from older ones are not queued. */
  private prefetchGeneration = 0;
  private readonly counters = { generated: 0, reused: 0, failed: 0, maxActive: 0 };
  private idleWaiters: (() => void)[] = [];

  constructor(dir: string, options: ThumbnailCacheOptions = {}) {
    this.dir = resolve(dir);
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 2));
    this.format = options.format ?? 'webp';
    this.quality = options.quality ?? 80;
    this.maxQueuedPrefetch = Math.max(0, Math.floor(options.maxQueuedPrefetch ?? 512));
  }

  /**
   * Path of the thumbnail of `sourcePath`, generating it first if needed.
   * Rejects with `ImageReadError` when the image cannot be read.
   */
  async get(sourcePath: string, size: number = DEFAULT_SIZE): Promise<string> {
    for (;;) {
      try {
        return await this.request(sourcePath, size, null);
      } catch (error) {
        // We joined a background job that a newer prefetch just dropped: ask again.
        if (!(error instanceof PrefetchCancelled)) throw error;
      }
    }
  }

  /**
   * Generate thumbnails in the background (e.g. the next pages of the
   * browser). Replaces the previous prefetch's waiting entries; failures are
   * remembered, not thrown.
   */
  prefetch(paths: readonly string[], size: number = DEFAULT_SIZE): void {
    this.prefetchGeneration++;
    const dropped = this.background;
    this.background = [];
    for (const job of dropped) job.cancel();
    this.wakeIdleWaiters();
    for (const path of paths.slice(0, this.maxQueuedPrefetch)) {
      this.request(path, size, this.prefetchGeneration).catch(() => {
        // Failures are remembered in `failures` (a later `get` reports them); cancellations need nothing.
      });
    }
  }

  /** Resolves once nothing is being checked, queued or generated. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolveIdle) => this.idleWaiters.push(resolveIdle));
  }

  private isIdle(): boolean {
    return this.checking === 0 && this.active === 0 && this.foreground.length === 0 && this.background.length === 0;
  }

  private wakeIdleWaiters(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  stats(): ThumbnailStats {
    return { ...this.counters, queued: this.foreground.length + this.background.length, active: this.active };
  }

  /** Where the thumbnail for this file version lives (it may not exist yet). */
  async thumbnailPath(sourcePath: string, size: number = DEFAULT_SIZE): Promise<string> {
    return (await this.locate(sourcePath, size)).target;
  }

  /** `prefetchGeneration` null = a foreground `get`. */
  private async request(sourcePath: string, size: number, prefetchGeneration: number | null): Promise<string> {
    if (!(Number.isInteger(size) && size > 0 && size <= 4096)) throw new RangeError(`thumbnail size must be an integer in 1…4096, got ${size}`);
    this.checking++;
    try {
      return await this.checkAndQueue(sourcePath, size, prefetchGeneration);
    } finally {
      this.checking--;
      this.wakeIdleWaiters();
    }
  }

  /** Answer from the failure memory, a running job or the disk; otherwise queue a generation job. */
  private async checkAndQueue(sourcePath: string, size: number, prefetchGeneration: number | null): Promise<string> {
    const { absolute, key, target } = await this.locate(sourcePath, size);
    const failure = this.failures.get(key);
    if (failure !== undefined) throw failure;
    const pending = this.inFlight.get(key);
    if (pending !== undefined) {
      if (prefetchGeneration === null) this.promote(key);
      return pending;
    }
    if (await exists(target)) {
      this.counters.reused++;
      return target;
    }
    const again = this.inFlight.get(key); // started while we looked at the disk
    if (again !== undefined) return again;
    if (prefetchGeneration !== null && prefetchGeneration !== this.prefetchGeneration) {
      throw new PrefetchCancelled(absolute);
    }
    const promise = new Promise<string>((resolveJob, rejectJob) => {
      const job: Job = {
        key,
        run: async () => {
          try {
            await this.generate(absolute, size, target);
            resolveJob(target);
          } catch (error) {
            const readError =
              error instanceof ImageReadError ? error : new ImageReadError(absolute, `cannot make a thumbnail: ${errorMessage(error)}`);
            this.failures.set(key, readError);
            this.counters.failed++;
            rejectJob(readError);
          }
        },
        cancel: () => rejectJob(new PrefetchCancelled(absolute)),
      };
      if (prefetchGeneration === null) this.foreground.push(job);
      else this.background.push(job);
    });
    this.inFlight.set(key, promise);
    const forget = (): void => {
      this.inFlight.delete(key);
    };
    promise.then(forget, forget);
    this.pump();
    return promise;
  }

  private async locate(sourcePath: string, size: number): Promise<{ absolute: string; key: string; target: string }> {
    const absolute = resolve(sourcePath);
    let info;
    try {
      info = await stat(absolute);
    } catch (error) {
      throw new ImageReadError(absolute, describeFsError(error));
    }
    if (!info.isFile()) throw new ImageReadError(absolute, 'not a regular file');
    const key = createHash('sha256')
      .update(JSON.stringify([RECIPE_VERSION, absolute, size, info.mtimeMs, info.size, this.format, this.quality]))
      .digest('hex');
    return { absolute, key, target: join(this.dir, key.slice(0, 2), `${key}.${this.format === 'webp' ? 'webp' : 'jpg'}`) };
  }

  /** Move a waiting background job to the front when the user asks for it directly. */
  private promote(key: string): void {
    const i = this.background.findIndex((job) => job.key === key);
    if (i >= 0) this.foreground.push(...this.background.splice(i, 1));
  }

  private pump(): void {
    while (this.active < this.concurrency) {
      const job = this.foreground.shift() ?? this.background.shift();
      if (job === undefined) break;
      this.active++;
      this.counters.maxActive = Math.max(this.counters.maxActive, this.active);
      void job.run().finally(() => {
        this.active--;
        this.pump();
        this.wakeIdleWaiters();
      });
    }
  }

  private async generate(absolute: string, size: number, target: string): Promise<void> {
    let encoded: Buffer;
    try {
      const pipeline = sharp(absolute, { failOn: 'error' }).rotate().resize(size, size, { fit: 'cover' });
      encoded = await (this.format === 'webp' ? pipeline.webp({ quality: this.quality }) : pipeline.jpeg({ quality: this.quality })).toBuffer();
    } catch (error) {
      throw new ImageReadError(absolute, `not a readable image: ${errorMessage(error)}`);
    }
    await mkdir(join(target, '..'), { recursive: true });
    const temporary = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, encoded);
      await rename(temporary, target);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    this.counters.generated++;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'symbolic link loop';
  return errorMessage(error);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
