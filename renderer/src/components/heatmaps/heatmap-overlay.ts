// Pure colouring of region heatmaps into RGBA pixels for a canvas (no DOM, so it is tested
// exactly on small inputs). Inputs are the host's Uint8 maps: value = round(p · 255) with p the
// softmax-over-regions probability (electron/contract/heatmaps-api.ts).
//
// Heatmap mode, per cell, over the ENABLED regions only:
//   colour = the probability-weighted mean of their colours,
//   alpha  = opacity · min(1, gain · (their summed probability)).
// With gain 1 ("probability" contrast) the overlay's opacity is the probability mass the model
// gives the shown regions, the same scale in every panel. "Stretched" contrast uses the gain that
// makes the panel's strongest cell fully opaque (`stretchGain`), for soft, low-contrast maps.
import type { Rgb } from './region-palette';

export interface HeatmapOverlayInput {
  /** Heatmap size in cells. */
  width: number;
  height: number;
  /** One map per region, width·height each, row-major. */
  regions: readonly Uint8Array[];
  palette: readonly Rgb[];
  /** Per region; a missing entry counts as shown. */
  enabled: readonly boolean[];
  /** 0…1 */
  opacity: number;
  /** ≥ 0; 1 = probability scale. */
  gain?: number;
}

export function heatmapOverlay(input: HeatmapOverlayInput): Uint8ClampedArray {
  const { width, height, regions, palette, enabled, opacity } = input;
  const gain = input.gain ?? 1;
  const cells = width * height;
  const out = new Uint8ClampedArray(cells * 4);
  const shown = regions.map((_, n) => enabled[n] !== false);
  for (let cell = 0; cell < cells; cell++) {
    let sum = 0;
    let r = 0;
    let g = 0;
    let b = 0;
    regions.forEach((map, n) => {
      if (!shown[n]) return;
      const value = map[cell] ?? 0;
      if (value === 0) return;
      const colour = palette[n] ?? [128, 128, 128];
      sum += value;
      r += value * colour[0];
      g += value * colour[1];
      b += value * colour[2];
    });
    if (sum === 0) continue;
    const o = cell * 4;
    out[o] = Math.round(r / sum);
    out[o + 1] = Math.round(g / sum);
    out[o + 2] = Math.round(b / sum);
    out[o + 3] = Math.round(255 * clamp01(opacity) * Math.min(1, (gain * sum) / 255));
  }
  return out;
}

/** The gain that makes the strongest cell (summed over enabled regions) fully opaque; 1 when nothing shows. */
export function stretchGain(regions: readonly Uint8Array[], enabled: readonly boolean[], cells: number): number {
  let max = 0;
  for (let cell = 0; cell < cells; cell++) {
    let sum = 0;
    regions.forEach((map, n) => {
      if (enabled[n] !== false) sum += map[cell] ?? 0;
    });
    if (sum > max) max = sum;
  }
  return max === 0 ? 1 : 255 / max;
}

/**
 * Segmentation mode: each cell in the colour of its label (the argmax region, or a true part),
 * fully at `opacity`; cells whose label is switched off stay transparent.
 */
export function labelOverlay(labels: Uint8Array, palette: readonly Rgb[], enabled: readonly boolean[], opacity: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(labels.length * 4);
  const alpha = Math.round(255 * clamp01(opacity));
  labels.forEach((label, cell) => {
    if (enabled[label] === false) return;
    const colour = palette[label] ?? [128, 128, 128];
    const o = cell * 4;
    out[o] = colour[0];
    out[o + 1] = colour[1];
    out[o + 2] = colour[2];
    out[o + 3] = alpha;
  });
  return out;
}

export function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function clamp01(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}
