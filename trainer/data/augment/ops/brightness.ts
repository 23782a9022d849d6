/**
 * Brightness jitter: torchvision `adjust_brightness` on a PIL image =
 * `ImageEnhance.Brightness(img).enhance(f)` = blend(black, img, f), so each
 * value becomes trunc(f·v) clamped to 0…255 (float32 arithmetic, see
 * blend.ts) — a point operation, expressed as a table.
 */
import type { RgbImage } from '../../image-source.js';
import { blendTable } from './blend.js';
import { applyTableInPlace, type ByteTable } from './lookup-table.js';

export function brightnessTable(factor: number): ByteTable {
  return blendTable(0, factor);
}

export function adjustBrightnessInPlace(image: RgbImage, factor: number): RgbImage {
  applyTableInPlace(image.data, brightnessTable(factor));
  return image;
}
