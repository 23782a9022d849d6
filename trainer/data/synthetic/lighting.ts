/**
 * The camera: applied to the finished float picture as it is quantised to
 * 8-bit — a directional shading gradient across the frame, brightness and
 * contrast, a colour cast (white-balance error) and sensor noise. It changes
 * colours only, never the mask.
 */
import type { FaceParams } from './face-params.js';
import type { Canvas } from './raster.js';
import { Rng } from './rng.js';

/**
 * Sensor grain comes from a fixed table of unit-variance samples read at a
 * per-image random offset and odd stride: as random-looking as fresh draws for
 * this purpose, at a fraction of the cost per pixel.
 */
const GRAIN_TABLE_SIZE = 1 << 16;
let grainTable: Float32Array | null = null;

function grain(): Float32Array {
  if (grainTable === null) {
    const rng = new Rng(0x5eed);
    grainTable = new Float32Array(GRAIN_TABLE_SIZE);
    for (let i = 0; i < GRAIN_TABLE_SIZE; i++) grainTable[i] = rng.normal(0, 1);
  }
  return grainTable;
}

export function exposeImage(canvas: Canvas, lighting: FaceParams['lighting'], noiseRng: Rng): Uint8Array {
  const { width, height, rgb } = canvas;
  // A clamped view does the [0, 255] clamp and rounding on store; the same bytes are returned as a Uint8Array.
  const out = new Uint8ClampedArray(width * height * 3);
  const { dirX, dirY, strength, brightness, contrast, noise } = lighting;
  const [castR, castG, castB] = lighting.cast;
  const gx = (dirX * strength) / width;
  const gy = (dirY * strength) / height;
  // v' = ((v·shade − ½)·contrast + ½ + brightness)·cast + grain, folded into v·shade·k + offset.
  const offset = 0.5 - 0.5 * contrast + brightness;
  const table = grain();
  const mask = GRAIN_TABLE_SIZE - 1;
  let cursor = noiseRng.int(0, mask);
  const stride = noiseRng.int(0, 4095) * 2 + 1;
  for (let y = 0; y < height; y++) {
    const rowShade = 1 + (0.5 - width / 2) * gx + (y + 0.5 - height / 2) * gy;
    for (let x = 0; x < width; x++) {
      const k = (rowShade + x * gx) * contrast;
      const grain = table[cursor]! * noise;
      cursor = (cursor + stride) & mask;
      const p = (y * width + x) * 3;
      out[p] = ((rgb[p]! * k + offset) * castR + grain) * 255;
      out[p + 1] = ((rgb[p + 1]! * k + offset) * castG + grain) * 255;
      out[p + 2] = ((rgb[p + 2]! * k + offset) * castB + grain) * 255;
    }
  }
  return new Uint8Array(out.buffer);
}
