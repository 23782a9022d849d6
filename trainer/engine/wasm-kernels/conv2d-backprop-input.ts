/**
 * Conv2DBackpropInput for the wasm backend, replacing wasm's own kernel
 * (~1.6 GFLOP/s) with forward convolutions (~15-20 GFLOP/s on XNNPACK).
 *
 * dx[y] = Σ_a dy_ext[(y + padTop − a)/s] · W[a]   (terms with a non-integer index vanish)
 *
 * i.e. a stride-1 correlation of the zero-inserted dy with the spatially
 * flipped filter whose in/out channels are swapped. 1×1 kernels reduce to a
 * matMul (followed by a zero-insertion when strided).
 */
import * as tf from '@tensorflow/tfjs-core';
import { interleavePhases, padOrCropSpatial, resolveConvGeometry, type ConvGeometry, type PadAttr } from './conv-geometry.js';

export interface Conv2DBackpropInputArgs {
  dy: tf.Tensor4D;
  filter: tf.Tensor4D;
  inputShape: [number, number, number, number];
  strides: number | [number, number];
  pad: PadAttr;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function conv2dInputGradient(args: Conv2DBackpropInputArgs): tf.Tensor4D {
  const g = resolveConvGeometry(args.inputShape, args.filter.shape, args.strides, args.pad, args.dimRoundingMode, args.dataFormat);
  return tf.tidy(() =>
    g.filterHeight === 1 && g.filterWidth === 1
      ? pointwiseInputGradient(args.dy, args.filter, g)
      : spatialInputGradient(args.dy, args.filter, g),
  );
}

function pointwiseInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const rows = g.batch * g.outHeight * g.outWidth;
  const filterT = tf.transpose(tf.reshape(filter, [g.inChannels, g.outChannels])); // [Co, Ci]
  const dxAtTaps = tf.reshape(tf.matMul(tf.reshape(dy, [rows, g.outChannels]), filterT), [
    g.batch,
    g.outHeight,
    g.outWidth,
    g.inChannels,
  ]) as tf.Tensor4D;
  // Scatter back to the strided input positions s·i − pad, zeros elsewhere.
  const zeros = tf.zerosLike(dxAtTaps);
  const phases = Array.from({ length: g.strideHeight * g.strideWidth }, (_, i) => (i === 0 ? dxAtTaps : zeros));
  const spread = interleavePhases(phases, g.strideHeight, g.strideWidth);
  const [, spreadHeight, spreadWidth] = spread.shape;
  return padOrCropSpatial(
    spread,
    -g.padTop,
    g.inHeight + g.padTop - spreadHeight,
    -g.padLeft,
    g.inWidth + g.padLeft - spreadWidth,
  );
}

function spatialInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  if (g.strideHeight === 1 && g.strideWidth === 1) return stride1InputGradient(dy, filter, g);
  return phaseDecomposedInputGradient(dy, filter, g);
}

/** Full correlation of dy with the flipped, channel-swapped filter. */
function stride1InputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const flipped = flippedTapsWithSwappedChannels(filter, reversedRange(0, g.filterHeight, 1), reversedRange(0, g.filterWidth, 1));
  const top = g.filterHeight - 1 - g.padTop;
  const left = g.filterWidth - 1 - g.padLeft;
  const bottom = g.inHeight - g.outHeight - top + g.filterHeight - 1;
  const right = g.inWidth - g.outWidth - left + g.filterWidth - 1;
  return correlateValid(dy, flipped, top, bottom, left, right);
}

/**
 * Strided layers: instead of correlating a zero-inserted dy (s² wasted
 * multiply-adds), split the padded input grid into s×s phases. Phase (ry, rx)
 * — padded rows ≡ ry (mod s) — only meets taps a ≡ ry (mod s), so it is a
 * stride-1 correlation of dy with the sub-filter W[ry::s, rx::s]. The phases
 * are interleaved back (concat + 4-D transpose), then the padding is cropped off.
 */
function phaseDecomposedInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const sh = g.strideHeight;
  const sw = g.strideWidth;
  const phaseRows = Math.ceil((g.padTop + g.inHeight) / sh);
  const phaseCols = Math.ceil((g.padLeft + g.inWidth) / sw);
  const phases: tf.Tensor4D[] = [];
  for (let ry = 0; ry < sh; ry++) {
    for (let rx = 0; rx < sw; rx++) {
      phases.push(phaseGradient(dy, filter, g, ry, rx, phaseRows, phaseCols));
    }
  }
  const interleaved = interleavePhases(phases, sh, sw);
  return tf.slice(interleaved, [0, g.padTop, g.padLeft, 0], [g.batch, g.inHeight, g.inWidth, g.inChannels]);
}

function phaseGradient(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  g: ConvGeometry,
  ry: number,
  rx: number,
  phaseRows: number,
  phaseCols: number,
): tf.Tensor4D {
  const tapsY = Math.max(0, Math.ceil((g.filterHeight - ry) / g.strideHeight));
  const tapsX = Math.max(0, Math.ceil((g.filterWidth - rx) / g.strideWidth));
  if (tapsY === 0 || tapsX === 0) return tf.zeros([g.batch, phaseRows, phaseCols, g.inChannels]);
  const flipped = flippedTapsWithSwappedChannels(
    filter,
    reversedRange(ry, g.filterHeight, g.strideHeight),
    reversedRange(rx, g.filterWidth, g.strideWidth),
  );
  // dxPhase[q] = Σ_m dy[q − m] · W[r + s·m]: pad tapsY−1 rows above, fill/crop to phaseRows below.
  return correlateValid(dy, flipped, tapsY - 1, phaseRows - g.outHeight, tapsX - 1, phaseCols - g.outWidth);
}

/** 'valid' correlation after padding (positive) or cropping (negative) dy's borders. */
function correlateValid(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
): tf.Tensor4D {
  if (top >= 0 && bottom >= 0 && left >= 0 && right >= 0) {
    // Let XNNPACK pad implicitly: no padded copy of dy.
    return tf.conv2d(dy, filter, 1, [[0, 0], [top, bottom], [left, right], [0, 0]]);
  }
  return tf.conv2d(padOrCropSpatial(dy, top, bottom, left, right), filter, 1, 'valid');
}

/** [start, start+step, …] below end, in reverse order. */
function reversedRange(start: number, end: number, step: number): number[] {
  const out: number[] = [];
  for (let i = start; i < end; i += step) out.push(i);
  return out.reverse();
}

/**
 * out[i, j] = filter[rows[i], cols[j]]ᵀ (channels swapped to [Co, Ci]).
 * Tap selection is a matMul with a one-hot [taps, kh·kw] matrix (exact, and
 * on XNNPACK's fastest path: wasm's Reverse, StridedSlice and Gather kernels
 * are 10-50× slower), then one batched 2-D transpose swaps the channels.
 */
function flippedTapsWithSwappedChannels(filter: tf.Tensor4D, rows: number[], cols: number[]): tf.Tensor4D {
  const [kh, kw, ci, co] = filter.shape;
  const picked = rows.flatMap((r) => cols.map((c) => r * kw + c));
  const selection = new Float32Array(picked.length * kh * kw);
  picked.forEach((tap, i) => (selection[i * kh * kw + tap] = 1));
  const taps = tf.matMul(tf.tensor2d(selection, [picked.length, kh * kw]), tf.reshape(filter, [kh * kw, ci * co]));
  return tf.reshape(tf.transpose(tf.reshape(taps, [picked.length, ci, co]), [0, 2, 1]), [rows.length, cols.length, co, ci]);
}
