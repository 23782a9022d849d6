/**
 * ITU-R 601-2 luma as PIL computes it for `convert("L")`:
 * L = (R·19595 + G·38470 + B·7471 + 2^15) >> 16, i.e. R·299/1000 + G·587/1000
 * + B·114/1000 in 16-bit fixed point, rounded to nearest (libImaging/Convert.c
 * `L24`). Used by RandomGrayscale (fra-spec §3, p 0.2; torchvision's
 * `to_grayscale(img, 3)` replicates L to three channels) and as the
 * degenerate image of the contrast and saturation jitters.
 *
 * `through` (optional) is a pending point-op table applied to the inputs first.
 */
import type { RgbImage } from '../../image-source.js';
import type { ByteTable } from './lookup-table.js';

/** PIL's 8-bit luma of one RGB pixel. */
export function pilLuma(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
}

/** Replace every pixel by its luma on all three channels, in place. */
export function grayscaleInPlace(image: RgbImage, through?: ByteTable): RgbImage {
  const data = image.data;
  for (let i = 0; i < data.length; i += 3) {
    let r = data[i] as number;
    let g = data[i + 1] as number;
    let b = data[i + 2] as number;
    if (through !== undefined) {
      r = through[r] as number;
      g = through[g] as number;
      b = through[b] as number;
    }
    const l = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    data[i] = l;
    data[i + 1] = l;
    data[i + 2] = l;
  }
  return image;
}

/** Mean luma as `ImageEnhance.Contrast` uses it: int(mean of L + 0.5). */
export function pilMeanLuma(image: RgbImage, through?: ByteTable): number {
  const data = image.data;
  let sum = 0;
  if (through === undefined) {
    for (let i = 0; i < data.length; i += 3) {
      sum += ((data[i] as number) * 19595 + (data[i + 1] as number) * 38470 + (data[i + 2] as number) * 7471 + 0x8000) >> 16;
    }
  } else {
    for (let i = 0; i < data.length; i += 3) {
      const r = through[data[i] as number] as number;
      const g = through[data[i + 1] as number] as number;
      const b = through[data[i + 2] as number] as number;
      sum += (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }
  }
  const pixels = data.length / 3;
  return pixels === 0 ? 0 : Math.trunc(sum / pixels + 0.5);
}
