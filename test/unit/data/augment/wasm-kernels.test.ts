/**
 * The WebAssembly SIMD kernels against the reference ops (trainer/data/augment/ops/*,
 * themselves checked byte for byte against PIL in ../augment-pil-parity.test.ts),
 * one op at a time and beyond FRA's parameter ranges: every comparison must be
 * bit-identical (maximum absolute difference 0).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RgbImage } from '../../../../trainer/data/image-source.js';
import type { ColorJitterParams, JitterOp } from '../../../../trainer/data/augment/ops/color-jitter.js';
import { adjustHueInPlace } from '../../../../trainer/data/augment/ops/hue.js';
import { resizeBilinear } from '../../../../trainer/data/augment/ops/resize.js';
import { createRng } from '../../../../trainer/data/augment/random.js';
import type { ViewParams } from '../../../../trainer/data/augment/view-params.js';
import { renderViewReference } from '../../../../trainer/data/augment/view-render-reference.js';
import { loadAugmentKernels } from '../../../../trainer/data/augment/wasm/kernel-module.js';
import { KernelViewRenderer } from '../../../../trainer/data/augment/wasm/kernel-view-renderer.js';
import { HUE_TABLES, hueTables, pilHueByte } from '../../../../trainer/data/augment/wasm/kernels/hue-kernel.js';

const kernels = loadAugmentKernels();
assert.ok(kernels !== null, 'WebAssembly SIMD kernels must load under Node 20');
const renderer = new KernelViewRenderer(kernels);

function noise(width: number, height: number, seed: number): RgbImage {
  const rng = createRng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
  return { width, height, data };
}

/** A smooth image with noise, like a resized photo. */
function photo(width: number, height: number, seed: number): RgbImage {
  const rng = createRng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (120 + x + rng.int(30)) & 255;
      data[i + 1] = (70 + y + rng.int(30)) & 255;
      data[i + 2] = (40 + ((x * y) >> 6) + rng.int(30)) & 255;
    }
  }
  return { width, height, data };
}

/** A square image holding every colour of a grid of channel levels (then repeats). */
function colourGrid(levels: number[]): RgbImage {
  const count = levels.length ** 3;
  const side = Math.ceil(Math.sqrt(count));
  const data = new Uint8Array(side * side * 3);
  for (let p = 0; p < side * side; p++) {
    const k = p % count;
    data[3 * p] = levels[k % levels.length]!;
    data[3 * p + 1] = levels[Math.floor(k / levels.length) % levels.length]!;
    data[3 * p + 2] = levels[Math.floor(k / levels.length ** 2)]!;
  }
  return { width: side, height: side, data };
}

/** The whole (square) image, nothing applied: a view that is only the ops under test. */
function params(image: RgbImage, overrides: Partial<ViewParams> = {}): ViewParams {
  return {
    crop: { top: 0, left: 0, height: image.height, width: image.width, fallback: false },
    flip: false,
    jitter: null,
    grayscale: false,
    blurSigma: null,
    solarize: false,
    ...overrides,
  };
}

function jitter(order: JitterOp[], factors: Partial<Record<JitterOp, number>>): ColorJitterParams {
  return {
    order,
    brightness: factors.brightness ?? null,
    contrast: factors.contrast ?? null,
    saturation: factors.saturation ?? null,
    hue: factors.hue ?? null,
  };
}

function kernelView(image: RgbImage, p: ViewParams, size: number): RgbImage {
  return renderer.toRgb(renderer.render(renderer.load(image), p, size));
}

function assertSameBytes(actual: Uint8Array, expected: Uint8Array, label: string): void {
  assert.equal(actual.length, expected.length, label);
  let maxDiff = 0;
  let first = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs((actual[i] as number) - (expected[i] as number));
    if (d > maxDiff) maxDiff = d;
    if (d !== 0 && first < 0) first = i;
  }
  assert.equal(maxDiff, 0, `${label}: max |Δ| ${maxDiff}, first at byte ${first}`);
}

describe('wasm resize kernels = PIL bilinear (reference resize)', () => {
  it('crops and resizes up and down, mirrored or not, at any box and size', () => {
    const images = [noise(1, 1, 1), noise(3, 2, 2), noise(17, 9, 3), photo(250, 280, 4), noise(640, 30, 5)];
    const rng = createRng(6);
    for (const image of images) {
      for (const size of [1, 2, 7, 112, 224, 301]) {
        for (let k = 0; k < 4; k++) {
          const width = 1 + rng.int(image.width);
          const height = 1 + rng.int(image.height);
          // Boxes touching the right and bottom edges too: the kernels read padding past the last pixel.
          const box = k === 0 ? { top: image.height - height, left: image.width - width, height, width } : { top: rng.int(image.height - height + 1), left: rng.int(image.width - width + 1), height, width };
          const mirror = k % 2 === 1;
          const expected = resizeBilinear(image, size, size, { box, mirror });
          const actual = kernelView(image, { ...params(image), crop: { ...box, fallback: false }, flip: mirror }, size);
          assertSameBytes(actual.data, expected.data, `${image.width}×${image.height} box ${JSON.stringify(box)} → ${size}${mirror ? ' mirrored' : ''}`);
        }
      }
    }
  });
});

describe('wasm blur kernels = PIL GaussianBlur (reference blur)', () => {
  it('matches for both box radii, their boundary (σ = √2), σ beyond FRA’s range, and tiny images', () => {
    for (const side of [1, 2, 3, 4, 17, 64]) {
      const image = photo(side, side, side);
      for (const sigma of [0.1, 0.5, 1.0, 1.4142, 1.4143, 1.9, 2.0, 2.5, 5.0]) {
        const p = params(image, { blurSigma: sigma });
        assertSameBytes(kernelView(image, p, side).data, renderViewReference(image, p, side).data, `side ${side} σ ${sigma}`);
      }
    }
  });
});

describe('wasm colour kernels = PIL colour ops (reference ops)', () => {
  const grid = colourGrid([...Array.from({ length: 64 }, (_, i) => i * 4), 255]);
  const random = noise(512, 512, 7);

  it('hue: every colour of a grid and 262 k random colours, shifts across the whole range', () => {
    for (const image of [grid, random]) {
      for (const hue of [0, 0.1, -0.1, 1 / 255, -0.37, 0.5, -0.5]) {
        const p = params(image, { jitter: jitter(['hue'], { hue }) });
        const expected = adjustHueInPlace({ ...image, data: image.data.slice() }, hue);
        assertSameBytes(kernelView(image, p, image.width).data, expected.data, `hue ${hue} on ${image.width}²`);
      }
    }
  });

  it("hue tables: the H table reproduces PIL's H for every colour ordering", () => {
    const tables = hueTables();
    const rng = createRng(8);
    for (let n = 0; n < 20000; n++) {
      const [r, g, b] = [rng.int(256), rng.int(256), rng.int(256)];
      const max = Math.max(r, g, b);
      const min = Math.min(r, g, b);
      if (max === min) continue;
      // The kernel's case selection, as in hue-kernel.ts.
      const [c, middle] = r === max ? (g >= b ? [0, g] : [1, b]) : g === max ? (r >= b ? [2, r] : [3, b]) : g >= r ? [4, g] : [5, r];
      assert.equal(tables[HUE_TABLES.hue + c * 65536 + (max - middle) * 256 + (max - min)], pilHueByte(r, g, b), `rgb ${r} ${g} ${b}`);
    }
  });

  it('saturation: interpolation and clamped extrapolation, SIMD groups and the scalar tail', () => {
    for (const image of [grid, random, noise(5, 5, 9), noise(17, 17, 10)]) {
      for (const saturation of [0, 0.5, 0.8, 1, 1.19, 1.5, 2.0, 3.7]) {
        const p = params(image, { jitter: jitter(['saturation'], { saturation }) });
        assertSameBytes(kernelView(image, p, image.width).data, renderViewReference(image, p, image.width).data, `saturation ${saturation} on ${image.width}²`);
      }
    }
  });

  it('every jitter order, read through pending brightness/contrast tables, then grayscale and solarize', () => {
    const image = photo(48, 48, 11);
    const ops: JitterOp[] = ['brightness', 'contrast', 'saturation', 'hue'];
    const orders: JitterOp[][] = [];
    const permute = (prefix: JitterOp[], rest: JitterOp[]): void => {
      if (rest.length === 0) orders.push(prefix);
      rest.forEach((op, i) => permute([...prefix, op], [...rest.slice(0, i), ...rest.slice(i + 1)]));
    };
    permute([], ops);
    assert.equal(orders.length, 24);
    const factorSets = [
      { brightness: 1.31, contrast: 0.7, saturation: 1.15, hue: 0.07 },
      { brightness: 0.61, contrast: 1.39, saturation: 0.83, hue: -0.09 },
      { brightness: 0, contrast: 0, saturation: 0, hue: 0.5 },
      { brightness: 2.2, contrast: 2.5, saturation: 1.9, hue: -0.5 },
    ];
    for (const order of orders) {
      for (const factors of factorSets) {
        for (const [grayscale, solarize] of [[false, false], [true, false], [false, true], [true, true]] as const) {
          const p = params(image, { jitter: jitter(order, factors), grayscale, solarize });
          assertSameBytes(kernelView(image, p, 48).data, renderViewReference(image, p, 48).data, `${order.join(',')} ${JSON.stringify(factors)} gray ${grayscale} solarize ${solarize}`);
        }
      }
    }
  });

  it('disabled adjustments (null factors, e.g. no hue in fine-tuning) are skipped', () => {
    const image = photo(32, 32, 12);
    const p = params(image, { jitter: jitter(['hue', 'contrast', 'saturation', 'brightness'], { contrast: 1.2, brightness: 0.9 }) });
    assertSameBytes(kernelView(image, p, 32).data, renderViewReference(image, p, 32).data, 'contrast + brightness only');
  });
});
