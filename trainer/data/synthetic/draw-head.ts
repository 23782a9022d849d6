/**
 * The head's base layers: clothes, neck, ears and the skin of the face with
 * its soft 3-D shading (lit side lighter, rim and eye sockets darker, blush).
 */
import type { DrawContext } from './draw-context.js';
import { headOutline } from './head-shape.js';
import { mix, scale } from './palettes.js';
import { catmullRom, ellipse, type Points } from './paths.js';
import { Part } from './parts.js';
import { KEEP_LABEL, type Paint, type Rgb } from './raster.js';

/** Neck (skin) and the clothed shoulders below it (background: clothing is no face part). */
export function drawNeckAndClothes(ctx: DrawContext): void {
  const { canvas, pose, face } = ctx;
  const { aspect } = face.head;
  const nw = face.head.neckHalfWidth;
  const skin = face.skin.color;
  const far = aspect + 6;

  const neck = pose.flat([-nw, 0.2, nw, 0.2, nw * 1.06, far, -nw * 1.06, far]);
  canvas.fill([neck], {
    color: scale(skin, 0.62),
    gradient: { kind: 'linear', ...gradientAxis(ctx, aspect, aspect + 0.6), color: scale(skin, 0.88) },
  }, Part.skin);

  const neckline = aspect + 0.35;
  const sw = face.clothing.shoulderHalfWidth;
  const collarDip = face.clothing.vNeck ? 0.55 : 0.16;
  const right = catmullRom([nw * 0.98, neckline, nw + 0.45, neckline + 0.22, sw, neckline + 0.55, sw + 0.25, neckline + 1.4], 6);
  const left: Points = [];
  for (let i = right.length - 2; i >= 0; i -= 2) left.push(-right[i]!, right[i + 1]!);
  const collar = face.clothing.vNeck
    ? [-nw * 0.98, neckline, 0, neckline + collarDip]
    : catmullRom([-nw * 0.98, neckline, 0, neckline + collarDip, nw * 0.98, neckline], 6).slice(0, -2);
  const clothes = pose.flat([...collar, ...right, sw + 0.3, far, -sw - 0.3, far, ...left]);
  canvas.fill([clothes], {
    color: face.clothing.color,
    gradient: { kind: 'linear', ...gradientAxis(ctx, neckline, neckline + 1.5), color: scale(face.clothing.color, 0.7) },
  }, Part.background);
}

/** Pixel end points of a vertical (in face units) gradient from y0 to y1, so gradients turn with the head. */
export function gradientAxis(ctx: DrawContext, y0: number, y1: number): { x0: number; y0: number; x1: number; y1: number } {
  const [ax, ay, bx, by] = ctx.pose.flat([0, y0, 0, y1]);
  return { x0: ax!, y0: ay!, x1: bx!, y1: by! };
}

/** Ears sit behind the face surface, so a head turn hides the far one behind the cheek. */
export function drawEars(ctx: DrawContext): void {
  const { canvas, pose, face } = ctx;
  const k = face.head.earSize;
  const y = face.eyes.y + 0.2;
  const skin = face.skin.color;
  for (const side of [-1, 1]) {
    const outer = ellipse(side * 0.96, y, 0.13 * k, 0.25 * k, side * 0.15, pose.segments(0.25 * k));
    canvas.fill([pose.surface(outer, -0.5)], { color: scale(skin, 0.93) }, Part.skin);
    const inner = ellipse(side * 0.99, y + 0.01, 0.065 * k, 0.16 * k, side * 0.15, pose.segments(0.16 * k));
    canvas.fill([pose.surface(inner, -0.5)], { color: scale(skin, 0.68), alpha: 0.55 }, KEEP_LABEL);
  }
}

export function drawFaceSkin(ctx: DrawContext): void {
  const { canvas, pose, face } = ctx;
  const skin = face.skin.color;
  const { dirX, dirY } = face.lighting;
  const outline = pose.flat(headOutline(face.head, pose.segments(face.head.aspect) * 2));
  const [lx, ly] = pose.flat([dirX * 0.3, dirY * 0.3 + 0.1]);
  const r = pose.scale * 1.35;
  canvas.fill([outline], {
    color: scale(skin, 1.05),
    gradient: { kind: 'radial', cx: lx!, cy: ly!, rx: r, ry: r * face.head.aspect, color: scale(skin, 0.76) },
  }, Part.skin);

  // Eye sockets and the shadow under the brow ridge, and blush: soft blobs fading out at their rim.
  for (const side of [-1, 1]) {
    const sx = side * face.eyes.spacing;
    const sy = face.eyes.y - 0.03;
    const rx = face.eyes.halfWidth * 1.6;
    const ry = face.eyes.halfWidth * 1.0;
    canvas.fill([pose.surface(ellipse(sx, sy, rx, ry, 0, 24))], softBlob(ctx, sx, sy, rx, ry, scale(skin, 0.78), 0.3), KEEP_LABEL);
    if (face.skin.blush > 0) {
      const bx = side * 0.52;
      const by = face.nose.bottom - 0.08;
      canvas.fill([pose.surface(ellipse(bx, by, 0.22, 0.15, 0, 24))], softBlob(ctx, bx, by, 0.22, 0.15, mix(skin, [0.86, 0.36, 0.38], 0.7), face.skin.blush * 1.5), KEEP_LABEL);
    }
  }
}

/** A paint that is `alpha`-opaque at the centre of the face-unit ellipse and fades to nothing at its rim. */
function softBlob(ctx: DrawContext, cx: number, cy: number, rx: number, ry: number, color: Rgb, alpha: number): Paint {
  const [px, py] = ctx.pose.surface([cx, cy]);
  // Radii in pixels; the yaw squash and roll are small enough to ignore for a soft blob.
  const s = ctx.pose.scale;
  return { color, alpha, gradient: { kind: 'radial', cx: px!, cy: py!, rx: rx * s, ry: ry * s, color, fade: 0 } };
}
