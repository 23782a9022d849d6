/**
 * Makes the wasm backend training-grade by registering the conv gradient
 * kernels it lacks (Conv2DBackpropFilter) or runs slowly (Conv2DBackpropInput).
 * Kernels, not custom gradients: tf.layers, tf.conv2d and fused convs all
 * reach them through the engine's gradient registry.
 *
 * Our kernels are composed of tfjs ops; the engine runs ops invoked inside a
 * kernel with kernelDepth > 0, so they are never taped, and a kernel may
 * return a Tensor as its output.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dFilterGradient } from './conv2d-backprop-filter.js';
import { conv2dInputGradient } from './conv2d-backprop-input.js';

const BACKEND = 'wasm';
let registered = false;
let stockInputGradient: tf.KernelConfig | undefined;
let stockSetUp = false;

/**
 * wasm's own Conv2DBackpropInput, kept so benchmarks can show what ours
 * replaced. Call only while the wasm backend is active (its setup binds the
 * wasm export on first use, since it was never registered with the backend).
 */
export function stockWasmInputGradientKernel(): tf.KernelFunc | undefined {
  if (!stockInputGradient) return undefined;
  if (!stockSetUp && stockInputGradient.setupFunc) {
    stockInputGradient.setupFunc(tf.backend());
    stockSetUp = true;
  }
  return stockInputGradient.kernelFunc;
}

export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;

  tf.registerKernel({
    kernelName: tf.Conv2DBackpropFilter,
    backendName: BACKEND,
    kernelFunc: ({ inputs, attrs }) => {
      const { x, dy } = inputs as unknown as { x: tf.Tensor4D; dy: tf.Tensor4D };
      const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      return conv2dFilterGradient({
        x,
        dy,
        filterShape: a.filterShape,
        strides: a.strides,
        pad: a.pad,
        dataFormat: a.dataFormat,
        dimRoundingMode: a.dimRoundingMode,
      });
    },
  });

  const stock = tf.getKernel(tf.Conv2DBackpropInput, BACKEND);
  if (stock) {
    stockInputGradient = stock;
    tf.unregisterKernel(tf.Conv2DBackpropInput, BACKEND);
  }
  tf.registerKernel({
    kernelName: tf.Conv2DBackpropInput,
    backendName: BACKEND,
    kernelFunc: ({ inputs, attrs }) => {
      const { dy, filter } = inputs as unknown as { dy: tf.Tensor4D; filter: tf.Tensor4D };
      const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
      return conv2dInputGradient({
        dy,
        filter,
        inputShape: a.inputShape,
        strides: a.strides,
        pad: a.pad,
        dataFormat: a.dataFormat,
        dimRoundingMode: a.dimRoundingMode,
      });
    },
  });
}
