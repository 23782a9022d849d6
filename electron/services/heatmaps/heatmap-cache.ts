/**
 * Heatmap results kept in memory, least recently used dropped first once they exceed a byte
 * budget, plus the computations in flight, so a second caller asking for the same (checkpoint,
 * image) waits for the first instead of running the model twice. Keys carry the checkpoint's
 * SHA-256, so a checkpoint file that changed can never be answered from an old result.
 */
export class HeatmapResultCache<T> {
  private readonly entries = new Map<string, { value: T; bytes: number }>();
  private readonly inFlight = new Map<string, Promise<T>>();
  private totalBytes = 0;

  constructor(private readonly maxBytes: number) {}

  get bytes(): number {
    return this.totalBytes;
  }

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: T, bytes: number): void {
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.entries.delete(key);
      this.totalBytes -= old.bytes;
    }
    // An item larger than the whole budget is simply not kept.
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, bytes });
    this.totalBytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.totalBytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.totalBytes -= entry.bytes;
    }
  }

  pending(key: string): Promise<T> | undefined {
    return this.inFlight.get(key);
  }

  /** Records `promise` as the computation of `key` until it settles. */
  track(key: string, promise: Promise<T>): void {
    this.inFlight.set(key, promise);
    const clear = () => {
      if (this.inFlight.get(key) === promise) this.inFlight.delete(key);
    };
    promise.then(clear, clear);
  }
}
