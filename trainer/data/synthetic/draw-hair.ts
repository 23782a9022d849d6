/**
 * Hair in two layers, like a real head seen from the front:
 * - behind the head (drawn before the face): the hanging mass of long and bob
 *   cuts, the halo of curly hair, a bun;
 * - on top of the forehead (drawn after the features): the cap, bounded by
 *   the silhouette outside and the hairline inside. The hairline's shape is
 *   what distinguishes most styles (fringe, side part, receding…).
 * Both layers are labelled hair.
 */
import type { DrawContext } from './draw-context.js';
import type { HairStyle } from './face-params.js';
import { outlineHalfWidth } from './head-shape.js';
import { mix, scale } from './palettes.js';
import { catmullRom, ellipse, type Points } from './paths.js';
import { Part } from './parts.js';
import { KEEP_LABEL, type Paint } from './raster.js';

/** Styles whose hanging hair hides the ears. */
export function hairCoversEars(style: HairStyle): boolean {
  return style === 'long' || style === 'bob' || style === 'curly';
}

export function drawBackHair(ctx: DrawContext): void {
  const { canvas, pose, face } = ctx;
  const hair = face.hair;
  const { aspect } = face.head;
  const v = hair.volume;
  const paint = hairPaint(ctx, -aspect - v, hair.length > 0 ? hair.length : aspect);

  if (hair.style === 'long' || hair.style === 'bob') {
    const top = outerArc(ctx, 0.2);
    const flare = hair.style === 'long' ? 0.35 : 0.12;
    const bottom = hair.length;
    const wave = hair.style === 'long' ? 0.08 : 0.03;
    const right = catmullRom([1 + v + 0.02, 0.2, 1 + v + flare * 0.5, (0.2 + bottom) / 2, 1 + v + flare, bottom], 6);
    const hem: Points = [];
    const hemPoints = 8;
    for (let i = 0; i <= hemPoints; i++) {
      const x = (1 + v + flare) * (1 - (2 * i) / hemPoints);
      hem.push(x, bottom - (hair.style === 'bob' ? 0.12 * (1 - (x / (1 + v + flare)) ** 2) : 0) + ctx.rng.jitter(wave));
    }
    const left: Points = [];
    for (let i = right.length - 2; i >= 0; i -= 2) left.push(-right[i]!, right[i + 1]!);
    canvas.fill([pose.flat([...top, ...right.slice(2), ...hem.slice(2, -2), ...left.slice(0, -2)])], paint, Part.hair);
  } else if (hair.style === 'curly') {
    const bumps = ctx.rng.int(14, 22);
    const points: Points = [];
    const segments = bumps * 6;
    const phase = ctx.rng.next() * Math.PI;
    for (let i = 0; i < segments; i++) {
      const a = (i / segments) * Math.PI * 2;
      const r = 1 + 0.07 * Math.abs(Math.sin((a * bumps) / 2 + phase));
      points.push(Math.cos(a) * (1 + v) * r, -0.35 + Math.sin(a) * (aspect * 0.78 + v) * r);
    }
    canvas.fill([pose.flat(points)], paint, Part.hair);
  } else if (hair.style === 'bun') {
    const r = 0.3 + v;
    canvas.fill([pose.flat(ellipse(0.1 * hair.partSide, -aspect - r * 0.55, r, r * 0.9, 0, pose.segments(r)))], paint, Part.hair);
  }
}

export function drawHairCap(ctx: DrawContext): void {
  const { canvas, pose, face } = ctx;
  const hair = face.hair;
  if (hair.style === 'bald') return;
  const { aspect } = face.head;
  const eyeY = face.eyes.y;

  const sideBottom = hairCoversEars(hair.style) ? eyeY + 0.3 : eyeY - 0.02;
  const inset = hairCoversEars(hair.style) ? 0.09 : 0.03;
  const templeY = Math.min(hair.hairline + 0.25, face.brows.y - 0.05);
  const h = hair.hairline;
  const side = hair.partSide;

  let hairline: Points;
  switch (hair.style) {
    case 'bangs': {
      // A fringe: nearly straight, slightly ragged, just above the brows.
      hairline = [];
      const n = 9;
      for (let i = 0; i <= n; i++) {
        const x = 0.8 - (1.6 * i) / n;
        hairline.push(x, h + 0.05 * x * x + (i % 2 ? 0.025 : -0.01));
      }
      break;
    }
    case 'side-part':
      // Swept from a part on one side down across the forehead.
      hairline = sideSweep([0.62, h + 0.08, 0.28, h - 0.04, -0.05, h + 0.07, -0.45, h + 0.15, -0.75, templeY - 0.08], side);
      break;
    case 'curly':
      hairline = bumpy(ctx, catmullRom([0.7, h + 0.12, 0, h, -0.7, h + 0.12], 6), 0.035);
      break;
    default:
      hairline = catmullRom([0.72, h + 0.1, 0.35, h + 0.01, 0, h, -0.35, h + 0.01, -0.72, h + 0.1], 4);
  }

  const rightEdge = [outlineHalfWidth(face.head, sideBottom) - inset, sideBottom, outlineHalfWidth(face.head, templeY) - 0.1, templeY];
  const leftEdge = [-(outlineHalfWidth(face.head, templeY) - 0.1), templeY, -(outlineHalfWidth(face.head, sideBottom) - inset), sideBottom];
  const inner = pose.surface(catmullRom([...rightEdge, ...hairline, ...leftEdge], 4), 0.04);
  // Outer silhouette left → crown → right, then the hairline back right → left.
  const outer = pose.flat(outerArc(ctx, sideBottom));
  const paint = hairPaint(ctx, -aspect - hair.volume, sideBottom);
  if (hair.style === 'buzz') paint.color = mix(paint.color, face.skin.color, 0.3);
  canvas.fill([[...outer, ...inner]], paint, Part.hair);

  if (hair.volume >= 0.05 && hair.style !== 'curly') {
    // A sheen band along the crown.
    const sheen: Points = [];
    for (let i = 0; i <= 12; i++) {
      const a = Math.PI * (1.25 + 0.5 * (i / 12));
      sheen.push(Math.cos(a) * (0.8 + hair.volume * 0.5), Math.sin(a) * (aspect * 0.93 + hair.volume * 0.5));
    }
    canvas.fill([pose.flat(strokeBand(sheen, 0.035))], { color: mix(hair.color, [1, 1, 1], 0.35), alpha: 0.18 }, KEEP_LABEL);
  }
}

/** Outer silhouette of the hair from the left side at height y, over the crown, to the right side. */
function outerArc(ctx: DrawContext, y: number): Points {
  const { face, pose } = ctx;
  const v = face.hair.volume;
  const rx = 1 + v;
  const ry = face.head.aspect + v;
  const alpha = Math.asin(Math.max(-1, Math.min(1, y / ry)));
  const segments = pose.segments(ry);
  const out: Points = [];
  for (let i = 0; i <= segments; i++) {
    const a = Math.PI - alpha + ((Math.PI + 2 * alpha) * i) / segments;
    out.push(rx * Math.cos(a), ry * Math.sin(a) - 0.02);
  }
  return out;
}

function reverseArc(points: Points): Points {
  const out: Points = [];
  for (let i = points.length - 2; i >= 0; i -= 2) out.push(points[i]!, points[i + 1]!);
  return out;
}

/** Mirrors a right-to-left hairline for a part on the other side, keeping right-to-left order. */
function sideSweep(points: Points, side: -1 | 1): Points {
  const curve = catmullRom(points, 5);
  if (side > 0) return curve;
  const out: Points = [];
  for (let i = curve.length - 2; i >= 0; i -= 2) out.push(-curve[i]!, curve[i + 1]!);
  return out;
}

function bumpy(ctx: DrawContext, points: Points, amount: number): Points {
  const out = points.slice();
  for (let i = 1; i < out.length; i += 2) out[i] = out[i]! + (Math.floor(i / 2) % 3 === 0 ? amount : ctx.rng.jitter(amount * 0.5));
  return out;
}

/** A closed thin band along a polyline (both offsets), for highlights inside a shape. */
function strokeBand(points: Points, halfWidth: number): Points {
  const n = points.length >> 1;
  const a: Points = [];
  const b: Points = [];
  for (let i = 0; i < n; i++) {
    const x = points[2 * i]!;
    const y = points[2 * i + 1]!;
    const len = Math.hypot(x, y) || 1;
    const taper = Math.sin((Math.PI * i) / (n - 1));
    a.push(x + (x / len) * halfWidth * taper, y + (y / len) * halfWidth * taper);
    b.push(x - (x / len) * halfWidth * taper, y - (y / len) * halfWidth * taper);
  }
  return [...a, ...reverseArc(b)];
}

/** Hair colour, lighter towards the crown and darker where it hangs. */
function hairPaint(ctx: DrawContext, yTop: number, yBottom: number): Paint {
  const [x0, y0, x1, y1] = ctx.pose.flat([0, yTop, 0, yBottom]);
  const c = ctx.face.hair.color;
  return {
    color: mix(c, [1, 1, 1], 0.1),
    gradient: { kind: 'linear', x0: x0!, y0: y0!, x1: x1!, y1: y1!, color: scale(c, 0.72) },
  };
}
