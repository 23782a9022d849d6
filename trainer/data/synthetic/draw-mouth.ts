/**
 * The mouth: upper lip with a cupid's bow, fuller lower lip, and — when open —
 * a dark interior with teeth. All curves are functions of u ∈ [−1, 1] across
 * the mouth, sampled at the same u, so bands between two curves are exact.
 * Corner lift (smile/frown) bends the whole mouth; opening drops the lower lip
 * more than it raises the upper one, like a jaw. Lips, interior and teeth are
 * all labelled mouth; smile folds and the chin shadow are skin.
 */
import type { DrawContext } from './draw-context.js';
import { mix, scale } from './palettes.js';
import { ellipse, joinReversed, quadBezier, sampleCurve, strokeOutline } from './paths.js';
import { Part } from './parts.js';
import { KEEP_LABEL } from './raster.js';

const SAMPLES = 24;
const PROTRUSION = 0.1;

export function drawMouth(ctx: DrawContext): void {
  const { canvas, pose, face } = ctx;
  const m = face.mouth;
  const skin = face.skin.color;
  const hw = m.halfWidth;
  const open = m.opening;

  const base = (u: number): number => m.y - m.cornerLift * u * u;
  const openProfile = (u: number): number => Math.pow(Math.max(0, 1 - u * u), 0.6);
  const partUpper = (u: number): number => base(u) - open * 0.3 * openProfile(u);
  const partLower = (u: number): number => base(u) + open * 0.7 * openProfile(u);
  const upperTop = (u: number): number =>
    partUpper(u) - m.upperLip * Math.sqrt(Math.max(0, 1 - u * u)) * (1 - 0.35 * Math.exp(-((u / 0.22) ** 2)));
  const lowerBottom = (u: number): number => partLower(u) + m.lowerLip * Math.pow(Math.max(0, 1 - u * u), 0.55);
  const curve = (f: (u: number) => number): number[] => sampleCurve((t) => [hw * (2 * t - 1), f(2 * t - 1)], SAMPLES);
  const map = (points: number[]): number[] => pose.surface(points, PROTRUSION);

  if (m.cornerLift > 0.03) drawSmileFolds(ctx, (m.cornerLift - 0.03) / 0.06);

  // Soft shadow under the lower lip.
  const chin = ellipse(0, lowerBottom(0) + 0.035, hw * 0.55, 0.03, 0, 16);
  canvas.fill([map(chin)], { color: scale(skin, 0.7), alpha: 0.25 }, KEEP_LABEL);

  if (open > 0.004) {
    const interior = joinReversed(curve(partUpper), curve(partLower));
    canvas.fill([map(interior)], { color: [0.22, 0.07, 0.08] }, Part.mouth);
    if (m.teeth) {
      const teethHeight = Math.min(0.055, open * 0.5);
      const teethBottom = (u: number): number => Math.min(partUpper(u) + teethHeight * openProfile(u), partLower(u));
      canvas.fill([map(joinReversed(curve(partUpper), curve(teethBottom)))], { color: [0.94, 0.92, 0.86] }, Part.mouth);
    }
  }
  const lowerColor = mix(m.color, [1, 1, 1], 0.06);
  canvas.fill([map(joinReversed(curve(partLower), curve(lowerBottom)))], {
    color: lowerColor,
    gradient: { kind: 'linear', ...verticalAxis(ctx, partLower(0), lowerBottom(0)), color: scale(lowerColor, 0.82) },
  }, Part.mouth);
  canvas.fill([map(joinReversed(curve(upperTop), curve(partUpper)))], { color: scale(m.color, 0.88) }, Part.mouth);

  // Highlight on the lower lip, and the dark line where closed lips meet.
  const shine = ellipse(0, (partLower(0) + lowerBottom(0)) / 2 - 0.005, hw * 0.3, m.lowerLip * 0.22, 0, 14);
  canvas.fill([map(shine)], { color: [1, 0.95, 0.95], alpha: 0.18 }, KEEP_LABEL);
  if (open <= 0.004) {
    const line = sampleCurve((t) => [hw * 1.04 * (2 * t - 1), partUpper(Math.max(-1, Math.min(1, 2 * t - 1)))], SAMPLES);
    canvas.fill([map(strokeOutline(line, 0.009))], { color: scale(m.color, 0.45), alpha: 0.85 }, Part.mouth);
  }
}

/** Nasolabial folds, deepening with the smile. */
function drawSmileFolds(ctx: DrawContext, strength: number): void {
  const { canvas, pose, face } = ctx;
  const m = face.mouth;
  const n = face.nose;
  for (const side of [-1, 1]) {
    const fold = quadBezier(
      side * (n.halfWidth + 0.04), n.bottom - 0.07,
      side * (m.halfWidth + 0.12), m.y - m.cornerLift - 0.05,
      side * (m.halfWidth + 0.06), m.y - m.cornerLift + 0.05,
      10,
    );
    canvas.fill([pose.surface(strokeOutline(fold, 0.012))], { color: scale(face.skin.color, 0.6), alpha: 0.35 * Math.min(1, strength) }, KEEP_LABEL);
  }
}

function verticalAxis(ctx: DrawContext, y0: number, y1: number): { x0: number; y0: number; x1: number; y1: number } {
  const [ax, ay, bx, by] = ctx.pose.surface([0, y0, 0, y1], PROTRUSION);
  return { x0: ax!, y0: ay!, x1: bx!, y1: by! };
}
