/**
 * The nose, seen from the front: mostly skin, so it is drawn the way
 * illustrators do — a shaded side of the bridge, a highlight on the tip,
 * curved nostril wings and dark nostrils. The labelled nose region is the
 * whole nose shape from the bridge between the eyes to the base, and it
 * protrudes (moves more under yaw than the cheeks do).
 */
import type { DrawContext } from './draw-context.js';
import { scale } from './palettes.js';
import { catmullRom, ellipse, quadBezier, strokeOutline } from './paths.js';
import { Part } from './parts.js';
import { KEEP_LABEL } from './raster.js';

export function drawNose(ctx: DrawContext): void {
  const { canvas, pose, face } = ctx;
  const { top, bottom, halfWidth: hw, bridge } = face.nose;
  const skin = face.skin.color;
  const length = bottom - top;
  // Protrusion grows from the bridge to the tip.
  const lift = (_x: number, y: number): number => 0.06 + 0.2 * Math.min(1, Math.max(0, (y - top) / length));

  const rightSide = catmullRom([bridge, top, bridge * 1.25, top + length * 0.5, hw * 0.75, bottom - 0.12, hw, bottom - 0.05, hw * 0.72, bottom + 0.02, 0, bottom + 0.035], 5);
  const leftSide: number[] = [];
  for (let i = rightSide.length - 4; i >= 0; i -= 2) leftSide.push(-rightSide[i]!, rightSide[i + 1]!);
  const shape = pose.surface([...rightSide, ...leftSide], lift);

  // The lit side is slightly lighter than the cheek next to it, the other side darker.
  const shadowSide = face.lighting.dirX >= 0 ? -1 : 1;
  const mid = top + length * 0.6;
  const [ax, ay, bx, by] = pose.surface([-shadowSide * hw, mid, shadowSide * hw, mid], lift);
  canvas.fill([shape], {
    color: scale(skin, 1.03),
    alpha: 0.6,
    gradient: { kind: 'linear', x0: ax!, y0: ay!, x1: bx!, y1: by!, color: scale(skin, 0.8) },
  }, Part.nose);

  const bridgeShade = quadBezier(shadowSide * bridge * 0.9, top + 0.04, shadowSide * bridge * 1.3, top + length * 0.55, shadowSide * hw * 0.72, bottom - 0.12, 10);
  canvas.fill([pose.surface(strokeOutline(bridgeShade, 0.022), lift)], { color: scale(skin, 0.72), alpha: 0.3 }, KEEP_LABEL);

  const tip = ellipse(0, bottom - 0.07, 0.065, 0.05, 0, 16);
  canvas.fill([pose.surface(tip, lift)], { color: scale(skin, 1.15), alpha: 0.28 }, KEEP_LABEL);

  for (const side of [-1, 1]) {
    const wing = quadBezier(side * hw * 0.62, bottom - 0.13, side * hw * 1.12, bottom - 0.07, side * hw * 0.62, bottom + 0.012, 10);
    canvas.fill([pose.surface(strokeOutline(wing, 0.011), lift)], { color: scale(skin, 0.55), alpha: 0.55 }, KEEP_LABEL);
    const nostril = ellipse(side * hw * 0.42, bottom - 0.005, 0.045, 0.021, side * 0.35, 14);
    canvas.fill([pose.surface(nostril, lift)], { color: scale(skin, 0.3), alpha: 0.85 }, Part.nose);
  }
  const base = quadBezier(-hw * 0.45, bottom + 0.03, 0, bottom + 0.05, hw * 0.45, bottom + 0.03, 8);
  canvas.fill([pose.surface(strokeOutline(base, 0.012), lift)], { color: scale(skin, 0.6), alpha: 0.25 }, KEEP_LABEL);
}
