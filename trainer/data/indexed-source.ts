/**
 * An ImageSource over a persisted dataset index: the usable images only (bad
 * files were excluded at indexing time), optionally one or more splits,
 * decoded with libvips to 8-bit RGB. A file that turns bad after indexing
 * (deleted, modified, unreadable) rejects with an ImageReadError, which the
 * loader skips.
 *
 * Identity labels (VGGFace2) are hidden by default: FRA pre-training ignores
 * them (fra-spec §3), and the contract's empty `classNames` means
 * "unlabelled". Pass `identityLabels: true` to see them.
 */
import { isAbsolute, join } from 'node:path';
import { ImageReadError, type ImageSource, type RgbImage } from './image-source.js';
import { decodeImageFile } from './decode/decode-image.js';
import { DatasetIndex, type RecordTable } from './indexing/index-reader.js';

export interface IndexedSourceOptions {
  /** Only these splits (e.g. 'train'); all splits when omitted. */
  splits?: readonly string[];
  /** Where the dataset is now, if it moved since indexing (default: the indexed root). */
  datasetRoot?: string;
  /** Decoder pixel limit; defaults to the limit the index was built with. */
  maxPixels?: number;
  /** Expose VGGFace2 identities as labels (default false). */
  identityLabels?: boolean;
}

export class IndexedImageSource implements ImageSource {
  readonly size: number;
  readonly classNames: readonly string[];

  private constructor(
    private readonly index: DatasetIndex,
    private readonly table: RecordTable,
    /** Record numbers of the images this source serves, in index order. */
    private readonly members: Uint32Array,
    private readonly root: string,
    private readonly maxPixels: number,
    private readonly labelled: boolean,
  ) {
    this.size = members.length;
    this.classNames = labelled ? index.summary.layout.classNames : [];
  }

  static async open(cacheDir: string, options: IndexedSourceOptions = {}): Promise<IndexedImageSource> {
    const index = await DatasetIndex.open(cacheDir);
    const { layout } = index.summary;
    const wanted = options.splits ?? layout.splits;
    const unknown = wanted.filter((s) => !layout.splits.includes(s));
    if (unknown.length > 0) {
      throw new Error(`The dataset has no split ${unknown.map((s) => `"${s}"`).join(', ')}; its splits are ${layout.splits.map((s) => `"${s}"`).join(', ')}.`);
    }
    const splitSet = new Set(wanted.map((s) => layout.splits.indexOf(s)));
    const table = await index.loadRecords();
    const members = new Uint32Array(table.size);
    let count = 0;
    for (let i = 0; i < table.size; i++) if (table.isUsable(i) && splitSet.has(table.split(i))) members[count++] = i;
    if (count === 0) {
      throw new Error(`The dataset index in ${cacheDir} has no usable images in split(s) ${wanted.join(', ')} (${index.summary.statistics.overall.bad} bad files; see the dataset report).`);
    }
    const labelled = layout.labelRole === 'class' || (layout.labelRole === 'identity' && options.identityLabels === true);
    return new IndexedImageSource(index, table, members.slice(0, count), options.datasetRoot ?? index.summary.datasetRoot, options.maxPixels ?? index.summary.maxPixels, labelled);
  }

  /** The index record number behind item `index` (for the dataset browser). */
  recordOf(index: number): number {
    const record = this.members[index];
    if (record === undefined || !Number.isInteger(index)) throw new RangeError(`item ${index} is outside the source (0…${this.size - 1})`);
    return record;
  }

  label(index: number): number | null {
    return this.labelled ? this.table.label(this.recordOf(index)) : null;
  }

  describe(index: number): string {
    return this.table.path(this.recordOf(index));
  }

  /** The split name of item `index`. */
  splitOf(index: number): string {
    return this.index.summary.layout.splits[this.table.split(this.recordOf(index))] ?? '';
  }

  async read(index: number): Promise<RgbImage> {
    const path = this.describe(index);
    const absolute = isAbsolute(path) ? path : join(this.root, path);
    try {
      return await decodeImageFile(absolute, this.maxPixels);
    } catch (error) {
      throw new ImageReadError(path, (error as Error).message);
    }
  }
}
