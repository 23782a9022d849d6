/**
 * Contrast jitter: torchvision `adjust_contrast` on a PIL image =
 * `ImageEnhance.Contrast(img).enhance(f)` = blend(grey, img, f) where grey is
 * a constant image at the rounded mean of the image's luma (grayscale.ts),
 * as fra-spec §3 states ("contrast blends with the mean of the grayscale
 * image"). Once the mean is known it is a point operation, i.e. a table.
 */
import type { RgbImage } from '../../image-source.js';
import { blendTable } from './blend.js';
import { pilMeanLuma } from './grayscale.js';
import { applyTableInPlace, type ByteTable } from './lookup-table.js';

/** The contrast table for `image` as seen through the pending table `through` (if any). */
export function contrastTable(image: RgbImage, factor: number, through?: ByteTable): ByteTable {
  return blendTable(pilMeanLuma(image, through), factor);
}

export function adjustContrastInPlace(image: RgbImage, factor: number): RgbImage {
  applyTableInPlace(image.data, contrastTable(image, factor));
  return image;
}
