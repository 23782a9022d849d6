/**
 * Gaussian blur as the reference runs it: `img.filter(ImageFilter.GaussianBlur(
 * radius=σ))` with σ ~ U[0.1, 2.0] (fra-spec §3; `data/transforms.py`
 * GaussianBlur). PIL's "radius" is the standard deviation, and PIL does not
 * convolve with a sampled Gaussian: it runs three passes of an *extended box
 * filter* per axis (Gwosdek et al., SSVM 2011), whose combined kernel has
 * exactly variance σ² and is close to a Gaussian. This module reproduces
 * libImaging/BoxBlur.c bit for bit:
 *
 * - Box radius r = l + a (C float arithmetic, `_gaussian_blur_radius`), with
 *   l = floor((√(4σ² + 1) − 1) / 2) and a the fractional extension.
 * - Each pass is a (2l+3)-tap kernel: weight ww on the 2l+1 central taps and
 *   fw on the two outer taps, in 24-bit fixed point (ww = ⌊2^24 / (2r+1)⌋,
 *   fw = (2^24 − (2l+1)·ww) / 2), rounded to 8 bits after every pass.
 * - Three horizontal passes, then three vertical passes.
 * - Borders: edge pixels are replicated (clamp-to-edge).
 *
 * So the effective 1-D kernel for σ ≤ 2 has radius 3(l+1) ≤ 6 pixels; see
 * `effectiveBlurKernel` for its exact weights.
 */
import type { RgbImage } from '../../image-source.js';
import { f32 } from './reference-numerics.js';

export const FRA_BLUR_SIGMA: readonly [number, number] = [0.1, 2.0];

/** PIL always uses three box passes for GaussianBlur. */
export const BOX_PASSES = 3;

/** One extended box pass: integer radius plus fixed-point (2^24) tap weights. */
export interface ExtendedBox {
  /** Float box radius r = l + a. */
  boxRadius: number;
  /** Integer part l: the central taps are −l…l. */
  radius: number;
  /** Weight of each central tap, scaled by 2^24. */
  innerWeight: number;
  /** Weight of the two outer taps ±(l+1), scaled by 2^24. */
  edgeWeight: number;
}

/** PIL's `_gaussian_blur_radius(σ, passes)`, in C float arithmetic. */
export function pilBoxRadius(sigma: number, passes: number = BOX_PASSES): number {
  const radius = f32(sigma);
  const sigma2 = f32(f32(radius * radius) / passes);
  const L = f32(Math.sqrt(12.0 * sigma2 + 1.0));
  const l = f32(Math.floor((L - 1.0) / 2.0));
  let a = f32(f32(f32(2 * l) + 1) * f32(f32(l * f32(l + 1)) - f32(3 * sigma2)));
  a = f32(a / f32(6 * f32(sigma2 - f32(f32(l + 1) * f32(l + 1)))));
  return f32(l + a);
}

/** The fixed-point weights `ImagingHorizontalBoxBlur` derives from a float radius. */
export function extendedBox(boxRadius: number): ExtendedBox {
  const r = f32(boxRadius);
  const radius = Math.trunc(r);
  const innerWeight = Math.trunc(f32(16777216 / f32(f32(r * 2) + 1)));
  const edgeWeight = Math.floor((16777216 - (radius * 2 + 1) * innerWeight) / 2);
  return { boxRadius: r, radius, innerWeight, edgeWeight };
}

/**
 * The combined 1-D kernel of the three passes (ignoring PIL's per-pass 8-bit
 * rounding), centred: index k is the weight of offset k − (length − 1)/2.
 * Sums to 1 up to the fixed-point truncation of the weights (< 1e-6).
 */
export function effectiveBlurKernel(sigma: number, passes: number = BOX_PASSES): Float64Array {
  const box = extendedBox(pilBoxRadius(sigma, passes));
  const single = new Float64Array(2 * box.radius + 3);
  single[0] = box.edgeWeight / 16777216;
  single[single.length - 1] = box.edgeWeight / 16777216;
  for (let k = 1; k < single.length - 1; k++) single[k] = box.innerWeight / 16777216;
  let kernel: Float64Array = Float64Array.of(1);
  for (let p = 0; p < passes; p++) kernel = convolve(kernel, single);
  return kernel;
}

/** Blur in place with PIL's GaussianBlur(radius = sigma); returns the same image. */
export function gaussianBlurInPlace(image: RgbImage, sigma: number): RgbImage {
  if (!(sigma >= 0)) throw new RangeError(`blur sigma must be ≥ 0, got ${sigma}`);
  const boxRadius = pilBoxRadius(sigma);
  if (boxRadius === 0) return image;
  const box = extendedBox(boxRadius);
  const { width, height, data } = image;
  blurRows(data, width, height, box);
  if (box.radius === 0) {
    blurColumnsStencil(data, width, height, box);
  } else {
    // Like PIL: blur the columns as rows of the transposed image.
    const transposed = transposeRgb(data, width, height);
    blurRows(transposed, height, width, box);
    data.set(transposeRgb(transposed, height, width));
  }
  return image;
}

/**
 * The three horizontal passes. Rows are independent, so each row goes
 * through all three passes in two small edge-padded line buffers: PIL's
 * running sum over replicated edges equals a sliding window over the row
 * padded with r+1 copies of each edge pixel, and all sums are exact integers.
 */
function blurRows(data: Uint8Array, width: number, height: number, box: ExtendedBox): void {
  const pad = box.radius + 1;
  const lineLength = (width + 2 * pad) * 3;
  const a = new Uint8Array(lineLength);
  const b = new Uint8Array(lineLength);
  const rowBytes = width * 3;
  for (let y = 0; y < height; y++) {
    const start = y * rowBytes;
    a.set(data.subarray(start, start + rowBytes), pad * 3);
    padLine(a, width, pad);
    for (let pass = 0; pass < BOX_PASSES; pass++) {
      const src = pass % 2 === 0 ? a : b;
      const dst = pass % 2 === 0 ? b : a;
      blurLine(src, dst, width, box);
      padLine(dst, width, pad);
    }
    const result = BOX_PASSES % 2 === 1 ? b : a;
    data.set(result.subarray(pad * 3, pad * 3 + rowBytes), start);
  }
}

/** Replicate the first and last pixel of the line into its r+1-pixel margins. */
function padLine(line: Uint8Array, n: number, pad: number): void {
  const first = pad * 3;
  const last = (pad + n - 1) * 3;
  const r0 = line[first] as number;
  const g0 = line[first + 1] as number;
  const b0 = line[first + 2] as number;
  const r1 = line[last] as number;
  const g1 = line[last + 1] as number;
  const b1 = line[last + 2] as number;
  for (let p = 0; p < pad; p++) {
    const left = p * 3;
    const right = (pad + n + p) * 3;
    line[left] = r0;
    line[left + 1] = g0;
    line[left + 2] = b0;
    line[right] = r1;
    line[right + 1] = g1;
    line[right + 2] = b1;
  }
}

/**
 * One extended-box pass over a padded RGB line (`n` pixels after r+1 margin
 * pixels): out = (Σ central taps · ww + (outer taps) · fw + 2^23) >>> 24,
 * exact integer arithmetic below 2^32.
 */
function blurLine(src: Uint8Array, dst: Uint8Array, n: number, box: ExtendedBox): void {
  const r = box.radius;
  const ww = box.innerWeight;
  const fw = box.edgeWeight;
  const begin = (r + 1) * 3;
  const end = begin + n * 3;
  if (r === 0) {
    // σ < √2: a 3-tap stencil [fw, ww, fw].
    for (let i = begin; i < end; i++) {
      dst[i] = ((src[i] as number) * ww + ((src[i - 3] as number) + (src[i + 3] as number)) * fw + 8388608) >>> 24;
    }
    return;
  }
  // Sliding sums of the 2r+1 central taps per channel, from the window of pixel −1.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i <= 2 * r * 3; i += 3) {
    s0 += src[i] as number;
    s1 += src[i + 1] as number;
    s2 += src[i + 2] as number;
  }
  let leaving = 0; // pixel x − r − 1
  let entering = (2 * r + 1) * 3; // pixel x + r
  for (let i = begin; i < end; i += 3, leaving += 3, entering += 3) {
    const l0 = src[leaving] as number;
    const l1 = src[leaving + 1] as number;
    const l2 = src[leaving + 2] as number;
    s0 += (src[entering] as number) - l0;
    s1 += (src[entering + 1] as number) - l1;
    s2 += (src[entering + 2] as number) - l2;
    dst[i] = (s0 * ww + (l0 + (src[entering + 3] as number)) * fw + 8388608) >>> 24;
    dst[i + 1] = (s1 * ww + (l1 + (src[entering + 4] as number)) * fw + 8388608) >>> 24;
    dst[i + 2] = (s2 * ww + (l2 + (src[entering + 5] as number)) * fw + 8388608) >>> 24;
  }
}

/**
 * The three vertical passes for r = 0 (3-tap stencil), over whole rows at a
 * time (sequential memory), alternating between the image and a scratch
 * buffer. Row indices are clamped to the image: PIL's replicated edges.
 */
function blurColumnsStencil(data: Uint8Array, width: number, height: number, box: ExtendedBox): void {
  const stride = width * 3;
  const ww = box.innerWeight;
  const fw = box.edgeWeight;
  let src: Uint8Array = data;
  let dst: Uint8Array = new Uint8Array(data.length);
  for (let pass = 0; pass < BOX_PASSES; pass++) {
    for (let y = 0; y < height; y++) {
      const up = (y > 0 ? y - 1 : 0) * stride;
      const mid = y * stride;
      const down = (y < height - 1 ? y + 1 : height - 1) * stride;
      for (let c = 0; c < stride; c++) {
        dst[mid + c] = ((src[mid + c] as number) * ww + ((src[up + c] as number) + (src[down + c] as number)) * fw + 8388608) >>> 24;
      }
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== data) data.set(src);
}

function transposeRgb(src: Uint8Array, width: number, height: number): Uint8Array {
  const dst = new Uint8Array(src.length);
  const column = height * 3;
  for (let y = 0; y < height; y++) {
    let s = y * width * 3;
    let d = y * 3;
    for (let x = 0; x < width; x++, s += 3, d += column) {
      dst[d] = src[s] as number;
      dst[d + 1] = src[s + 1] as number;
      dst[d + 2] = src[s + 2] as number;
    }
  }
  return dst;
}

function convolve(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length - 1);
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) out[i + j] = (out[i + j] as number) + (a[i] as number) * (b[j] as number);
  }
  return out;
}
