/**
 * PIL's `Image.blend(degenerate, image, alpha)` on 8-bit values — the core of
 * `ImageEnhance.Brightness/Contrast/Color`, which torchvision's
 * `adjust_brightness/contrast/saturation` call on PIL images (fra-spec §3
 * ColorJitter). Reproduces libImaging/Blend.c bit for bit: `alpha` is a C
 * float, the arithmetic is float32, results are truncated toward zero (not
 * rounded), and only extrapolation (alpha < 0 or > 1) clamps to 0…255.
 */
import type { ByteTable } from './lookup-table.js';
import { f32 } from './reference-numerics.js';

/** One blended value: degenerate + alpha·(value − degenerate), PIL semantics. */
export function pilBlend(degenerate: number, value: number, alpha: number): number {
  const a = f32(alpha);
  if (a === 0) return degenerate;
  if (a === 1) return value;
  const mixed = f32(degenerate + f32(a * (value - degenerate)));
  if (a >= 0 && a <= 1) return Math.trunc(mixed);
  if (mixed <= 0) return 0;
  if (mixed >= 255) return 255;
  return Math.trunc(mixed);
}

/** Lookup table value → blend(constant, value, alpha), for a constant degenerate image. */
export function blendTable(degenerate: number, alpha: number): ByteTable {
  const table = new Uint8Array(256);
  for (let v = 0; v < 256; v++) table[v] = pilBlend(degenerate, v, alpha);
  return table;
}
