/**
 * Bilinear resize of a pixel box, bit-exact with PIL's `Image.resize(size,
 * Image.BILINEAR)` on 8-bit RGB — what torchvision's `Resize` and
 * `RandomResizedCrop` (crop, then resize) run on PIL images in the reference
 * (fra-spec §3 and §7.1).
 *
 * PIL's algorithm (libImaging/Resample.c), reproduced step by step:
 * - A separable convolution with the triangle filter, support 1 scaled by
 *   max(1, in/out): pure bilinear interpolation (half-pixel centres) when
 *   upscaling, an antialiasing area-style filter when downscaling.
 * - Weights per output pixel are normalised to sum 1, then converted to
 *   22-bit fixed point (`PRECISION_BITS = 32 − 8 − 2`).
 * - Horizontal pass first, over only the rows the vertical pass needs,
 *   rounded to 8 bits; then the vertical pass, rounded again.
 * - An axis whose size does not change is not resampled (PIL skips the pass;
 *   its weights would be the identity anyway).
 * Pixels outside the box are never read, as if the box had been cropped first.
 * `mirror` writes the result flipped left–right (an exact pixel move, so a
 * flip after the resize costs nothing).
 */
import type { RgbImage } from '../../image-source.js';

/** An integer pixel rectangle; `top`/`left`/`height`/`width` are torchvision's i, j, h, w. */
export interface PixelBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);

/** Fixed-point weights of one axis: output pixel `o` reads `count[o]` inputs from `first[o]`. */
export interface AxisWeights {
  taps: number;
  first: Int32Array;
  count: Int32Array;
  /** `outSize × taps` fixed-point weights (scaled by 2^22). */
  weights: Int32Array;
}

function triangle(x: number): number {
  const ax = x < 0 ? -x : x;
  return ax < 1 ? 1 - ax : 0;
}

/** PIL's `precompute_coeffs` + `normalize_coeffs_8bpc` for the bilinear filter. */
export function bilinearAxisWeights(inSize: number, outSize: number): AxisWeights {
  const scale = inSize / outSize;
  const filterScale = scale < 1 ? 1 : scale;
  const support = filterScale; // bilinear support 1.0 × filterScale
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const inverseScale = 1 / filterScale;
  const raw = new Float64Array(taps);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    // (int) casts truncate toward zero, then clamp to the image.
    let lo = Math.trunc(center - support + 0.5);
    if (lo < 0) lo = 0;
    let hi = Math.trunc(center + support + 0.5);
    if (hi > inSize) hi = inSize;
    const n = hi - lo;
    let total = 0;
    for (let k = 0; k < n; k++) {
      const w = triangle((k + lo - center + 0.5) * inverseScale);
      raw[k] = w;
      total += w;
    }
    for (let k = 0; k < n; k++) {
      const w = total !== 0 ? (raw[k] as number) / total : (raw[k] as number);
      // Rounded half away from zero to fixed point, as (int)(±0.5 + w·2^22).
      weights[o * taps + k] = w < 0 ? Math.trunc(-0.5 + w * (1 << PRECISION_BITS)) : Math.trunc(0.5 + w * (1 << PRECISION_BITS));
    }
    first[o] = lo;
    count[o] = n;
  }
  return { taps, first, count, weights };
}

/**
 * The same weights without taps whose fixed-point weight is 0 (PIL reads
 * them, but adding 0 changes nothing). Upscaling then needs only 2 taps.
 */
export interface TrimmedWeights extends AxisWeights {
  /** Largest tap count of any output pixel. */
  maxCount: number;
}

export function trimZeroTaps(axis: AxisWeights): TrimmedWeights {
  const { taps, first, count, weights } = axis;
  const outSize = first.length;
  const trimmedFirst = new Int32Array(outSize);
  const trimmedCount = new Int32Array(outSize);
  const trimmed = new Int32Array(outSize * taps);
  let maxCount = 0;
  for (let o = 0; o < outSize; o++) {
    let lo = 0;
    let hi = count[o] as number;
    while (lo < hi && weights[o * taps + lo] === 0) lo++;
    while (hi > lo && weights[o * taps + hi - 1] === 0) hi--;
    if (hi === lo) hi = lo + 1; // keep one (zero) tap so every output has a source row/column
    trimmedFirst[o] = (first[o] as number) + lo;
    trimmedCount[o] = hi - lo;
    for (let k = lo; k < hi; k++) trimmed[o * taps + k - lo] = weights[o * taps + k] as number;
    maxCount = Math.max(maxCount, hi - lo);
  }
  return { taps, first: trimmedFirst, count: trimmedCount, weights: trimmed, maxCount };
}

export interface ResizeOptions {
  /** Source rectangle (default: the whole image). */
  box?: PixelBox;
  /** Flip the output left–right (torchvision's hflip after the resize). */
  mirror?: boolean;
}

/**
 * Resize `box` of `image` (default: the whole image) to `outWidth × outHeight`
 * with PIL's bilinear filter. Returns a new image.
 */
export function resizeBilinear(image: RgbImage, outWidth: number, outHeight: number, options: ResizeOptions = {}): RgbImage {
  const { box, mirror = false } = options;
  const region = box ?? { top: 0, left: 0, height: image.height, width: image.width };
  checkBox(image, region);
  if (!(Number.isInteger(outWidth) && Number.isInteger(outHeight) && outWidth > 0 && outHeight > 0)) {
    throw new RangeError(`resize: output size must be positive integers, got ${outWidth}×${outHeight}`);
  }
  const resizeRows = outHeight !== region.height;
  const vertical = trimZeroTaps(bilinearAxisWeights(region.height, outHeight));
  // Box rows the vertical pass reads; only these go through the horizontal pass.
  let rowFirst = 0;
  let rowLast = region.height;
  if (resizeRows) {
    rowFirst = vertical.first[0] as number;
    rowLast = (vertical.first[outHeight - 1] as number) + (vertical.count[outHeight - 1] as number);
  }
  const mid = horizontalPass(image, region, rowFirst, rowLast - rowFirst, outWidth, mirror);
  if (!resizeRows) return { width: outWidth, height: outHeight, data: mid };
  return { width: outWidth, height: outHeight, data: verticalPass(mid, outWidth * 3, rowFirst, vertical) };
}

/** Resample rows [rowFirst, rowFirst + rows) of the box to `outWidth` (PIL's horizontal pass). */
function horizontalPass(image: RgbImage, region: PixelBox, rowFirst: number, rows: number, outWidth: number, mirror: boolean): Uint8Array {
  const src = image.data;
  const srcStride = image.width * 3;
  const midStride = outWidth * 3;
  const mid = new Uint8Array(midStride * rows);
  const step = mirror ? -3 : 3;
  const rowOut = (r: number): number => (mirror ? (r + 1) * midStride - 3 : r * midStride);
  if (outWidth === region.width) {
    // PIL skips the pass; only the (optional) mirror moves pixels.
    for (let r = 0; r < rows; r++) {
      const start = (region.top + rowFirst + r) * srcStride + region.left * 3;
      if (!mirror) {
        mid.set(src.subarray(start, start + midStride), r * midStride);
        continue;
      }
      let out = rowOut(r);
      for (let p = start; p < start + midStride; p += 3, out -= 3) {
        mid[out] = src[p] as number;
        mid[out + 1] = src[p + 1] as number;
        mid[out + 2] = src[p + 2] as number;
      }
    }
    return mid;
  }
  const axis = trimZeroTaps(bilinearAxisWeights(region.width, outWidth));
  const { taps, first, count, weights } = axis;
  if (axis.maxCount <= 2) {
    // Upscaling: at most two taps per output pixel.
    const off0 = new Int32Array(outWidth);
    const off1 = new Int32Array(outWidth);
    const w0 = new Int32Array(outWidth);
    const w1 = new Int32Array(outWidth);
    for (let o = 0; o < outWidth; o++) {
      off0[o] = (region.left + (first[o] as number)) * 3;
      const two = count[o] === 2;
      off1[o] = (off0[o] as number) + (two ? 3 : 0);
      w0[o] = weights[o * taps] as number;
      w1[o] = two ? (weights[o * taps + 1] as number) : 0;
    }
    for (let r = 0; r < rows; r++) {
      const rowStart = (region.top + rowFirst + r) * srcStride;
      let out = rowOut(r);
      for (let o = 0; o < outWidth; o++, out += step) {
        const a = rowStart + (off0[o] as number);
        const b = rowStart + (off1[o] as number);
        const wa = w0[o] as number;
        const wb = w1[o] as number;
        mid[out] = clip8(HALF + (src[a] as number) * wa + (src[b] as number) * wb);
        mid[out + 1] = clip8(HALF + (src[a + 1] as number) * wa + (src[b + 1] as number) * wb);
        mid[out + 2] = clip8(HALF + (src[a + 2] as number) * wa + (src[b + 2] as number) * wb);
      }
    }
    return mid;
  }
  for (let r = 0; r < rows; r++) {
    const rowStart = (region.top + rowFirst + r) * srcStride + region.left * 3;
    let out = rowOut(r);
    for (let o = 0; o < outWidth; o++, out += step) {
      const n = count[o] as number;
      const wBase = o * taps;
      let p = rowStart + (first[o] as number) * 3;
      let s0 = HALF;
      let s1 = HALF;
      let s2 = HALF;
      for (let k = 0; k < n; k++, p += 3) {
        const w = weights[wBase + k] as number;
        s0 += (src[p] as number) * w;
        s1 += (src[p + 1] as number) * w;
        s2 += (src[p + 2] as number) * w;
      }
      mid[out] = clip8(s0);
      mid[out + 1] = clip8(s1);
      mid[out + 2] = clip8(s2);
    }
  }
  return mid;
}

/** PIL's vertical pass over the horizontally resampled rows (`mid` starts at box row `rowFirst`). */
function verticalPass(mid: Uint8Array, stride: number, rowFirst: number, axis: TrimmedWeights): Uint8Array {
  const { taps, first, count, weights } = axis;
  const outHeight = first.length;
  const dst = new Uint8Array(stride * outHeight);
  if (axis.maxCount <= 2) {
    for (let o = 0; o < outHeight; o++) {
      const a = ((first[o] as number) - rowFirst) * stride;
      const two = count[o] === 2;
      const b = two ? a + stride : a;
      const wa = weights[o * taps] as number;
      const wb = two ? (weights[o * taps + 1] as number) : 0;
      const outRow = o * stride;
      for (let c = 0; c < stride; c++) dst[outRow + c] = clip8(HALF + (mid[a + c] as number) * wa + (mid[b + c] as number) * wb);
    }
    return dst;
  }
  // Accumulate whole rows tap by tap, so memory is read sequentially.
  const acc = new Int32Array(stride);
  for (let o = 0; o < outHeight; o++) {
    const n = count[o] as number;
    acc.fill(HALF);
    for (let k = 0; k < n; k++) {
      const w = weights[o * taps + k] as number;
      const rowBase = ((first[o] as number) - rowFirst + k) * stride;
      for (let c = 0; c < stride; c++) acc[c] = (acc[c] as number) + (mid[rowBase + c] as number) * w;
    }
    const outRow = o * stride;
    for (let c = 0; c < stride; c++) dst[outRow + c] = clip8(acc[c] as number);
  }
  return dst;
}

/** PIL's `clip8`: drop the fixed-point fraction, clamp to 0…255. */
function clip8(sum: number): number {
  const v = sum >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

function checkBox(image: RgbImage, box: PixelBox): void {
  const { top, left, height, width } = box;
  const ok =
    Number.isInteger(top) &&
    Number.isInteger(left) &&
    Number.isInteger(height) &&
    Number.isInteger(width) &&
    top >= 0 &&
    left >= 0 &&
    height > 0 &&
    width > 0 &&
    top + height <= image.height &&
    left + width <= image.width;
  if (!ok) {
    throw new RangeError(
      `resize: box ${JSON.stringify(box)} is not inside the ${image.width}×${image.height} image`,
    );
  }
}
