/**
 * `torch.load` without Python: the zip container (torch ≥ 1.6 default) and the legacy
 * stream (`_use_new_zipfile_serialization=False`), both through the restricted unpickler.
 */
import { readFile } from 'node:fs/promises';
import { isZip, ZipArchive } from './zip.js';
import { ELEMENT_SIZE, PyTuple, storageDtypeOf, TorchPickleError, TorchStorage, TorchTensor, unpickle, type TorchDtype } from './unpickler.js';

export interface TorchFile {
  /** The unpickled object: Maps, arrays, PyTuples, primitives and TorchTensors. */
  value: unknown;
  format: 'zip' | 'legacy';
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

export async function loadTorchFile(path: string): Promise<TorchFile> {
  const bytes = new Uint8Array(await readFile(path));
  try {
    return loadTorchBytes(bytes);
  } catch (error) {
    if (error instanceof TorchPickleError) error.message = `${path}: ${error.message}`;
    throw error;
  }
}

export function loadTorchBytes(bytes: Uint8Array): TorchFile {
  if (isZip(bytes)) return loadZip(bytes);
  if (bytes.length > 0 && bytes[0] === 0x80) return loadLegacy(bytes);
  throw new TorchPickleError('not a PyTorch checkpoint (neither a torch zip archive nor a legacy pickle stream)');
}

/** Persistent ids: ('storage', StorageType, key, location, numel[, view_metadata]). */
function storageLoader(storages: Map<string, TorchStorage>) {
  return (pid: unknown): TorchStorage => {
    const items = pid instanceof PyTuple ? pid.items : null;
    if (!items || items[0] !== 'storage' || items.length < 5) throw new TorchPickleError('unsupported persistent id (expected a torch storage reference)');
    const dtype = storageDtypeOf(items[1]);
    const [, , key, location, numel] = items;
    if (dtype === null) throw new TorchPickleError('storage reference without an allowed storage type');
    if (typeof key !== 'string' || typeof location !== 'string' || typeof numel !== 'number') throw new TorchPickleError('malformed storage reference');
    if (items.length > 5 && items[5] !== null) throw new TorchPickleError(`storage ${key}: storage views (pre-1.0 files) are not supported`);
    const known = storages.get(key);
    if (known) {
      if (known.dtype !== dtype) throw new TorchPickleError(`storage ${key} is referenced as ${known.dtype} and ${dtype}`);
      return known;
    }
    const storage = new TorchStorage(dtype, key, location, numel);
    storages.set(key, storage);
    return storage;
  };
}

function loadZip(bytes: Uint8Array): TorchFile {
  const zip = new ZipArchive(bytes);
  const pklName = [...zip.entries.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pklName) throw new TorchPickleError('zip archive has no <name>/data.pkl: not a PyTorch checkpoint');
  const root = pklName.slice(0, -'data.pkl'.length);
  const byteorderEntry = zip.entries.get(`${root}byteorder`);
  const bigEndian = byteorderEntry ? new TextDecoder().decode(zip.read(`${root}byteorder`)).trim() === 'big' : false;
  const storages = new Map<string, TorchStorage>();
  const { value } = unpickle(zip.read(pklName), { persistentLoad: storageLoader(storages) });
  for (const s of storages.values()) {
    const name = `${root}data/${s.key}`;
    if (!zip.entries.has(name)) throw new TorchPickleError(`storage file ${name} is missing from the archive`);
    s.bytes = zip.read(name);
    s.bigEndian = bigEndian;
  }
  return { value, format: 'zip' };
}

function loadLegacy(bytes: Uint8Array): TorchFile {
  let pos = 0;
  const next = (persistentLoad?: (pid: unknown) => unknown): unknown => {
    const r = unpickle(bytes, persistentLoad ? { persistentLoad } : {}, pos);
    pos = r.end;
    return r.value;
  };
  const magic = next();
  if (magic !== LEGACY_MAGIC && !(typeof magic === 'bigint' && magic === LEGACY_MAGIC)) {
    throw new TorchPickleError('not a PyTorch checkpoint: a pickle without torch\'s legacy magic number (a bare pickle is not accepted)');
  }
  const protocol = next();
  if (protocol !== LEGACY_PROTOCOL) throw new TorchPickleError(`unsupported legacy torch protocol ${String(protocol)}`);
  const sysInfo = next();
  const littleEndian = !(sysInfo instanceof Map) || sysInfo.get('little_endian') !== false;
  const storages = new Map<string, TorchStorage>();
  const value = next(storageLoader(storages));
  const keys = next();
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw new TorchPickleError('legacy checkpoint: malformed storage key list');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const key of keys as string[]) {
    const s = storages.get(key);
    if (!s) throw new TorchPickleError(`legacy checkpoint: storage ${key} is listed but never referenced`);
    if (pos + 8 > bytes.length) throw new TorchPickleError(`legacy checkpoint is truncated (storage ${key} header)`);
    const numel = Number(view.getBigInt64(pos, littleEndian));
    pos += 8;
    const n = numel * ELEMENT_SIZE[s.dtype];
    if (numel < 0 || pos + n > bytes.length) throw new TorchPickleError(`legacy checkpoint is truncated (storage ${key}: ${n} bytes expected, ${bytes.length - pos} left)`);
    s.bytes = bytes.subarray(pos, pos + n);
    s.bigEndian = !littleEndian;
    pos += n;
  }
  for (const s of storages.values()) if (!s.bytes) throw new TorchPickleError(`legacy checkpoint: storage ${s.key} has no data`);
  return { value, format: 'legacy' };
}

// ---------------------------------------------------------------------------------------------
// Tensor data

export interface TensorData {
  /** What tfjs can hold: floats widen/narrow to float32, ints to int32 (checked), bool stays. */
  dtype: 'float32' | 'int32' | 'bool';
  /** The dtype in the file. */
  sourceDtype: TorchDtype;
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

/**
 * The tensor's elements in row-major order, gathered through its strides and storage
 * offset (so views and non-contiguous tensors come out right). `name` labels errors.
 */
export function tensorData(name: string, t: TorchTensor): TensorData {
  const s = t.storage;
  if (!s.bytes) throw new TorchPickleError(`tensor "${name}": storage ${s.key} has no data`);
  const size = ELEMENT_SIZE[s.dtype];
  const available = Math.floor(s.bytes.length / size);
  const n = t.numel;
  const rank = t.shape.length;
  if (n > 0) {
    let last = t.offset;
    for (let d = 0; d < rank; d++) last += (t.shape[d]! - 1) * t.stride[d]!;
    if (last >= available) throw new TorchPickleError(`tensor "${name}": reaches element ${last} of a storage with ${available} (file truncated or corrupt)`);
  }
  const view = new DataView(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength);
  const le = !s.bigEndian;
  const index = new Int32Array(n);
  // Row-major walk of the output; the source index follows the strides.
  const counter = new Array<number>(rank).fill(0);
  let src = t.offset;
  for (let i = 0; i < n; i++) {
    index[i] = src;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]!++;
      src += t.stride[d]!;
      if (counter[d]! < t.shape[d]!) break;
      src -= t.stride[d]! * t.shape[d]!;
      counter[d] = 0;
    }
  }
  const shape = [...t.shape];
  switch (s.dtype) {
    case 'float32':
    case 'float64':
    case 'float16':
    case 'bfloat16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const b = index[i]! * size;
        out[i] =
          s.dtype === 'float32'
            ? view.getFloat32(b, le)
            : s.dtype === 'float64'
              ? view.getFloat64(b, le)
              : s.dtype === 'float16'
                ? halfToFloat(view.getUint16(b, le))
                : bfloatToFloat(view.getUint16(b, le));
      }
      return { dtype: 'float32', sourceDtype: s.dtype, shape, data: out };
    }
    case 'int64': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = view.getBigInt64(index[i]! * 8, le);
        if (v < -2147483648n || v > 2147483647n) {
          throw new TorchPickleError(`tensor "${name}": int64 value ${v} at index ${i} does not fit int32 (tfjs has no int64)`);
        }
        out[i] = Number(v);
      }
      return { dtype: 'int32', sourceDtype: s.dtype, shape, data: out };
    }
    case 'int32':
    case 'int16':
    case 'int8':
    case 'uint8': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const b = index[i]! * size;
        out[i] = s.dtype === 'int32' ? view.getInt32(b, le) : s.dtype === 'int16' ? view.getInt16(b, le) : s.dtype === 'int8' ? view.getInt8(b) : view.getUint8(b);
      }
      return { dtype: 'int32', sourceDtype: s.dtype, shape, data: out };
    }
    case 'bool': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getUint8(index[i]!) ? 1 : 0;
      return { dtype: 'bool', sourceDtype: s.dtype, shape, data: out };
    }
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const bfloatScratch = new DataView(new ArrayBuffer(4));
function bfloatToFloat(b: number): number {
  bfloatScratch.setUint32(0, b << 16);
  return bfloatScratch.getFloat32(0);
}
