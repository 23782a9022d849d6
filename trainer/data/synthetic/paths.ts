/**
 * Polygon construction for the rasteriser: ellipses, sampled curves, stroke
 * outlines and convex clipping. Coordinates are flat [x0, y0, x1, y1, …]
 * arrays in whatever space the caller works in (face units, then mapped to
 * pixels by the pose — see `face-pose.ts`).
 */

export type Points = number[];

/** An ellipse as a polygon (counter-clockwise in y-down coordinates is irrelevant: fills use nonzero). */
export function ellipse(cx: number, cy: number, rx: number, ry: number, angle = 0, segments = 32): Points {
  const out: Points = [];
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  for (let i = 0; i < segments; i++) {
    const t = (i / segments) * Math.PI * 2;
    const x = Math.cos(t) * rx;
    const y = Math.sin(t) * ry;
    out.push(cx + x * ca - y * sa, cy + x * sa + y * ca);
  }
  return out;
}

/** Samples `f(t)` at `n + 1` evenly spaced t ∈ [0, 1]. */
export function sampleCurve(f: (t: number) => readonly [number, number], n: number): Points {
  const out: Points = [];
  for (let i = 0; i <= n; i++) {
    const [x, y] = f(i / n);
    out.push(x, y);
  }
  return out;
}

export function quadBezier(x0: number, y0: number, cx: number, cy: number, x1: number, y1: number, n: number): Points {
  return sampleCurve((t) => {
    const u = 1 - t;
    return [u * u * x0 + 2 * u * t * cx + t * t * x1, u * u * y0 + 2 * u * t * cy + t * t * y1];
  }, n);
}

/** Points of `b` appended to `a` in reverse order — closes a band between two curves sampled in the same direction. */
export function joinReversed(a: Points, b: Points): Points {
  const out = a.slice();
  for (let i = b.length - 2; i >= 0; i -= 2) out.push(b[i]!, b[i + 1]!);
  return out;
}

/**
 * The outline of a stroke along an open polyline, with a half-width per point
 * (or one for all) and round caps, as one closed contour. Joins use the
 * averaged normal, which is exact enough for the smooth curves drawn here.
 */
export function strokeOutline(points: Points, halfWidth: number | readonly number[], capSegments = 6): Points {
  const n = points.length >> 1;
  if (n < 2) return [];
  const width = (i: number): number => (typeof halfWidth === 'number' ? halfWidth : (halfWidth[i] ?? 0));
  const left: Points = [];
  const right: Points = [];
  const normals: number[] = [];
  for (let i = 0; i < n; i++) {
    const prev = Math.max(0, i - 1);
    const next = Math.min(n - 1, i + 1);
    let dx = points[2 * next]! - points[2 * prev]!;
    let dy = points[2 * next + 1]! - points[2 * prev + 1]!;
    const len = Math.hypot(dx, dy) || 1;
    dx /= len;
    dy /= len;
    normals.push(-dy, dx);
    const w = width(i);
    left.push(points[2 * i]! - dy * w, points[2 * i + 1]! + dx * w);
    right.push(points[2 * i]! + dy * w, points[2 * i + 1]! - dx * w);
  }
  const out = left.slice();
  appendCap(out, points[2 * (n - 1)]!, points[2 * (n - 1) + 1]!, normals[2 * (n - 1)]!, normals[2 * (n - 1) + 1]!, width(n - 1), capSegments);
  for (let i = n - 1; i >= 0; i--) out.push(right[2 * i]!, right[2 * i + 1]!);
  appendCap(out, points[0]!, points[1]!, -normals[0]!, -normals[1]!, width(0), capSegments);
  return out;
}

/** Half circle from +normal to −normal around (x, y), bulging forward along the path direction. */
function appendCap(out: Points, x: number, y: number, nx: number, ny: number, r: number, segments: number): void {
  // Forward direction is the normal rotated by −90°.
  const fx = ny;
  const fy = -nx;
  for (let i = 1; i < segments; i++) {
    const a = (i / segments) * Math.PI;
    const c = Math.cos(a);
    const s = Math.sin(a);
    out.push(x + (nx * c + fx * s) * r, y + (ny * c + fy * s) * r);
  }
}

/**
 * A ring along a closed polyline (e.g. a glasses rim): outer and inner offset
 * contours in opposite orientation, so the nonzero rule leaves the middle empty.
 */
export function closedStrokeOutline(points: Points, halfWidth: number): Points[] {
  const n = points.length >> 1;
  const outer: Points = [];
  const inner: Points = [];
  for (let i = 0; i < n; i++) {
    const prev = (i - 1 + n) % n;
    const next = (i + 1) % n;
    let dx = points[2 * next]! - points[2 * prev]!;
    let dy = points[2 * next + 1]! - points[2 * prev + 1]!;
    const len = Math.hypot(dx, dy) || 1;
    dx /= len;
    dy /= len;
    outer.push(points[2 * i]! - dy * halfWidth, points[2 * i + 1]! + dx * halfWidth);
    inner.push(points[2 * i]! + dy * halfWidth, points[2 * i + 1]! - dx * halfWidth);
  }
  return [outer, reverse(inner)];
}

export function reverse(points: Points): Points {
  const out: Points = [];
  for (let i = points.length - 2; i >= 0; i -= 2) out.push(points[i]!, points[i + 1]!);
  return out;
}

function signedArea(points: Points): number {
  const n = points.length >> 1;
  let area = 0;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    area += points[2 * i]! * points[2 * j + 1]! - points[2 * j]! * points[2 * i + 1]!;
  }
  return area / 2;
}

/**
 * Sutherland–Hodgman: the part of `subject` inside the convex polygon `clip`
 * (e.g. the iris inside the eye opening, the teeth inside the mouth).
 */
export function clipToConvex(subject: Points, clip: Points): Points {
  const orientation = Math.sign(signedArea(clip)) || 1;
  let output = subject;
  const m = clip.length >> 1;
  for (let e = 0; e < m && output.length >= 6; e++) {
    const ax = clip[2 * e]!;
    const ay = clip[2 * e + 1]!;
    const bx = clip[2 * ((e + 1) % m)]!;
    const by = clip[2 * ((e + 1) % m) + 1]!;
    const ex = (bx - ax) * orientation;
    const ey = (by - ay) * orientation;
    const input = output;
    output = [];
    const k = input.length >> 1;
    for (let i = 0; i < k; i++) {
      const px = input[2 * i]!;
      const py = input[2 * i + 1]!;
      const qx = input[2 * ((i + 1) % k)]!;
      const qy = input[2 * ((i + 1) % k) + 1]!;
      // Signed side of the clip edge (≥ 0: inside).
      const dp = ex * (py - ay) - ey * (px - ax);
      const dq = ex * (qy - ay) - ey * (qx - ax);
      if (dp >= 0) output.push(px, py);
      if ((dp >= 0) !== (dq >= 0)) {
        const t = dp / (dp - dq);
        output.push(px + (qx - px) * t, py + (qy - py) * t);
      }
    }
  }
  return output;
}

/**
 * A smooth curve through the given points (uniform Catmull–Rom), with
 * `samples` points per segment; the end points are kept.
 */
export function catmullRom(points: Points, samples: number, closed = false): Points {
  const n = points.length >> 1;
  if (n < 2) return points.slice();
  const at = (i: number): [number, number] => {
    const k = closed ? ((i % n) + n) % n : Math.max(0, Math.min(n - 1, i));
    return [points[2 * k]!, points[2 * k + 1]!];
  };
  const out: Points = [];
  const segments = closed ? n : n - 1;
  for (let i = 0; i < segments; i++) {
    const [x0, y0] = at(i - 1);
    const [x1, y1] = at(i);
    const [x2, y2] = at(i + 1);
    const [x3, y3] = at(i + 2);
    for (let s = 0; s < samples; s++) {
      const t = s / samples;
      const t2 = t * t;
      const t3 = t2 * t;
      const a = -0.5 * t3 + t2 - 0.5 * t;
      const b = 1.5 * t3 - 2.5 * t2 + 1;
      const c = -1.5 * t3 + 2 * t2 + 0.5 * t;
      const d = 0.5 * t3 - 0.5 * t2;
      out.push(a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3);
    }
  }
  if (!closed) {
    const [xe, ye] = at(n - 1);
    out.push(xe, ye);
  }
  return out;
}
