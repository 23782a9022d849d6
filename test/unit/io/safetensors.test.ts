/**
 * The safetensors reader/writer against the format as specified: byte layout, alignment,
 * half-precision decoding, every dtype, and one test per validation error.
 * Pure byte handling, so no tfjs backend is needed (the tf bridge is checked at the end on cpu).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../helpers/engine.js';
import {
  readSafetensors,
  readSafetensorsFile,
  writeSafetensors,
  writeSafetensorsFile,
  type SafetensorsTensorToWrite,
} from '../../../trainer/io/safetensors.js';
import { safetensorsToTensors, tensorsToSafetensors } from '../../../trainer/io/safetensors-tf.js';

/** A file assembled by hand, so malformed headers can be expressed. */
function handMade(header: unknown, data: Uint8Array | number[], options: { headerLength?: bigint; rawHeader?: string } = {}): Uint8Array {
  const json = new TextEncoder().encode(options.rawHeader ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, options.headerLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function headerOf(file: Uint8Array): { length: number; text: string } {
  const length = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  return { length, text: new TextDecoder().decode(file.subarray(8, 8 + length)) };
}

/** Little-endian u16 words as bytes. */
function u16Bytes(words: number[]): Uint8Array {
  const bytes = new Uint8Array(words.length * 2);
  words.forEach((w, i) => new DataView(bytes.buffer).setUint16(i * 2, w, true));
  return bytes;
}

const SAMPLE = new Map<string, SafetensorsTensorToWrite>([
  ['conv.weight', { dtype: 'F32', shape: [2, 1, 1, 3], data: Float32Array.from([1.5, -2, 0.25, 3e-8, -0, 65504.5]) }],
  ['bn.num_batches_tracked', { dtype: 'I64', shape: [], data: BigInt64Array.from([9_007_199_254_740_993n]) }],
  ['labels', { dtype: 'I32', shape: [3], data: Int32Array.from([-1, 0, 2_147_483_647]) }],
  ['empty', { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) }],
  ['odd', { dtype: 'F32', shape: [1], data: Float32Array.from([7]) }],
]);

describe('writeSafetensors / readSafetensors round trip', () => {
  it('returns identical dtypes, shapes, values and header order', () => {
    const { tensors, metadata } = readSafetensors(writeSafetensors(SAMPLE));
    assert.deepEqual(metadata, {});
    assert.deepEqual([...tensors.keys()], [...SAMPLE.keys()]);
    for (const [name, written] of SAMPLE) {
      const read = tensors.get(name)!;
      assert.equal(read.dtype, written.dtype, name);
      assert.deepEqual(read.shape, written.shape, name);
      assert.deepEqual(read.data, written.data, name);
    }
  });

  it('round-trips metadata, including unicode and JSON-looking strings', () => {
    const metadata = { format: 'pt', spec: '{"block":"basic"}', note: 'visage — ok ✓' };
    assert.deepEqual(readSafetensors(writeSafetensors(SAMPLE, metadata)).metadata, metadata);
  });

  it('pads the header with spaces so the data starts 8-byte aligned, and aligns each tensor to its element size', () => {
    for (const metadata of [undefined, { a: '' }, { a: 'x' }, { a: 'xy' }, { a: 'xyz' }]) {
      const file = writeSafetensors(SAMPLE, metadata);
      const { length, text } = headerOf(file);
      assert.equal((8 + length) % 8, 0);
      assert.match(text, /^\{.*\} *$/);
      const header = JSON.parse(text) as Record<string, { dtype: string; data_offsets: [number, number] }>;
      for (const [name, entry] of Object.entries(header)) {
        if (name === '__metadata__') continue;
        const size = entry.dtype === 'I64' ? 8 : 4;
        assert.equal(entry.data_offsets[0] % size, 0, `${name} starts at ${entry.data_offsets[0]}`);
      }
    }
  });

  it('writes the exact documented byte layout', () => {
    const file = writeSafetensors(new Map([['x', { dtype: 'F32', shape: [2], data: Float32Array.from([1, -2]) }]]));
    const { length, text } = headerOf(file);
    assert.equal(text.trimEnd(), '{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}');
    assert.deepEqual([...file.subarray(8 + length)], [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]); // 1.0f, -2.0f little-endian
  });

  it('reads from a view into a larger buffer (as Node Buffers are)', () => {
    const file = writeSafetensors(SAMPLE);
    const padded = new Uint8Array(file.length + 13);
    padded.set(file, 5);
    const read = readSafetensors(padded.subarray(5, 5 + file.length));
    assert.deepEqual(read.tensors.get('labels')?.data, Int32Array.from([-1, 0, 2_147_483_647]));
  });

  it('refuses to write what it cannot describe', () => {
    assert.throws(
      () => writeSafetensors(new Map([['w', { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) }]])),
      /tensor "w": shape \[2, 2\] has 4 elements but the data has 3/,
    );
    assert.throws(
      () => writeSafetensors(new Map([['w', { dtype: 'I32', shape: [1], data: new Float32Array(1) } as unknown as SafetensorsTensorToWrite]])),
      /tensor "w": I32 data must be a Int32Array, got Float32Array/,
    );
    assert.throws(
      () => writeSafetensors(new Map([['w', { dtype: 'F16', shape: [1], data: new Float32Array(1) } as unknown as SafetensorsTensorToWrite]])),
      /tensor "w": cannot write dtype "F16"/,
    );
    assert.throws(() => writeSafetensors(new Map([['__metadata__', SAMPLE.get('odd')!]])), /reserved/);
  });
});

describe('readSafetensors decodes every supported dtype', () => {
  it('F16 → float32: normal, subnormal, signed zero, extremes, infinities and NaN', () => {
    const words = [0x3c00, 0xc000, 0x3555, 0x7bff, 0x0400, 0x0001, 0x03ff, 0x8000, 0x7c00, 0xfc00, 0x7e00];
    const expected = [1, -2, 0.333251953125, 65504, 2 ** -14, 2 ** -24, 1023 * 2 ** -24, -0, Infinity, -Infinity, NaN];
    const file = handMade({ h: { dtype: 'F16', shape: [words.length], data_offsets: [0, words.length * 2] } }, u16Bytes(words));
    const t = readSafetensors(file).tensors.get('h')!;
    assert.equal(t.dtype, 'F16');
    assert.ok(t.data instanceof Float32Array);
    assert.deepEqual([...t.data], expected); // deepEqual uses Object.is: −0 and NaN are checked exactly
  });

  it('BF16 → float32: the upper 16 bits of the single-precision pattern', () => {
    const words = [0x3f80, 0xc040, 0x4049, 0x0001, 0x8000, 0x7f80, 0xff80, 0x7fc0, 0x4780];
    const expected = [1, -3, 3.140625, 2 ** -133, -0, Infinity, -Infinity, NaN, 65536];
    const file = handMade({ b: { dtype: 'BF16', shape: [3, 3], data_offsets: [0, 18] } }, u16Bytes(words));
    const t = readSafetensors(file).tensors.get('b')!;
    assert.deepEqual(t.shape, [3, 3]);
    assert.deepEqual([...t.data], expected);
  });

  it('F64, I64, I16, I8, U8 and BOOL', () => {
    const bytes = new Uint8Array(8 + 16 + 4 + 2 + 2 + 3);
    const view = new DataView(bytes.buffer);
    view.setFloat64(0, Math.PI, true);
    view.setBigInt64(8, -5n, true);
    view.setBigInt64(16, 2n ** 62n, true);
    view.setInt16(24, -300, true);
    view.setInt16(26, 32767, true);
    view.setInt8(28, -128);
    view.setInt8(29, 127);
    bytes.set([0, 255], 30);
    bytes.set([0, 1, 7], 32); // a non-canonical true (7) still reads as 1
    const file = handMade(
      {
        f64: { dtype: 'F64', shape: [], data_offsets: [0, 8] },
        i64: { dtype: 'I64', shape: [2], data_offsets: [8, 24] },
        i16: { dtype: 'I16', shape: [2], data_offsets: [24, 28] },
        i8: { dtype: 'I8', shape: [2], data_offsets: [28, 30] },
        u8: { dtype: 'U8', shape: [2], data_offsets: [30, 32] },
        mask: { dtype: 'BOOL', shape: [3], data_offsets: [32, 35] },
      },
      bytes,
    );
    const t = readSafetensors(file).tensors;
    assert.deepEqual(t.get('f64')?.data, Float64Array.from([Math.PI]));
    assert.deepEqual(t.get('i64')?.data, BigInt64Array.from([-5n, 2n ** 62n]));
    assert.deepEqual(t.get('i16')?.data, Int16Array.from([-300, 32767]));
    assert.deepEqual(t.get('i8')?.data, Int8Array.from([-128, 127]));
    assert.deepEqual(t.get('u8')?.data, Uint8Array.from([0, 255]));
    assert.deepEqual(t.get('mask')?.data, Uint8Array.from([0, 1, 1]));
  });

  it('accepts tensors stored in a different order than the header lists them', () => {
    const data = new Uint8Array(new Float32Array([1, 2, 3]).buffer);
    const file = handMade({ late: { dtype: 'F32', shape: [1], data_offsets: [8, 12] }, early: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, data);
    const t = readSafetensors(file).tensors;
    assert.deepEqual([...t.keys()], ['late', 'early']);
    assert.deepEqual(t.get('late')?.data, Float32Array.from([3]));
    assert.deepEqual(t.get('early')?.data, Float32Array.from([1, 2]));
  });
});

describe('readSafetensors rejects malformed files, naming the tensor and the problem', () => {
  const f32 = (n: number): Uint8Array => new Uint8Array(n * 4);

  it('file shorter than the length field', () => {
    assert.throws(() => readSafetensors(new Uint8Array(5)), /file is truncated: 5 bytes/);
  });

  it('header length beyond the end of the file', () => {
    const file = handMade({}, [], { headerLength: 1000n });
    assert.throws(() => readSafetensors(file), /header length 1000 exceeds the file: only 2 bytes follow/);
    assert.throws(() => readSafetensors(handMade({}, [], { headerLength: 2n ** 64n - 1n })), /header length 18446744073709551615 exceeds the file/);
  });

  it('data section truncated', () => {
    const file = writeSafetensors(SAMPLE);
    assert.throws(() => readSafetensors(file.subarray(0, file.length - 3)), /file is truncated: tensor "\w+" needs data bytes/);
  });

  it('overlapping data_offsets', () => {
    const file = handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, f32(3));
    assert.throws(() => readSafetensors(file), /tensor "b": data_offsets \[4, 12\] overlap tensor "a" \[0, 8\]/);
  });

  it('a gap between tensors, and bytes after the last one', () => {
    const gap = handMade({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, f32(3));
    assert.throws(() => readSafetensors(gap), /tensor "b": data_offsets \[8, 12\] leave a 4-byte gap after tensor "a"/);
    const trailing = handMade({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(2));
    assert.throws(() => readSafetensors(trailing), /4 trailing bytes after the last tensor/);
  });

  it('unknown or malformed dtype', () => {
    const file = handMade({ w: { dtype: 'Q4_K', shape: [1], data_offsets: [0, 4] } }, f32(1));
    assert.throws(() => readSafetensors(file), /tensor "w": unsupported dtype "Q4_K"/);
    const missing = handMade({ w: { shape: [1], data_offsets: [0, 4] } }, f32(1));
    assert.throws(() => readSafetensors(missing), /tensor "w": unsupported dtype undefined/);
  });

  it('byte length that disagrees with shape × dtype size', () => {
    const file = handMade({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(2));
    assert.throws(() => readSafetensors(file), /tensor "w": data_offsets \[0, 8\] cover 8 bytes but shape \[3\] of F32 needs 12/);
  });

  it('malformed shape, offsets or entry', () => {
    const bad = (entry: unknown): Uint8Array => handMade({ w: entry }, f32(1));
    assert.throws(() => readSafetensors(bad({ dtype: 'F32', shape: [-1], data_offsets: [0, 4] })), /tensor "w": shape must be a list of non-negative integers/);
    assert.throws(() => readSafetensors(bad({ dtype: 'F32', shape: [1.5], data_offsets: [0, 4] })), /tensor "w": shape/);
    assert.throws(() => readSafetensors(bad({ dtype: 'F32', shape: [1], data_offsets: [0] })), /tensor "w": data_offsets must be \[begin, end\]/);
    assert.throws(() => readSafetensors(bad({ dtype: 'F32', shape: [1], data_offsets: [4, 0] })), /tensor "w": data_offsets \[4, 0\] end before they begin/);
    assert.throws(() => readSafetensors(bad([1, 2])), /tensor "w": header entry must be an object/);
  });

  it('header that is not a JSON object of entries, or bad metadata', () => {
    assert.throws(() => readSafetensors(handMade(null, [], { rawHeader: '{"a": ' })), /header is not valid JSON/);
    assert.throws(() => readSafetensors(handMade([], [])), /header must be a JSON object/);
    assert.throws(() => readSafetensors(handMade({ __metadata__: { epoch: 3 } }, [])), /"__metadata__.epoch" must be a string, got 3/);
    const invalidUtf8 = handMade(null, [], { rawHeader: '{}' });
    invalidUtf8[9] = 0xff;
    assert.throws(() => readSafetensors(invalidUtf8), /header is not valid UTF-8/);
  });
});

describe('readSafetensorsFile / writeSafetensorsFile', () => {
  it('round-trips through the file system and prefixes errors with the path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fra-safetensors-'));
    try {
      const path = join(dir, 'state.safetensors');
      await writeSafetensorsFile(path, SAMPLE, { epoch: '4' });
      const read = await readSafetensorsFile(path);
      assert.deepEqual(read.metadata, { epoch: '4' });
      assert.deepEqual(read.tensors.get('conv.weight')?.data, SAMPLE.get('conv.weight')?.data);

      const broken = join(dir, 'broken.safetensors');
      await writeFile(broken, new Uint8Array(3));
      await assert.rejects(readSafetensorsFile(broken), (error: Error) => error.message.startsWith(`${broken}: file is truncated`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('safetensors ↔ tf tensors', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('narrows every dtype to float32/int32/bool, and int64 only when it fits', () => {
    const file = handMade(
      {
        half: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
        count: { dtype: 'I64', shape: [], data_offsets: [8, 16] },
        pad: { dtype: 'U8', shape: [4], data_offsets: [4, 8] },
      },
      [...u16Bytes([0x3c00, 0xb800]), 1, 2, 3, 250, 7, 0, 0, 0, 0, 0, 0, 0],
    );
    const tensors = safetensorsToTensors(readSafetensors(file).tensors);
    try {
      assert.equal(tensors.get('half')?.dtype, 'float32');
      assert.deepEqual(tensors.get('half')?.arraySync(), [1, -0.5]);
      assert.equal(tensors.get('count')?.dtype, 'int32');
      assert.equal(tensors.get('count')?.arraySync(), 7);
      assert.deepEqual(tensors.get('pad')?.arraySync(), [1, 2, 3, 250]);
    } finally {
      tf.dispose([...tensors.values()]);
    }

    const huge = writeSafetensors(new Map([['step', { dtype: 'I64', shape: [1], data: BigInt64Array.from([2n ** 40n]) }]]));
    assert.throws(() => safetensorsToTensors(readSafetensors(huge).tensors), /tensor "step": int64 value 1099511627776 at index 0 does not fit int32/);
  });

  it('exports float32 and int32 tensors and reads them back unchanged', () => {
    const source = new Map<string, tf.Tensor>([
      ['w', tf.tensor2d([[1, 2, 3], [4, 5, 6]])],
      ['n', tf.scalar(3, 'int32')],
    ]);
    const back = safetensorsToTensors(readSafetensors(writeSafetensors(tensorsToSafetensors(source))).tensors);
    try {
      assert.deepEqual(back.get('w')?.arraySync(), [[1, 2, 3], [4, 5, 6]]);
      assert.equal(back.get('n')?.dtype, 'int32');
      assert.equal(back.get('n')?.arraySync(), 3);
      assert.throws(() => tensorsToSafetensors(new Map([['b', tf.tensor([true])]])), /tensor "b": cannot export tf dtype bool/);
    } finally {
      tf.dispose([...source.values(), ...back.values()]);
    }
  });
});
