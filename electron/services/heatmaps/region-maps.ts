/**
 * From the model's heatmaps of one image to what travels to the UI: one Uint8 map per region,
 * the argmax label map and — for synthetic faces — the region-awareness score against the true
 * part mask. Pure (no tfjs, no I/O), so it is tested on small hand-made inputs.
 *
 * Scale (see electron/contract/heatmaps-api.ts): value = round(p · 255) where p is the softmax-
 * over-regions probability at the cell. Not stretched per map: an overlay's opacity then means
 * the same probability in every panel.
 */
import { argmaxRegions, regionAwarenessScore } from '../../../trainer/data/region-score.js';
import type { LabelMap } from '../../../trainer/data/image-source.js';
import type { RegionScoreInfo } from '../../contract/heatmaps-api.js';

export interface EncodedRegionMaps {
  size: [number, number];
  /** N maps, h·w each, base64. */
  regions: string[];
  /** h·w region indices, base64. */
  argmax: string;
}

/** `heatmaps`: one image's [h, w, N] softmax-over-regions values, channels last (tfjs layout). */
export function encodeRegionMaps(heatmaps: Float32Array, height: number, width: number, regionCount: number): EncodedRegionMaps {
  const cells = height * width;
  if (heatmaps.length !== cells * regionCount) throw new RangeError(`region maps: ${heatmaps.length} values for ${height}×${width}×${regionCount}`);
  if (regionCount > 256) throw new RangeError(`region maps: ${regionCount} regions do not fit a Uint8 label map`);
  const regions: string[] = [];
  for (let n = 0; n < regionCount; n++) {
    const map = new Uint8Array(cells);
    for (let c = 0; c < cells; c++) map[c] = probabilityToByte(heatmaps[c * regionCount + n]!);
    regions.push(toBase64(map));
  }
  const labels = argmaxRegions({ data: heatmaps, shape: [1, height, width, regionCount] });
  return { size: [height, width], regions, argmax: toBase64(Uint8Array.from(labels)) };
}

/** round(p · 255), clamped: the +1e-7 of the reference can push a certain cell just above 1. */
export function probabilityToByte(p: number): number {
  if (!(p > 0)) return 0;
  return p >= 1 ? 255 : Math.round(p * 255);
}

/**
 * How well this image's argmax regions line up with its true face parts (trainer/data/region-score.ts,
 * 'area' mask reduction as the trainer's own region probe uses, so small parts count on a coarse grid).
 */
export function scoreAgainstParts(heatmaps: Float32Array, height: number, width: number, regionCount: number, mask: LabelMap, partCount: number): RegionScoreInfo {
  const score = regionAwarenessScore({ data: heatmaps, shape: [1, height, width, regionCount] }, [mask], { maskReduction: 'area', numParts: partCount });
  return {
    nmi: score.nmi,
    foregroundNmi: score.foreground.nmi,
    meanBestIoU: score.meanBestIoU,
    perRegionIoU: score.perRegion.map((r) => r.iou),
    perRegionPart: score.perRegion.map((r) => r.bestPart),
  };
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
