/**
 * ColorJitter as torchvision applies it to PIL images: one random permutation
 * of the four adjustments (`torch.randperm(4)`), each with its own factor,
 * applied in that drawn order (fra-spec §3: "random order of the 4 ops").
 * Factor ranges follow torchvision's `_check_input`: brightness, contrast and
 * saturation ~ U[max(0, 1 − x), 1 + x]; hue ~ U[−x, x]. A strength of 0 turns
 * an adjustment off entirely (torchvision stores None and skips it), e.g. hue
 * in the fine-tuning jitter of §7.1.
 */
import type { RgbImage } from '../../image-source.js';
import type { Rng } from '../random.js';
import { brightnessTable } from './brightness.js';
import { contrastTable } from './contrast.js';
import { adjustHueInPlace } from './hue.js';
import { applyTableInPlace, type ByteTable, composeTables } from './lookup-table.js';
import { adjustSaturationInPlace } from './saturation.js';

export type JitterOp = 'brightness' | 'contrast' | 'saturation' | 'hue';

/** torchvision's fn_idx numbering: 0 brightness, 1 contrast, 2 saturation, 3 hue. */
export const JITTER_OPS: readonly JitterOp[] = ['brightness', 'contrast', 'saturation', 'hue'];

export interface ColorJitterStrength {
  brightness: number;
  contrast: number;
  saturation: number;
  hue: number;
}

/** fra-spec §3: ColorJitter(0.4, 0.4, 0.2, 0.1). */
export const FRA_PRETRAIN_JITTER: ColorJitterStrength = { brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1 };

export interface ColorJitterParams {
  /** The enabled adjustments, in the order they are applied. */
  order: JitterOp[];
  brightness: number | null;
  contrast: number | null;
  saturation: number | null;
  hue: number | null;
}

/** The factor range torchvision derives from a strength, or null when disabled. */
export function jitterFactorRange(op: JitterOp, strength: number): [number, number] | null {
  if (!(strength >= 0)) throw new RangeError(`ColorJitter ${op} strength must be ≥ 0, got ${strength}`);
  if (strength === 0) return null;
  if (op === 'hue') {
    if (strength > 0.5) throw new RangeError(`ColorJitter hue strength must be ≤ 0.5, got ${strength}`);
    return [-strength, strength];
  }
  return [Math.max(0, 1 - strength), 1 + strength];
}

export function sampleColorJitter(rng: Rng, strength: ColorJitterStrength): ColorJitterParams {
  const permutation = rng.permutation(4);
  const draw = (op: JitterOp): number | null => {
    const range = jitterFactorRange(op, strength[op]);
    return range === null ? null : rng.uniform(range[0], range[1]);
  };
  const params: ColorJitterParams = {
    order: [],
    brightness: draw('brightness'),
    contrast: draw('contrast'),
    saturation: draw('saturation'),
    hue: draw('hue'),
  };
  params.order = permutation.map((i) => JITTER_OPS[i] as JitterOp).filter((op) => params[op] !== null);
  return params;
}

export function colorJitterInPlace(image: RgbImage, params: ColorJitterParams): RgbImage {
  const pending = colorJitterDeferred(image, params, null);
  if (pending !== null) applyTableInPlace(image.data, pending);
  return image;
}

/**
 * Apply the jitter, but leave trailing brightness/contrast adjustments (point
 * ops) as a returned table instead of a pass over the image; `through` is a
 * table already pending on entry. Applying the returned table (or folding it
 * into the normalisation) gives exactly the bytes of `colorJitterInPlace`.
 */
export function colorJitterDeferred(image: RgbImage, params: ColorJitterParams, through: ByteTable | null): ByteTable | null {
  let pending = through;
  for (const op of params.order) {
    const factor = params[op];
    if (factor === null) continue;
    switch (op) {
      case 'brightness':
        pending = composeTables(brightnessTable(factor), pending);
        break;
      case 'contrast':
        // The mean luma is taken of the image as adjusted so far (through the pending table).
        pending = composeTables(contrastTable(image, factor, pending ?? undefined), pending);
        break;
      case 'saturation':
        adjustSaturationInPlace(image, factor, pending ?? undefined);
        pending = null;
        break;
      case 'hue':
        adjustHueInPlace(image, factor, pending ?? undefined);
        pending = null;
        break;
    }
  }
  return pending;
}
