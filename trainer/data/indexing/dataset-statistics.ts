/**
 * Per-dataset statistics, accumulated record by record while indexing (so
 * they cost no extra pass) overall and per split: counts, bad files by
 * reason, images per class or identity, and size distributions of the usable
 * images.
 */
import { BAD_FILE_REASONS, type BadFileReason } from './file-status.js';
import { FILE_SIZE_EDGES, HistogramAccumulator, IMAGE_SIDE_EDGES, type Histogram } from './histogram.js';
import type { ImageFormat } from './image-format.js';
import type { RecordFields } from './index-record.js';

export interface SplitStatistics {
  /** Indexed files, usable or not. */
  images: number;
  usable: number;
  bad: number;
  badByReason: Partial<Record<BadFileReason, number>>;
  /** Usable files whose content format differs from their extension. */
  wrongExtension: number;
  /** Usable files per detected content format. */
  formats: Partial<Record<ImageFormat, number>>;
  /** Bytes of the usable files. */
  bytes: number;
  /** Usable images per label index (classes or identities); empty for unlabelled datasets. */
  labelCounts: number[];
  /** Labels with at least one usable image. */
  labelsWithImages: number;
  /** Of the usable images. */
  width: Histogram;
  height: Histogram;
  fileSize: Histogram;
}

export interface DatasetStatistics {
  overall: SplitStatistics;
  splits: Record<string, SplitStatistics>;
}

class SplitAccumulator {
  images = 0;
  usable = 0;
  wrongExtension = 0;
  bytes = 0;
  readonly badByReason = new Map<BadFileReason, number>();
  readonly formats = new Map<ImageFormat, number>();
  readonly labelCounts: Uint32Array;
  readonly width = new HistogramAccumulator(IMAGE_SIDE_EDGES);
  readonly height = new HistogramAccumulator(IMAGE_SIDE_EDGES);
  readonly fileSize = new HistogramAccumulator(FILE_SIZE_EDGES);

  constructor(labelCount: number) {
    this.labelCounts = new Uint32Array(labelCount);
  }

  add(r: RecordFields): void {
    this.images++;
    if (r.status !== 'ok') {
      this.badByReason.set(r.status, (this.badByReason.get(r.status) ?? 0) + 1);
      return;
    }
    this.usable++;
    this.bytes += r.size;
    if (r.wrongExtension) this.wrongExtension++;
    this.formats.set(r.format, (this.formats.get(r.format) ?? 0) + 1);
    if (r.label !== null && r.label < this.labelCounts.length) this.labelCounts[r.label] = (this.labelCounts[r.label] ?? 0) + 1;
    this.width.add(r.width);
    this.height.add(r.height);
    this.fileSize.add(r.size);
  }

  result(): SplitStatistics {
    const badByReason: Partial<Record<BadFileReason, number>> = {};
    for (const reason of BAD_FILE_REASONS) {
      const n = this.badByReason.get(reason);
      if (n) badByReason[reason] = n;
    }
    const labelCounts = Array.from(this.labelCounts);
    return {
      images: this.images,
      usable: this.usable,
      bad: this.images - this.usable,
      badByReason,
      wrongExtension: this.wrongExtension,
      formats: Object.fromEntries(this.formats),
      bytes: this.bytes,
      labelCounts,
      labelsWithImages: labelCounts.filter((n) => n > 0).length,
      width: this.width.result(),
      height: this.height.result(),
      fileSize: this.fileSize.result(),
    };
  }
}

export class StatisticsAccumulator {
  private readonly overall: SplitAccumulator;
  private readonly perSplit: SplitAccumulator[];
  constructor(
    private readonly splitNames: readonly string[],
    labelCount: number,
  ) {
    this.overall = new SplitAccumulator(labelCount);
    this.perSplit = splitNames.map(() => new SplitAccumulator(labelCount));
  }

  add(r: RecordFields): void {
    this.overall.add(r);
    this.perSplit[r.split]?.add(r);
  }

  result(): DatasetStatistics {
    return {
      overall: this.overall.result(),
      splits: Object.fromEntries(this.splitNames.map((name, i) => [name, this.perSplit[i]!.result()])),
    };
  }
}
