/**
 * RandomRotation(10) of the fine-tuning transform (fra-spec §7.1): angle ~
 * U(−10°, 10°), counter-clockwise about the image centre, nearest neighbour,
 * same output size, fill 0 — torchvision calls PIL `Image.rotate(angle,
 * NEAREST, expand=False, fillcolor=0)`. This reproduces PIL's inverse matrix
 * (cos/sin rounded to 15 decimals) and its 16.16 fixed-point nearest-neighbour
 * affine loop (libImaging/Geometry.c `affine_fixed`), so it matches PIL
 * except where V8's and the C library's cos/sin differ in the last bit and
 * that difference crosses a 2^-16 rounding boundary (not observed in tests).
 */
import type { RgbImage } from '../../image-source.js';
import type { Rng } from '../random.js';
import { roundTo15Digits } from './reference-numerics.js';

export function sampleRotation(rng: Rng, maxDegrees = 10): number {
  return rng.uniform(-maxDegrees, maxDegrees);
}

/** Rotate by `degrees` counter-clockwise, nearest neighbour, black fill; returns a new image. */
export function rotateNearest(image: RgbImage, degrees: number): RgbImage {
  const { width, height, data } = image;
  const angle = ((degrees % 360) + 360) % 360; // Python's angle % 360.0
  if (angle === 0) return { width, height, data: data.slice() };
  const theta = -(angle * (Math.PI / 180));
  const cos = roundTo15Digits(Math.cos(theta));
  const sin = roundTo15Digits(Math.sin(theta));
  const negSin = roundTo15Digits(-Math.sin(theta));
  const cx = width / 2;
  const cy = height / 2;
  // Inverse matrix (output → input), as PIL's Image.rotate builds it.
  const a = [cos, sin, cos * -cx + sin * -cy + 0 + cx, negSin, cos, negSin * -cx + cos * -cy + 0 + cy] as const;
  const out = new Uint8Array(data.length);
  // affine_fixed: 16.16 fixed point, sampling at pixel centres.
  const fix = (v: number): number => {
    const s = v * 65536 + 0.5;
    return s < 0 ? Math.floor(s) : Math.trunc(s);
  };
  const a0 = fix(a[0]);
  const a1 = fix(a[1]);
  const a3 = fix(a[3]);
  const a4 = fix(a[4]);
  let a2 = fix(a[2] + a[0] * 0.5 + a[1] * 0.5);
  let a5 = fix(a[5] + a[3] * 0.5 + a[4] * 0.5);
  for (let y = 0; y < height; y++) {
    let xx = a2;
    let yy = a5;
    let o = y * width * 3;
    for (let x = 0; x < width; x++, o += 3) {
      const xin = xx >> 16;
      if (xin >= 0 && xin < width) {
        const yin = yy >> 16;
        if (yin >= 0 && yin < height) {
          const p = (yin * width + xin) * 3;
          out[o] = data[p] as number;
          out[o + 1] = data[p + 1] as number;
          out[o + 2] = data[p + 2] as number;
        }
      }
      xx += a0;
      yy += a3;
    }
    a2 += a1;
    a5 += a4;
  }
  return { width, height, data: out };
}
