/**
 * Colour palettes the face sampler draws from, in sRGB 0–255 (converted to
 * [0, 1] on use). Skin tones span light to deep (roughly the Fitzpatrick
 * range as photographed), hair and iris colours follow their natural
 * frequencies loosely, with rare dyed hair so colour alone never identifies a part.
 */
import type { Rgb } from './raster.js';
import type { Rng } from './rng.js';

type Rgb255 = readonly [number, number, number];

export const SKIN_TONES: readonly Rgb255[] = [
  [250, 221, 200],
  [241, 200, 175],
  [230, 184, 152],
  [218, 165, 128],
  [199, 144, 106],
  [172, 118, 84],
  [141, 94, 66],
  [112, 72, 50],
  [86, 56, 40],
];

export const HAIR_COLORS: readonly (readonly [Rgb255, number])[] = [
  [[24, 20, 19], 5],
  [[48, 34, 26], 5],
  [[82, 56, 36], 4],
  [[128, 92, 58], 3],
  [[122, 58, 32], 1.5],
  [[196, 158, 98], 2],
  [[222, 200, 160], 0.8],
  [[140, 136, 132], 1.2],
  [[212, 208, 204], 0.7],
  [[150, 40, 70], 0.3],
  [[50, 70, 140], 0.2],
];

export const IRIS_COLORS: readonly (readonly [Rgb255, number])[] = [
  [[58, 36, 22], 5],
  [[96, 62, 34], 4],
  [[118, 98, 52], 1.5],
  [[74, 110, 76], 1],
  [[72, 112, 160], 2],
  [[112, 124, 136], 1],
];

export const GLASSES_FRAMES: readonly Rgb255[] = [
  [20, 20, 22],
  [70, 45, 30],
  [150, 150, 155],
  [180, 150, 80],
  [120, 30, 40],
];

export function toRgb(c: Rgb255): Rgb {
  return [c[0] / 255, c[1] / 255, c[2] / 255];
}

/** A palette colour with small per-channel variation (no two faces share an exact tone). */
export function jitterColor(rng: Rng, c: Rgb255, amount: number): Rgb {
  const shade = 1 + rng.jitter(amount);
  return [
    clamp01((c[0] / 255) * shade * (1 + rng.jitter(amount / 3))),
    clamp01((c[1] / 255) * shade * (1 + rng.jitter(amount / 3))),
    clamp01((c[2] / 255) * shade * (1 + rng.jitter(amount / 3))),
  ];
}

/** HSV → RGB, all in [0, 1]. */
export function hsv(h: number, s: number, v: number): Rgb {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  switch (((i % 6) + 6) % 6) {
    case 0:
      return [v, t, p];
    case 1:
      return [q, v, p];
    case 2:
      return [p, v, t];
    case 3:
      return [p, q, v];
    case 4:
      return [t, p, v];
    default:
      return [v, p, q];
  }
}

export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

export function scale(c: Rgb, k: number): Rgb {
  return [clamp01(c[0] * k), clamp01(c[1] * k), clamp01(c[2] * k)];
}

export function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
