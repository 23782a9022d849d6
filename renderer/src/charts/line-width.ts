// How wide a smoothed line is drawn. Normally 2 px, so it stands out from its faint 1-px raw
// line. But a smoothed line can still zigzag at pixel scale (noise a low smoothing weight leaves,
// over a window of many thousands of steps): then it is drawn as a band between each pixel
// column's minimum and maximum, which looks the same at 1 px — and a 2-px stroke of such a
// zigzag costs the canvas rasteriser 5–50× a 1-px one (every turn becomes a stroke join; measured
// in Chromium's software canvas, which Electron falls back to without a usable GPU). That cost
// alone made panning a million-point chart drop to a few frames a second.

/** Width of a smoothed line that reads as a line. */
export const SMOOTHED_LINE_WIDTH = 2;
/** Width of a smoothed line that is a band of pixel-scale zigzags. */
export const BAND_LINE_WIDTH = 1;
/** More changes of direction than this per pixel column make a line a band. */
export const BAND_TURNS_PER_PIXEL = 0.5;

/** How often the drawn line changes between going up and going down (gaps restart the count). */
export function directionChanges(y: ArrayLike<number>, length: number): number {
  let turns = 0;
  let direction = 0;
  for (let i = 1; i < length; i += 1) {
    const step = y[i]! - y[i - 1]!;
    if (step - step !== 0) {
      // A gap (NaN) on either side: the next segment starts a new line.
      direction = 0;
      continue;
    }
    if (step === 0) continue;
    const now = step > 0 ? 1 : -1;
    if (direction !== 0 && now !== direction) turns += 1;
    direction = now;
  }
  return turns;
}

/** The width to draw a smoothed line of `length` drawn points at, over `pixelWidth` device pixels. */
export function smoothedLineWidth(y: ArrayLike<number>, length: number, pixelWidth: number): number {
  return directionChanges(y, length) > BAND_TURNS_PER_PIXEL * Math.max(1, pixelWidth) ? BAND_LINE_WIDTH : SMOOTHED_LINE_WIDTH;
}
