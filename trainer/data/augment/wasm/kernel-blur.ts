/**
 * PIL's GaussianBlur(radius = σ) on a square 8-bit view in kernel memory:
 * three extended-box passes along the rows, then three along the columns
 * (../ops/gaussian-blur.ts), each pass one call of the `box3`/`box5` SIMD
 * kernel over a buffer laid out with replicated edges — each row framed by
 * l+1 copies of its end pixels, then the image framed by l+1 copies of its
 * first and last rows — which is PIL's clamp-to-edge border.
 */
import { extendedBox, gaussianBlurInPlace, pilBoxRadius } from '../ops/gaussian-blur.js';
import type { AugmentKernels } from './kernel-module.js';

export function blurInKernelMemory(k: AugmentKernels, ptr: number, size: number, sigma: number): void {
  const boxRadius = pilBoxRadius(sigma);
  if (boxRadius === 0) return;
  const box = extendedBox(boxRadius);
  if (box.radius > 1) {
    // Beyond FRA's σ ≤ 2 (l ≤ 1): the reference blur, in place on kernel memory.
    gaussianBlurInPlace({ width: size, height: size, data: k.bytes.subarray(ptr, ptr + size * size * 3) }, sigma);
    return;
  }
  const pass = box.radius === 0 ? k.exports.box3 : k.exports.box5;
  const run = (src: number, dst: number, count: number, step: number): void => pass(src, dst, count, step, box.innerWeight, box.edgeWeight);
  const pad = box.radius + 1;
  const stride = size * 3;

  // Rows: each padded with `pad` replicated edge pixels on both sides.
  const paddedStride = (size + 2 * pad) * 3;
  const rowsA = k.allocate(size * paddedStride);
  const rowsB = k.allocate(size * paddedStride);
  const first = pad * 3;
  const rowSpan = size * paddedStride - 2 * first;
  k.exports.padRows(ptr, rowsA, size, size, pad);
  k.exports.replicateRowEdges(rowsA, size, size, pad);
  run(rowsA + first, rowsB + first, rowSpan, 3);
  k.exports.replicateRowEdges(rowsB, size, size, pad);
  run(rowsB + first, rowsA + first, rowSpan, 3);
  k.exports.replicateRowEdges(rowsA, size, size, pad);
  run(rowsA + first, rowsB + first, rowSpan, 3);

  // Columns: the image framed by `pad` replicated rows above and below.
  const framed = (size + 2 * pad) * stride;
  const colsA = k.allocate(framed);
  const colsB = k.allocate(framed);
  const body = pad * stride;
  k.exports.unpadRows(rowsB, colsA + body, size, size, pad);
  replicateEdgeRows(k, colsA, size, stride, pad);
  run(colsA + body, colsB + body, size * stride, stride);
  replicateEdgeRows(k, colsB, size, stride, pad);
  run(colsB + body, colsA + body, size * stride, stride);
  replicateEdgeRows(k, colsA, size, stride, pad);
  run(colsA + body, colsB + body, size * stride, stride);
  k.bytes.copyWithin(ptr, colsB + body, colsB + body + size * stride);
}

function replicateEdgeRows(k: AugmentKernels, buf: number, rows: number, stride: number, pad: number): void {
  const bytes = k.bytes;
  const firstRow = buf + pad * stride;
  const lastRow = buf + (pad + rows - 1) * stride;
  for (let i = 1; i <= pad; i++) {
    bytes.copyWithin(firstRow - i * stride, firstRow, firstRow + stride);
    bytes.copyWithin(lastRow + i * stride, lastRow, lastRow + stride);
  }
}
