/**
 * The safetensors container format (https://github.com/huggingface/safetensors):
 *
 *   [u64 little-endian N] [N bytes of UTF-8 JSON header] [data section]
 *
 * The header maps each tensor name to `{ dtype, shape, data_offsets: [begin, end] }`
 * (offsets relative to the data section) plus an optional `__metadata__` string map.
 * Tensor data is little-endian, row-major, and the tensors tile the data section
 * exactly: no gaps, no overlaps, nothing after the last one.
 *
 * Why by hand: it is the one PyTorch-ecosystem weight format that can be read without
 * executing pickles (fra-spec §6.4 interop), and it is simple enough that a strict
 * reader here is safer than a dependency. The byte-level functions use no tfjs and no
 * Node APIs (only the `*File` helpers touch the file system); `safetensors-tf.ts`
 * bridges to tf tensors.
 */
import { readFile, writeFile } from 'node:fs/promises';

/** Element types this reader understands (the safetensors names). */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Element types this writer produces: everything tfjs state holds, plus I64 for torch's int64 buffers. */
export type SafetensorsWritableDtype = 'F32' | 'I32' | 'I64';

/**
 * Decoded element data. F16 and BF16 are widened to Float32Array (tfjs has no half type);
 * BOOL comes back as Uint8Array of 0/1.
 */
export type SafetensorsData = Float64Array | Float32Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export interface SafetensorsTensor {
  /** The dtype stored in the file (F16/BF16 keep their name although `data` is Float32Array). */
  dtype: SafetensorsDtype;
  shape: number[];
  data: SafetensorsData;
}

export interface SafetensorsContents {
  /** Tensors in header order. */
  tensors: Map<string, SafetensorsTensor>;
  /** The `__metadata__` map, `{}` when absent. */
  metadata: Record<string, string>;
}

export interface SafetensorsTensorToWrite {
  dtype: SafetensorsWritableDtype;
  shape: readonly number[];
  data: Float32Array | Int32Array | BigInt64Array;
}

const BYTES_PER_ELEMENT: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

const WRITABLE_DATA: Record<SafetensorsWritableDtype, { name: string; type: new (length: number) => SafetensorsTensorToWrite['data'] }> = {
  F32: { name: 'Float32Array', type: Float32Array },
  I32: { name: 'Int32Array', type: Int32Array },
  I64: { name: 'BigInt64Array', type: BigInt64Array },
};

/** The reference implementation refuses headers above 100 MB; a larger one is corrupt, not big. */
const MAX_HEADER_BYTES = 100_000_000;
const HEADER_LENGTH_BYTES = 8;
const METADATA_KEY = '__metadata__';

/** Typed arrays are host-endian; safetensors is little-endian. Every current JS host is LE, but be correct anyway. */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
}

// ---------------------------------------------------------------------------------------------
// Reading

export function readSafetensors(bytes: Uint8Array): SafetensorsContents {
  if (bytes.byteLength < HEADER_LENGTH_BYTES) {
    throw new SafetensorsError(`file is truncated: ${bytes.byteLength} bytes, too short for the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  const available = bytes.byteLength - HEADER_LENGTH_BYTES;
  if (headerLength > BigInt(available)) {
    throw new SafetensorsError(`header length ${headerLength} exceeds the file: only ${available} bytes follow the length field (file is truncated or not safetensors)`);
  }
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(`header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const headerEnd = HEADER_LENGTH_BYTES + Number(headerLength);
  const header = parseHeader(bytes.subarray(HEADER_LENGTH_BYTES, headerEnd));
  const data = bytes.subarray(headerEnd);

  const metadata = parseMetadata(header[METADATA_KEY]);
  const entries = Object.entries(header)
    .filter(([name]) => name !== METADATA_KEY)
    .map(([name, raw]) => parseEntry(name, raw));
  checkTiling(entries, data.byteLength);

  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: decode(e.dtype, data.subarray(e.begin, e.end)) });
  }
  return { tensors, metadata };
}

export async function readSafetensorsFile(path: string): Promise<SafetensorsContents> {
  const bytes = await readFile(path);
  try {
    return readSafetensors(bytes);
  } catch (error) {
    if (error instanceof SafetensorsError) throw new SafetensorsError(`${path}: ${error.message}`);
    throw error;
  }
}

interface HeaderEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

function parseHeader(headerBytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError('header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SafetensorsError(`header is not valid JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(parsed)) throw new SafetensorsError('header must be a JSON object');
  return parsed;
}

function parseMetadata(raw: unknown): Record<string, string> {
  if (raw === undefined) return {};
  if (!isPlainObject(raw)) throw new SafetensorsError(`"${METADATA_KEY}" must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') throw new SafetensorsError(`"${METADATA_KEY}.${key}" must be a string, got ${JSON.stringify(value)}`);
    out[key] = value;
  }
  return out;
}

function parseEntry(name: string, raw: unknown): HeaderEntry {
  const fail = (what: string): never => {
    throw new SafetensorsError(`tensor "${name}": ${what}`);
  };
  if (!isPlainObject(raw)) return fail('header entry must be an object with dtype, shape and data_offsets');
  const { dtype, shape, data_offsets: offsets } = raw;
  if (typeof dtype !== 'string' || !Object.hasOwn(BYTES_PER_ELEMENT, dtype)) {
    return fail(`unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(BYTES_PER_ELEMENT).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    return fail(`shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger)) {
    return fail(`data_offsets must be [begin, end] non-negative integers, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) fail(`data_offsets [${begin}, ${end}] end before they begin`);
  const typed = dtype as SafetensorsDtype;
  const elements = (shape as number[]).reduce((n, d) => n * d, 1);
  const expectedBytes = elements * BYTES_PER_ELEMENT[typed];
  if (end - begin !== expectedBytes) {
    fail(`data_offsets [${begin}, ${end}] cover ${end - begin} bytes but shape [${shape.join(', ')}] of ${typed} needs ${expectedBytes}`);
  }
  return { name, dtype: typed, shape: [...(shape as number[])], begin, end };
}

/** The tensors must cover [0, dataLength) exactly, in some order, without gaps or overlaps. */
function checkTiling(entries: readonly HeaderEntry[], dataLength: number): void {
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: HeaderEntry | null = null;
  for (const e of byOffset) {
    if (previous && e.begin < cursor) {
      throw new SafetensorsError(`tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] overlap tensor "${previous.name}" [${previous.begin}, ${previous.end}]`);
    }
    if (e.begin > cursor) {
      const after = previous ? `after tensor "${previous.name}"` : 'at the start of the data section';
      throw new SafetensorsError(`tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] leave a ${e.begin - cursor}-byte gap ${after}`);
    }
    if (e.end > dataLength) {
      throw new SafetensorsError(`file is truncated: tensor "${e.name}" needs data bytes [${e.begin}, ${e.end}) but the data section has ${dataLength}`);
    }
    cursor = e.end;
    previous = e;
  }
  if (cursor !== dataLength) {
    throw new SafetensorsError(`${dataLength - cursor} trailing bytes after the last tensor's data (data section is ${dataLength} bytes, tensors end at ${cursor})`);
  }
}

function decode(dtype: SafetensorsDtype, raw: Uint8Array): SafetensorsData {
  // Copy into a fresh buffer: the file's bytes may not be aligned for the element size,
  // and callers must be able to keep the arrays without pinning the whole file.
  // (Not `raw.slice()`: on a Node Buffer that is a view, not a copy.)
  const bytes = new Uint8Array(raw);
  switch (dtype) {
    case 'F64':
      return new Float64Array(littleEndian(bytes, 8).buffer);
    case 'F32':
      return new Float32Array(littleEndian(bytes, 4).buffer);
    case 'F16':
      return float16ToFloat32(new Uint16Array(littleEndian(bytes, 2).buffer));
    case 'BF16':
      return bfloat16ToFloat32(new Uint16Array(littleEndian(bytes, 2).buffer));
    case 'I64':
      return new BigInt64Array(littleEndian(bytes, 8).buffer);
    case 'I32':
      return new Int32Array(littleEndian(bytes, 4).buffer);
    case 'I16':
      return new Int16Array(littleEndian(bytes, 2).buffer);
    case 'I8':
      return new Int8Array(bytes.buffer);
    case 'U8':
      return bytes;
    case 'BOOL':
      return bytes.map((b) => (b === 0 ? 0 : 1));
  }
}

/** IEEE binary16 → binary32, exact (every half value is representable in single precision). */
function float16ToFloat32(half: Uint16Array): Float32Array {
  const out = new Float32Array(half.length);
  for (let i = 0; i < half.length; i++) {
    const h = half[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) out[i] = sign * fraction * 2 ** -24; // zero and subnormals
    else if (exponent === 0x1f) out[i] = fraction === 0 ? sign * Infinity : NaN;
    else out[i] = sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }
  return out;
}

/** bfloat16 is the upper half of a binary32, so widening is a shift. */
function bfloat16ToFloat32(bf: Uint16Array): Float32Array {
  const bits = new Uint32Array(bf.length);
  for (let i = 0; i < bf.length; i++) bits[i] = bf[i]! << 16;
  return new Float32Array(bits.buffer);
}

/** Byte-swaps `bytes` in place into host order when the host is big-endian. */
function littleEndian(bytes: Uint8Array, elementSize: number): Uint8Array {
  if (HOST_IS_LITTLE_ENDIAN || elementSize === 1) return bytes;
  for (let i = 0; i < bytes.length; i += elementSize) bytes.subarray(i, i + elementSize).reverse();
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * Serialises tensors (header in the given order) and optional string metadata.
 * Data is laid out widest element type first so every tensor starts on a multiple of its
 * element size: readers that map the file (torch's `safe_open`) can view it without copying.
 */
export function writeSafetensors(tensors: ReadonlyMap<string, SafetensorsTensorToWrite>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') throw new SafetensorsError(`metadata "${key}" must be a string`);
    }
    header[METADATA_KEY] = { ...metadata };
  }
  for (const [name, t] of tensors) {
    if (name === METADATA_KEY) throw new SafetensorsError(`"${METADATA_KEY}" is reserved and cannot name a tensor`);
    checkWritable(name, t);
  }

  const layoutOrder = [...tensors.entries()].sort(([, a], [, b]) => BYTES_PER_ELEMENT[b.dtype] - BYTES_PER_ELEMENT[a.dtype]);
  const offsets = new Map<string, [number, number]>();
  let dataLength = 0;
  for (const [name, t] of layoutOrder) {
    offsets.set(name, [dataLength, dataLength + t.data.byteLength]);
    dataLength += t.data.byteLength;
  }
  for (const [name, t] of tensors) header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: offsets.get(name) };

  // Pad the header with spaces (legal JSON whitespace) so the data section starts 8-byte aligned.
  let headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const padding = (8 - ((HEADER_LENGTH_BYTES + headerBytes.length) % 8)) % 8;
  if (padding > 0) headerBytes = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(padding));

  const out = new Uint8Array(HEADER_LENGTH_BYTES + headerBytes.length + dataLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, HEADER_LENGTH_BYTES);
  const dataStart = HEADER_LENGTH_BYTES + headerBytes.length;
  for (const [name, t] of layoutOrder) {
    const [begin] = offsets.get(name)!;
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
    out.set(littleEndian(bytes, BYTES_PER_ELEMENT[t.dtype]), dataStart + begin);
  }
  return out;
}

export async function writeSafetensorsFile(
  path: string,
  tensors: ReadonlyMap<string, SafetensorsTensorToWrite>,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  await writeFile(path, writeSafetensors(tensors, metadata));
}

function checkWritable(name: string, t: SafetensorsTensorToWrite): void {
  const fail = (what: string): never => {
    throw new SafetensorsError(`tensor "${name}": ${what}`);
  };
  if (!Object.hasOwn(WRITABLE_DATA, t.dtype)) fail(`cannot write dtype ${JSON.stringify(t.dtype)} (writable: ${Object.keys(WRITABLE_DATA).join(', ')})`);
  const expected = WRITABLE_DATA[t.dtype];
  if (!(t.data instanceof expected.type)) fail(`${t.dtype} data must be a ${expected.name}, got ${t.data.constructor.name}`);
  if (!t.shape.every((d) => isNonNegativeInteger(d))) fail(`shape must be non-negative integers, got [${t.shape.join(', ')}]`);
  const elements = t.shape.reduce((n, d) => n * d, 1);
  if (elements !== t.data.length) fail(`shape [${t.shape.join(', ')}] has ${elements} elements but the data has ${t.data.length}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
