/**
 * A restricted pickle reader for PyTorch checkpoints that executes nothing.
 *
 * Pickle is a small stack machine whose only dangerous instructions are the ones that
 * name a Python callable (GLOBAL / STACK_GLOBAL) and call it (REDUCE, NEWOBJ, BUILD, …).
 * Here no Python exists: GLOBAL resolves only the names on ALLOWED_GLOBALS to inert markers,
 * and REDUCE/BUILD interpret exactly those markers (rebuild a tensor description, make an
 * ordered dict). Any other global is refused *when it is named*, before its arguments are
 * even read, so a malicious file stops at its first foreign reference.
 *
 * Values: None → null, bool → boolean, int → number (bigint beyond 2^53), float → number,
 * str → string, bytes → Uint8Array, list → array, tuple → PyTuple, dict/OrderedDict → Map,
 * tensors → TorchTensor (storage + offset + size + stride; data read on demand).
 */

export class TorchPickleError extends Error {
  override readonly name: string = 'TorchPickleError';
}

/** A refused global: the file references code that is not part of a plain weights checkpoint. */
export class UnsafePickleError extends TorchPickleError {
  override readonly name = 'UnsafePickleError';
  constructor(
    readonly globalName: string,
    detail = '',
  ) {
    super(
      `refusing global "${globalName}"${detail}: this file is not a plain weights checkpoint ` +
        `(allowed: ${ALLOWED_GLOBAL_NAMES.join(', ')}); nothing in it was evaluated`,
    );
  }
}

export class PyTuple {
  constructor(readonly items: readonly unknown[]) {}
}

export type TorchDtype = 'float64' | 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export const ELEMENT_SIZE: Record<TorchDtype, number> = {
  float64: 8,
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** A storage named by a persistent id: its bytes are supplied by the container format. */
export class TorchStorage {
  /** Raw little-endian (or `bigEndian`) bytes, filled in by the loader. */
  bytes: Uint8Array | null = null;
  bigEndian = false;
  constructor(
    readonly dtype: TorchDtype,
    readonly key: string,
    readonly location: string,
    /** Elements the pickle claims the storage has. */
    readonly numel: number,
  ) {}
}

export class TorchTensor {
  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
    readonly requiresGrad: boolean,
  ) {}
  get dtype(): TorchDtype {
    return this.storage.dtype;
  }
  get numel(): number {
    return this.shape.reduce((n, d) => n * d, 1);
  }
}

/** Marker for an allowed global; never callable. */
class AllowedGlobal {
  constructor(
    readonly kind: 'ordered_dict' | 'rebuild_tensor' | 'rebuild_tensor_v2' | 'rebuild_parameter' | 'rebuild_parameter_with_state' | 'storage_type',
    readonly qualifiedName: string,
    readonly dtype?: TorchDtype,
  ) {}
}

const STORAGE_TYPES: Record<string, TorchDtype> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

const ALLOWED_GLOBALS = new Map<string, AllowedGlobal>([
  ['collections.OrderedDict', new AllowedGlobal('ordered_dict', 'collections.OrderedDict')],
  ['torch._utils._rebuild_tensor', new AllowedGlobal('rebuild_tensor', 'torch._utils._rebuild_tensor')],
  ['torch._utils._rebuild_tensor_v2', new AllowedGlobal('rebuild_tensor_v2', 'torch._utils._rebuild_tensor_v2')],
  ['torch._utils._rebuild_parameter', new AllowedGlobal('rebuild_parameter', 'torch._utils._rebuild_parameter')],
  ['torch._utils._rebuild_parameter_with_state', new AllowedGlobal('rebuild_parameter_with_state', 'torch._utils._rebuild_parameter_with_state')],
  ...Object.entries(STORAGE_TYPES).map(([name, dtype]): [string, AllowedGlobal] => [`torch.${name}`, new AllowedGlobal('storage_type', `torch.${name}`, dtype)]),
]);

export const ALLOWED_GLOBAL_NAMES: readonly string[] = [...ALLOWED_GLOBALS.keys()];

export interface UnpickleOptions {
  /** BINPERSID: torch's storage references. Without it, a persistent id is an error. */
  persistentLoad?: (pid: unknown) => unknown;
}

export interface UnpickleResult {
  value: unknown;
  /** Offset just past the STOP opcode (legacy files hold several pickles back to back). */
  end: number;
}

const MARK = Symbol('mark');
const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Reads one pickle starting at `start`. Throws TorchPickleError / UnsafePickleError. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions = {}, start = 0): UnpickleResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = start;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const fail = (message: string): never => {
    throw new TorchPickleError(`pickle at byte ${pos}: ${message}`);
  };
  const need = (n: number): void => {
    if (n < 0 || pos + n > bytes.length) fail(`truncated (needs ${n} more bytes, ${bytes.length - pos} left)`);
  };
  const u8 = (): number => {
    need(1);
    return bytes[pos++]!;
  };
  const u16 = (): number => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const i32 = (): number => {
    need(4);
    const v = view.getInt32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is too large`);
    return Number(v);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const line = (): string => {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) fail('truncated (unterminated text line)');
    const s = latin1.decode(bytes.subarray(pos, nl));
    pos = nl + 1;
    return s;
  };
  const text = (n: number): string => {
    const raw = take(n);
    try {
      return utf8.decode(raw);
    } catch {
      return fail('invalid UTF-8 in a string');
    }
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const previous = metastack.pop();
    if (previous === undefined) fail('MARK expected');
    stack = previous!;
    return items;
  };
  const memoGet = (index: number): unknown => {
    if (!memo.has(index)) fail(`memo ${index} is not defined`);
    return memo.get(index);
  };
  const resolveGlobal = (module: string, name: string): AllowedGlobal => {
    const qualified = `${module}.${name}`;
    const allowed = ALLOWED_GLOBALS.get(qualified);
    if (!allowed) throw new UnsafePickleError(qualified);
    return allowed;
  };
  const setItems = (target: unknown, items: unknown[]): void => {
    if (!(target instanceof Map)) fail('SETITEM(S) on something that is not a dict');
    if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) (target as Map<unknown, unknown>).set(items[i], items[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]): void => {
    if (!Array.isArray(target)) fail('APPEND(S) on something that is not a list');
    (target as unknown[]).push(...items);
  };

  for (;;) {
    const opAt = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('unsupported pickle protocol');
        break;
      case 0x95: // FRAME (framing is only a read-ahead hint)
        u64();
        break;
      case 0x2e: // STOP
        if (metastack.length !== 0 || stack.length !== 1) fail('malformed pickle: STOP with a non-singleton stack');
        return { value: stack[0], end: pos };
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length > 0) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;

      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x49: {
        // INT (text): also protocol 0's bools "01"/"00"
        const s = line();
        if (s === '01') stack.push(true);
        else if (s === '00') stack.push(false);
        else stack.push(parseIntText(s, fail));
        break;
      }
      case 0x4c: // LONG (text, trailing L)
        stack.push(parseIntText(line().replace(/L$/, ''), fail));
        break;
      case 0x8a: // LONG1
        stack.push(decodeLong(take(u8())));
        break;
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n < 0) fail('negative LONG4 length');
        stack.push(decodeLong(take(n)));
        break;
      }
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x46: {
        // FLOAT (text)
        const v = Number(line());
        if (Number.isNaN(v)) fail('invalid FLOAT');
        stack.push(v);
        break;
      }

      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64()));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64()).slice());
        break;
      case 0x54: {
        // BINSTRING (Python 2 str)
        const n = i32();
        if (n < 0) fail('negative BINSTRING length');
        stack.push(latin1.decode(take(n)));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(take(u8())));
        break;

      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x74: {
        // TUPLE (popMark replaces `stack`, so take the items before pushing)
        const items = popMark();
        stack.push(new PyTuple(items));
        break;
      }
      case 0x85: // TUPLE1
        stack.push(new PyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(new PyTuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(new PyTuple([a, b, c]));
        break;
      }
      case 0x6c: {
        // LIST
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x64: {
        // DICT
        const d = new Map<unknown, unknown>();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }

      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x70: // PUT (text)
        memo.set(parseIntText(line(), fail) as number, top());
        break;
      case 0x68: // BINGET
        stack.push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(u32()));
        break;
      case 0x67: // GET (text)
        stack.push(memoGet(parseIntText(line(), fail) as number));
        break;

      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        if (!(args instanceof PyTuple)) fail('REDUCE arguments must be a tuple');
        stack.push(reduce(callable, (args as PyTuple).items, fail));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        build(top(), state, fail);
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) fail('persistent id in a pickle that allows none');
        stack.push(options.persistentLoad!(pid));
        break;
      }

      case 0x69: // INST
      case 0x6f: // OBJ
      case 0x81: // NEWOBJ
      case 0x92: // NEWOBJ_EX
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
      case 0x50: // PERSID (text)
        throw new UnsafePickleError(`<opcode 0x${op.toString(16)} at byte ${opAt}>`, ' (object-construction opcode)');
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}

function parseIntText(s: string, fail: (m: string) => never): number | bigint {
  if (!/^[+-]?\d+$/.test(s.trim())) fail(`invalid integer literal ${JSON.stringify(s)}`);
  const v = BigInt(s.trim());
  return narrowBigInt(v);
}

function narrowBigInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Little-endian two's complement. */
function decodeLong(raw: Uint8Array): number | bigint {
  if (raw.length === 0) return 0;
  let v = 0n;
  for (let i = raw.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(raw[i]!);
  if (raw[raw.length - 1]! & 0x80) v -= 1n << BigInt(raw.length * 8);
  return narrowBigInt(v);
}

/** Attributes given to ordered dicts by BUILD (a state_dict's `_metadata`): kept aside, never applied. */
export const PICKLED_ATTRIBUTES = new WeakMap<object, unknown>();

function reduce(callable: unknown, args: readonly unknown[], fail: (m: string) => never): unknown {
  if (!(callable instanceof AllowedGlobal)) return fail('REDUCE of something that is not an allowed global');
  switch (callable.kind) {
    case 'ordered_dict': {
      const out = new Map<unknown, unknown>();
      if (args.length === 0) return out;
      const items = args[0];
      if (args.length === 1 && Array.isArray(items)) {
        for (const item of items) {
          const pair = item instanceof PyTuple ? item.items : Array.isArray(item) ? item : null;
          if (!pair || pair.length !== 2) fail('OrderedDict items must be pairs');
          out.set(pair![0], pair![1]);
        }
        return out;
      }
      return fail('OrderedDict with unsupported arguments');
    }
    case 'rebuild_tensor':
    case 'rebuild_tensor_v2': {
      const [storage, offset, size, stride, requiresGrad] = args;
      if (!(storage instanceof TorchStorage)) return fail(`${callable.qualifiedName}: first argument is not a storage`);
      const shape = intTuple(size, 'size', fail);
      const strides = intTuple(stride, 'stride', fail);
      if (shape.length !== strides.length) fail(`${callable.qualifiedName}: size and stride ranks differ`);
      if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) fail(`${callable.qualifiedName}: bad storage offset`);
      return new TorchTensor(storage, offset as number, shape, strides, requiresGrad === true);
    }
    case 'rebuild_parameter':
    case 'rebuild_parameter_with_state': {
      const [data, requiresGrad] = args;
      if (!(data instanceof TorchTensor)) return fail(`${callable.qualifiedName}: data is not a tensor`);
      return new TorchTensor(data.storage, data.offset, data.shape, data.stride, requiresGrad === true);
    }
    case 'storage_type':
      return fail(`${callable.qualifiedName} may only appear in a storage reference`);
  }
}

function build(target: unknown, state: unknown, fail: (m: string) => never): void {
  // OrderedDict.__reduce__ passes the instance __dict__ (e.g. state_dict._metadata) as BUILD state.
  if (target instanceof Map && (state instanceof Map || state === null)) {
    PICKLED_ATTRIBUTES.set(target, state);
    return;
  }
  fail('BUILD is only supported on ordered dicts');
}

function intTuple(value: unknown, what: string, fail: (m: string) => never): number[] {
  const items = value instanceof PyTuple ? value.items : null;
  if (!items || !items.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) fail(`tensor ${what} must be a tuple of non-negative ints`);
  return items as number[];
}

/** Resolve an allowed storage-type marker (used by the container loaders for persistent ids). */
export function storageDtypeOf(value: unknown): TorchDtype | null {
  return value instanceof AllowedGlobal && value.kind === 'storage_type' ? (value.dtype ?? null) : null;
}
