/**
 * Maps the face's own coordinate frame to pixels.
 *
 * Face units: origin at the centre of the head outline, x to the image right,
 * y down, the head's half-width = 1. Features are authored in these units and
 * mapped point by point, so every shape bends with the pose exactly.
 *
 * Yaw is modelled on a head-like cylinder: a point on the face surface at
 * (x, y) has depth z = DEPTH·√(1 − x²) (+ its own protrusion, e.g. the nose
 * tip), and is rotated about the vertical axis and projected orthographically.
 * Features therefore slide towards the turn and the far side compresses,
 * while the head silhouette (outline, hair, neck) is mapped flat and does not
 * move — the cheap, convincing "small yaw" of a 2-D drawing.
 */
import type { Points } from './paths.js';

export interface PoseParams {
  /** In-plane rotation, radians (positive = clockwise on screen). */
  roll: number;
  /** Head turn, radians (positive = features move to the image right). */
  yaw: number;
  /** Pixels per face unit. */
  scale: number;
  /** Pixel position of the head outline's centre. */
  centerX: number;
  centerY: number;
}

/** How far the face surface bulges towards the camera, in face units. */
const DEPTH = 0.7;

export class FacePose {
  private readonly cosRoll: number;
  private readonly sinRoll: number;
  private readonly cosYaw: number;
  private readonly sinYaw: number;

  constructor(readonly params: PoseParams) {
    this.cosRoll = Math.cos(params.roll);
    this.sinRoll = Math.sin(params.roll);
    this.cosYaw = Math.cos(params.yaw);
    this.sinYaw = Math.sin(params.yaw);
  }

  /** Pixels per face unit. */
  get scale(): number {
    return this.params.scale;
  }

  /** Silhouette points (outline, hair mass, neck, clothes): rolled, scaled, not yawed. */
  flat(points: Points): Points {
    const out: Points = [];
    for (let i = 0; i < points.length; i += 2) this.toPixel(points[i]!, points[i + 1]!, out);
    return out;
  }

  /**
   * Points on the face surface, protruding `protrusion` face units (nose tip > 0,
   * ears < 0) — one value for all points or a function of the point.
   */
  surface(points: Points, protrusion: number | ((x: number, y: number) => number) = 0): Points {
    const out: Points = [];
    for (let i = 0; i < points.length; i += 2) {
      const x = points[i]!;
      const lift = typeof protrusion === 'number' ? protrusion : protrusion(x, points[i + 1]!);
      const z = DEPTH * Math.sqrt(Math.max(0, 1 - x * x)) + lift;
      this.toPixel(x * this.cosYaw + (z - DEPTH) * this.sinYaw + DEPTH * this.sinYaw * 0.6, points[i + 1]!, out);
    }
    return out;
  }

  /** Polygon segment count that keeps a curve of this radius (face units) smooth at this scale. */
  segments(radius: number): number {
    return Math.max(10, Math.min(96, Math.ceil(radius * this.params.scale * 1.2)));
  }

  /** Appends the pixel position of (x, y) — packed arrays built by push stay fast in V8. */
  private toPixel(x: number, y: number, out: Points): void {
    const { scale, centerX, centerY } = this.params;
    out.push(centerX + scale * (x * this.cosRoll - y * this.sinRoll), centerY + scale * (x * this.sinRoll + y * this.cosRoll));
  }
}
