/**
 * Contact sheets for looking at the generator: tiles images (and optionally
 * their masks, colour-coded) into one RGB image.
 */
import type { LabelMap, RgbImage } from '../image-source.js';
import { PART_COUNT } from './parts.js';

/** One distinct colour per part id (background black, skin tan, eyes green/blue, …). */
export const PART_COLORS: readonly (readonly [number, number, number])[] = [
  [0, 0, 0],
  [222, 184, 135],
  [0, 200, 0],
  [0, 90, 255],
  [150, 75, 0],
  [255, 0, 255],
  [255, 0, 0],
  [255, 255, 0],
];

export function maskToRgb(mask: LabelMap): RgbImage {
  const data = new Uint8Array(mask.width * mask.height * 3);
  for (let i = 0; i < mask.data.length; i++) {
    const color = PART_COLORS[mask.data[i]! % PART_COUNT]!;
    data[i * 3] = color[0];
    data[i * 3 + 1] = color[1];
    data[i * 3 + 2] = color[2];
  }
  return { width: mask.width, height: mask.height, data };
}

/** Tiles equally sized images row-major into `columns` columns with a `gap`-pixel grey border. */
export function tileImages(images: readonly RgbImage[], columns: number, gap = 2): RgbImage {
  const first = images[0];
  if (first === undefined) throw new Error('tileImages: no images');
  const { width: w, height: h } = first;
  const rows = Math.ceil(images.length / columns);
  const width = columns * w + (columns + 1) * gap;
  const height = rows * h + (rows + 1) * gap;
  const data = new Uint8Array(width * height * 3).fill(96);
  images.forEach((image, i) => {
    if (image.width !== w || image.height !== h) throw new Error('tileImages: images differ in size');
    const ox = gap + (i % columns) * (w + gap);
    const oy = gap + Math.floor(i / columns) * (h + gap);
    for (let y = 0; y < h; y++) {
      data.set(image.data.subarray(y * w * 3, (y + 1) * w * 3), ((oy + y) * width + ox) * 3);
    }
  });
  return { width, height, data };
}
