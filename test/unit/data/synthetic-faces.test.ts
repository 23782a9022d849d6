/**
 * The synthetic face generator: the rasteriser's coverage and labels, determinism
 * by (seed, index), variety, masks that agree with the pictures (part colours,
 * areas, positions, presence), every supported size, the labelled variant's
 * class balance and class-specific mouth shapes, and the ImageSource contract.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { EXPRESSIONS } from '../../../trainer/data/synthetic/expressions.js';
import { PART_COUNT, PART_NAMES, Part } from '../../../trainer/data/synthetic/parts.js';
import { closedStrokeOutline, ellipse } from '../../../trainer/data/synthetic/paths.js';
import { Canvas } from '../../../trainer/data/synthetic/raster.js';
import { SyntheticFaceSource, type SyntheticFace } from '../../../trainer/data/synthetic/synthetic-face-source.js';

const hash = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('rasteriser', () => {
  it('covers pixels by area: exact interior, fractional edges, labels from half coverage', () => {
    const canvas = new Canvas(8, 8);
    // Square from x = 2.25 to 6, y = 2 to 5.5.
    canvas.fill([[2.25, 2, 6, 2, 6, 5.5, 2.25, 5.5]], { color: [1, 1, 1] }, 3);
    const red = (x: number, y: number): number => canvas.rgb[(y * 8 + x) * 3]!;
    assert.equal(red(4, 3), 1);
    assert.ok(Math.abs(red(2, 3) - 0.75) < 1e-6, `left edge coverage ${red(2, 3)}`);
    assert.ok(Math.abs(red(4, 5) - 0.5) < 1e-6, `bottom edge coverage ${red(4, 5)}`);
    assert.ok(Math.abs(red(2, 5) - 0.375) < 1e-6, `corner coverage ${red(2, 5)}`);
    assert.equal(red(6, 3), 0);
    assert.equal(red(1, 3), 0);
    assert.equal(canvas.labels[3 * 8 + 2], 3); // 75 % covered
    assert.equal(canvas.labels[5 * 8 + 4], 3); // 50 % covered
    assert.equal(canvas.labels[5 * 8 + 2], 0); // 37.5 % covered
    assert.equal(canvas.labels[3 * 8 + 6], 0);
  });

  it('blends by alpha, keeps labels when asked, and leaves ring holes empty (nonzero rule)', () => {
    const canvas = new Canvas(40, 40);
    canvas.fill([ellipse(20, 20, 15, 15, 0, 64)], { color: [0, 0, 1], alpha: 0.5 });
    assert.equal(canvas.labels[20 * 40 + 20], 0);
    assert.ok(Math.abs(canvas.rgb[(20 * 40 + 20) * 3 + 2]! - 0.5) < 1e-6);
    canvas.fill(closedStrokeOutline(ellipse(20, 20, 10, 10, 0, 64), 2), { color: [1, 0, 0] }, 5);
    assert.equal(canvas.labels[20 * 40 + 20], 0, 'ring centre stays empty');
    assert.equal(canvas.labels[20 * 40 + 30], 5, 'ring itself is labelled');
    assert.equal(canvas.rgb[(20 * 40 + 20) * 3], 0);
  });
});

describe('synthetic faces: determinism and variety', () => {
  it('gives identical bytes for the same (seed, index), in any order, from any instance', () => {
    const a = new SyntheticFaceSource({ size: 64, count: 50, seed: 3 });
    const b = new SyntheticFaceSource({ size: 64, count: 50, seed: 3 });
    const forward = [0, 1, 2, 17, 49].map((i) => a.generate(i));
    const backward = [49, 17, 2, 1, 0].map((i) => b.generate(i)).reverse();
    forward.forEach((face, k) => {
      assert.equal(hash(face.image.data), hash(backward[k]!.image.data));
      assert.equal(hash(face.mask.data), hash(backward[k]!.mask.data));
      assert.deepEqual(face.params, backward[k]!.params);
    });
  });

  it('differs across indices and seeds', () => {
    const source = new SyntheticFaceSource({ size: 64, count: 30, seed: 3 });
    const hashes = new Set(Array.from({ length: 30 }, (_, i) => hash(source.generate(i).image.data)));
    assert.equal(hashes.size, 30);
    const other = new SyntheticFaceSource({ size: 64, count: 30, seed: 4 });
    assert.notEqual(hash(other.generate(0).image.data), hash(source.generate(0).image.data));
    // Not just noise: the faces themselves differ (skin tone, hair style, pose).
    const params = Array.from({ length: 30 }, (_, i) => source.params(i));
    assert.ok(new Set(params.map((p) => p.hair.style)).size >= 5);
    assert.ok(new Set(params.map((p) => p.skin.color.map((c) => c.toFixed(2)).join())).size >= 25);
    assert.ok(params.some((p) => p.glasses !== null));
    const rolls = params.map((p) => (p.pose.roll * 180) / Math.PI);
    assert.ok(Math.max(...rolls) > 8 && Math.min(...rolls) < -8 && rolls.every((r) => Math.abs(r) <= 20));
  });
});

describe('synthetic faces: masks agree with the images', () => {
  const source = new SyntheticFaceSource({ size: 112, count: 40, seed: 11 });
  const faces: SyntheticFace[] = Array.from({ length: source.size }, (_, i) => source.generate(i));

  it('has image and mask of the same size', () => {
    for (const { image, mask } of faces) {
      assert.equal(image.width, 112);
      assert.equal(mask.width, 112);
      assert.equal(image.data.length, 112 * 112 * 3);
      assert.equal(mask.data.length, 112 * 112);
      assert.ok(mask.data.every((v) => v < PART_COUNT));
    }
  });

  it('shows every main part in (almost) every face, with plausible areas', () => {
    const present = new Array<number>(PART_COUNT).fill(0);
    for (const { mask } of faces) {
      const area = areas(mask.data);
      area.forEach((a, p) => (present[p]! += a > 0 ? 1 : 0));
      const n = mask.data.length;
      assert.ok(area[Part.skin]! / n > 0.08 && area[Part.skin]! / n < 0.7, `skin ${area[Part.skin]! / n}`);
      for (const eye of [Part.leftEye, Part.rightEye]) assert.ok(area[eye]! / n < 0.03, `eye ${area[eye]! / n}`);
      assert.ok(area[Part.nose]! / n < 0.05 && area[Part.mouth]! / n < 0.05);
      // Parts are small next to the skin they sit on.
      assert.ok(area[Part.leftEye]! + area[Part.rightEye]! + area[Part.mouth]! < area[Part.skin]!);
    }
    for (const part of [Part.skin, Part.leftEye, Part.rightEye, Part.brows, Part.nose, Part.mouth]) {
      assert.ok(present[part]! >= faces.length * 0.95, `${PART_NAMES[part]} present in ${present[part]}/${faces.length}`);
    }
    assert.ok(present[Part.hair]! >= faces.length * 0.7, `hair in ${present[Part.hair]}`);
    assert.ok(present[Part.background]! >= faces.length * 0.9);
  });

  it('labels pixels that look unlike skin as eyes, brows and mouth', () => {
    // Mean colour distance from the face's own average skin colour, per part, over all faces.
    const distance = new Array<number>(PART_COUNT).fill(0);
    const count = new Array<number>(PART_COUNT).fill(0);
    for (const { image, mask } of faces) {
      const skin = meanColor(image.data, mask.data, Part.skin);
      for (let i = 0; i < mask.data.length; i++) {
        const p = mask.data[i]!;
        const d = Math.hypot(image.data[i * 3]! - skin[0], image.data[i * 3 + 1]! - skin[1], image.data[i * 3 + 2]! - skin[2]);
        distance[p]! += d;
        count[p]!++;
      }
    }
    const mean = distance.map((d, p) => d / count[p]!);
    for (const part of [Part.leftEye, Part.rightEye, Part.brows, Part.mouth]) {
      assert.ok(mean[part]! > mean[Part.skin]! * 1.8, `${PART_NAMES[part]} ${mean[part]!.toFixed(1)} vs skin ${mean[Part.skin]!.toFixed(1)}`);
    }
    // Eyes are darker than skin on average (iris, pupil, lid line outweigh the sclera).
    let eyeLum = 0;
    let skinLum = 0;
    for (const { image, mask } of faces) {
      eyeLum += luminance(meanColor(image.data, mask.data, Part.leftEye));
      skinLum += luminance(meanColor(image.data, mask.data, Part.skin));
    }
    assert.ok(eyeLum < skinLum, `eye ${eyeLum / faces.length} vs skin ${skinLum / faces.length}`);
  });

  it('places the parts where a face has them', () => {
    for (const { mask, params } of faces) {
      // Centroids in the face's upright frame (undo the roll about the head centre).
      const c = (part: number): [number, number] => uprightCentroid(mask.data, 112, part, params.pose);
      const [lx, ly] = c(Part.leftEye);
      const [rx, ry] = c(Part.rightEye);
      const [, by] = c(Part.brows);
      const [, ny] = c(Part.nose);
      const [mx, my] = c(Part.mouth);
      assert.ok(lx < rx, 'left eye on the image left');
      assert.ok(by < Math.min(ly, ry), 'brows above the eyes');
      assert.ok(Math.max(ly, ry) < ny && ny < my, 'eyes above nose above mouth');
      assert.ok(mx > lx && mx < rx, 'mouth between the eyes horizontally');
    }
  });

  it('works at 64, 112 and 224 px', () => {
    for (const size of [64, 112, 224]) {
      const face = new SyntheticFaceSource({ size, count: 2, seed: 5 }).generate(1);
      assert.equal(face.image.width, size);
      assert.equal(face.image.height, size);
      assert.equal(face.image.data.length, size * size * 3);
      assert.equal(face.mask.data.length, size * size);
      const area = areas(face.mask.data);
      for (const part of [Part.skin, Part.leftEye, Part.rightEye, Part.nose, Part.mouth]) assert.ok(area[part]! > 0, `${PART_NAMES[part]} at ${size}`);
    }
  });
});

describe('synthetic faces: labelled variant', () => {
  const source = new SyntheticFaceSource({ size: 112, count: 60, seed: 2, labelled: true });

  it('balances the expression classes by index, with deterministic labels', () => {
    assert.deepEqual(source.classNames, EXPRESSIONS);
    const counts = new Array<number>(EXPRESSIONS.length).fill(0);
    for (let i = 0; i < source.size; i++) {
      const label = source.label(i)!;
      counts[label]!++;
      assert.equal(source.params(i).expression, EXPRESSIONS[label]);
      assert.equal(new SyntheticFaceSource({ size: 64, count: 60, seed: 99, labelled: true }).label(i), label);
    }
    assert.deepEqual(counts, [12, 12, 12, 12, 12]);
    assert.match(source.describe(7), /synthetic #7 \(sad\)/);
  });

  it('draws class-specific mouths: corners up for happy, down for sad, open and round for surprised', () => {
    const lift: Record<string, number[]> = {};
    const aspect: Record<string, number[]> = {};
    for (let i = 0; i < source.size; i++) {
      const { mask, params } = source.generate(i);
      const shape = mouthShape(mask.data, 112, params.pose);
      (lift[params.expression] ??= []).push(shape.cornerLift);
      (aspect[params.expression] ??= []).push(shape.heightOverWidth);
    }
    const mean = (xs: number[] | undefined): number => xs!.reduce((a, b) => a + b, 0) / xs!.length;
    assert.ok(mean(lift.happy) > mean(lift.neutral) + 1, `happy ${mean(lift.happy)} vs neutral ${mean(lift.neutral)}`);
    assert.ok(mean(lift.neutral) > mean(lift.sad) + 1, `neutral ${mean(lift.neutral)} vs sad ${mean(lift.sad)}`);
    assert.ok(Math.min(...lift.happy!) > Math.max(...lift.sad!), 'every smile above every frown');
    for (const other of ['neutral', 'happy', 'sad', 'angry']) {
      assert.ok(mean(aspect.surprised) > mean(aspect[other]) * 1.5, `surprised ${mean(aspect.surprised)} vs ${other} ${mean(aspect[other])}`);
    }
  });

  it('moves the brows by class: inner ends raised for sad, lowered for angry', () => {
    const inner = (expression: string): number[] =>
      Array.from({ length: source.size }, (_, i) => source.params(i)).filter((p) => p.expression === expression).map((p) => p.brows.innerShift);
    assert.ok(Math.max(...inner('sad')) < 0);
    assert.ok(Math.min(...inner('angry')) > 0);
  });
});

describe('synthetic faces: ImageSource contract', () => {
  it('reads the same image as readWithMask, and reports its size and labels', async () => {
    const source = new SyntheticFaceSource({ size: 64, count: 5, seed: 1 });
    assert.equal(source.size, 5);
    assert.deepEqual(source.classNames, []);
    assert.equal(source.label(3), null);
    assert.equal(source.describe(3), 'synthetic #3');
    const image = await source.read(3);
    const withMask = await source.readWithMask(3);
    assert.deepEqual(image, withMask.image);
  });

  it('rejects bad options and indices', async () => {
    assert.throws(() => new SyntheticFaceSource({ size: 32 }), /64–224/);
    assert.throws(() => new SyntheticFaceSource({ size: 300 }), /64–224/);
    assert.throws(() => new SyntheticFaceSource({ count: -1 }), /count/);
    const source = new SyntheticFaceSource({ size: 64, count: 5 });
    await assert.rejects(source.read(5), RangeError);
    assert.throws(() => source.label(-1), RangeError);
  });
});

function areas(mask: Uint8Array): number[] {
  const out = new Array<number>(PART_COUNT).fill(0);
  for (const v of mask) out[v]!++;
  return out;
}

function meanColor(rgb: Uint8Array, mask: Uint8Array, part: number): [number, number, number] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] !== part) continue;
    sum[0]! += rgb[i * 3]!;
    sum[1]! += rgb[i * 3 + 1]!;
    sum[2]! += rgb[i * 3 + 2]!;
    n++;
  }
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
}

function luminance([r, g, b]: [number, number, number]): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/** Pixel (x, y) rotated by −roll about the head centre: the face's upright frame, in pixels. */
function upright(x: number, y: number, pose: { roll: number; centerX: number; centerY: number }): [number, number] {
  const dx = x + 0.5 - pose.centerX;
  const dy = y + 0.5 - pose.centerY;
  const c = Math.cos(pose.roll);
  const s = Math.sin(pose.roll);
  return [dx * c + dy * s, -dx * s + dy * c];
}

function uprightCentroid(mask: Uint8Array, size: number, part: number, pose: { roll: number; centerX: number; centerY: number }): [number, number] {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] !== part) continue;
    const [x, y] = upright(i % size, Math.floor(i / size), pose);
    sx += x;
    sy += y;
    n++;
  }
  return [sx / n, sy / n];
}

/**
 * The mouth mask in the upright frame: per column, the midpoint between its top
 * and bottom edge. cornerLift = centre midpoint − corner midpoints (pixels, > 0 when
 * the corners are higher: a smile); heightOverWidth = the mouth's extent ratio.
 */
function mouthShape(mask: Uint8Array, size: number, pose: { roll: number; centerX: number; centerY: number }): { cornerLift: number; heightOverWidth: number } {
  const points: [number, number][] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] === Part.mouth) points.push(upright(i % size, Math.floor(i / size), pose));
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const minX = Math.min(...xs);
  const maxX = Math.max(...xs);
  const width = maxX - minX;
  const columns = new Map<number, [number, number]>();
  for (const [x, y] of points) {
    const col = Math.round(((x - minX) / width) * 10);
    const span = columns.get(col) ?? [Infinity, -Infinity];
    columns.set(col, [Math.min(span[0], y), Math.max(span[1], y)]);
  }
  const mid = (cols: number[]): number => {
    const spans = cols.map((c) => columns.get(c)).filter((s) => s !== undefined);
    return spans.reduce((a, [top, bottom]) => a + (top + bottom) / 2, 0) / spans.length;
  };
  return { cornerLift: mid([4, 5, 6]) - mid([0, 1, 9, 10]), heightOverWidth: (Math.max(...ys) - Math.min(...ys)) / width };
}
