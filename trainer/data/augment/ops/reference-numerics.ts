/**
 * Number semantics of the reference implementation (Python, PIL's C code,
 * PyTorch float32) that differ from plain JavaScript doubles. The augmentation
 * ops use these to produce the same 8-bit values as torchvision + PIL.
 */

/** Round to the nearest C `float` (IEEE binary32). */
export const f32 = Math.fround;

/**
 * Python 3's `round(x)` for the integer case: ties go to the even neighbour
 * (`round(2.5) == 2`), unlike `Math.round`. torchvision uses it for crop and
 * erasing box sizes (`int(round(math.sqrt(...)))`).
 */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** C's `round()` (half away from zero), used by PIL's HSV→RGB conversion. */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * Python's `round(x, 15)` as PIL's `Image.rotate` applies it to cos/sin.
 * `toFixed` rounds the exact binary value half-up where Python rounds it
 * half-to-even; the two differ only on exact decimal ties, which cos/sin of a
 * non-special angle never produce.
 */
export function roundTo15Digits(x: number): number {
  return Number(x.toFixed(15));
}

/** Clamp an integer to the 8-bit range. */
export function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}
