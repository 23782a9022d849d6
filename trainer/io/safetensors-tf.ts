/**
 * Conversion between decoded safetensors entries and tf tensors.
 *
 * tfjs has only float32, int32 and bool, so reading narrows: every float type becomes
 * float32, every integer type int32. int64 is narrowed only when each value fits —
 * PyTorch stores BN's `num_batches_tracked` as int64 (fra-spec §6.1), and a silent
 * wrap-around there would be a corrupt checkpoint, not a rounding.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SafetensorsError, type SafetensorsTensor, type SafetensorsTensorToWrite } from './safetensors.js';

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;

/** One decoded safetensors entry as a new tf tensor (caller disposes). */
export function safetensorToTensor(name: string, t: SafetensorsTensor): tf.Tensor {
  switch (t.dtype) {
    case 'F64':
    case 'F32':
    case 'F16':
    case 'BF16':
      return tf.tensor(Float32Array.from(t.data as Float32Array | Float64Array), t.shape, 'float32');
    case 'I64':
      return tf.tensor(narrowInt64(name, t.data as BigInt64Array), t.shape, 'int32');
    case 'I32':
    case 'I16':
    case 'I8':
    case 'U8':
      return tf.tensor(Int32Array.from(t.data as Int32Array | Int16Array | Int8Array | Uint8Array), t.shape, 'int32');
    case 'BOOL':
      return tf.tensor(t.data as Uint8Array, t.shape, 'bool');
  }
}

/** Every entry as a tf tensor, same order (caller disposes). */
export function safetensorsToTensors(tensors: ReadonlyMap<string, SafetensorsTensor>): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  try {
    for (const [name, t] of tensors) out.set(name, safetensorToTensor(name, t));
  } catch (error) {
    tf.dispose([...out.values()]);
    throw error;
  }
  return out;
}

/** tf tensors → entries `writeSafetensors` accepts (float32 → F32, int32 → I32). Reads values synchronously. */
export function tensorsToSafetensors(tensors: ReadonlyMap<string, tf.Tensor>): Map<string, SafetensorsTensorToWrite> {
  const out = new Map<string, SafetensorsTensorToWrite>();
  for (const [name, t] of tensors) {
    if (t.dtype === 'float32') out.set(name, { dtype: 'F32', shape: t.shape, data: Float32Array.from(t.dataSync() as Float32Array) });
    else if (t.dtype === 'int32') out.set(name, { dtype: 'I32', shape: t.shape, data: Int32Array.from(t.dataSync() as Int32Array) });
    else throw new SafetensorsError(`tensor "${name}": cannot export tf dtype ${t.dtype} (only float32 and int32)`);
  }
  return out;
}

function narrowInt64(name: string, values: BigInt64Array): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < INT32_MIN || v > INT32_MAX) {
      throw new SafetensorsError(`tensor "${name}": int64 value ${v} at index ${i} does not fit int32`);
    }
    out[i] = Number(v);
  }
  return out;
}
