/**
 * Cluttered backgrounds, so a model cannot find the face by looking for the
 * only thing in the picture: a colour gradient, a value-noise texture,
 * random shapes (blobs, boxes, polygons, strokes) and sometimes a blur that
 * imitates a shallow depth of field. Everything here is labelled background.
 */
import { hsv, mix } from './palettes.js';
import { catmullRom, ellipse, strokeOutline, type Points } from './paths.js';
import { Part } from './parts.js';
import type { Canvas, Rgb } from './raster.js';
import type { Rng } from './rng.js';

export function paintBackground(canvas: Canvas, rng: Rng): void {
  const { width, height } = canvas;
  const hue = rng.next();
  const base = hsv(hue, rng.range(0.05, 0.5), rng.range(0.2, 0.9));
  const other = hsv(hue + rng.jitter(0.25), rng.range(0.05, 0.5), rng.range(0.2, 0.9));
  fillTexturedGradient(canvas, rng, base, other, rng.range(0, Math.PI * 2), rng.range(0.02, 0.14), rng.int(3, 10));

  const shapes = rng.int(2, 9);
  for (let i = 0; i < shapes; i++) {
    const color = rng.chance(0.5) ? mix(base, hsv(rng.next(), rng.range(0, 0.8), rng.range(0.1, 1)), rng.range(0.3, 1)) : hsv(rng.next(), rng.range(0, 0.6), rng.range(0.1, 0.95));
    canvas.fill(randomShape(rng, width, height), { color, alpha: rng.range(0.35, 1) }, Part.background);
  }
  if (rng.chance(0.4)) boxBlur(canvas, Math.max(1, Math.round(rng.range(0.005, 0.025) * width)));
}

function randomShape(rng: Rng, width: number, height: number): Points[] {
  const x = rng.range(-0.1, 1.1) * width;
  const y = rng.range(-0.1, 1.1) * height;
  const r = rng.range(0.05, 0.35) * width;
  switch (rng.int(0, 3)) {
    case 0:
      return [ellipse(x, y, r, r * rng.range(0.3, 1), rng.range(0, Math.PI), 32)];
    case 1: {
      // A rotated box: doors, windows, shelves.
      const w = r;
      const h = r * rng.range(0.3, 2);
      const a = rng.chance(0.6) ? rng.jitter(0.1) : rng.range(0, Math.PI);
      const c = Math.cos(a);
      const s = Math.sin(a);
      const corners: Points = [];
      for (const [u, v] of [[-1, -1], [1, -1], [1, 1], [-1, 1]] as const) corners.push(x + u * w * c - v * h * s, y + u * w * s + v * h * c);
      return [corners];
    }
    case 2: {
      const n = rng.int(3, 7);
      const pts: Points = [];
      for (let i = 0; i < n; i++) {
        const a = (i / n) * Math.PI * 2 + rng.jitter(0.4);
        const rr = r * rng.range(0.4, 1);
        pts.push(x + Math.cos(a) * rr, y + Math.sin(a) * rr);
      }
      return [rng.chance(0.5) ? catmullRom(pts, 6, true) : pts];
    }
    default: {
      const pts: Points = [x, y];
      for (let i = 0; i < 3; i++) pts.push(rng.range(-0.1, 1.1) * width, rng.range(-0.1, 1.1) * height);
      return [strokeOutline(catmullRom(pts, 8), rng.range(0.004, 0.03) * width)];
    }
  }
}

/**
 * Base layer: a linear colour gradient plus a bilinearly interpolated random
 * grid (value noise) — partly shared between channels (luminance), partly not.
 */
function fillTexturedGradient(canvas: Canvas, rng: Rng, a: Rgb, b: Rgb, angle: number, amplitude: number, cells: number): void {
  const { width, height, rgb } = canvas;
  const g = cells + 1;
  const grid = new Float32Array(g * g * 3);
  for (let i = 0; i < g * g; i++) {
    const lum = rng.jitter(1);
    for (let c = 0; c < 3; c++) grid[i * 3 + c] = (lum * 0.7 + rng.jitter(0.3)) * amplitude;
  }
  // Noise interpolated down the columns once per row, then along the row.
  const rowNoise = new Float32Array(g * 3);
  const column = new Int32Array(width);
  const columnFraction = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const gx = (x / width) * cells;
    column[x] = Math.floor(gx) * 3;
    columnFraction[x] = gx - Math.floor(gx);
  }
  const dx = Math.cos(angle) / width;
  const dy = Math.sin(angle) / height;
  const dr = b[0] - a[0];
  const dg = b[1] - a[1];
  const db = b[2] - a[2];
  for (let y = 0; y < height; y++) {
    const gy = (y / height) * cells;
    const y0 = Math.floor(gy);
    const fy = gy - y0;
    for (let i = 0; i < g * 3; i++) {
      const top = grid[y0 * g * 3 + i]!;
      rowNoise[i] = top + (grid[(y0 + 1) * g * 3 + i]! - top) * fy;
    }
    const tRow = 0.5 - (width / 2) * dx + (y - height / 2) * dy;
    for (let x = 0; x < width; x++) {
      let t = tRow + x * dx;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const fx = columnFraction[x]!;
      const i0 = column[x]!;
      const p = (y * width + x) * 3;
      rgb[p] = a[0] + dr * t + rowNoise[i0]! + (rowNoise[i0 + 3]! - rowNoise[i0]!) * fx;
      rgb[p + 1] = a[1] + dg * t + rowNoise[i0 + 1]! + (rowNoise[i0 + 4]! - rowNoise[i0 + 1]!) * fx;
      rgb[p + 2] = a[2] + db * t + rowNoise[i0 + 2]! + (rowNoise[i0 + 5]! - rowNoise[i0 + 2]!) * fx;
    }
  }
}

/** Separable box blur (running sums, O(pixels) whatever the radius), rows then columns. */
function boxBlur(canvas: Canvas, radius: number): void {
  const { width, height, rgb } = canvas;
  const line = new Float32Array(Math.max(width, height) * 3);
  blurLines(rgb, line, height, width, width * 3, 3, radius);
  blurLines(rgb, line, width, height, 3, width * 3, radius);
}

/** Blurs `count` lines of `length` RGB pixels; line l starts at l·lineStride, pixels are pixelStride apart. */
function blurLines(rgb: Float32Array, line: Float32Array, count: number, length: number, lineStride: number, pixelStride: number, radius: number): void {
  const norm = 1 / (2 * radius + 1);
  const last = length - 1;
  for (let l = 0; l < count; l++) {
    const start = l * lineStride;
    for (let i = 0; i < length; i++) {
      const p = start + i * pixelStride;
      line[i * 3] = rgb[p]!;
      line[i * 3 + 1] = rgb[p + 1]!;
      line[i * 3 + 2] = rgb[p + 2]!;
    }
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      for (let i = -radius; i <= radius; i++) sum += line[(i < 0 ? 0 : i > last ? last : i) * 3 + c]!;
      for (let i = 0; i < length; i++) {
        rgb[start + i * pixelStride + c] = sum * norm;
        const add = i + radius + 1;
        const drop = i - radius;
        sum += line[(add > last ? last : add) * 3 + c]! - line[(drop < 0 ? 0 : drop) * 3 + c]!;
      }
    }
  }
}
