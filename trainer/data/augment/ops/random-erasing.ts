/**
 * RandomErasing with torchvision's defaults (fra-spec §7.1: p 0.5, area
 * 2–33 %, aspect 0.3–3.3, value 0), applied to the *normalised* tensor, so the
 * erased pixels become 0 after normalisation (the dataset mean), not black.
 * Box sampling follows `RandomErasing.get_params`: up to 10 attempts with the
 * area fraction uniform in `scale` and the aspect ratio log-uniform in
 * `ratio`; h = round(√(area·ratio)), w = round(√(area/ratio)) (note: h and w
 * are the other way round from RandomResizedCrop); the box must be strictly
 * smaller than the image. If no attempt fits, nothing is erased.
 */
import type { Rng } from '../random.js';
import { roundHalfEven } from './reference-numerics.js';
import type { PixelBox } from './resize.js';

export const ERASING_SCALE: readonly [number, number] = [0.02, 0.33];
export const ERASING_RATIO: readonly [number, number] = [0.3, 3.3];

const MAX_ATTEMPTS = 10;

/** The box to erase, or null when all attempts failed (the image is left unchanged). */
export function sampleErasingBox(
  rng: Rng,
  width: number,
  height: number,
  scale: readonly [number, number] = ERASING_SCALE,
  ratio: readonly [number, number] = ERASING_RATIO,
): PixelBox | null {
  const area = width * height;
  const logLow = Math.log(ratio[0]);
  const logHigh = Math.log(ratio[1]);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const eraseArea = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logLow, logHigh));
    const h = roundHalfEven(Math.sqrt(eraseArea * aspect));
    const w = roundHalfEven(Math.sqrt(eraseArea / aspect));
    if (!(h < height && w < width)) continue;
    const top = rng.int(height - h + 1);
    const left = rng.int(width - w + 1);
    return { top, left, height: h, width: w };
  }
  return null;
}

/** Set `box` of a float HWC tensor (3 channels) to `value`, in place. */
export function eraseInPlace(
  tensor: Float32Array,
  width: number,
  box: PixelBox,
  value = 0,
  offset = 0,
): Float32Array {
  for (let y = box.top; y < box.top + box.height; y++) {
    const start = offset + (y * width + box.left) * 3;
    tensor.fill(value, start, start + box.width * 3);
  }
  return tensor;
}
