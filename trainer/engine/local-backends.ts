/**
 * The two backends that ship inside the npm tree and therefore always work:
 * `wasm` (XNNPACK + SIMD, one thread in Node) made training-grade by our own
 * gradient kernels, and the pure-JS `cpu` backend (slow; reference numerics).
 *
 * Native backends (tfjs-node, tfjs-node-gpu) are resolved in `backends.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ensureGradientsRegistered } from './gradients.js';
import { registerWasmTrainingKernels } from './wasm-kernels/register.js';

export async function activateCpuBackend(): Promise<void> {
  ensureGradientsRegistered();
  await import('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend('cpu'))) throw new Error('tfjs cpu backend failed to initialise');
  await tf.ready();
  // The banner fires on the backend's first tensor write; make that write here, muted.
  await withoutTfjsNodeBanner(async () => tf.dispose(tf.scalar(0)));
}

export async function activateWasmBackend(): Promise<void> {
  ensureGradientsRegistered();
  await import('@tensorflow/tfjs-backend-wasm');
  registerWasmTrainingKernels();
  if (!(await tf.setBackend('wasm'))) {
    throw new Error('tfjs wasm backend failed to initialise (its .wasm files could not be loaded)');
  }
  await tf.ready();
}

/**
 * tfjs-backend-cpu prints an "install tfjs-node" banner the first time it
 * stores a tensor in Node. Backend choice is reported properly by the engine report, so the
 * banner would only mislead users on machines where tfjs-node cannot work.
 */
async function withoutTfjsNodeBanner<T>(fn: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('looks like you are running TensorFlow.js in Node.js')) return;
    warn(...args);
  };
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}
