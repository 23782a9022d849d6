/**
 * Live updates of a run's metrics for charts: "history first, then live". A follower remembers
 * where it stopped reading and, on each `poll()`, returns only the complete lines added since
 * (a line still being written is left for the next poll). `start()` drives polls from fs.watch
 * plus a polling fallback with backoff (fs.watch misses changes on network drives); tests call
 * `poll()` directly so nothing depends on timing.
 *
 * When a resume moves lines out of metrics.jsonl (rewindMetrics), the bytes the follower last
 * read change; it then re-reads from its starting step and says `reset: true`, so the consumer
 * replaces rather than appends.
 */
import { watch, type FSWatcher } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { LineReader } from './json-lines.js';
import { findFirstLineWithStepAtLeast, metricsPathOf, parseMetricsLine } from './metrics-log.js';
import type { MetricsRecord } from './run-format.js';

export interface MetricsUpdate {
  records: MetricsRecord[];
  /** True when the consumer must drop what it had and use `records` from `fromStep` on. */
  reset: boolean;
  /** More complete lines are waiting (maxRecords reached); poll again. */
  more: boolean;
  /** Complete lines skipped because they are not valid records. */
  invalidLines: number;
}

export interface MetricsFollowerOptions {
  fromStep?: number;
  /** Cap per poll so the first poll of a huge run does not build one giant array. Default 50 000. */
  maxRecords?: number;
  /** Polling fallback: first interval and cap of the backoff. Defaults 250 ms and 5 s. */
  minIntervalMs?: number;
  maxIntervalMs?: number;
}

export class MetricsFollower {
  private readonly path: string;
  private readonly fromStep: number | undefined;
  private readonly maxRecords: number;
  private readonly minIntervalMs: number;
  private readonly maxIntervalMs: number;
  /** Next byte to read; always the start of a line. undefined until the first poll seeks. */
  private offset: number | undefined;
  /** The last line handed out, to notice when the file was rewritten under us. */
  private lastLine: { start: number; bytes: Buffer } | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private interval: number;
  private polling: Promise<void> | undefined;
  private repoll = false;
  private stopped = true;

  constructor(runDir: string, options: MetricsFollowerOptions = {}) {
    this.path = metricsPathOf(runDir);
    this.fromStep = options.fromStep;
    this.maxRecords = options.maxRecords ?? 50_000;
    this.minIntervalMs = options.minIntervalMs ?? 250;
    this.maxIntervalMs = options.maxIntervalMs ?? 5000;
    this.interval = this.minIntervalMs;
  }

  async poll(): Promise<MetricsUpdate> {
    const update: MetricsUpdate = { records: [], reset: false, more: false, invalidLines: 0 };
    let size: number;
    const handle = await open(this.path, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (handle === undefined) return update;
    try {
      size = (await handle.stat()).size;
      if (this.offset !== undefined && (await this.wasRewritten(handle, size))) {
        this.offset = undefined;
        this.lastLine = undefined;
        update.reset = true;
      }
      if (this.offset === undefined) {
        this.offset = this.fromStep === undefined ? 0 : await findFirstLineWithStepAtLeast(handle, size, this.fromStep);
      }
    } finally {
      await handle.close();
    }
    if (size <= this.offset) return update;

    const reader = new LineReader(this.path, { from: this.offset, to: size, chunkBytes: 256 * 1024 });
    let last: { start: number; end: number; text: string } | undefined;
    outer: for await (const lines of reader.batches()) {
      for (const line of lines) {
        if (update.records.length >= this.maxRecords) {
          update.more = true;
          break outer;
        }
        last = line;
        const parsed = parseMetricsLine(line.text);
        if (!parsed.ok) {
          update.invalidLines++;
          continue;
        }
        if (this.fromStep !== undefined && parsed.record.step < this.fromStep) continue;
        update.records.push(parsed.record);
      }
    }
    if (last !== undefined) {
      this.offset = last.end;
      this.lastLine = { start: last.start, bytes: Buffer.from(last.text + '\n') };
    }
    this.interval = update.records.length > 0 ? this.minIntervalMs : Math.min(this.maxIntervalMs, this.interval * 2);
    return update;
  }

  /**
   * Calls `onUpdate` with every non-empty update until `stop()`. Errors go to `onError` and the
   * follower keeps trying (a workspace on a network drive can come back).
   */
  start(onUpdate: (update: MetricsUpdate) => void, onError: (error: unknown) => void = () => undefined): void {
    if (!this.stopped) return;
    this.stopped = false;
    const trigger = (): void => {
      if (this.stopped) return;
      if (this.polling !== undefined) {
        this.repoll = true;
        return;
      }
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      this.polling = this.poll()
        .then((update) => {
          if (update.records.length > 0 || update.reset) onUpdate(update);
          if (update.more) this.repoll = true;
        }, onError)
        .finally(() => {
          this.polling = undefined;
          if (this.stopped) return;
          if (this.repoll) {
            this.repoll = false;
            trigger();
          } else {
            this.timer = setTimeout(trigger, this.interval);
          }
        });
    };
    try {
      this.watcher = watch(this.path, { persistent: false }, trigger);
      this.watcher.on('error', () => {
        // The file was replaced or the watch is unsupported here; polling carries on.
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // No watch support (or no file yet): polling alone.
    }
    trigger();
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Did the file shrink below our position, or do the bytes of the last line we read differ now? */
  private async wasRewritten(handle: FileHandle, size: number): Promise<boolean> {
    if (this.offset === undefined) return false;
    if (size < this.offset) return true;
    if (this.lastLine === undefined) return false;
    const now = Buffer.alloc(this.lastLine.bytes.length);
    await handle.read(now, 0, now.length, this.lastLine.start);
    return !now.equals(this.lastLine.bytes);
  }
}
