/**
 * Eyes: an almond-shaped opening (upper lid arched more than the lower one),
 * white sclera, iris and pupil clipped by the lids, a catch-light, a dark
 * upper lid line with a small outer wing, a faint lower lid and a crease.
 * The opening and the lid lines are labelled as the eye; the crease is skin.
 */
import type { DrawContext } from './draw-context.js';
import { mix, scale } from './palettes.js';
import { clipToConvex, ellipse, joinReversed, sampleCurve, strokeOutline, type Points } from './paths.js';
import { Part } from './parts.js';
import { KEEP_LABEL } from './raster.js';

const SAMPLES = 16;

export function drawEyes(ctx: DrawContext): void {
  drawEye(ctx, -1);
  drawEye(ctx, 1);
}

/** side −1 = the eye on the image's left (label "left eye"), +1 = right. */
function drawEye(ctx: DrawContext, side: -1 | 1): void {
  const { canvas, pose, face } = ctx;
  const eyes = face.eyes;
  const label = side < 0 ? Part.leftEye : Part.rightEye;
  const cx = side * eyes.spacing;
  const cy = eyes.y;
  const hw = eyes.halfWidth;
  const up = eyes.halfHeight;
  const down = eyes.halfHeight * 0.62;
  const skin = face.skin.color;

  // Eye-local u ∈ [−1, 1] runs inner → outer corner; tilt lifts the outer corner (a shear keeps the opening convex).
  const point = (u: number, dy: number): readonly [number, number] => {
    const x = cx + side * u * hw;
    return [x, cy + dy - eyes.tilt * u * hw];
  };
  const upperLid = (u: number): number => -up * Math.pow(Math.max(0, 1 - u * u), 0.8);
  const lowerLid = (u: number): number => down * Math.pow(Math.max(0, 1 - u * u), 0.9);
  const upper = sampleCurve((t) => point(2 * t - 1, upperLid(2 * t - 1)), SAMPLES);
  const lower = sampleCurve((t) => point(2 * t - 1, lowerLid(2 * t - 1)), SAMPLES);
  const opening = joinReversed(upper, lower).slice(0, -2);

  // Crease above the lid (skin fold), drawn first so the lid line sits on top.
  const crease = sampleCurve((t) => {
    const u = -0.75 + 1.6 * t;
    return point(u, upperLid(u) * 1.05 - 0.045);
  }, SAMPLES);
  canvas.fill([pose.surface(strokeOutline(crease, 0.008))], { color: scale(skin, 0.62), alpha: 0.55 }, KEEP_LABEL);

  const [scx, scy] = pose.surface([cx, cy]);
  canvas.fill([pose.surface(opening)], {
    color: [0.95, 0.93, 0.9],
    gradient: { kind: 'radial', cx: scx!, cy: scy!, rx: hw * pose.scale, ry: hw * pose.scale, color: [0.72, 0.66, 0.64] },
  }, label);

  const ir = eyes.irisRadius;
  const ix = cx + side * eyes.gazeX * (hw - ir) * 0.55;
  const iy = cy + eyes.gazeY * up * 0.4 - up * 0.08;
  const clipped = (shape: Points): Points => pose.surface(clipToConvex(shape, opening));
  const [icx, icy] = pose.surface([ix, iy]);
  canvas.fill([clipped(ellipse(ix, iy, ir, ir, 0, pose.segments(ir) + 8))], {
    color: mix(eyes.irisColor, [1, 1, 1], 0.12),
    gradient: { kind: 'radial', cx: icx!, cy: icy!, rx: ir * pose.scale, ry: ir * pose.scale, color: scale(eyes.irisColor, 0.45) },
  }, label);
  canvas.fill([clipped(ellipse(ix, iy, ir * 0.45, ir * 0.45, 0, pose.segments(ir) + 4))], { color: [0.03, 0.03, 0.04] }, label);
  const glint = ellipse(ix - ir * 0.35 * face.lighting.dirX - ir * 0.1, iy - ir * 0.35, ir * 0.2, ir * 0.2, 0, 10);
  canvas.fill([clipped(glint)], { color: [1, 1, 1], alpha: 0.85 }, label);

  // Shadow the upper lid casts on the eyeball.
  const lidShadow = joinReversed(upper, sampleCurve((t) => point(2 * t - 1, upperLid(2 * t - 1) * 0.55), SAMPLES));
  canvas.fill([pose.surface(lidShadow)], { color: [0.25, 0.2, 0.2], alpha: 0.25 }, label);

  // Upper lid line with lashes: thickest at the middle, with a short outer wing.
  const lid = sampleCurve((t) => {
    const u = -1 + 2.12 * t;
    return u <= 1 ? point(u, upperLid(u)) : point(u, -(u - 1) * up * 0.6);
  }, SAMPLES + 2);
  const widths: number[] = [];
  for (let i = 0; i <= SAMPLES + 2; i++) {
    const u = -1 + (2.12 * i) / (SAMPLES + 2);
    widths.push(Math.max(0.006, 0.024 * Math.sqrt(Math.max(0, 1 - ((u - 0.25) / 1.3) ** 2))));
  }
  canvas.fill([pose.surface(strokeOutline(lid, widths))], { color: eyes.lashColor }, label);
  canvas.fill([pose.surface(strokeOutline(lower, 0.007))], { color: scale(skin, 0.55), alpha: 0.5 }, label);
}
