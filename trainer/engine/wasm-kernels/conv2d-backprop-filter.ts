/**
 * Conv2DBackpropFilter for the wasm backend, which does not ship one.
 *
 * dW[a,b,ci,co] = Σ_{n,i,j} xpad[n, s·i + a, s·j + b, ci] · dy[n,i,j,co]
 *
 * That sum is itself a convolution once batch and channel axes trade places:
 * take x as an image batch of Ci single "images" with N channels
 * ([Ci, Hp, Wp, N]) and dy as a filter of size Ho×Wo mapping N → Co
 * ([Ho, Wo, N, Co]); a stride-1 'valid' conv with dilation = stride yields
 * [Ci, kh, kw, Co]. It runs on XNNPACK's forward conv (~13 GFLOP/s here)
 * instead of the 1.5 GFLOP/s of per-tap strided slices + matMuls.
 * 1×1 kernels are a single matMul.
 */
import * as tf from '@tensorflow/tfjs-core';
import { padOrCropSpatial, resolveConvGeometry, subsamplePixels, type ConvGeometry, type PadAttr } from './conv-geometry.js';

export interface Conv2DBackpropFilterArgs {
  x: tf.Tensor4D;
  dy: tf.Tensor4D;
  filterShape: [number, number, number, number];
  strides: number | [number, number];
  pad: PadAttr;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function conv2dFilterGradient(args: Conv2DBackpropFilterArgs): tf.Tensor4D {
  const g = resolveConvGeometry(args.x.shape, args.filterShape, args.strides, args.pad, args.dimRoundingMode, args.dataFormat);
  return tf.tidy(() =>
    g.filterHeight === 1 && g.filterWidth === 1 ? pointwiseFilterGradient(args.x, args.dy, g) : spatialFilterGradient(args.x, args.dy, g),
  );
}

/** The input rows/cols the conv actually reads: exactly (Ho−1)·s + k of them, starting at −pad. */
function receptiveInput(x: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const neededHeight = (g.outHeight - 1) * g.strideHeight + g.filterHeight;
  const neededWidth = (g.outWidth - 1) * g.strideWidth + g.filterWidth;
  return padOrCropSpatial(
    x,
    g.padTop,
    neededHeight - g.inHeight - g.padTop,
    g.padLeft,
    neededWidth - g.inWidth - g.padLeft,
  );
}

function pointwiseFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const taps = subsamplePixels(receptiveInput(x, g), g.strideHeight, g.strideWidth);
  const rows = g.batch * g.outHeight * g.outWidth;
  // Explicit transpose + plain matMul: wasm's transposeA path is ~5× slower (platform.md).
  const xt = tf.transpose(tf.reshape(taps, [rows, g.inChannels]));
  const dw = tf.matMul(xt, tf.reshape(dy, [rows, g.outChannels]));
  return tf.reshape(dw, [1, 1, g.inChannels, g.outChannels]);
}

function spatialFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const xAsChannelBatch = tf.transpose(receptiveInput(x, g), [3, 1, 2, 0]); // [Ci, Hp, Wp, N]
  const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
  const dw = tf.conv2d(xAsChannelBatch, dyAsFilter, 1, 'valid', 'NHWC', [g.strideHeight, g.strideWidth]); // [Ci, kh, kw, Co]
  return tf.transpose(dw, [1, 2, 0, 3]);
}
