/**
 * Eyebrows: tapered arched strokes, thick at the inner end. Expressions move
 * the inner ends (raised for sad/surprised, lowered and drawn together for
 * angry), which is what the labelled variant's classes partly depend on.
 */
import type { DrawContext } from './draw-context.js';
import { scale } from './palettes.js';
import { quadBezier, sampleCurve, strokeOutline } from './paths.js';
import { Part } from './parts.js';
import { KEEP_LABEL } from './raster.js';

const SAMPLES = 14;

export function drawBrows(ctx: DrawContext): void {
  const { canvas, pose, face } = ctx;
  const b = face.brows;
  // A lowered (knit) brow also moves towards the nose.
  const innerX = b.innerX - Math.max(0, b.innerShift) * 0.6;
  for (const side of [-1, 1]) {
    const centre = sampleCurve((t) => {
      const x = side * (innerX + (b.outerX - innerX) * t);
      // Knit (lowered) inner ends pull the brow into a straight slant: less arch, outer end up.
      const knit = Math.max(0, b.innerShift);
      const y = b.y + b.innerShift * (1 - t) ** 2 - (b.arch - knit * 0.4) * Math.sin(Math.PI * Math.pow(t, 0.7)) + (0.02 - knit * 0.3) * t;
      return [x, y];
    }, SAMPLES);
    const widths: number[] = [];
    for (let i = 0; i <= SAMPLES; i++) {
      const t = i / SAMPLES;
      widths.push(b.thickness * (1.05 + Math.max(0, b.innerShift) * 2 - 0.65 * t));
    }
    canvas.fill([pose.surface(strokeOutline(centre, widths), 0.03)], { color: b.color }, Part.brows);
  }
  // Knit brows crease the skin between them (the glabella lines of a frown).
  if (b.innerShift > 0.03) {
    const depth = Math.min(1, (b.innerShift - 0.03) / 0.05);
    for (const side of [-1, 1]) {
      const x = side * innerX * 0.45;
      const crease = quadBezier(x, b.y + b.innerShift - 0.07, x * 1.4, b.y + b.innerShift - 0.01, x * 1.1, b.y + b.innerShift + 0.05, 6);
      canvas.fill([pose.surface(strokeOutline(crease, 0.008), 0.05)], { color: scale(face.skin.color, 0.55), alpha: 0.45 * depth }, KEEP_LABEL);
    }
  }
}
