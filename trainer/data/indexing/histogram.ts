/**
 * Fixed-bucket histograms: constant memory however many images are indexed,
 * and plain data for the dataset browser's charts.
 */

export interface Histogram {
  /** Bucket i counts values in [edges[i], edges[i+1]); the last bucket is open-ended. */
  edges: number[];
  counts: number[];
  /** Over the values added (0 when none). */
  min: number;
  max: number;
  mean: number;
  total: number;
}

/** Image side lengths in pixels: the sizes face datasets come in (48 FER, 100 RAF-DB, 112/224 crops, VGGFace2's ~300). */
export const IMAGE_SIDE_EDGES = [0, 32, 48, 64, 96, 112, 128, 160, 224, 256, 384, 512, 768, 1024, 2048, 4096, 8192];
/** File sizes in bytes: 1 KiB … 64 MiB, by powers of four. */
export const FILE_SIZE_EDGES = [0, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

export class HistogramAccumulator {
  private readonly counts: number[];
  private min = Infinity;
  private max = -Infinity;
  private sum = 0;
  private total = 0;
  constructor(private readonly edges: readonly number[]) {
    this.counts = new Array<number>(edges.length).fill(0);
  }

  add(value: number): void {
    // Buckets are few (≤ 17): a linear scan from the top beats a binary search here.
    let i = this.edges.length - 1;
    while (i > 0 && value < (this.edges[i] ?? 0)) i--;
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.sum += value;
    this.total++;
  }

  result(): Histogram {
    const empty = this.total === 0;
    return {
      edges: [...this.edges],
      counts: [...this.counts],
      min: empty ? 0 : this.min,
      max: empty ? 0 : this.max,
      mean: empty ? 0 : this.sum / this.total,
      total: this.total,
    };
  }
}
