/**
 * Horizontal flip (torchvision `RandomHorizontalFlip`, p 0.5 in fra-spec §3
 * and §7.1; PIL `FLIP_LEFT_RIGHT`). Exact: pixels are only moved.
 */
import type { RgbImage } from '../../image-source.js';

/** Mirror the image left–right, in place; returns the same image. */
export function flipHorizontalInPlace(image: RgbImage): RgbImage {
  const { width, height, data } = image;
  const stride = width * 3;
  for (let y = 0; y < height; y++) {
    let a = y * stride;
    let b = a + stride - 3;
    while (a < b) {
      const r = data[a] as number;
      const g = data[a + 1] as number;
      const bl = data[a + 2] as number;
      data[a] = data[b] as number;
      data[a + 1] = data[b + 1] as number;
      data[a + 2] = data[b + 2] as number;
      data[b] = r;
      data[b + 1] = g;
      data[b + 2] = bl;
      a += 3;
      b -= 3;
    }
  }
  return image;
}
