/**
 * RandomAffine(degrees 0, translate (0.2, 0.2)) of the fine-tuning transform
 * (fra-spec §7.1), as torchvision runs it on PIL images: the shift is
 * tx = round(U(−0.2·W, 0.2·W)), ty = round(U(−0.2·H, 0.2·H)) (Python
 * rounding), and the image is moved by (tx, ty) with nearest-neighbour
 * sampling; uncovered pixels are filled with 0. With an integer shift and no
 * rotation PIL's affine reduces to an exact pixel move: out(x, y) =
 * in(x − tx, y − ty).
 */
import type { RgbImage } from '../../image-source.js';
import type { Rng } from '../random.js';
import { roundHalfEven } from './reference-numerics.js';

export interface Translation {
  dx: number;
  dy: number;
}

export function sampleTranslation(rng: Rng, width: number, height: number, fraction = 0.2): Translation {
  const maxDx = fraction * width;
  const maxDy = fraction * height;
  const dx = roundHalfEven(rng.uniform(-maxDx, maxDx));
  const dy = roundHalfEven(rng.uniform(-maxDy, maxDy));
  // Normalise −0 so parameters print and compare cleanly.
  return { dx: dx + 0, dy: dy + 0 };
}

/** Shift by (dx, dy) pixels, filling with black; returns a new image. */
export function translate(image: RgbImage, { dx, dy }: Translation): RgbImage {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  const stride = width * 3;
  const x0 = Math.max(0, dx);
  const x1 = Math.min(width, width + dx);
  if (x1 <= x0) return { width, height, data: out };
  for (let y = Math.max(0, dy); y < Math.min(height, height + dy); y++) {
    const srcRow = (y - dy) * stride;
    out.set(data.subarray(srcRow + (x0 - dx) * 3, srcRow + (x1 - dx) * 3), y * stride + x0 * 3);
  }
  return { width, height, data: out };
}
