/**
 * Each augmentation op against its formula on small hand-made images
 * (fra-spec §3 and §7.1). Byte-exact agreement with torchvision + PIL itself
 * is checked in augment-pil-parity.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RgbImage } from '../../../trainer/data/image-source.js';
import { VGGFACE2_MEAN, VGGFACE2_STD } from '../../../trainer/data/normalization.js';
import { adjustBrightnessInPlace } from '../../../trainer/data/augment/ops/brightness.js';
import { colorJitterDeferred, colorJitterInPlace, type ColorJitterParams } from '../../../trainer/data/augment/ops/color-jitter.js';
import { adjustContrastInPlace } from '../../../trainer/data/augment/ops/contrast.js';
import { flipHorizontalInPlace } from '../../../trainer/data/augment/ops/flip.js';
import { effectiveBlurKernel, extendedBox, gaussianBlurInPlace, pilBoxRadius } from '../../../trainer/data/augment/ops/gaussian-blur.js';
import { grayscaleInPlace, pilLuma } from '../../../trainer/data/augment/ops/grayscale.js';
import { adjustHueInPlace, hueShiftBytes } from '../../../trainer/data/augment/ops/hue.js';
import { applyTableInPlace } from '../../../trainer/data/augment/ops/lookup-table.js';
import { denormalizeToRgb, normalizationTable, toNormalizedTensor, VGGFACE2_TABLE } from '../../../trainer/data/augment/ops/normalize.js';
import { eraseInPlace, sampleErasingBox } from '../../../trainer/data/augment/ops/random-erasing.js';
import { sampleResizedCropBox } from '../../../trainer/data/augment/ops/random-resized-crop.js';
import { roundHalfEven } from '../../../trainer/data/augment/ops/reference-numerics.js';
import { resizeBilinear } from '../../../trainer/data/augment/ops/resize.js';
import { rotateNearest } from '../../../trainer/data/augment/ops/rotate.js';
import { adjustSaturationInPlace } from '../../../trainer/data/augment/ops/saturation.js';
import { solarizeInPlace } from '../../../trainer/data/augment/ops/solarize.js';
import { translate } from '../../../trainer/data/augment/ops/translate.js';
import { createRng } from '../../../trainer/data/augment/random.js';

function image(width: number, height: number, pixels: number[][]): RgbImage {
  assert.equal(pixels.length, width * height);
  return { width, height, data: Uint8Array.from(pixels.flat()) };
}

function pixels(img: RgbImage): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < img.data.length; i += 3) out.push([img.data[i]!, img.data[i + 1]!, img.data[i + 2]!]);
  return out;
}

function noise(width: number, height: number, seed: number): RgbImage {
  const rng = createRng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
  return { width, height, data };
}

/** One pixel per byte value v (v, v, v): handy for point ops. */
function allGreys(): RgbImage {
  return image(256, 1, Array.from({ length: 256 }, (_, v) => [v, v, v]));
}

describe('solarize (threshold 128)', () => {
  it('inverts exactly the values ≥ 128', () => {
    const out = solarizeInPlace(allGreys());
    for (let v = 0; v < 256; v++) assert.equal(out.data[v * 3], v >= 128 ? 255 - v : v, `v=${v}`);
  });
});

describe('grayscale (ITU-R 601-2 luma)', () => {
  it('L = R·299/1000 + G·587/1000 + B·114/1000, rounded, on all three channels', () => {
    const cases: [number[], number][] = [
      [[255, 0, 0], 76],
      [[0, 255, 0], 150],
      [[0, 0, 255], 29],
      [[255, 255, 255], 255],
      [[0, 0, 0], 0],
      [[10, 200, 30], 124],
    ];
    const out = grayscaleInPlace(image(cases.length, 1, cases.map((c) => c[0])));
    assert.deepEqual(pixels(out), cases.map(([, l]) => [l, l, l]));
  });

  it('is within rounding of the floating-point formula for every 4th colour level', () => {
    for (let r = 0; r < 256; r += 4) {
      for (let g = 0; g < 256; g += 4) {
        for (let b = 0; b < 256; b += 4) {
          const exact = (r * 299) / 1000 + (g * 587) / 1000 + (b * 114) / 1000;
          assert.ok(Math.abs(pilLuma(r, g, b) - exact) <= 0.5 + 1e-2, `${r},${g},${b}`);
        }
      }
    }
  });
});

describe('colour jitter factors', () => {
  it('brightness scales every value by f, truncating and clamping', () => {
    const up = adjustBrightnessInPlace(allGreys(), 1.3);
    assert.deepEqual([up.data[100 * 3], up.data[7 * 3], up.data[200 * 3], up.data[0]], [130, 9, 255, 0]);
    const down = adjustBrightnessInPlace(allGreys(), 0.6);
    assert.deepEqual([down.data[255 * 3], down.data[1 * 3], down.data[100 * 3]], [153, 0, 60]);
  });

  it('contrast blends with the rounded mean of the grayscale image', () => {
    // Luma 100 and 200: mean 150.
    const lower = adjustContrastInPlace(image(2, 1, [[100, 100, 100], [200, 200, 200]]), 0.5);
    assert.deepEqual(pixels(lower), [[125, 125, 125], [175, 175, 175]]);
    const higher = adjustContrastInPlace(image(2, 1, [[100, 100, 100], [200, 200, 200]]), 1.5);
    assert.deepEqual(pixels(higher), [[75, 75, 75], [225, 225, 225]]);
  });

  it('saturation blends each pixel with its own luma', () => {
    // (200, 100, 50) has luma 124.
    const half = adjustSaturationInPlace(image(1, 1, [[200, 100, 50]]), 0.5);
    assert.deepEqual(pixels(half), [[162, 112, 87]]);
    const more = adjustSaturationInPlace(image(1, 1, [[200, 100, 50]]), 1.5);
    assert.deepEqual(pixels(more), [[238, 88, 13]]);
    assert.deepEqual(pixels(adjustSaturationInPlace(image(1, 1, [[200, 100, 50]]), 0)), [[124, 124, 124]]);
    assert.deepEqual(pixels(adjustSaturationInPlace(image(1, 1, [[200, 100, 50]]), 1)), [[200, 100, 50]]);
  });

  it('hue: factor → byte offset as np.uint8(f·255), and a third of the circle maps red to green', () => {
    assert.equal(hueShiftBytes(0), 0);
    assert.equal(hueShiftBytes(0.1), 25);
    assert.equal(hueShiftBytes(-0.1), 231);
    assert.throws(() => hueShiftBytes(0.6), RangeError);
    assert.deepEqual(pixels(adjustHueInPlace(image(1, 1, [[255, 0, 0]]), 1 / 3)), [[0, 255, 0]]);
  });

  it('hue shift 0 is the identity on greys and within PIL’s 8-bit HSV quantisation on colours', () => {
    const greys = adjustHueInPlace(allGreys(), 0);
    assert.deepEqual(greys.data, allGreys().data);
    const colours = noise(64, 64, 11);
    const shifted = adjustHueInPlace({ ...colours, data: colours.data.slice() }, 0);
    let maxDiff = 0;
    let total = 0;
    for (let i = 0; i < colours.data.length; i++) {
      const d = Math.abs(shifted.data[i]! - colours.data[i]!);
      maxDiff = Math.max(maxDiff, d);
      total += d;
    }
    // Exhaustively over all 2^24 colours PIL's round trip moves a channel by at most 7 levels.
    assert.ok(maxDiff <= 7, `max ${maxDiff}`);
    assert.ok(total / colours.data.length < 1, `mean ${total / colours.data.length}`);
  });

  it('applies the ops in the drawn order (order changes the result)', () => {
    const source = noise(16, 16, 12);
    const factors = { brightness: 1.35, contrast: 0.65, saturation: 1.2, hue: 0.08 };
    const run = (order: ColorJitterParams['order']): Uint8Array =>
      colorJitterInPlace({ ...source, data: source.data.slice() }, { ...factors, order }).data;
    const manual = (): Uint8Array => {
      const img = { ...source, data: source.data.slice() };
      adjustHueInPlace(img, 0.08);
      adjustContrastInPlace(img, 0.65);
      adjustBrightnessInPlace(img, 1.35);
      adjustSaturationInPlace(img, 1.2);
      return img.data;
    };
    assert.deepEqual(run(['hue', 'contrast', 'brightness', 'saturation']), manual());
    assert.notDeepEqual(run(['brightness', 'contrast', 'saturation', 'hue']), run(['hue', 'saturation', 'contrast', 'brightness']));
  });

  it('deferring point ops as a table gives the same bytes as applying them one by one', () => {
    const source = noise(16, 16, 13);
    for (const order of [
      ['brightness', 'contrast', 'saturation', 'hue'],
      ['saturation', 'contrast', 'brightness', 'hue'],
      ['hue', 'brightness', 'contrast', 'saturation'],
      ['hue', 'saturation', 'contrast', 'brightness'],
    ] as ColorJitterParams['order'][]) {
      const params = { brightness: 1.21, contrast: 1.33, saturation: 0.87, hue: -0.04, order };
      const stepwise = { ...source, data: source.data.slice() };
      for (const op of order) {
        if (op === 'brightness') adjustBrightnessInPlace(stepwise, params.brightness);
        if (op === 'contrast') adjustContrastInPlace(stepwise, params.contrast);
        if (op === 'saturation') adjustSaturationInPlace(stepwise, params.saturation);
        if (op === 'hue') adjustHueInPlace(stepwise, params.hue);
      }
      const deferred = { ...source, data: source.data.slice() };
      const pending = colorJitterDeferred(deferred, params, null);
      if (pending !== null) applyTableInPlace(deferred.data, pending);
      assert.deepEqual(deferred.data, stepwise.data, order.join(','));
    }
  });
});

describe('horizontal flip', () => {
  it('mirrors each row; twice is the identity', () => {
    const img = image(3, 2, [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12], [13, 14, 15], [16, 17, 18]]);
    assert.deepEqual(pixels(flipHorizontalInPlace(img)), [[7, 8, 9], [4, 5, 6], [1, 2, 3], [16, 17, 18], [13, 14, 15], [10, 11, 12]]);
    assert.deepEqual(pixels(flipHorizontalInPlace(img)), [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12], [13, 14, 15], [16, 17, 18]]);
  });

  it('resize with mirror equals resize then flip', () => {
    const src = noise(20, 13, 14);
    const box = { top: 2, left: 3, height: 9, width: 11 };
    for (const size of [7, 11, 25]) {
      const expected = flipHorizontalInPlace(resizeBilinear(src, size, size, { box }));
      assert.deepEqual(resizeBilinear(src, size, size, { box, mirror: true }).data, expected.data, `size ${size}`);
    }
  });
});

describe('Gaussian blur (PIL: three extended box passes per axis)', () => {
  it('derives the box radius and fixed-point weights as PIL does (σ = 1.5)', () => {
    // sigma² per pass = 1.5² / 3; L = √(12·σ²/3 + 1) = √10; l = 1; a = 3·(2 − 0.75·3) / (6·(0.75 − 4)).
    const l = 1;
    const a = ((2 * l + 1) * (l * (l + 1) - 3 * 0.75)) / (6 * (0.75 - (l + 1) ** 2));
    assert.ok(Math.abs(pilBoxRadius(1.5) - (l + a)) < 1e-6);
    const box = extendedBox(pilBoxRadius(1.5));
    assert.equal(box.radius, 1);
    assert.ok(Math.abs(box.innerWeight - 2 ** 24 / (2 * (l + a) + 1)) <= 1);
    assert.equal(box.edgeWeight, Math.floor((2 ** 24 - 3 * box.innerWeight) / 2));
  });

  it('effective kernel: sums to 1, variance σ², close to the sampled Gaussian; radius 3(l+1)', () => {
    for (const sigma of [0.1, 0.5, 0.8, 1.2, 1.5, 2.0]) {
      const kernel = effectiveBlurKernel(sigma);
      const l = Math.floor((Math.sqrt(4 * sigma * sigma + 1) - 1) / 2);
      assert.equal(kernel.length, 2 * 3 * (l + 1) + 1, `σ=${sigma}`);
      const centre = (kernel.length - 1) / 2;
      let sum = 0;
      let variance = 0;
      let gaussianSum = 0;
      const gaussian = Array.from(kernel, (_, i) => Math.exp(-((i - centre) ** 2) / (2 * sigma * sigma)));
      gaussian.forEach((g) => (gaussianSum += g));
      let l1 = 0;
      kernel.forEach((w, i) => {
        sum += w;
        variance += w * (i - centre) ** 2;
        assert.ok(Math.abs(w - kernel[kernel.length - 1 - i]!) < 1e-12, 'symmetric');
        l1 += Math.abs(w - gaussian[i]! / gaussianSum);
      });
      assert.ok(Math.abs(sum - 1) < 1e-6, `σ=${sigma} sum ${sum}`);
      assert.ok(Math.abs(variance - sigma * sigma) < 1e-5 + 1e-5 * sigma * sigma, `σ=${sigma} variance ${variance}`);
      assert.ok(l1 < 0.12, `σ=${sigma} L1 distance to the Gaussian ${l1}`);
    }
  });

  it('keeps a constant image constant (replicated borders)', () => {
    const flat = image(9, 7, new Array(63).fill([90, 140, 210]));
    assert.deepEqual(gaussianBlurInPlace(flat, 1.7).data, image(9, 7, new Array(63).fill([90, 140, 210])).data);
  });

  it('spreads an impulse like the effective kernel (outer product, within per-pass rounding)', () => {
    const size = 21;
    const img = image(size, size, new Array(size * size).fill([0, 0, 0]));
    const c = (size - 1) / 2;
    img.data.fill(250, (c * size + c) * 3, (c * size + c) * 3 + 3);
    const sigma = 1.6;
    gaussianBlurInPlace(img, sigma);
    const k = effectiveBlurKernel(sigma);
    const half = (k.length - 1) / 2;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const ky = k[y - c + half] ?? 0;
        const kx = k[x - c + half] ?? 0;
        assert.ok(Math.abs(img.data[(y * size + x) * 3]! - 250 * kx * ky) <= 3, `(${x}, ${y})`);
      }
    }
  });

  it('rejects a negative σ', () => {
    assert.throws(() => gaussianBlurInPlace(noise(3, 3, 1), -1), RangeError);
  });
});

describe('bilinear resize (PIL)', () => {
  it('interpolates at half-pixel centres: [0, 255] → [0, 64, 191, 255]', () => {
    const out = resizeBilinear(image(2, 1, [[0, 0, 0], [255, 255, 255]]), 4, 1);
    assert.deepEqual(pixels(out).map((p) => p[0]), [0, 64, 191, 255]);
  });

  it('is the identity at the same size and keeps constants constant', () => {
    const src = noise(13, 9, 15);
    assert.deepEqual(resizeBilinear(src, 13, 9).data, src.data);
    const flat = image(5, 4, new Array(20).fill([17, 99, 230]));
    assert.deepEqual(resizeBilinear(flat, 11, 3).data, image(11, 3, new Array(33).fill([17, 99, 230])).data);
  });

  it('reads only the box', () => {
    const src = noise(12, 12, 16);
    const box = { top: 3, left: 4, height: 5, width: 6 };
    const cropped: RgbImage = { width: 6, height: 5, data: new Uint8Array(6 * 5 * 3) };
    for (let y = 0; y < 5; y++) cropped.data.set(src.data.subarray(((y + 3) * 12 + 4) * 3, ((y + 3) * 12 + 10) * 3), y * 18);
    assert.deepEqual(resizeBilinear(src, 8, 8, { box }).data, resizeBilinear(cropped, 8, 8).data);
    assert.throws(() => resizeBilinear(src, 8, 8, { box: { top: 10, left: 0, height: 5, width: 5 } }), RangeError);
  });
});

describe('RandomResizedCrop box sampling (torchvision get_params)', () => {
  it('keeps area within scale (0.2, 1) and aspect within (3/4, 4/3) over many draws', () => {
    const rng = createRng(17);
    const [width, height] = [250, 280];
    let fallbacks = 0;
    let minArea = 1;
    let maxArea = 0;
    for (let i = 0; i < 5000; i++) {
      const box = sampleResizedCropBox(rng, width, height);
      assert.ok(box.top >= 0 && box.left >= 0 && box.top + box.height <= height && box.left + box.width <= width);
      if (box.fallback) {
        fallbacks++;
        continue;
      }
      const area = (box.width * box.height) / (width * height);
      minArea = Math.min(minArea, area);
      maxArea = Math.max(maxArea, area);
      // w and h are rounded to integers, so allow half a pixel on each side.
      assert.ok(area >= 0.2 * (1 - 2 / Math.min(box.width, box.height)) && area <= 1, `area ${area}`);
      const aspect = box.width / box.height;
      assert.ok(aspect >= (3 / 4) * (1 - 1 / box.height) - 1e-9 && aspect <= (4 / 3) * (1 + 1 / box.height) + 1e-9, `aspect ${aspect}`);
    }
    assert.ok(minArea < 0.22 && maxArea > 0.95, `area range ${minArea}–${maxArea}`);
    assert.ok(fallbacks < 50, `${fallbacks} fallbacks`);
  });

  it('falls back to a centred crop clamped to the ratio range when no attempt fits', () => {
    const rng = createRng(18);
    const wide = sampleResizedCropBox(rng, 1000, 10);
    assert.deepEqual(wide, { top: 0, left: Math.floor((1000 - 13) / 2), height: 10, width: 13, fallback: true });
    const tall = sampleResizedCropBox(rng, 10, 1000);
    assert.deepEqual(tall, { top: Math.floor((1000 - 13) / 2), left: 0, height: 13, width: 10, fallback: true });
  });

  it('rounds like Python (half to even)', () => {
    assert.deepEqual([0.5, 1.5, 2.5, 2.4999, -0.5, 3.5000001].map(roundHalfEven), [0, 2, 2, 2, 0, 4]);
  });
});

describe('ToTensor + normalise (VGGFace2 statistics)', () => {
  it('computes (v / 255 − mean) / std per channel in float32', () => {
    for (let c = 0; c < 3; c++) {
      for (const v of [0, 1, 77, 128, 254, 255]) {
        const expected = (v / 255 - VGGFACE2_MEAN[c]!) / VGGFACE2_STD[c]!;
        assert.ok(Math.abs(VGGFACE2_TABLE[c * 256 + v]! - expected) < 1e-6, `c=${c} v=${v}`);
      }
    }
    const out = toNormalizedTensor(image(1, 1, [[255, 0, 128]]));
    assert.deepEqual(Array.from(out), [VGGFACE2_TABLE[255], VGGFACE2_TABLE[256], VGGFACE2_TABLE[512 + 128]]);
  });

  it('writes HWC into a larger buffer at an offset, and denormalises back to the bytes', () => {
    const src = noise(4, 3, 19);
    const batch = new Float32Array(2 * 4 * 3 * 3);
    toNormalizedTensor(src, batch, 36);
    assert.deepEqual(batch.subarray(0, 36), new Float32Array(36));
    assert.deepEqual(denormalizeToRgb(batch.subarray(36), 4, 3).data, src.data);
    assert.throws(() => toNormalizedTensor(src, batch, 40), RangeError);
    const unit = normalizationTable([0, 0, 0], [1, 1, 1]);
    assert.equal(unit[255], 1);
  });
});

describe('fine-tuning geometry (nearest, fill 0)', () => {
  it('translate moves pixel (x, y) to (x + dx, y + dy) and fills with black', () => {
    const src = noise(5, 4, 20);
    const out = translate(src, { dx: 2, dy: -1 });
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 5; x++) {
        const sx = x - 2;
        const sy = y + 1;
        const inside = sx >= 0 && sx < 5 && sy >= 0 && sy < 4;
        const expected = inside ? Array.from(src.data.subarray((sy * 5 + sx) * 3, (sy * 5 + sx) * 3 + 3)) : [0, 0, 0];
        assert.deepEqual(Array.from(out.data.subarray((y * 5 + x) * 3, (y * 5 + x) * 3 + 3)), expected, `(${x}, ${y})`);
      }
    }
    assert.deepEqual(translate(src, { dx: 9, dy: 0 }).data, new Uint8Array(src.data.length));
  });

  it('rotate keeps the centre, blackens the corners, and is a copy at 0°', () => {
    const src = image(9, 9, new Array(81).fill([200, 150, 100]));
    const out = rotateNearest(src, 10);
    assert.deepEqual(pixels(out)[40], [200, 150, 100]);
    for (const corner of [0, 8, 72, 80]) assert.deepEqual(pixels(out)[corner], [0, 0, 0]);
    const noisy = noise(6, 5, 21);
    const same = rotateNearest(noisy, 0);
    assert.deepEqual(same.data, noisy.data);
    assert.notEqual(same.data, noisy.data);
  });
});

describe('RandomErasing (after normalisation)', () => {
  it('erases 2–33 % of the area with aspect 0.3–3.3, strictly inside, to 0', () => {
    const rng = createRng(22);
    const size = 64;
    for (let i = 0; i < 2000; i++) {
      const box = sampleErasingBox(rng, size, size);
      assert.ok(box !== null);
      assert.ok(box.height < size && box.width < size && box.top + box.height <= size && box.left + box.width <= size);
      const area = (box.width * box.height) / (size * size);
      assert.ok(area >= 0.02 * 0.7 && area <= 0.33 * 1.3, `area ${area}`);
      const aspect = box.height / box.width;
      assert.ok(aspect >= 0.3 * 0.6 && aspect <= 3.3 / 0.6, `aspect ${aspect}`);
    }
    const tensor = new Float32Array(4 * 3 * 3).fill(1.5);
    eraseInPlace(tensor, 4, { top: 1, left: 1, height: 2, width: 2 });
    const erased = [];
    for (let p = 0; p < 12; p++) if (tensor[p * 3] === 0) erased.push(p);
    assert.deepEqual(erased, [5, 6, 9, 10]);
  });

  it('gives up (no erasing) when no box fits', () => {
    // A 1-pixel-wide image: every drawn box is at least 2 pixels wide.
    assert.equal(sampleErasingBox(createRng(23), 1, 1000), null);
  });
});
