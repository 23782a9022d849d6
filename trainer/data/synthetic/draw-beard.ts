/**
 * Facial hair. Full beards, goatees and moustaches are labelled hair (they
 * are hair, and they hide the skin); stubble is a translucent shadow that
 * keeps the skin label, since the skin still shows through. Drawn before the
 * nose and mouth, which sit on top.
 */
import type { DrawContext } from './draw-context.js';
import { outlinePoint } from './head-shape.js';
import { scale } from './palettes.js';
import { catmullRom, type Points } from './paths.js';
import { Part } from './parts.js';
import { KEEP_LABEL } from './raster.js';

export function drawBeard(ctx: DrawContext): void {
  const { canvas, pose, face } = ctx;
  const beard = face.beard;
  if (beard === null) return;
  const m = face.mouth;
  const n = face.nose;
  const paint = { color: beard.color, gradient: { kind: 'linear' as const, ...axis(ctx, n.bottom, face.head.aspect), color: scale(beard.color, 0.8) } };

  if (beard.style === 'moustache') {
    canvas.fill([pose.surface(moustache(ctx), 0.1)], paint, Part.hair);
    return;
  }
  if (beard.style === 'goatee') {
    // Moustache plus a chin patch from under the lower lip down over the chin.
    const chinY = face.head.aspect;
    const lipBottom = m.y + m.opening * 0.7 + m.lowerLip;
    const w = m.halfWidth * 0.7;
    const patch = catmullRom([0, lipBottom + 0.02, w, lipBottom + 0.005 - m.cornerLift * 0.5, w * 0.9, chinY - 0.12, 0, chinY + 0.04, -w * 0.9, chinY - 0.12, -w, lipBottom + 0.005 - m.cornerLift * 0.5], 5, true);
    canvas.fill([pose.surface(moustache(ctx), 0.1), pose.surface(patch, 0.05)], paint, Part.hair);
    return;
  }

  // Full beard / stubble: the jaw outline (slightly outside it) below the ears, and an inner edge
  // that runs from the cheeks to just under the nose.
  const startY = face.eyes.y + 0.32;
  const jaw: Points = [];
  const t0 = Math.asin(Math.min(1, startY / face.head.aspect));
  const steps = 24;
  for (let i = 0; i <= steps; i++) {
    const t = t0 + ((Math.PI - 2 * t0) * i) / steps;
    const [x, y] = outlinePoint(face.head, t);
    const grow = beard.style === 'full' ? 1 + 0.06 * Math.sin(((t - t0) / (Math.PI - 2 * t0)) * Math.PI) : 1;
    jaw.push(x * grow, y * grow);
  }
  const [rx, ry] = [jaw[0]!, jaw[1]!];
  const inner = catmullRom([-(rx - 0.1), ry, -(m.halfWidth + 0.2), m.y - 0.15, -n.halfWidth * 0.9, n.bottom + 0.05, 0, n.bottom + 0.06, n.halfWidth * 0.9, n.bottom + 0.05, m.halfWidth + 0.2, m.y - 0.15, rx - 0.1, ry], 5);
  const shape = [...pose.flat(jaw), ...pose.surface(inner, 0.02)];
  if (beard.style === 'full') canvas.fill([shape], paint, Part.hair);
  else canvas.fill([shape], { color: scale(beard.color, 0.9), alpha: 0.28 }, KEEP_LABEL);
}

/** A band resting on the upper lip, following its curve and trailing a little past the corners. */
function moustache(ctx: DrawContext): Points {
  const m = ctx.face.mouth;
  const n = ctx.face.nose;
  const w = m.halfWidth + 0.05;
  const thickness = Math.min(0.12, (m.y - m.opening * 0.3 - m.upperLip - n.bottom) * 0.85);
  const top: Points = [];
  const bottom: Points = [];
  const steps = 12;
  for (let i = 0; i <= steps; i++) {
    const u = -1 + (2 * i) / steps;
    const lipTop = m.y - m.cornerLift * u * u - (m.opening * 0.3 + m.upperLip) * Math.sqrt(Math.max(0, 1 - u * u)) + 0.01;
    const lower = lipTop + 0.04 * u * u;
    bottom.push(u * w, lower);
    top.push(u * w, lower - thickness * (1 - 0.55 * u * u));
  }
  const out = top.slice();
  for (let i = bottom.length - 2; i >= 0; i -= 2) out.push(bottom[i]!, bottom[i + 1]!);
  return out;
}

function axis(ctx: DrawContext, y0: number, y1: number): { x0: number; y0: number; x1: number; y1: number } {
  const [ax, ay, bx, by] = ctx.pose.flat([0, y0, 0, y1]);
  return { x0: ax!, y0: ay!, x1: bx!, y1: by! };
}
