/**
 * Draws one face description into an RGB image and its part mask, back to
 * front: background, hanging hair, neck and clothes, ears, face skin, beard,
 * nose, eyes, brows, mouth, the hair cap over the forehead, glasses, and
 * finally the camera (lighting, colour cast, noise).
 */
import type { LabelMap, RgbImage } from '../image-source.js';
import { paintBackground } from './backgrounds.js';
import type { DrawContext } from './draw-context.js';
import { drawBeard } from './draw-beard.js';
import { drawBrows } from './draw-brows.js';
import { drawEyes } from './draw-eyes.js';
import { drawGlasses } from './draw-glasses.js';
import { drawBackHair, drawHairCap, hairCoversEars } from './draw-hair.js';
import { drawEars, drawFaceSkin, drawNeckAndClothes } from './draw-head.js';
import { drawMouth } from './draw-mouth.js';
import { drawNose } from './draw-nose.js';
import type { FaceParams } from './face-params.js';
import { FacePose } from './face-pose.js';
import { exposeImage } from './lighting.js';
import { Canvas } from './raster.js';
import type { Rng } from './rng.js';

export interface RenderStreams {
  /** Background clutter. */
  background: Rng;
  /** Decorative details (hair bumps, hem waves). */
  detail: Rng;
  /** Sensor noise. */
  noise: Rng;
}

/**
 * `scratch` is an optional reusable canvas of the right size (generating many faces
 * into one canvas avoids allocating and collecting ~0.2 MB per image).
 */
export function renderFace(face: FaceParams, streams: RenderStreams, scratch?: Canvas): { image: RgbImage; mask: LabelMap } {
  let canvas: Canvas;
  if (scratch !== undefined && scratch.width === face.size && scratch.height === face.size) {
    canvas = scratch;
    canvas.clear();
  } else canvas = new Canvas(face.size, face.size);
  const ctx: DrawContext = { canvas, pose: new FacePose(face.pose), face, rng: streams.detail };

  paintBackground(canvas, streams.background);
  drawBackHair(ctx);
  drawNeckAndClothes(ctx);
  if (!hairCoversEars(face.hair.style)) drawEars(ctx);
  drawFaceSkin(ctx);
  drawBeard(ctx);
  drawNose(ctx);
  drawEyes(ctx);
  drawBrows(ctx);
  drawMouth(ctx);
  drawHairCap(ctx);
  drawGlasses(ctx);

  return {
    image: { width: face.size, height: face.size, data: exposeImage(canvas, face.lighting, streams.noise) },
    mask: { width: face.size, height: face.size, data: canvas.labels.slice() },
  };
}
