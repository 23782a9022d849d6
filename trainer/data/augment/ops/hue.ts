/**
 * Hue jitter: torchvision `adjust_hue` on a PIL image (fra-spec §3: hue
 * factor ~ U[−0.1, 0.1]). The reference converts to PIL's 8-bit HSV, adds
 * `np.uint8(hue_factor·255)` to H with uint8 wrap-around, and converts back.
 * This reproduces libImaging/Convert.c `rgb2hsv_row` and `hsv2rgb` including
 * their mix of C float and double arithmetic, so results match PIL bit for bit.
 *
 * Note the 8-bit HSV round trip is lossy: even a zero shift can move a
 * saturated colour by a few levels (greys are unchanged). That is the
 * reference's behaviour, so it is kept.
 *
 * Speed: every intermediate that depends on at most two 8-bit quantities
 * (float quotients, S, the hsv2rgb factors) comes from tables built once per
 * process (~1.4 MB), leaving a few adds and multiplies per pixel.
 */
import type { RgbImage } from '../../image-source.js';
import { f32 } from './reference-numerics.js';

/** The uint8 hue offset torchvision adds: `np.uint8(hue_factor * 255)` (truncate, wrap mod 256). */
export function hueShiftBytes(hueFactor: number): number {
  if (!(hueFactor >= -0.5 && hueFactor <= 0.5)) {
    throw new RangeError(`hue factor ${hueFactor} is not in [-0.5, 0.5]`);
  }
  return ((Math.trunc(hueFactor * 255) % 256) + 256) % 256;
}

interface HsvTables {
  /** [num·256 + cr] = (float)num / (float)cr — rgb2hsv's rc, gc, bc. */
  quotient: Float32Array;
  /** [cr·256 + max] = 8-bit S = (int)((float)(cr / max) · 255). */
  saturation: Uint8Array;
  /** [h] = hsv2rgb's sector i % 6, with i = floor(h·6/255). */
  sector: Uint8Array;
  /** [s·256 + v] = p = round(v·(1 − fs)). */
  p: Uint8Array;
  /** [s·256 + h] = 1 − (float)(fs·f), the factor of q = round(v·…). */
  qFactor: Float64Array;
  /** [s·256 + h] = 1 − fs·(1 − f), the factor of t = round(v·…). */
  tFactor: Float64Array;
}

let tables: HsvTables | null = null;

function hsvTables(): HsvTables {
  if (tables !== null) return tables;
  const quotient = new Float32Array(256 * 256);
  const saturation = new Uint8Array(256 * 256);
  for (let cr = 1; cr < 256; cr++) {
    for (let num = 0; num <= cr; num++) quotient[num * 256 + cr] = f32(num / cr);
    for (let max = cr; max < 256; max++) saturation[cr * 256 + max] = Math.trunc(f32(cr / max) * 255.0);
  }
  const sector = new Uint8Array(256);
  const remainder = new Float32Array(256);
  for (let h = 0; h < 256; h++) {
    const scaled = (h * 6.0) / 255.0;
    sector[h] = Math.floor(scaled) % 6; // h = 255 gives i = 6, which C's switch (i % 6) treats as 0
    remainder[h] = f32(scaled - Math.floor(scaled));
  }
  const p = new Uint8Array(256 * 256);
  const qFactor = new Float64Array(256 * 256);
  const tFactor = new Float64Array(256 * 256);
  for (let s = 1; s < 256; s++) {
    const fs = f32(s / 255.0);
    for (let v = 0; v < 256; v++) p[s * 256 + v] = Math.round(v * (1.0 - fs));
    for (let h = 0; h < 256; h++) {
      const f = remainder[h] as number;
      qFactor[s * 256 + h] = 1.0 - f32(fs * f);
      tFactor[s * 256 + h] = 1.0 - fs * (1.0 - f);
    }
  }
  tables = { quotient, saturation, sector, p, qFactor, tFactor };
  return tables;
}

/**
 * Shift the hue in place. `through`, when given, is a 256-entry table applied
 * to every input value first (a pending brightness/contrast adjustment).
 */
export function adjustHueInPlace(image: RgbImage, hueFactor: number, through?: Uint8Array): RgbImage {
  const shift = hueShiftBytes(hueFactor);
  const { quotient, saturation, sector, p: pTable, qFactor, tFactor } = hsvTables();
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
    const max = r > g ? (r > b ? r : b) : g > b ? g : b;
    const min = r < g ? (r < b ? r : b) : g < b ? g : b;
    if (max === min) {
      // S = 0: a grey, which the round trip leaves unchanged.
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
      continue;
    }
    // rgb2hsv_row: float quotients, 2.0/4.0 offsets and h/6 + 1 in double, stored as float.
    const cr = max - min;
    let h: number;
    if (r === max) h = f32((quotient[(max - b) * 256 + cr] as number) - (quotient[(max - g) * 256 + cr] as number));
    else if (g === max) h = f32(2.0 + (quotient[(max - r) * 256 + cr] as number) - (quotient[(max - b) * 256 + cr] as number));
    else h = f32(4.0 + (quotient[(max - g) * 256 + cr] as number) - (quotient[(max - r) * 256 + cr] as number));
    // fmod(h/6 + 1, 1) on an argument in [5/6, 11/6]: one exact subtraction.
    const wrapped = h / 6.0 + 1.0;
    const uh = Math.trunc(f32(wrapped >= 1.0 ? wrapped - 1.0 : wrapped) * 255.0);
    const us = saturation[cr * 256 + max] as number;

    // hsv2rgb with the shifted hue (S ≥ 1 here since max > min).
    const hh = (uh + shift) & 255;
    const k = us * 256 + hh;
    const p = pTable[us * 256 + max] as number;
    const q = Math.round(max * (qFactor[k] as number));
    const t = Math.round(max * (tFactor[k] as number));
    switch (sector[hh]) {
      case 0:
        data[i] = max;
        data[i + 1] = t;
        data[i + 2] = p;
        break;
      case 1:
        data[i] = q;
        data[i + 1] = max;
        data[i + 2] = p;
        break;
      case 2:
        data[i] = p;
        data[i + 1] = max;
        data[i + 2] = t;
        break;
      case 3:
        data[i] = p;
        data[i + 1] = q;
        data[i + 2] = max;
        break;
      case 4:
        data[i] = t;
        data[i + 1] = p;
        data[i + 2] = max;
        break;
      default:
        data[i] = max;
        data[i + 1] = p;
        data[i + 2] = q;
        break;
    }
  }
  return image;
}
