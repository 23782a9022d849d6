/**
 * Packs PIL's bilinear weights (../ops/resize.ts: `bilinearAxisWeights`,
 * zero taps trimmed) into the records the resize kernels read, one per
 * output pixel or row, in output order (formats: ./kernels/resize-kernels.ts).
 *
 * Every record of a plan gets the same tap count (the largest; extra taps
 * have weight 0 and read whatever follows), so the kernels' inner loops run a
 * fixed number of times and their exits are always predicted.
 *
 * Crop sizes repeat constantly over an epoch, so plans are cached per
 * (input size, output size, layout); the cache is bounded by clearing it.
 */
import { bilinearAxisWeights, trimZeroTaps } from '../ops/resize.js';
import { WEIGHT_SPLIT_BITS } from './kernels/resize-kernels.js';

export interface RowsPlan {
  records: Int32Array;
  /** Pairs of taps in every record. */
  pairs: number;
}

export interface ColumnsPlan {
  records: Int32Array;
  /** Taps in every record. */
  taps: number;
  /** First input row the vertical pass needs (relative to the crop). */
  rowFirst: number;
  /** Number of input rows it needs, from `rowFirst` (what the horizontal pass must produce). */
  rowCount: number;
  /** Rows it reads, from `rowFirst`, including the zero-weight padding taps (≥ rowCount). */
  rowSpan: number;
}

const MAX_CACHED = 4096;
const rowsCache = new Map<string, RowsPlan>();
const columnsCache = new Map<string, ColumnsPlan>();

function remember<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= MAX_CACHED) cache.clear();
    value = make();
    cache.set(key, value);
  }
  return value;
}

/**
 * Horizontal pass plan: per pixel `[byte offset from the crop's left edge,
 * pair count]` then, per pair of taps, the i16 lanes of the low and high
 * weight parts (layout R₀ R₁ G₀ G₁ B₀ B₁ 0 0), and an even number of records
 * (a zero-weight dummy last when the width is odd). Mirrored, the records run
 * in reverse, so output pixel x is the source's output pixel W − 1 − x: PIL's
 * resize followed by a flip.
 */
export function rowsPlan(inWidth: number, outWidth: number, mirror: boolean): RowsPlan {
  return remember(rowsCache, `${inWidth}:${outWidth}:${mirror ? 1 : 0}`, () => {
    const axis = trimZeroTaps(bilinearAxisWeights(inWidth, outWidth));
    const pairs = Math.ceil(axis.maxCount / 2);
    const recordCount = outWidth + (outWidth % 2);
    const records = new Int32Array(recordCount * (2 + 8 * pairs));
    const halves = new Int16Array(records.buffer);
    const lowMask = (1 << WEIGHT_SPLIT_BITS) - 1;
    let at = 0;
    for (let x = 0; x < outWidth; x++) {
      const o = mirror ? outWidth - 1 - x : x;
      const n = axis.count[o] as number;
      records[at] = (axis.first[o] as number) * 3;
      records[at + 1] = pairs;
      at += 2;
      for (let k = 0; k < 2 * pairs; k += 2) {
        const w0 = k < n ? (axis.weights[o * axis.taps + k] as number) : 0;
        const w1 = k + 1 < n ? (axis.weights[o * axis.taps + k + 1] as number) : 0;
        // Low parts (lanes 0–5 of the first vector), then high parts (second vector).
        for (let c = 0; c < 3; c++) {
          halves[2 * at + 2 * c] = w0 & lowMask;
          halves[2 * at + 2 * c + 1] = w1 & lowMask;
          halves[2 * at + 8 + 2 * c] = w0 >> WEIGHT_SPLIT_BITS;
          halves[2 * at + 8 + 2 * c + 1] = w1 >> WEIGHT_SPLIT_BITS;
        }
        at += 8;
      }
    }
    if (recordCount > outWidth) records[at + 1] = pairs; // the dummy: offset 0, all weights 0
    return { records, pairs };
  });
}

/** Vertical pass plan over rows of `stride` bytes, offsets relative to `rowFirst`. */
export function columnsPlan(inHeight: number, outHeight: number, stride: number): ColumnsPlan {
  return remember(columnsCache, `${inHeight}:${outHeight}:${stride}`, () => {
    const axis = trimZeroTaps(bilinearAxisWeights(inHeight, outHeight));
    const taps = axis.maxCount;
    const rowFirst = axis.first[0] as number;
    const rowEnd = (axis.first[outHeight - 1] as number) + (axis.count[outHeight - 1] as number);
    const records = new Int32Array(outHeight * (2 + taps));
    let rowSpan = 0;
    for (let o = 0, at = 0; o < outHeight; o++, at += 2 + taps) {
      const n = axis.count[o] as number;
      const first = (axis.first[o] as number) - rowFirst;
      records[at] = first * stride;
      records[at + 1] = taps;
      for (let k = 0; k < n; k++) records[at + 2 + k] = axis.weights[o * axis.taps + k] as number;
      rowSpan = Math.max(rowSpan, first + taps);
    }
    return { records, taps, rowFirst, rowCount: rowEnd - rowFirst, rowSpan };
  });
}
