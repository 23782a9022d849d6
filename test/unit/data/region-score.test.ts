/**
 * The region-awareness score: exactly 1 for heatmaps equal to the true part
 * masks (in any region order, with or without spare regions), near 0 for
 * random heatmaps, in between for partly right ones, the NMI formula against
 * a hand-computed value, the majority-vote downsampling, both layouts, and
 * input validation. Masks come from real synthetic faces.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LabelMap } from '../../../trainer/data/image-source.js';
import {
  argmaxRegions,
  downsampleLabels,
  normalizedMutualInformation,
  regionAwarenessScore,
  type RegionHeatmaps,
} from '../../../trainer/data/region-score.js';
import { PART_COUNT } from '../../../trainer/data/synthetic/parts.js';
import { Rng } from '../../../trainer/data/synthetic/rng.js';
import { SyntheticFaceSource } from '../../../trainer/data/synthetic/synthetic-face-source.js';

const GRID = 14;
const source = new SyntheticFaceSource({ size: 64, count: 16, seed: 7 });
const masks: LabelMap[] = Array.from({ length: source.size }, (_, i) => source.generate(i).mask);
const gridParts = masks.map((m) => downsampleLabels(m, GRID, GRID, PART_COUNT));

/**
 * Softmax heatmaps whose argmax at each cell is `assign(part, cell)`: the true
 * region gets logit 3, the others small random logits (soft, like §1.5's maps).
 */
function heatmapsFrom(regions: number, assign: (part: number, cell: number) => number, seed = 1): RegionHeatmaps {
  const rng = new Rng(seed);
  const cells = GRID * GRID;
  const data = new Float32Array(masks.length * cells * regions);
  gridParts.forEach((parts, b) => {
    for (let c = 0; c < cells; c++) {
      const target = assign(parts[c]!, b * cells + c);
      const base = (b * cells + c) * regions;
      let sum = 0;
      for (let n = 0; n < regions; n++) {
        const v = Math.exp(n === target ? 3 : rng.range(0, 1));
        data[base + n] = v;
        sum += v;
      }
      for (let n = 0; n < regions; n++) data[base + n] = data[base + n]! / sum;
    }
  });
  return { data, shape: [masks.length, GRID, GRID, regions] };
}

/** One-hot heatmaps at mask resolution: region = part at every pixel. */
function onePerPixel(maps: LabelMap[]): RegionHeatmaps {
  const { width, height } = maps[0]!;
  const data = new Float32Array(maps.length * width * height * PART_COUNT);
  maps.forEach((m, b) => m.data.forEach((part, i) => (data[(b * width * height + i) * PART_COUNT + part] = 1)));
  return { data, shape: [maps.length, height, width, PART_COUNT] };
}

function randomHeatmaps(regions: number, seed: number): RegionHeatmaps {
  const rng = new Rng(seed);
  const data = new Float32Array(masks.length * GRID * GRID * regions);
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  return { data, shape: [masks.length, GRID, GRID, regions] };
}

describe('region score: true masks', () => {
  it('scores exactly 1 when the heatmaps are the one-hot true parts', () => {
    const score = regionAwarenessScore(heatmapsFrom(PART_COUNT, (p) => p), masks, { numParts: PART_COUNT });
    assert.equal(score.nmi, 1);
    assert.equal(score.meanBestIoU, 1);
    assert.equal(score.foreground.nmi, 1);
    assert.equal(score.foreground.meanBestIoU, 1);
    // Parts thinner than a grid cell (brows, at 64 px on 14×14) can lose every majority vote.
    assert.ok(score.partsPresent >= PART_COUNT - 1, `parts present ${score.partsPresent}`);
    assert.equal(score.regionsUsed, score.partsPresent);
    for (const r of score.perRegion) {
      if (r.cells === 0) continue;
      assert.equal(r.bestPart, r.region);
      assert.equal(r.iou, 1);
    }
    assert.equal(score.cells, masks.length * GRID * GRID);
  });

  it("scores 1 with maskReduction 'area' at mask resolution, and below 1 on a coarse grid", () => {
    const exact = regionAwarenessScore(onePerPixel(masks), masks, { maskReduction: 'area' });
    assert.equal(exact.nmi, 1);
    assert.equal(exact.meanBestIoU, 1);
    assert.equal(exact.partsPresent, PART_COUNT);
    const coarse = regionAwarenessScore(heatmapsFrom(PART_COUNT, (p) => p), masks, { maskReduction: 'area' });
    assert.ok(coarse.nmi > 0.5 && coarse.nmi < 1, `coarse area nmi ${coarse.nmi}`);
    // Every part contributes, including the thin ones majority voting can drop.
    assert.equal(coarse.partsPresent, PART_COUNT);
  });

  it('is invariant to the order of regions and ignores spare regions', () => {
    const permutation = [5, 9, 0, 7, 2, 8, 1, 3];
    const score = regionAwarenessScore(heatmapsFrom(10, (p) => permutation[p]!), masks);
    assert.equal(score.nmi, 1);
    assert.equal(score.meanBestIoU, 1);
    permutation.forEach((region, part) => {
      const match = score.perRegion[region]!;
      assert.equal(match.bestPart, match.cells > 0 ? part : null);
    });
    for (const spare of [4, 6]) assert.deepEqual(score.perRegion[spare], { region: spare, bestPart: null, iou: 0, cells: 0 });
  });

  it('accepts the PyTorch [B, N, h, w] layout with the same result', () => {
    const nhwc = heatmapsFrom(PART_COUNT, (p) => (p + 3) % PART_COUNT);
    const [b, h, w, n] = nhwc.shape;
    const nchw = new Float32Array(nhwc.data.length);
    for (let i = 0; i < b; i++)
      for (let c = 0; c < h * w; c++) for (let r = 0; r < n; r++) nchw[(i * n + r) * h * w + c] = nhwc.data[(i * h * w + c) * n + r]!;
    const a = regionAwarenessScore(nhwc, masks);
    const bScore = regionAwarenessScore({ data: nchw, shape: [b, n, h, w], layout: 'BNHW' }, masks);
    assert.deepEqual(bScore, a);
    assert.equal(a.nmi, 1);
  });
});

describe('region score: random and partial heatmaps', () => {
  it('is near 0 for random heatmaps', () => {
    for (const seed of [1, 2, 3]) {
      const score = regionAwarenessScore(randomHeatmaps(8, seed), masks, { numParts: PART_COUNT });
      assert.ok(score.nmi < 0.05, `nmi ${score.nmi}`);
      assert.ok(score.foreground.nmi < 0.05, `foreground nmi ${score.foreground.nmi}`);
      assert.equal(score.regionsUsed, 8);
      // Best-IoU has a non-zero chance level (a random region still overlaps the largest part), but far from 1.
      assert.ok(score.meanBestIoU < 0.3, `meanBestIoU ${score.meanBestIoU}`);
    }
  });

  it('gives the same numbers when the region channels are permuted', () => {
    const original = randomHeatmaps(8, 11);
    const permutation = [3, 7, 1, 0, 6, 2, 5, 4];
    const permuted = new Float32Array(original.data.length);
    for (let i = 0; i < original.data.length; i += 8) for (let r = 0; r < 8; r++) permuted[i + permutation[r]!] = original.data[i + r]!;
    const a = regionAwarenessScore(original, masks);
    const b = regionAwarenessScore({ data: permuted, shape: original.shape }, masks);
    assert.ok(Math.abs(a.nmi - b.nmi) < 1e-12);
    assert.ok(Math.abs(a.meanBestIoU - b.meanBestIoU) < 1e-12);
    assert.ok(Math.abs(a.foreground.nmi - b.foreground.nmi) < 1e-12);
    for (let r = 0; r < 8; r++) assert.deepEqual({ ...b.perRegion[permutation[r]!]!, region: r }, a.perRegion[r]);
  });

  it('falls steadily from 1 towards 0 as more cells get a random region', () => {
    const scores = [0, 0.25, 0.5, 0.75, 1].map((fraction) => {
      const rng = new Rng(99);
      return regionAwarenessScore(heatmapsFrom(PART_COUNT, (p) => (rng.next() < fraction ? rng.int(0, PART_COUNT - 1) : p)), masks);
    });
    assert.equal(scores[0]!.nmi, 1);
    for (let i = 1; i < scores.length; i++) {
      assert.ok(scores[i]!.nmi < scores[i - 1]!.nmi, `nmi not decreasing at ${i}: ${scores.map((s) => s.nmi)}`);
      assert.ok(scores[i]!.meanBestIoU < scores[i - 1]!.meanBestIoU);
    }
    assert.ok(scores[4]!.nmi < 0.05);
  });

  it('scores merged parts between 0 and 1, and a collapsed map at 0', () => {
    // Both eyes in one region, brows with skin: right structure, too coarse.
    const merged = regionAwarenessScore(heatmapsFrom(PART_COUNT, (p) => (p === 3 ? 2 : p === 4 ? 1 : p)), masks);
    assert.ok(merged.nmi > 0.8 && merged.nmi < 1, `merged nmi ${merged.nmi}`);
    assert.ok(merged.meanBestIoU < 1);
    assert.ok(merged.regionsUsed <= PART_COUNT - 2);

    // Splitting one part over two regions also costs.
    const split = regionAwarenessScore(heatmapsFrom(9, (p, cell) => (p === 1 && cell % 2 === 0 ? 8 : p)), masks);
    assert.ok(split.nmi > 0.8 && split.nmi < 1, `split nmi ${split.nmi}`);

    const collapsed = regionAwarenessScore(heatmapsFrom(PART_COUNT, () => 0), masks);
    assert.equal(collapsed.nmi, 0);
    assert.equal(collapsed.regionsUsed, 1);
    // Averaged over min(N, parts present) = 8, not over the single used region.
    assert.ok(collapsed.meanBestIoU <= 1 / PART_COUNT + 1e-12, `collapsed meanBestIoU ${collapsed.meanBestIoU}`);
  });

  it('separating only face from background earns nothing in the foreground variant', () => {
    const score = regionAwarenessScore(heatmapsFrom(2, (p) => (p === 0 ? 0 : 1)), masks);
    assert.ok(score.nmi > 0.3);
    assert.equal(score.foreground.nmi, 0);
    assert.equal(score.foreground.regionsUsed, 1);
  });
});

describe('region score: building blocks', () => {
  it('NMI matches the arithmetic-mean formula on a hand-computed table', () => {
    // parts [0,0,1,1] vs regions [0,0,1,2]: I = ln 2, H(P) = ln 2, H(R) = 1.5 ln 2 → NMI = 1 / 1.25 = 0.8.
    const table = [2, 0, 0, 1, 0, 1]; // rows = regions 0..2, cols = parts 0..1
    assert.ok(Math.abs(normalizedMutualInformation(table, 3, 2) - 0.8) < 1e-12);
    // Independent: regions [0,1,0,1] vs parts [0,0,1,1].
    assert.equal(normalizedMutualInformation([1, 1, 1, 1], 2, 2), 0);
    // Both trivial (one class each): 1, like scikit-learn.
    assert.equal(normalizedMutualInformation([5, 0, 0, 0], 2, 2), 1);
  });

  it('downsamples masks by majority vote, ties going to the centre pixel', () => {
    // 4×4 mask → 2×2 grid. Top-left cell: three 1s and one 0 → 1. Top-right: 2,2,3,3 tie → the
    // centre pixel (row 1, col 3) = 3. Bottom-left: all 5. Bottom-right: 0,4,4,6 → 4.
    const mask: LabelMap = {
      width: 4,
      height: 4,
      data: Uint8Array.from([1, 1, 2, 2, 1, 0, 3, 3, 5, 5, 0, 4, 5, 5, 4, 6]),
    };
    assert.deepEqual([...downsampleLabels(mask, 2, 2, 8)], [1, 3, 5, 4]);
    // A grid finer than the mask takes the pixel under each cell's centre.
    assert.deepEqual([...downsampleLabels({ width: 2, height: 1, data: Uint8Array.from([3, 7]) }, 1, 4, 8)], [3, 3, 7, 7]);
  });

  it('argmax picks the largest region per cell, ties to the lower index', () => {
    const regions = argmaxRegions({ data: Float32Array.from([0.1, 0.7, 0.2, 0.5, 0.5, 0, 0, 0, 1]), shape: [1, 1, 3, 3] });
    assert.deepEqual([...regions], [1, 0, 2]);
  });

  it('rejects inconsistent inputs with a clear message', () => {
    const good = heatmapsFrom(PART_COUNT, (p) => p);
    assert.throws(() => regionAwarenessScore(good, masks.slice(1)), /15 masks for a batch of 16/);
    assert.throws(() => regionAwarenessScore({ data: good.data, shape: [16, GRID, GRID, 7] }, masks), /values for heatmap shape/);
    assert.throws(() => regionAwarenessScore({ data: good.data, shape: [16, GRID, GRID * 8, 0] }, masks), /4 positive integers/);
    assert.throws(() => regionAwarenessScore(good, masks, { numParts: 5 }), /label 7 ≥ numParts 5/);
  });
});
