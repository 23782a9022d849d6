/**
 * Glasses: two rims (round, oval or rounded-rectangle), tinted lenses, a
 * bridge and temples running to the ears. They never change the mask — the
 * frame keeps the label of whatever it covers (see `parts.ts`).
 */
import type { DrawContext } from './draw-context.js';
import { outlineHalfWidth } from './head-shape.js';
import { closedStrokeOutline, quadBezier, strokeOutline, type Points } from './paths.js';
import { KEEP_LABEL } from './raster.js';

export function drawGlasses(ctx: DrawContext): void {
  const { canvas, pose, face } = ctx;
  const g = face.glasses;
  if (g === null) return;
  const e = face.eyes;
  const rx = e.halfWidth * g.size;
  const ry = rx * (g.shape === 'round' ? 0.9 : 0.7);
  const cy = e.y + 0.01;
  const frame = { color: g.color };
  const lift = 0.08;

  for (const side of [-1, 1]) {
    const cx = side * e.spacing;
    const rim = rimPath(cx, cy, rx, ry, g.shape === 'rect' ? 4 : 2, pose.segments(rx) + 8);
    canvas.fill([pose.surface(rim, lift)], { color: g.tint, alpha: g.tintAlpha }, KEEP_LABEL);
    canvas.fill(closedStrokeOutline(pose.surface(rim, lift), g.halfThickness * pose.scale), frame, KEEP_LABEL);
    // Temple arm from the rim's outer edge to the side of the head.
    const edgeX = outlineHalfWidth(face.head, cy) - 0.02;
    const arm = [cx + side * rx, cy - ry * 0.45, side * edgeX, cy - ry * 0.55];
    canvas.fill([pose.surface(strokeOutline(arm, g.halfThickness * 0.9), lift * 0.5)], frame, KEEP_LABEL);
    // A faint reflection across the lens.
    const glare = [cx - rx * 0.5, cy + ry * 0.2, cx - rx * 0.05, cy - ry * 0.55];
    canvas.fill([pose.surface(strokeOutline(glare, rx * 0.08), lift)], { color: [1, 1, 1], alpha: 0.12 }, KEEP_LABEL);
  }
  const bridge = quadBezier(-e.spacing + rx * 0.98, cy - ry * 0.3, 0, cy - ry * 0.65, e.spacing - rx * 0.98, cy - ry * 0.3, 8);
  canvas.fill([pose.surface(strokeOutline(bridge, g.halfThickness), lift + 0.1)], frame, KEEP_LABEL);
}

/** A superellipse |x/rx|^n + |y/ry|^n = 1 (n = 2: ellipse, n = 4: rounded rectangle). */
function rimPath(cx: number, cy: number, rx: number, ry: number, n: number, segments: number): Points {
  const out: Points = [];
  for (let i = 0; i < segments; i++) {
    const a = (i / segments) * Math.PI * 2;
    const c = Math.cos(a);
    const s = Math.sin(a);
    out.push(cx + rx * Math.sign(c) * Math.pow(Math.abs(c), 2 / n), cy + ry * Math.sign(s) * Math.pow(Math.abs(s), 2 / n));
  }
  return out;
}
