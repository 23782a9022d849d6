/** What every face-drawing step needs: where to paint, how to map face units, and the face itself. */
import type { FaceParams } from './face-params.js';
import type { FacePose } from './face-pose.js';
import type { Canvas } from './raster.js';
import type { Rng } from './rng.js';

export interface DrawContext {
  canvas: Canvas;
  pose: FacePose;
  face: FaceParams;
  /** For small decorative details (hair bumps, stray strands) that need no place in the params. */
  rng: Rng;
}
