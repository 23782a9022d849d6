/**
 * Expression classes of the labelled synthetic variant, defined by the shape
 * of the mouth and brows (and eye opening), so a classifier has to look at
 * the right facial parts to tell them apart:
 *
 * | class     | mouth                         | brows                    | eyes      |
 * |-----------|-------------------------------|--------------------------|-----------|
 * | neutral   | flat, closed                  | relaxed                  | normal    |
 * | happy     | corners up, often open (teeth)| relaxed                  | squinting |
 * | sad       | corners down, closed          | inner ends raised        | lowered   |
 * | surprised | open, round, narrow           | raised, arched           | wide      |
 * | angry     | flat/slightly down, pressed   | inner ends lowered, knit | narrowed  |
 *
 * The ranges do not overlap on the defining feature, so labels are exact.
 */
import type { Rng } from './rng.js';

export const EXPRESSIONS = ['neutral', 'happy', 'sad', 'surprised', 'angry'] as const;
export type Expression = (typeof EXPRESSIONS)[number];

export interface ExpressionShape {
  /** Mouth corner lift, −1 (down) … 1 (up). */
  mouthCurve: number;
  /** Mouth opening, 0 (closed) … 1 (wide open). */
  mouthOpen: number;
  /** Mouth width multiplier. */
  mouthWidth: number;
  /** Lip thickness multiplier (pressed lips are thin). */
  lipFullness: number;
  /** Teeth visible when the mouth is open. */
  teeth: boolean;
  /** Inner brow end shift, −1 (lowered, knit) … 1 (raised). */
  browInner: number;
  /** Whole-brow raise, 0 … 1. */
  browRaise: number;
  /** Eye opening multiplier. */
  eyeOpen: number;
}

export function sampleExpression(rng: Rng, expression: Expression): ExpressionShape {
  switch (expression) {
    case 'neutral':
      return {
        mouthCurve: rng.jitter(0.12),
        mouthOpen: rng.chance(0.2) ? rng.range(0, 0.08) : 0,
        mouthWidth: rng.range(0.92, 1.05),
        lipFullness: rng.range(0.9, 1.1),
        teeth: false,
        browInner: rng.jitter(0.12),
        browRaise: rng.range(0, 0.12),
        eyeOpen: rng.range(0.92, 1.05),
      };
    case 'happy': {
      const open = rng.chance(0.6) ? rng.range(0.2, 0.55) : 0;
      return {
        mouthCurve: rng.range(0.55, 1),
        mouthOpen: open,
        mouthWidth: rng.range(1.08, 1.25),
        lipFullness: rng.range(0.8, 1),
        teeth: open > 0,
        browInner: rng.jitter(0.15),
        browRaise: rng.range(0, 0.2),
        eyeOpen: rng.range(0.7, 0.88),
      };
    }
    case 'sad':
      return {
        mouthCurve: rng.range(-1, -0.5),
        mouthOpen: rng.chance(0.15) ? rng.range(0, 0.08) : 0,
        mouthWidth: rng.range(0.88, 1),
        lipFullness: rng.range(0.9, 1.15),
        teeth: false,
        browInner: rng.range(0.55, 1),
        browRaise: rng.range(0, 0.15),
        eyeOpen: rng.range(0.78, 0.92),
      };
    case 'surprised':
      return {
        mouthCurve: rng.jitter(0.1),
        mouthOpen: rng.range(0.65, 1),
        mouthWidth: rng.range(0.58, 0.72),
        lipFullness: rng.range(0.8, 1),
        teeth: false,
        browInner: rng.range(0, 0.3),
        browRaise: rng.range(0.65, 1),
        eyeOpen: rng.range(1.25, 1.45),
      };
    case 'angry':
      return {
        mouthCurve: rng.range(-0.3, 0),
        mouthOpen: rng.chance(0.25) ? rng.range(0.1, 0.2) : 0,
        mouthWidth: rng.range(0.85, 0.98),
        lipFullness: rng.range(0.55, 0.75),
        teeth: true,
        browInner: rng.range(-1, -0.7),
        browRaise: 0,
        eyeOpen: rng.range(0.66, 0.8),
      };
  }
}
