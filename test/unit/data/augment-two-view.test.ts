/**
 * FRA's two asymmetric views (fra-spec §3): parameter distributions per view,
 * determinism by (seed, epoch, index), and that the rendered views are the
 * described ops applied in order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RgbImage } from '../../../trainer/data/image-source.js';
import { colorJitterInPlace, type JitterOp } from '../../../trainer/data/augment/ops/color-jitter.js';
import { flipHorizontalInPlace } from '../../../trainer/data/augment/ops/flip.js';
import { gaussianBlurInPlace } from '../../../trainer/data/augment/ops/gaussian-blur.js';
import { grayscaleInPlace } from '../../../trainer/data/augment/ops/grayscale.js';
import { toNormalizedTensor } from '../../../trainer/data/augment/ops/normalize.js';
import { resizeBilinear } from '../../../trainer/data/augment/ops/resize.js';
import { solarizeInPlace } from '../../../trainer/data/augment/ops/solarize.js';
import { createRng } from '../../../trainer/data/augment/random.js';
import {
  describeTwoViews,
  FRA_VIEW1_POLICY,
  FRA_VIEW2_POLICY,
  fraTwoViews,
  fraTwoViewsRgb,
  renderView,
  type ViewParams,
} from '../../../trainer/data/augment/two-view.js';

function photo(width: number, height: number, seed: number): RgbImage {
  const rng = createRng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 3 + rng.int(40)) & 255;
      data[i + 1] = (y * 2 + rng.int(40)) & 255;
      data[i + 2] = ((x + y) * 2 + rng.int(40)) & 255;
    }
  }
  return { width, height, data };
}

const DIMS = { width: 250, height: 280 };
const DRAWS = 4000;

function viewParams(view: 'view1' | 'view2', n = DRAWS): ViewParams[] {
  return Array.from({ length: n }, (_, index) => describeTwoViews(DIMS, { size: 224, seed: 5, epoch: 1, index })[view]);
}

function frequency(list: ViewParams[], pick: (p: ViewParams) => boolean): number {
  return list.filter(pick).length / list.length;
}

describe('FRA two-view policies (fra-spec §3)', () => {
  it('declares the asymmetric probabilities', () => {
    assert.deepEqual([FRA_VIEW1_POLICY.blurP, FRA_VIEW1_POLICY.solarizeP], [1.0, 0.0]);
    assert.deepEqual([FRA_VIEW2_POLICY.blurP, FRA_VIEW2_POLICY.solarizeP], [0.1, 0.2]);
    for (const p of [FRA_VIEW1_POLICY, FRA_VIEW2_POLICY]) {
      assert.deepEqual([p.flipP, p.jitterP, p.grayscaleP], [0.5, 0.8, 0.2]);
      assert.deepEqual(p.jitter, { brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1 });
      assert.deepEqual([p.cropScale, p.cropRatio, p.blurSigma], [[0.2, 1.0], [3 / 4, 4 / 3], [0.1, 2.0]]);
    }
  });

  it('view 1: blur always, never solarized; view 2: blur ≈ 0.1, solarize ≈ 0.2', () => {
    const one = viewParams('view1');
    const two = viewParams('view2');
    assert.equal(frequency(one, (p) => p.blurSigma !== null), 1);
    assert.equal(frequency(one, (p) => p.solarize), 0);
    assert.ok(Math.abs(frequency(two, (p) => p.blurSigma !== null) - 0.1) < 0.025);
    assert.ok(Math.abs(frequency(two, (p) => p.solarize) - 0.2) < 0.03);
    for (const list of [one, two]) {
      assert.ok(Math.abs(frequency(list, (p) => p.flip) - 0.5) < 0.04);
      assert.ok(Math.abs(frequency(list, (p) => p.jitter !== null) - 0.8) < 0.03);
      assert.ok(Math.abs(frequency(list, (p) => p.grayscale) - 0.2) < 0.03);
    }
  });

  it('jitter factors and blur σ stay in their torchvision ranges', () => {
    for (const p of [...viewParams('view1', 1500), ...viewParams('view2', 1500)]) {
      if (p.jitter !== null) {
        assert.ok(p.jitter.brightness! >= 0.6 && p.jitter.brightness! < 1.4);
        assert.ok(p.jitter.contrast! >= 0.6 && p.jitter.contrast! < 1.4);
        assert.ok(p.jitter.saturation! >= 0.8 && p.jitter.saturation! < 1.2);
        assert.ok(p.jitter.hue! >= -0.1 && p.jitter.hue! < 0.1);
        assert.deepEqual([...p.jitter.order].sort(), ['brightness', 'contrast', 'hue', 'saturation']);
      }
      if (p.blurSigma !== null) assert.ok(p.blurSigma >= 0.1 && p.blurSigma < 2.0);
    }
  });

  it('jitter order is a uniformly random permutation', () => {
    const counts = new Map<string, number>();
    const firsts = new Map<JitterOp, number>();
    for (const p of viewParams('view1')) {
      if (p.jitter === null) continue;
      const key = p.jitter.order.join(',');
      counts.set(key, (counts.get(key) ?? 0) + 1);
      const first = p.jitter.order[0]!;
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    assert.equal(counts.size, 24, 'all 24 orders occur');
    const total = [...firsts.values()].reduce((a, b) => a + b, 0);
    for (const n of firsts.values()) assert.ok(Math.abs(n / total - 0.25) < 0.04, `first-op frequency ${n / total}`);
  });

  it('crop boxes respect scale (0.2, 1) and ratio (3/4, 4/3)', () => {
    for (const p of viewParams('view2', 2000)) {
      const { crop } = p;
      assert.ok(crop.top + crop.height <= DIMS.height && crop.left + crop.width <= DIMS.width);
      if (crop.fallback) continue;
      const area = (crop.width * crop.height) / (DIMS.width * DIMS.height);
      assert.ok(area > 0.19 && area <= 1, `area ${area}`);
      const aspect = crop.width / crop.height;
      assert.ok(aspect > 0.74 && aspect < 1.35, `aspect ${aspect}`);
    }
  });

  it('view 1 and view 2 are independent draws', () => {
    const pairs = Array.from({ length: 300 }, (_, index) => describeTwoViews(DIMS, { size: 224, seed: 9, epoch: 0, index }));
    const sameCrop = pairs.filter((p) => JSON.stringify(p.view1.crop) === JSON.stringify(p.view2.crop)).length;
    assert.ok(sameCrop < 3, `${sameCrop} identical crops`);
    const bothFlipped = pairs.filter((p) => p.view1.flip && p.view2.flip).length / pairs.length;
    assert.ok(Math.abs(bothFlipped - 0.25) < 0.08, `P(both flipped) ${bothFlipped}`);
  });
});

describe('fraTwoViews', () => {
  const source = photo(120, 136, 3);

  it('is deterministic for (seed, epoch, index) and changes with each of them', () => {
    const opts = { size: 48, seed: 4, epoch: 2, index: 17 };
    const a = fraTwoViews(source, opts);
    const b = fraTwoViews(source, opts);
    assert.deepEqual(Buffer.from(a.view1.buffer), Buffer.from(b.view1.buffer));
    assert.deepEqual(Buffer.from(a.view2.buffer), Buffer.from(b.view2.buffer));
    for (const other of [{ ...opts, index: 18 }, { ...opts, epoch: 3 }, { ...opts, seed: 5 }]) {
      assert.notDeepEqual(Buffer.from(fraTwoViews(source, other).view1.buffer), Buffer.from(a.view1.buffer));
    }
    assert.notDeepEqual(Buffer.from(a.view1.buffer), Buffer.from(a.view2.buffer));
  });

  it('returns normalised float32 HWC views of size × size × 3, and can write into batch buffers', () => {
    const views = fraTwoViews(source, { size: 32, seed: 1, epoch: 0, index: 0 });
    assert.equal(views.view1.length, 32 * 32 * 3);
    assert.ok(views.view1 instanceof Float32Array && views.view2 instanceof Float32Array);
    const batch1 = new Float32Array(2 * 32 * 32 * 3);
    const batch2 = new Float32Array(2 * 32 * 32 * 3);
    const written = fraTwoViews(source, { size: 32, seed: 1, epoch: 0, index: 0 }, { view1: batch1, view2: batch2, offset: 32 * 32 * 3 });
    assert.equal(written.view1, batch1);
    assert.deepEqual(batch1.subarray(32 * 32 * 3), views.view1);
    assert.deepEqual(batch2.subarray(32 * 32 * 3), views.view2);
    assert.ok(batch1.subarray(0, 32 * 32 * 3).every((v) => v === 0));
  });

  it('renders exactly the described ops, in order, and normalises the 8-bit views', () => {
    for (let index = 0; index < 12; index++) {
      const opts = { size: 40, seed: 2, epoch: 0, index };
      const { view1, view2, params } = fraTwoViewsRgb(source, opts);
      for (const [rgb, p] of [[view1, params.view1], [view2, params.view2]] as const) {
        let manual = resizeBilinear(source, 40, 40, { box: p.crop });
        if (p.flip) manual = flipHorizontalInPlace(manual);
        if (p.jitter !== null) colorJitterInPlace(manual, p.jitter);
        if (p.grayscale) grayscaleInPlace(manual);
        if (p.blurSigma !== null) gaussianBlurInPlace(manual, p.blurSigma);
        if (p.solarize) solarizeInPlace(manual);
        assert.deepEqual(rgb.data, manual.data, `index ${index}`);
        assert.deepEqual(renderView(source, p, 40).data, manual.data);
      }
      const normalised = fraTwoViews(source, opts);
      assert.deepEqual(normalised.view1, toNormalizedTensor(view1));
      assert.deepEqual(normalised.view2, toNormalizedTensor(view2));
    }
  });

  it('rejects bad sizes and empty images', () => {
    assert.throws(() => fraTwoViews(source, { size: 0, seed: 0, epoch: 0, index: 0 }), RangeError);
    assert.throws(() => fraTwoViews({ width: 0, height: 0, data: new Uint8Array(0) }, { size: 8, seed: 0, epoch: 0, index: 0 }), RangeError);
  });
});
