/**
 * Sampling one face description from a seeded stream. Everything about a
 * face — anatomy, colours, accessories, expression, pose, lighting — is a
 * plain JSON-able object, so it can be logged, shown in the GUI, or used by
 * tests to check the picture against what was asked for.
 *
 * Geometry is in face units (see `face-pose.ts`: head half-width = 1, y down,
 * origin at the head outline's centre). Proportions follow the usual drawing
 * canon — eyes near the vertical middle of the head, brow / nose base / chin
 * thirds — with enough spread that no two faces look alike.
 */
import { sampleExpression, type Expression } from './expressions.js';
import type { PoseParams } from './face-pose.js';
import { GLASSES_FRAMES, HAIR_COLORS, IRIS_COLORS, SKIN_TONES, hsv, jitterColor, mix, scale } from './palettes.js';
import type { Rgb } from './raster.js';
import type { Rng } from './rng.js';

export const HAIR_STYLES = ['bald', 'buzz', 'short', 'side-part', 'bangs', 'bob', 'long', 'curly', 'bun'] as const;
export type HairStyle = (typeof HAIR_STYLES)[number];

export const BEARD_STYLES = ['stubble', 'moustache', 'goatee', 'full'] as const;
export type BeardStyle = (typeof BEARD_STYLES)[number];

export interface FaceParams {
  /** Image side in pixels. */
  size: number;
  expression: Expression;
  pose: PoseParams;
  head: {
    /** Outline half-height / half-width. */
    aspect: number;
    /** How much the lower face narrows towards the chin (0 = ellipse). */
    jaw: number;
    neckHalfWidth: number;
    earSize: number;
  };
  skin: { color: Rgb; blush: number };
  eyes: {
    /** Vertical position of the eye centres. */
    y: number;
    /** |x| of each eye centre. */
    spacing: number;
    halfWidth: number;
    /** Upper-lid height above the eye's centre line, including the expression's opening. */
    halfHeight: number;
    /** Outer corners up (> 0) or down, radians. */
    tilt: number;
    irisRadius: number;
    irisColor: Rgb;
    /** Gaze offset as a fraction of the free travel of the iris. */
    gazeX: number;
    gazeY: number;
    lashColor: Rgb;
  };
  brows: {
    y: number;
    innerX: number;
    outerX: number;
    thickness: number;
    arch: number;
    /** Vertical shift of the inner ends (face units, negative = raised). */
    innerShift: number;
    color: Rgb;
  };
  nose: { top: number; bottom: number; halfWidth: number; bridge: number };
  mouth: {
    y: number;
    halfWidth: number;
    /** Corner lift in face units (positive = corners up: a smile). */
    cornerLift: number;
    /** Opening at the centre, face units. */
    opening: number;
    upperLip: number;
    lowerLip: number;
    color: Rgb;
    teeth: boolean;
  };
  hair: {
    style: HairStyle;
    color: Rgb;
    /** How far the hair stands off the skull. */
    volume: number;
    /** Hairline height on the forehead (negative y). */
    hairline: number;
    partSide: -1 | 1;
    /** Lowest point of hanging hair (long/bob styles), face units. */
    length: number;
  };
  beard: { style: BeardStyle; color: Rgb } | null;
  glasses: { shape: 'round' | 'oval' | 'rect'; color: Rgb; halfThickness: number; tint: Rgb; tintAlpha: number; size: number } | null;
  clothing: { color: Rgb; vNeck: boolean; shoulderHalfWidth: number };
  lighting: {
    /** Unit vector the light comes from (image plane). */
    dirX: number;
    dirY: number;
    /** Strength of the directional shading gradient across the frame. */
    strength: number;
    brightness: number;
    contrast: number;
    /** Per-channel gains (white balance error). */
    cast: Rgb;
    /** Std of per-pixel sensor noise. */
    noise: number;
  };
}

/** Head outline height as a fraction of the frame (VGGFace2-like loose crops). */
export const FACE_FILL_RANGE = [0.55, 0.9] as const;
/** In-plane rotation range, radians (±20°). */
export const MAX_ROLL = (20 * Math.PI) / 180;
/** Head-turn range, radians (±15°). */
export const MAX_YAW = (15 * Math.PI) / 180;

export function sampleFaceParams(rng: Rng, size: number, expression: Expression): FaceParams {
  const shape = sampleExpression(rng, expression);

  const aspect = rng.range(1.22, 1.4);
  const fill = rng.range(FACE_FILL_RANGE[0], FACE_FILL_RANGE[1]);
  const pxPerUnit = (fill * size) / (2 * aspect);
  const slack = (1 - fill) * size * 0.45;
  const pose: PoseParams = {
    roll: rng.jitter(MAX_ROLL),
    yaw: rng.jitter(MAX_YAW),
    scale: pxPerUnit,
    centerX: size / 2 + rng.jitter(slack),
    centerY: size / 2 + rng.jitter(slack) - size * 0.02,
  };

  const skinBase = rng.pick(SKIN_TONES);
  const skinColor = jitterColor(rng, skinBase, 0.06);
  const darkSkin = skinBase[0] < 150;

  const eyesY = rng.range(-0.04, 0.06);
  const eyeHalfWidth = rng.range(0.16, 0.2);
  const eyeHalfHeight = eyeHalfWidth * rng.range(0.42, 0.52) * shape.eyeOpen;
  const noseBottom = eyesY + rng.range(0.46, 0.56);
  const mouthHalfWidth = rng.range(0.27, 0.34) * shape.mouthWidth;
  const lipFullness = shape.lipFullness;

  const hairStyle = rng.weighted<HairStyle>([
    ['bald', 0.6],
    ['buzz', 0.8],
    ['short', 2],
    ['side-part', 1.5],
    ['bangs', 1.2],
    ['bob', 1.2],
    ['long', 2],
    ['curly', 1],
    ['bun', 0.7],
  ]);
  const hairColor = jitterColor(rng, rng.weighted(HAIR_COLORS), 0.1);
  const longHaired = hairStyle === 'long' || hairStyle === 'bob' || hairStyle === 'bun';
  const browColor = mix(scale(hairColor, 0.8), scale(skinColor, 0.35), rng.range(0.1, 0.4));

  const beardStyle = !longHaired && rng.chance(0.28) ? rng.pick(BEARD_STYLES) : null;
  const lipTint: Rgb = darkSkin ? [0.45, 0.22, 0.22] : [0.78, 0.42, 0.42];

  return {
    size,
    expression,
    pose,
    head: {
      aspect,
      jaw: rng.range(0.1, 0.3),
      neckHalfWidth: rng.range(0.5, 0.66),
      earSize: rng.range(0.85, 1.15),
    },
    skin: { color: skinColor, blush: rng.chance(0.5) ? rng.range(0.05, 0.2) : 0 },
    eyes: {
      y: eyesY,
      spacing: rng.range(0.37, 0.44),
      halfWidth: eyeHalfWidth,
      halfHeight: eyeHalfHeight,
      tilt: rng.range(-0.06, 0.12),
      irisRadius: eyeHalfWidth * rng.range(0.44, 0.52),
      irisColor: jitterColor(rng, rng.weighted(IRIS_COLORS), 0.1),
      gazeX: rng.jitter(0.5),
      gazeY: rng.jitter(0.25),
      lashColor: mix([0.06, 0.05, 0.05], hairColor, 0.2),
    },
    brows: {
      y: eyesY - rng.range(0.2, 0.25) - shape.browRaise * 0.09,
      innerX: rng.range(0.11, 0.16),
      outerX: rng.range(0.56, 0.64),
      thickness: rng.range(0.025, 0.042),
      arch: rng.range(0.025, 0.06) + shape.browRaise * 0.03,
      innerShift: -shape.browInner * 0.09,
      color: browColor,
    },
    nose: {
      top: eyesY - 0.04,
      bottom: noseBottom,
      halfWidth: rng.range(0.15, 0.21),
      bridge: rng.range(0.05, 0.075),
    },
    mouth: {
      y: noseBottom + rng.range(0.24, 0.3),
      halfWidth: mouthHalfWidth,
      cornerLift: shape.mouthCurve * 0.09,
      opening: shape.mouthOpen * 0.22,
      upperLip: rng.range(0.035, 0.055) * lipFullness,
      lowerLip: rng.range(0.045, 0.07) * lipFullness,
      color: mix(scale(skinColor, 0.82), lipTint, rng.range(0.3, 0.55)),
      teeth: shape.teeth,
    },
    hair: {
      style: hairStyle,
      color: hairColor,
      volume: hairStyle === 'curly' ? rng.range(0.3, 0.55) : hairStyle === 'buzz' ? rng.range(0.01, 0.03) : rng.range(0.05, 0.16),
      hairline: hairStyle === 'bangs' ? rng.range(-0.5, -0.4) : -rng.range(0.62, 0.8),
      partSide: rng.chance(0.5) ? -1 : 1,
      length: hairStyle === 'long' ? rng.range(1.6, 2.8) : hairStyle === 'bob' ? rng.range(0.75, 1.05) : 0,
    },
    beard: beardStyle === null ? null : { style: beardStyle, color: scale(hairColor, rng.range(0.85, 1.05)) },
    glasses: rng.chance(0.22)
      ? {
          shape: rng.pick(['round', 'oval', 'rect'] as const),
          color: jitterColor(rng, rng.pick(GLASSES_FRAMES), 0.1),
          halfThickness: rng.range(0.012, 0.028),
          tint: rng.chance(0.8) ? [0.85, 0.9, 0.95] : hsv(rng.next(), 0.5, 0.5),
          tintAlpha: rng.range(0.05, 0.25),
          size: rng.range(1.35, 1.6),
        }
      : null,
    clothing: {
      color: hsv(rng.next(), rng.range(0.1, 0.7), rng.range(0.15, 0.85)),
      vNeck: rng.chance(0.35),
      shoulderHalfWidth: rng.range(1.5, 2),
    },
    lighting: {
      ...lightDirection(rng.range(0, Math.PI * 2)),
      strength: rng.range(0, 0.45),
      brightness: rng.jitter(0.1),
      contrast: rng.range(0.8, 1.2),
      cast: [1 + rng.jitter(0.07), 1 + rng.jitter(0.05), 1 + rng.jitter(0.07)],
      noise: rng.range(0, 0.02),
    },
  };
}

function lightDirection(angle: number): { dirX: number; dirY: number } {
  return { dirX: Math.cos(angle), dirY: Math.sin(angle) };
}
