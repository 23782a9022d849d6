/**
 * The optimised two-view pipeline (WebAssembly SIMD kernels, both views cut
 * from one copy of the source, floats written straight into batch buffers)
 * against the straightforward reference implementation of the same drawn
 * parameters (trainer/data/augment/view-render-reference.ts, the ops of
 * fra-spec §3 one after another). Documented tolerance: none — the maximum
 * absolute difference must be 0, for the 8-bit views and the float32 tensors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RgbImage } from '../../../../trainer/data/image-source.js';
import { createRng } from '../../../../trainer/data/augment/random.js';
import {
  describeTwoViews,
  fraTwoViews,
  fraTwoViewsReference,
  fraTwoViewsRgb,
  renderView,
  renderViewReference,
  viewRendererKind,
} from '../../../../trainer/data/augment/two-view.js';
import { MAX_KERNEL_SOURCE_BYTES } from '../../../../trainer/data/augment/wasm/kernel-module.js';

function photo(width: number, height: number, seed: number): RgbImage {
  const rng = createRng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (150 + ((x * 3) >> 1) + rng.int(40)) & 255;
      data[i + 1] = (90 + y + rng.int(40)) & 255;
      data[i + 2] = (60 + ((x + y) >> 1) + rng.int(40)) & 255;
    }
  }
  return { width, height, data };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

const IMAGES: [string, RgbImage][] = [
  ['face-crop 250×280', photo(250, 280, 1)],
  ['wide 300×120', photo(300, 120, 2)],
  ['tiny 7×5', photo(7, 5, 3)],
  ['single pixel', photo(1, 1, 4)],
];

describe('optimised two-view pipeline = reference implementation (max |Δ| 0)', () => {
  it('runs on the WebAssembly SIMD kernels here', () => {
    for (const [, image] of IMAGES) assert.equal(viewRendererKind(image), 'wasm-simd');
  });

  it('normalised float32 views, at FRA sizes and odd ones, over many (seed, epoch, index) keys', () => {
    for (const [name, image] of IMAGES) {
      for (const size of [224, 112, 33, 2, 1]) {
        const keys = size >= 112 ? 8 : 24;
        for (let index = 0; index < keys; index++) {
          const opts = { size, seed: 77, epoch: 2, index };
          const fast = fraTwoViews(image, opts);
          const reference = fraTwoViewsReference(image, describeTwoViews(image, opts), size);
          assert.equal(maxAbsDiff(fast.view1, reference.view1), 0, `${name} → ${size}, index ${index}, view 1`);
          assert.equal(maxAbsDiff(fast.view2, reference.view2), 0, `${name} → ${size}, index ${index}, view 2`);
        }
      }
    }
  });

  it('8-bit display views (fraTwoViewsRgb, renderView) for the GUI preview', () => {
    const [, image] = IMAGES[0]!;
    for (let index = 0; index < 16; index++) {
      const opts = { size: 96, seed: 5, epoch: 0, index };
      const { view1, view2, params } = fraTwoViewsRgb(image, opts);
      assert.equal(maxAbsDiff(view1.data, renderViewReference(image, params.view1, 96).data), 0, `index ${index} view 1`);
      assert.equal(maxAbsDiff(view2.data, renderViewReference(image, params.view2, 96).data), 0, `index ${index} view 2`);
      assert.deepEqual(renderView(image, params.view2, 96).data, view2.data);
      assert.deepEqual(params, describeTwoViews(image, opts));
    }
  });

  it('writes into batch buffers at an offset without touching the other samples', () => {
    const [, image] = IMAGES[0]!;
    const size = 40;
    const values = size * size * 3;
    const batch1 = new Float32Array(3 * values).fill(7);
    const batch2 = new Float32Array(3 * values).fill(7);
    const opts = { size, seed: 3, epoch: 1, index: 9 };
    const written = fraTwoViews(image, opts, { view1: batch1, view2: batch2, offset: values });
    assert.equal(written.view1, batch1);
    assert.equal(written.view2, batch2);
    const reference = fraTwoViewsReference(image, describeTwoViews(image, opts), size);
    assert.equal(maxAbsDiff(batch1.subarray(values, 2 * values), reference.view1), 0);
    assert.equal(maxAbsDiff(batch2.subarray(values, 2 * values), reference.view2), 0);
    assert.ok(batch1.subarray(0, values).every((v) => v === 7) && batch1.subarray(2 * values).every((v) => v === 7));
    assert.ok(batch2.subarray(0, values).every((v) => v === 7) && batch2.subarray(2 * values).every((v) => v === 7));
    assert.throws(() => fraTwoViews(image, opts, { view1: batch1, view2: batch2, offset: 2 * values + 1 }), RangeError);
  });

  it('is deterministic across calls and unaffected by the images rendered in between', () => {
    const [, a] = IMAGES[0]!;
    const [, b] = IMAGES[1]!;
    const opts = { size: 64, seed: 12, epoch: 4, index: 321 };
    const first = fraTwoViews(a, opts);
    fraTwoViews(b, { ...opts, size: 224 });
    fraTwoViewsRgb(b, opts);
    const again = fraTwoViews(a, opts);
    assert.deepEqual(again.view1, first.view1);
    assert.deepEqual(again.view2, first.view2);
  });

  it('sends sources too large for kernel memory to the reference renderer', () => {
    const huge = { width: 4096, height: Math.ceil(MAX_KERNEL_SOURCE_BYTES / (4096 * 3)) + 1, data: new Uint8Array(0) };
    huge.data = new Uint8Array(huge.width * huge.height * 3);
    assert.equal(viewRendererKind(huge), 'reference');
  });
});
