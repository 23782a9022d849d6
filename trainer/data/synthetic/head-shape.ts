/**
 * The head outline: an egg — an ellipse whose lower half narrows towards the
 * chin by `jaw`. Other parts (hair sides, beard, ears) are placed relative to
 * it, so they ask it for its half-width at a given height.
 */
import type { Points } from './paths.js';

export interface HeadShape {
  aspect: number;
  jaw: number;
}

/** Outline point at parameter t (0 = right side, π/2 = chin, y down). */
export function outlinePoint(head: HeadShape, t: number): [number, number] {
  const s = Math.sin(t);
  const narrowing = s > 0 ? 1 - head.jaw * s * s : 1;
  return [Math.cos(t) * narrowing, head.aspect * s];
}

export function headOutline(head: HeadShape, segments: number): Points {
  const out: Points = [];
  for (let i = 0; i < segments; i++) {
    const [x, y] = outlinePoint(head, (i / segments) * Math.PI * 2);
    out.push(x, y);
  }
  return out;
}

/** Half-width of the outline at height y (0 beyond the top or chin). */
export function outlineHalfWidth(head: HeadShape, y: number): number {
  const s = y / head.aspect;
  if (s <= -1 || s >= 1) return 0;
  return outlinePoint(head, Math.asin(s))[0];
}
