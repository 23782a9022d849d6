/**
 * Saturation jitter: torchvision `adjust_saturation` on a PIL image =
 * `ImageEnhance.Color(img).enhance(f)` = blend(gray, img, f), where gray is the
 * image's own luma replicated to RGB (`convert("L").convert("RGB")`). The
 * blend follows blend.ts exactly; its product term f·(v − L) depends only on
 * v − L, so it is tabulated once per call (511 entries).
 *
 * `through` (optional) is a pending point-op table applied to the inputs first.
 */
import type { RgbImage } from '../../image-source.js';
import { grayscaleInPlace, pilLuma } from './grayscale.js';
import { applyTableInPlace, type ByteTable } from './lookup-table.js';
import { f32 } from './reference-numerics.js';

export function adjustSaturationInPlace(image: RgbImage, factor: number, through?: ByteTable): RgbImage {
  const alpha = f32(factor);
  const data = image.data;
  if (alpha === 1) {
    // PIL copies the image unchanged.
    if (through !== undefined) applyTableInPlace(data, through);
    return image;
  }
  if (alpha === 0) return grayscaleInPlace(image, through);
  // product[d + 255] = (float)(alpha · d) for d = v − L in −255…255.
  const product = new Float32Array(511);
  for (let d = -255; d <= 255; d++) product[d + 255] = f32(alpha * d);
  const clamp = alpha > 1 || alpha < 0; // extrapolation: PIL clamps; interpolation stays in range
  for (let i = 0; i < data.length; i += 3) {
    let r = data[i] as number;
    let g = data[i + 1] as number;
    let b = data[i + 2] as number;
    if (through !== undefined) {
      r = through[r] as number;
      g = through[g] as number;
      b = through[b] as number;
    }
    const l = pilLuma(r, g, b);
    const o = 255 - l;
    const vr = f32(l + (product[r + o] as number));
    const vg = f32(l + (product[g + o] as number));
    const vb = f32(l + (product[b + o] as number));
    if (clamp) {
      data[i] = vr <= 0 ? 0 : vr >= 255 ? 255 : Math.trunc(vr);
      data[i + 1] = vg <= 0 ? 0 : vg >= 255 ? 255 : Math.trunc(vg);
      data[i + 2] = vb <= 0 ? 0 : vb >= 255 ? 255 : Math.trunc(vb);
    } else {
      data[i] = Math.trunc(vr);
      data[i + 1] = Math.trunc(vg);
      data[i + 2] = Math.trunc(vb);
    }
  }
  return image;
}
