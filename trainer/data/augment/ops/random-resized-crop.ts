/**
 * RandomResizedCrop (fra-spec §3: size 224, scale (0.2, 1.0), ratio (3/4, 4/3),
 * bilinear), following torchvision's `RandomResizedCrop.get_params` exactly:
 * up to 10 attempts drawing an area fraction uniformly in `scale` and an
 * aspect ratio log-uniformly in `ratio`; the first box that fits is placed
 * uniformly at random. If none fits, the fallback is a centred crop of the
 * whole image clamped to the ratio range. The crop is then resized with PIL's
 * bilinear filter (see resize.ts).
 */
import type { RgbImage } from '../../image-source.js';
import type { Rng } from '../random.js';
import { roundHalfEven } from './reference-numerics.js';
import { resizeBilinear, type PixelBox } from './resize.js';

export const FRA_CROP_SCALE: readonly [number, number] = [0.2, 1.0];
export const FRA_CROP_RATIO: readonly [number, number] = [3 / 4, 4 / 3];

const MAX_ATTEMPTS = 10;

export interface ResizedCropBox extends PixelBox {
  /** True when all 10 attempts failed and the centred fallback crop was used. */
  fallback: boolean;
}

export function sampleResizedCropBox(
  rng: Rng,
  width: number,
  height: number,
  scale: readonly [number, number] = FRA_CROP_SCALE,
  ratio: readonly [number, number] = FRA_CROP_RATIO,
): ResizedCropBox {
  const area = width * height;
  const logRatioLow = Math.log(ratio[0]);
  const logRatioHigh = Math.log(ratio[1]);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const targetArea = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logRatioLow, logRatioHigh));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = rng.int(height - h + 1);
      const left = rng.int(width - w + 1);
      return { top, left, height: h, width: w, fallback: false };
    }
  }
  // Centre-crop fallback (torchvision): clamp the whole image to the ratio range.
  const inRatio = width / height;
  const minRatio = Math.min(ratio[0], ratio[1]);
  const maxRatio = Math.max(ratio[0], ratio[1]);
  let w: number;
  let h: number;
  if (inRatio < minRatio) {
    w = width;
    h = roundHalfEven(w / minRatio);
  } else if (inRatio > maxRatio) {
    h = height;
    w = roundHalfEven(h * maxRatio);
  } else {
    w = width;
    h = height;
  }
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w, fallback: true };
}

/** Crop `box` and resize it to `size × size` (PIL bilinear); `mirror` also flips it left–right. */
export function resizedCrop(image: RgbImage, box: PixelBox, size: number, mirror = false): RgbImage {
  return resizeBilinear(image, size, size, { box, mirror });
}
