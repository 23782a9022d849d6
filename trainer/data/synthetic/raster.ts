/**
 * An anti-aliased polygon rasteriser that paints colour and part labels in
 * one pass, so the mask can never drift from the picture.
 *
 * Every shape (ellipse, lip, brow stroke, hair silhouette) is first turned
 * into closed polygon contours (see `paths.ts`) and filled here with the
 * nonzero winding rule. Coverage is computed per pixel from 4 sub-scanlines
 * per row with exact horizontal span coverage — smooth edges at a cost
 * proportional to the shape's area, with no per-pixel distance evaluation.
 * The label of a pixel is set when at least half of it is covered (majority
 * sampling), so labels follow the visible edge of each shape.
 */

/** RGB in [0, 1]. */
export type Rgb = readonly [number, number, number];

/** A closed contour as flat [x0, y0, x1, y1, …] in pixel coordinates (pixel centres at +0.5). */
export type Contour = readonly number[];

export interface LinearGradient {
  kind: 'linear';
  /** Paint colour at (x0, y0); `color` at (x1, y1); clamped beyond. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  color: Rgb;
  /** Opacity at (x1, y1), as a fraction of the paint's alpha (default 1: uniform). */
  fade?: number;
}

export interface RadialGradient {
  kind: 'radial';
  /** Paint colour at the centre, `color` on the ellipse (cx±rx, cy±ry) and beyond. */
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  color: Rgb;
  /** Opacity on the ellipse, as a fraction of the paint's alpha (default 1; 0 = a soft blob fading out). */
  fade?: number;
}

export interface Paint {
  color: Rgb;
  /** Opacity in [0, 1] (default 1). */
  alpha?: number;
  gradient?: LinearGradient | RadialGradient;
}

/** Pass as the label to paint colour without touching the mask (shading, glasses). */
export const KEEP_LABEL = -1;

const SUBSAMPLES = 4;

/** Per-edge fields in the packed edge buffer (typed arrays: no garbage per shape). */
const EDGE_Y_TOP = 0;
const EDGE_Y_BOTTOM = 1;
const EDGE_X_TOP = 2;
const EDGE_DXDY = 3;
const EDGE_WINDING = 4;
const EDGE_FIELDS = 5;

export class Canvas {
  /** Float RGB, row-major HWC, values in [0, 1]. */
  readonly rgb: Float32Array;
  /** One part id per pixel. */
  readonly labels: Uint8Array;
  private readonly coverage: Float32Array;
  private readonly fullSpans: Float32Array;
  private crossingX = new Float64Array(64);
  private crossingW = new Int8Array(64);
  private edges = new Float64Array(256 * EDGE_FIELDS);
  private edgeOrder = new Int32Array(256);
  private active = new Int32Array(256);

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.rgb = new Float32Array(width * height * 3);
    this.labels = new Uint8Array(width * height);
    this.coverage = new Float32Array(width + 2);
    this.fullSpans = new Float32Array(width + 2);
  }

  /** Clears colour and labels, so one canvas can be reused for many images (no garbage per image). */
  clear(): void {
    this.rgb.fill(0);
    this.labels.fill(0);
  }

  /** Fills the union of `contours` (nonzero rule) with `paint`; sets `label` where coverage ≥ ½. */
  fill(contours: readonly Contour[], paint: Paint, label: number = KEEP_LABEL): void {
    const edgeCount = this.collectEdges(contours);
    if (edgeCount === 0) return;
    const edges = this.edges;
    let yMin = Infinity;
    let yMax = -Infinity;
    for (let e = 0; e < edgeCount; e++) {
      const top = edges[e * EDGE_FIELDS + EDGE_Y_TOP]!;
      const bottom = edges[e * EDGE_FIELDS + EDGE_Y_BOTTOM]!;
      if (top < yMin) yMin = top;
      if (bottom > yMax) yMax = bottom;
    }
    const rowStart = Math.max(0, Math.floor(yMin));
    const rowEnd = Math.min(this.height - 1, Math.ceil(yMax) - 1);
    if (rowStart > rowEnd) return;
    const order = this.edgeOrder;
    for (let e = 0; e < edgeCount; e++) order[e] = e;
    sortByTop(order, edgeCount, edges);

    if (this.crossingX.length < edgeCount) {
      this.crossingX = new Float64Array(edgeCount);
      this.crossingW = new Int8Array(edgeCount);
    }
    const crossingX = this.crossingX;
    const crossingW = this.crossingW;
    const active = this.active;
    let activeCount = 0;
    let nextEdge = 0;
    const weight = 1 / SUBSAMPLES;
    for (let row = rowStart; row <= rowEnd; row++) {
      let spanMin = this.width;
      let spanMax = -1;
      for (let s = 0; s < SUBSAMPLES; s++) {
        const sy = row + (s + 0.5) * weight;
        while (nextEdge < edgeCount && edges[order[nextEdge]! * EDGE_FIELDS + EDGE_Y_TOP]! <= sy) active[activeCount++] = order[nextEdge++]!;
        let count = 0;
        for (let i = 0; i < activeCount; i++) {
          const base = active[i]! * EDGE_FIELDS;
          if (edges[base + EDGE_Y_BOTTOM]! <= sy) {
            active[i] = active[--activeCount]!;
            i--;
            continue;
          }
          // Insert the crossing in x order (a scanline crosses a handful of edges).
          const x = edges[base + EDGE_X_TOP]! + (sy - edges[base + EDGE_Y_TOP]!) * edges[base + EDGE_DXDY]!;
          const w = edges[base + EDGE_WINDING]!;
          let j = count++;
          while (j > 0 && crossingX[j - 1]! > x) {
            crossingX[j] = crossingX[j - 1]!;
            crossingW[j] = crossingW[j - 1]!;
            j--;
          }
          crossingX[j] = x;
          crossingW[j] = w;
        }
        if (count < 2) continue;
        let winding = 0;
        let spanStart = 0;
        for (let i = 0; i < count; i++) {
          const before = winding;
          winding += crossingW[i]!;
          if (before === 0 && winding !== 0) spanStart = crossingX[i]!;
          else if (before !== 0 && winding === 0) {
            const range = this.addSpan(spanStart, crossingX[i]!, weight);
            if (range >= 0) {
              const lo = range & 0xffff;
              const hi = range >>> 16;
              if (lo < spanMin) spanMin = lo;
              if (hi > spanMax) spanMax = hi;
            }
          }
        }
      }
      if (spanMax >= spanMin) this.compositeRow(row, spanMin, spanMax, paint, label);
    }
  }

  /** Packs the non-horizontal edges of all contours into the edge buffer; returns their count. */
  private collectEdges(contours: readonly Contour[]): number {
    let total = 0;
    for (const contour of contours) total += contour.length >> 1;
    if (total > this.edgeOrder.length) {
      const capacity = Math.max(total, this.edgeOrder.length * 2);
      this.edges = new Float64Array(capacity * EDGE_FIELDS);
      this.edgeOrder = new Int32Array(capacity);
      this.active = new Int32Array(capacity);
    }
    const edges = this.edges;
    let count = 0;
    for (const contour of contours) {
      const n = contour.length >> 1;
      for (let i = 0; i < n; i++) {
        const j = i + 1 === n ? 0 : i + 1;
        const x0 = contour[2 * i]!;
        const y0 = contour[2 * i + 1]!;
        const x1 = contour[2 * j]!;
        const y1 = contour[2 * j + 1]!;
        if (y0 === y1 || !Number.isFinite(x0 + y0 + x1 + y1)) continue;
        const base = count++ * EDGE_FIELDS;
        const down = y1 > y0;
        edges[base + EDGE_Y_TOP] = down ? y0 : y1;
        edges[base + EDGE_Y_BOTTOM] = down ? y1 : y0;
        edges[base + EDGE_X_TOP] = down ? x0 : x1;
        edges[base + EDGE_DXDY] = (x1 - x0) / (y1 - y0);
        edges[base + EDGE_WINDING] = down ? 1 : -1;
      }
    }
    return count;
  }

  /**
   * Adds the exact horizontal coverage of [xa, xb) on one sub-scanline. Interior
   * pixels go to a difference array so a long span costs O(1).
   * Returns the touched pixel range packed as lo | hi << 16, or −1 if empty.
   */
  private addSpan(xa: number, xb: number, weight: number): number {
    const left = Math.max(0, xa);
    const right = Math.min(this.width, xb);
    if (right <= left) return -1;
    const ia = Math.floor(left);
    const ib = Math.min(this.width - 1, Math.floor(right));
    if (ia === ib) {
      this.coverage[ia] = this.coverage[ia]! + (right - left) * weight;
    } else {
      this.coverage[ia] = this.coverage[ia]! + (ia + 1 - left) * weight;
      this.fullSpans[ia + 1] = this.fullSpans[ia + 1]! + weight;
      this.fullSpans[ib] = this.fullSpans[ib]! - weight;
      this.coverage[ib] = this.coverage[ib]! + (right - ib) * weight;
    }
    return ia | (ib << 16);
  }

  private compositeRow(row: number, x0: number, x1: number, paint: Paint, label: number): void {
    const alpha = paint.alpha ?? 1;
    const [r0, g0, b0] = paint.color;
    const gradient = paint.gradient;
    const rgb = this.rgb;
    const labels = this.labels;
    const coverage = this.coverage;
    const fullSpans = this.fullSpans;
    const py = row + 0.5;
    // Gradient position t at pixel x is evaluated incrementally along the row:
    // linear: t = tRow + dt·x; radial: t = √((u0 + du·x)² + v²).
    let kind = 0;
    let tRow = 0;
    let dt = 0;
    let v2 = 0;
    let dr = 0;
    let dg = 0;
    let db = 0;
    let dAlpha = 0;
    if (gradient !== undefined) {
      dAlpha = alpha * ((gradient.fade ?? 1) - 1);
      dr = gradient.color[0] - r0;
      dg = gradient.color[1] - g0;
      db = gradient.color[2] - b0;
      if (gradient.kind === 'linear') {
        const gx = gradient.x1 - gradient.x0;
        const gy = gradient.y1 - gradient.y0;
        const len2 = gx * gx + gy * gy;
        kind = 1;
        if (len2 > 0) {
          dt = gx / len2;
          tRow = ((0.5 - gradient.x0) * gx + (py - gradient.y0) * gy) / len2;
        }
      } else {
        kind = 2;
        dt = 1 / gradient.rx;
        tRow = (0.5 - gradient.cx) / gradient.rx;
        const v = (py - gradient.cy) / gradient.ry;
        v2 = v * v;
      }
    }
    const rowOffset = row * this.width;
    const setLabel = label >= 0;
    let running = 0;
    for (let x = x0; x <= x1; x++) {
      running += fullSpans[x]!;
      let c = running + coverage[x]!;
      fullSpans[x] = 0;
      coverage[x] = 0;
      if (c <= 1e-4) continue;
      if (c > 1) c = 1;
      let r = r0;
      let g = g0;
      let b = b0;
      let a = alpha;
      if (kind !== 0) {
        let t = tRow + dt * x;
        if (kind === 2) t = Math.sqrt(t * t + v2);
        if (t < 0) t = 0;
        else if (t > 1) t = 1;
        r += dr * t;
        g += dg * t;
        b += db * t;
        a += dAlpha * t;
      }
      a *= c;
      const p = (rowOffset + x) * 3;
      const pr = rgb[p]!;
      const pg = rgb[p + 1]!;
      const pb = rgb[p + 2]!;
      rgb[p] = pr + (r - pr) * a;
      rgb[p + 1] = pg + (g - pg) * a;
      rgb[p + 2] = pb + (b - pb) * a;
      if (setLabel && c >= 0.5) labels[rowOffset + x] = label;
    }
    // The difference array may carry an entry one past the last touched pixel.
    fullSpans[x1 + 1] = 0;
  }
}

/** Insertion sort of edge indices by top y (edges of sampled curves arrive nearly sorted). */
function sortByTop(order: Int32Array, count: number, edges: Float64Array): void {
  for (let i = 1; i < count; i++) {
    const e = order[i]!;
    const key = edges[e * EDGE_FIELDS + EDGE_Y_TOP]!;
    let j = i - 1;
    while (j >= 0 && edges[order[j]! * EDGE_FIELDS + EDGE_Y_TOP]! > key) {
      order[j + 1] = order[j]!;
      j--;
    }
    order[j + 1] = e;
  }
}
