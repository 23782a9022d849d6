/**
 * Region-awareness score: do FRA's learned region heatmaps line up with real
 * facial parts? Computed on synthetic faces, whose part masks are known
 * (`synthetic/parts.ts`), and logged by the trainer on a held-out batch.
 *
 * Inputs are plain arrays: the heatmaps M of fra-spec §1.5 — one value per
 * (image, cell, region), softmax over the N regions at each cell — and one
 * part mask per image at image resolution. Only the argmax over regions is
 * used, so logits, softmax probabilities and the +1e−7 of §1.5 all give the
 * same score.
 *
 * 1. Each mask is reduced to the heatmap grid, by default by **majority
 *    vote**: a cell takes the part that covers most of its pixels (ties: the
 *    part at the cell's centre pixel if it is among the tied, else the lowest
 *    id). Hard labels, so that heatmaps equal to the true parts score exactly
 *    1. The price: parts smaller than a cell rarely win one and drop out of
 *    the comparison — on FRA's native grid (7×7 for 224-px input, 4×4 for
 *    112) only background, skin and hair survive; eyes, nose and mouth
 *    need ≥ 14×14 (e.g. synthetic faces evaluated at 448 px). `maskReduction:
 *    'area'` instead lets every cell contribute the fraction of each part it
 *    contains (soft counts), so small parts always count — but then even
 *    the best possible coarse map scores below 1, because one cell cannot be
 *    split between parts. Use 'area' to compare runs at a coarse grid,
 *    'majority' when an absolute "1 = perfect" reading matters.
 * 2. The argmax region map and the part map are compared over all cells of
 *    the batch through their contingency table:
 *    - `nmi`: normalised mutual information I(R; P) / ((H(R) + H(P)) / 2) —
 *      the arithmetic-mean normalisation, scikit-learn's default. 1 exactly
 *      when the argmax map is a relabelling of the part map (spare regions
 *      unused); below 1 when regions merge or split parts; near 0 when the
 *      two are independent. Invariant to the order of regions. (Finite
 *      samples bias it upwards by about (N−1)(P−1) / (2·cells·H̄) — use a
 *      few thousand cells, e.g. 32 images at 7×7 or 8 at 14×14.)
 *    - `meanBestIoU`: for each region, the IoU of its cells with the part it
 *      overlaps best; averaged over max(regions used, min(N, parts present))
 *      so that collapsing onto a few regions is not rewarded while unused
 *      spare regions (N > parts) cost nothing. Its chance level is not 0
 *      (a random region still overlaps the largest part), unlike `nmi`.
 * 3. `foreground` repeats both with background cells removed — alignment to
 *    the face's own parts, without credit for merely separating face from
 *    background.
 */
import type { LabelMap } from './image-source.js';

/** Heatmaps as a flat array and its shape (default layout [B, h, w, N], i.e. NHWC as tfjs produces). */
export interface RegionHeatmaps {
  data: Float32Array | Float64Array | readonly number[];
  shape: readonly [number, number, number, number];
  /** 'BHWN' (default) or 'BNHW' (the PyTorch layout of fra-spec §1.5). */
  layout?: 'BHWN' | 'BNHW';
}

export interface RegionScoreOptions {
  /** Number of part ids (default: 1 + the largest id in the masks). */
  numParts?: number;
  /** Part id removed by the `foreground` variant (default 0, background). */
  backgroundPart?: number;
  /** How masks are reduced to the heatmap grid (default 'majority'; see the module comment). */
  maskReduction?: 'majority' | 'area';
}

export interface RegionMatch {
  region: number;
  /** The part this region overlaps best, or null when the region is the argmax nowhere. */
  bestPart: number | null;
  iou: number;
  /** Cells where this region is the argmax. */
  cells: number;
}

export interface RegionAlignment {
  nmi: number;
  meanBestIoU: number;
  perRegion: RegionMatch[];
  /** Cells compared (a sum of part fractions with maskReduction 'area'). */
  cells: number;
  /** Regions that are the argmax somewhere. */
  regionsUsed: number;
  /** Distinct parts among the compared cells. */
  partsPresent: number;
}

export interface RegionScore extends RegionAlignment {
  /** The same, over non-background cells and parts only. */
  foreground: RegionAlignment;
}

export function regionAwarenessScore(heatmaps: RegionHeatmaps, masks: readonly LabelMap[], options: RegionScoreOptions = {}): RegionScore {
  const [batch, height, width, regionCount] = gridShape(heatmaps);
  if (masks.length !== batch) throw new RangeError(`region score: ${masks.length} masks for a batch of ${batch} heatmaps`);
  let maxLabel = 0;
  for (const mask of masks) {
    if (mask.data.length !== mask.width * mask.height || mask.width < 1 || mask.height < 1) {
      throw new RangeError(`region score: mask data length ${mask.data.length} does not match ${mask.width}×${mask.height}`);
    }
    for (let i = 0; i < mask.data.length; i++) if (mask.data[i]! > maxLabel) maxLabel = mask.data[i]!;
  }
  const partCount = options.numParts ?? maxLabel + 1;
  if (maxLabel >= partCount) throw new RangeError(`region score: mask label ${maxLabel} ≥ numParts ${partCount}`);
  const background = options.backgroundPart ?? 0;

  const regions = argmaxRegions(heatmaps);
  const cells = height * width;
  const all = new Float64Array(regionCount * partCount);
  const foreground = new Float64Array(regionCount * partCount);
  masks.forEach((mask, b) => {
    if ((options.maskReduction ?? 'majority') === 'majority') {
      const parts = downsampleLabels(mask, height, width, partCount);
      for (let c = 0; c < cells; c++) {
        const entry = regions[b * cells + c]! * partCount + parts[c]!;
        all[entry] = all[entry]! + 1;
        if (parts[c] !== background) foreground[entry] = foreground[entry]! + 1;
      }
    } else {
      const fractions = partFractions(mask, height, width, partCount);
      for (let c = 0; c < cells; c++) {
        const row = regions[b * cells + c]! * partCount;
        for (let p = 0; p < partCount; p++) {
          const f = fractions[c * partCount + p]!;
          if (f === 0) continue;
          all[row + p] = all[row + p]! + f;
          if (p !== background) foreground[row + p] = foreground[row + p]! + f;
        }
      }
    }
  });
  return { ...alignmentFromTable(all, regionCount, partCount), foreground: alignmentFromTable(foreground, regionCount, partCount) };
}

/** The index of the largest region value per cell, [B·h·w] in row-major (b, y, x) order; ties go to the lower index. */
export function argmaxRegions(heatmaps: RegionHeatmaps): Int32Array {
  const [batch, height, width, regionCount] = gridShape(heatmaps);
  const cells = height * width;
  const out = new Int32Array(batch * cells);
  const data = heatmaps.data;
  const channelsLast = (heatmaps.layout ?? 'BHWN') === 'BHWN';
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < cells; c++) {
      // Offset of region 0 and the step between regions in either layout.
      const base = channelsLast ? (b * cells + c) * regionCount : b * regionCount * cells + c;
      const step = channelsLast ? 1 : cells;
      let best = 0;
      let bestValue = data[base]!;
      for (let n = 1; n < regionCount; n++) {
        const v = data[base + n * step]!;
        if (v > bestValue) {
          bestValue = v;
          best = n;
        }
      }
      out[b * cells + c] = best;
    }
  }
  return out;
}

/**
 * A part mask reduced to an h×w grid by majority vote over the pixels of each
 * cell (see the module comment for ties). Cells smaller than a pixel take the
 * pixel under their centre.
 */
export function downsampleLabels(mask: LabelMap, height: number, width: number, numParts: number): Uint8Array {
  const out = new Uint8Array(height * width);
  const votes = new Int32Array(numParts);
  for (let gy = 0; gy < height; gy++) {
    const [y0, y1] = cellSpan(gy, height, mask.height);
    for (let gx = 0; gx < width; gx++) {
      const [x0, x1] = cellSpan(gx, width, mask.width);
      votes.fill(0);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) votes[mask.data[y * mask.width + x]!]!++;
      const centre = mask.data[Math.min(mask.height - 1, Math.floor(((gy + 0.5) * mask.height) / height)) * mask.width + Math.min(mask.width - 1, Math.floor(((gx + 0.5) * mask.width) / width))]!;
      let best = centre;
      for (let p = 0; p < numParts; p++) if (votes[p]! > votes[best]!) best = p;
      out[gy * width + gx] = best;
    }
  }
  return out;
}

/** For each grid cell, the fraction of its pixels showing each part: [h·w·numParts]. */
export function partFractions(mask: LabelMap, height: number, width: number, numParts: number): Float64Array {
  const out = new Float64Array(height * width * numParts);
  for (let gy = 0; gy < height; gy++) {
    const [y0, y1] = cellSpan(gy, height, mask.height);
    for (let gx = 0; gx < width; gx++) {
      const [x0, x1] = cellSpan(gx, width, mask.width);
      const base = (gy * width + gx) * numParts;
      const weight = 1 / ((y1 - y0) * (x1 - x0));
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const p = base + mask.data[y * mask.width + x]!;
          out[p] = out[p]! + weight;
        }
      }
    }
  }
  return out;
}

/**
 * NMI with arithmetic-mean normalisation from a contingency table of counts
 * (rows = regions, columns = parts). Like scikit-learn: 1 when both sides are
 * a single class, 0 when the mutual information is 0.
 */
export function normalizedMutualInformation(table: ArrayLike<number>, rows: number, cols: number): number {
  const rowSums = new Float64Array(rows);
  const colSums = new Float64Array(cols);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const n = table[r * cols + c]!;
      rowSums[r] = rowSums[r]! + n;
      colSums[c] = colSums[c]! + n;
      total += n;
    }
  }
  if (total === 0) return 0;
  const usedRows = rowSums.filter((n) => n > 0).length;
  const usedCols = colSums.filter((n) => n > 0).length;
  if (usedRows === 1 && usedCols === 1) return 1;
  let mutual = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const n = table[r * cols + c]!;
      if (n > 0) mutual += (n / total) * Math.log((n * total) / (rowSums[r]! * colSums[c]!));
    }
  }
  const mean = (entropy(rowSums, total) + entropy(colSums, total)) / 2;
  if (mutual <= 0 || mean <= 0) return 0;
  // I and the entropies sum the same terms in different orders; don't let rounding turn a perfect match into 0.9999….
  if (Math.abs(mutual - mean) <= 1e-12 * mean) return 1;
  return Math.min(1, mutual / mean);
}

function alignmentFromTable(table: Float64Array, regionCount: number, partCount: number): RegionAlignment {
  const regionCells = new Float64Array(regionCount);
  const partCells = new Float64Array(partCount);
  let cells = 0;
  for (let r = 0; r < regionCount; r++) {
    for (let p = 0; p < partCount; p++) {
      const n = table[r * partCount + p]!;
      regionCells[r] = regionCells[r]! + n;
      partCells[p] = partCells[p]! + n;
      cells += n;
    }
  }
  const perRegion: RegionMatch[] = [];
  let iouSum = 0;
  let regionsUsed = 0;
  for (let r = 0; r < regionCount; r++) {
    let bestPart: number | null = null;
    let bestIoU = 0;
    if (regionCells[r]! > 0) {
      regionsUsed++;
      for (let p = 0; p < partCount; p++) {
        const overlap = table[r * partCount + p]!;
        if (overlap === 0) continue;
        const iou = overlap / (regionCells[r]! + partCells[p]! - overlap);
        if (iou > bestIoU) {
          bestIoU = iou;
          bestPart = p;
        }
      }
    }
    iouSum += bestIoU;
    perRegion.push({ region: r, bestPart, iou: bestIoU, cells: regionCells[r]! });
  }
  const partsPresent = partCells.filter((n) => n > 0).length;
  const denominator = Math.max(regionsUsed, Math.min(regionCount, partsPresent));
  return {
    nmi: normalizedMutualInformation(table, regionCount, partCount),
    meanBestIoU: denominator > 0 ? iouSum / denominator : 0,
    perRegion,
    cells,
    regionsUsed,
    partsPresent,
  };
}

function entropy(counts: Float64Array, total: number): number {
  let h = 0;
  for (const n of counts) if (n > 0) h -= (n / total) * Math.log(n / total);
  return h;
}

/** [B, h, w, N] whatever the layout, validated against the data length. */
function gridShape(heatmaps: RegionHeatmaps): [number, number, number, number] {
  const { shape, data } = heatmaps;
  if (shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(`region score: heatmap shape must be 4 positive integers, got [${shape.join(', ')}]`);
  }
  const [b, d1, d2, d3] = shape;
  const dims: [number, number, number, number] = (heatmaps.layout ?? 'BHWN') === 'BHWN' ? [b, d1, d2, d3] : [b, d2, d3, d1];
  if (data.length !== b * d1 * d2 * d3) throw new RangeError(`region score: ${data.length} values for heatmap shape [${shape.join(', ')}]`);
  return dims;
}

/** Pixel range [start, end) of grid cell i of n over `size` pixels (at least one pixel). */
function cellSpan(i: number, n: number, size: number): [number, number] {
  const start = Math.floor((i * size) / n);
  const end = Math.floor(((i + 1) * size) / n);
  if (end > start) return [start, end];
  const centre = Math.min(size - 1, Math.floor(((i + 0.5) * size) / n));
  return [centre, centre + 1];
}
