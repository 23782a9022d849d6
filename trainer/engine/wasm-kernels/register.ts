/**
 * Makes the wasm backend training-grade by registering the conv gradient
 * kernels it lacks (Conv2DBackpropFilter) or runs slowly (Conv2DBackpropInput),
 * and by routing transposed matMuls (every matMul gradient) through XNNPACK's
 * fast plain path (BatchMatMul).
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

  registerFastTransposedMatMul();

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

/**
 * wasm's BatchMatMul runs transposeA/transposeB through a generic loop at
 * ~0.5 GFLOP/s, while the untransposed case reaches XNNPACK's GEMM (5-20
 * GFLOP/s). tfjs's matMul gradient always sets one of the flags, so on the FRA
 * heads (4096-wide) this was half of a training step. Transposing explicitly
 * (a fast XNNPACK copy) and calling the stock kernel untransposed is 10× faster.
 */
function registerFastTransposedMatMul(): void {
  const stock = tf.getKernel(tf.BatchMatMul, BACKEND);
  if (!stock) return;
  tf.unregisterKernel(tf.BatchMatMul, BACKEND);
  tf.registerKernel({
    kernelName: tf.BatchMatMul,
    backendName: BACKEND,
    ...(stock.setupFunc ? { setupFunc: stock.setupFunc } : {}),
    kernelFunc: (args) => {
      const { a, b } = args.inputs as unknown as { a: tf.Tensor; b: tf.Tensor };
      const attrs = args.attrs as unknown as tf.BatchMatMulAttrs;
      if (!attrs.transposeA && !attrs.transposeB) return stock.kernelFunc(args);
      const swapLastTwo = (t: tf.Tensor) => tf.transpose(t, [...t.shape.keys()].map((i) => (i < t.rank - 2 ? i : i === t.rank - 2 ? t.rank - 1 : t.rank - 2)));
      const at = attrs.transposeA ? swapLastTwo(a) : a;
      const bt = attrs.transposeB ? swapLastTwo(b) : b;
      try {
        return stock.kernelFunc({ ...args, inputs: { a: at, b: bt }, attrs: { ...attrs, transposeA: false, transposeB: false } as unknown as tf.NamedAttrMap });
      } finally {
        if (at !== a) at.dispose();
        if (bt !== b) bt.dispose();
      }
    },
  });
}
