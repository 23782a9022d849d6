/**
 * Solarize (fra-spec §3: threshold 128, p 0 on view 1 and 0.2 on view 2):
 * PIL `ImageOps.solarize(img, 128)` maps every 8-bit value v ≥ threshold to
 * 255 − v and leaves smaller values unchanged (a point operation). Exact.
 */
import type { RgbImage } from '../../image-source.js';
import { applyTableInPlace, type ByteTable } from './lookup-table.js';

export const FRA_SOLARIZE_THRESHOLD = 128;

export function solarizeTable(threshold: number = FRA_SOLARIZE_THRESHOLD): ByteTable {
  const table = new Uint8Array(256);
  for (let v = 0; v < 256; v++) table[v] = v >= threshold ? 255 - v : v;
  return table;
}

export function solarizeInPlace(image: RgbImage, threshold: number = FRA_SOLARIZE_THRESHOLD): RgbImage {
  applyTableInPlace(image.data, solarizeTable(threshold));
  return image;
}
