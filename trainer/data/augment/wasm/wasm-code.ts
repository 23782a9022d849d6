/**
 * A small structured DSL over WebAssembly instructions, so kernels read like
 * expressions (`i32.add(x.get(), i32.const(3))`) instead of raw stack code.
 * Each helper returns the encoded bytes of its operands followed by its own
 * opcode; statements are concatenated with `seq`. Only the instructions the
 * augmentation kernels use are here; opcodes follow the core spec §5.4 and
 * the SIMD proposal's final encoding (prefix 0xfd + LEB128 opcode).
 *
 * Memory accesses carry an alignment hint of 1 byte (always valid) and a
 * constant byte offset.
 */
import { type Code, sleb128, uleb128, ValType, type WasmFunction } from './wasm-binary.js';

export type { Code } from './wasm-binary.js';
export { ValType } from './wasm-binary.js';

export function seq(...parts: Code[]): Code {
  return parts.flat();
}

/** A parameter or local of a function under construction. */
export class Local {
  constructor(
    readonly index: number,
    readonly type: ValType,
  ) {}

  get(): Code {
    return [0x20, ...uleb128(this.index)];
  }

  set(value: Code): Code {
    return [...value, 0x21, ...uleb128(this.index)];
  }

  tee(value: Code): Code {
    return [...value, 0x22, ...uleb128(this.index)];
  }

  /** `this += step` for an i32 local. */
  increment(step: number | Code): Code {
    return this.set(i32.add(this.get(), typeof step === 'number' ? i32.const(step) : step));
  }
}

export class FunctionBuilder {
  private readonly params: ValType[] = [];
  private readonly locals: ValType[] = [];
  private readonly results: ValType[] = [];

  constructor(readonly name: string) {}

  param(type: ValType): Local {
    if (this.locals.length > 0) throw new Error(`${this.name}: declare parameters before locals`);
    this.params.push(type);
    return new Local(this.params.length - 1, type);
  }

  local(type: ValType): Local {
    this.locals.push(type);
    return new Local(this.params.length + this.locals.length - 1, type);
  }

  returns(type: ValType): this {
    this.results.push(type);
    return this;
  }

  build(...body: Code[]): WasmFunction {
    return { name: this.name, params: [...this.params], results: [...this.results], locals: [...this.locals], body: seq(...body) };
  }
}

const BLOCK_VOID = 0x40;

function op(opcode: number, ...operands: Code[]): Code {
  return [...operands.flat(), opcode];
}

function simd(opcode: number, ...operands: Code[]): Code {
  return [...operands.flat(), 0xfd, ...uleb128(opcode)];
}

function memarg(offset: number): number[] {
  return [0x00, ...uleb128(offset)];
}

// ---------------------------------------------------------------------------------------------
// Control flow

/** `if (cond) { then } else { otherwise }` (no result value). */
export function ifElse(cond: Code, then: Code, otherwise?: Code): Code {
  return otherwise === undefined ? [...cond, 0x04, BLOCK_VOID, ...then, 0x0b] : [...cond, 0x04, BLOCK_VOID, ...then, 0x05, ...otherwise, 0x0b];
}

/**
 * `for (i = from; i < to; i += step) body` with signed comparison; `to` is
 * re-evaluated each iteration (pass a local). `body` must not branch.
 */
export function forRange(i: Local, from: Code, to: Code, step: number, ...body: Code[]): Code {
  const test = i32.ltS(i.get(), to);
  return seq(i.set(from), ifElse(test, [0x03, BLOCK_VOID, ...seq(...body), ...i.increment(step), ...test, 0x0d, 0x00, 0x0b]));
}

/** `do { body } while (cond)`; `body` must not branch. */
export function doWhile(cond: Code, ...body: Code[]): Code {
  return [0x03, BLOCK_VOID, ...seq(...body), ...cond, 0x0d, 0x00, 0x0b];
}

/**
 * `switch (selector) { case 0: … case n−1: … }` via br_table; selectors
 * outside 0…n−1 run the last case. Cases must not branch.
 */
export function switchCases(selector: Code, cases: readonly Code[]): Code {
  const n = cases.length;
  if (n === 0) throw new Error('switchCases needs at least one case');
  // n + 1 nested blocks: the outermost is the exit, block k ends right before case k.
  let code: number[] = [...selector, 0x0e, ...uleb128(n - 1), ...Array.from({ length: n - 1 }, (_, k) => k), n - 1];
  for (let k = 0; k < n; k++) {
    const exit = k < n - 1 ? [0x0c, ...uleb128(n - 1 - k)] : [];
    code = [0x02, BLOCK_VOID, ...code, 0x0b, ...(cases[k] as Code), ...exit];
  }
  return [0x02, BLOCK_VOID, ...code, 0x0b];
}

// ---------------------------------------------------------------------------------------------
// Scalar instructions

export const i32 = {
  const: (value: number): Code => [0x41, ...sleb128(value | 0)],
  load: (addr: Code, offset = 0): Code => [...addr, 0x28, ...memarg(offset)],
  load8U: (addr: Code, offset = 0): Code => [...addr, 0x2d, ...memarg(offset)],
  store: (addr: Code, value: Code, offset = 0): Code => [...addr, ...value, 0x36, ...memarg(offset)],
  store8: (addr: Code, value: Code, offset = 0): Code => [...addr, ...value, 0x3a, ...memarg(offset)],
  eqz: (a: Code): Code => op(0x45, a),
  eq: (a: Code, b: Code): Code => op(0x46, a, b),
  ne: (a: Code, b: Code): Code => op(0x47, a, b),
  ltS: (a: Code, b: Code): Code => op(0x48, a, b),
  gtS: (a: Code, b: Code): Code => op(0x4a, a, b),
  geS: (a: Code, b: Code): Code => op(0x4e, a, b),
  add: (a: Code, b: Code): Code => op(0x6a, a, b),
  sub: (a: Code, b: Code): Code => op(0x6b, a, b),
  mul: (a: Code, b: Code): Code => op(0x6c, a, b),
  and: (a: Code, b: Code): Code => op(0x71, a, b),
  shl: (a: Code, b: Code): Code => op(0x74, a, b),
  shrS: (a: Code, b: Code): Code => op(0x75, a, b),
  /** Truncate toward zero (traps on NaN or overflow, which the kernels never produce). */
  truncF32S: (a: Code): Code => op(0xa8, a),
  truncF64S: (a: Code): Code => op(0xaa, a),
  /** `cond ? ifTrue : ifFalse`, both operands evaluated. */
  select: (ifTrue: Code, ifFalse: Code, cond: Code): Code => op(0x1b, ifTrue, ifFalse, cond),
};

export const f32 = {
  load: (addr: Code, offset = 0): Code => [...addr, 0x2a, ...memarg(offset)],
  store: (addr: Code, value: Code, offset = 0): Code => [...addr, ...value, 0x38, ...memarg(offset)],
  add: (a: Code, b: Code): Code => op(0x92, a, b),
  sub: (a: Code, b: Code): Code => op(0x93, a, b),
  mul: (a: Code, b: Code): Code => op(0x94, a, b),
  div: (a: Code, b: Code): Code => op(0x95, a, b),
  convertI32S: (a: Code): Code => op(0xb2, a),
  demoteF64: (a: Code): Code => op(0xb6, a),
};

export const f64 = {
  const: (value: number): Code => {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    return [0x44, ...bytes];
  },
  load: (addr: Code, offset = 0): Code => [...addr, 0x2b, ...memarg(offset)],
  ge: (a: Code, b: Code): Code => op(0x66, a, b),
  floor: (a: Code): Code => op(0x9c, a),
  add: (a: Code, b: Code): Code => op(0xa0, a, b),
  sub: (a: Code, b: Code): Code => op(0xa1, a, b),
  mul: (a: Code, b: Code): Code => op(0xa2, a, b),
  div: (a: Code, b: Code): Code => op(0xa3, a, b),
  convertI32S: (a: Code): Code => op(0xb7, a),
  promoteF32: (a: Code): Code => op(0xbb, a),
  select: (ifTrue: Code, ifFalse: Code, cond: Code): Code => op(0x1b, ifTrue, ifFalse, cond),
};

/** Bulk memory: `memory.copy(dst, src, n)` (overlap-safe, like memmove). */
export function memoryCopy(dst: Code, src: Code, n: Code): Code {
  return [...dst, ...src, ...n, 0xfc, 0x0a, 0x00, 0x00];
}

// ---------------------------------------------------------------------------------------------
// SIMD (128-bit vectors)

export const v128 = {
  load: (addr: Code, offset = 0): Code => [...simd(0x00, addr), ...memarg(offset)],
  /** Load 8 bytes into the low half, zeroing the rest. */
  load64Zero: (addr: Code, offset = 0): Code => [...simd(0x5d, addr), ...memarg(offset)],
  store: (addr: Code, value: Code, offset = 0): Code => [...simd(0x0b, addr, value), ...memarg(offset)],
  /** Store the 8 bytes of i64 lane `lane`. */
  store64Lane: (addr: Code, value: Code, lane: number, offset = 0): Code => [...simd(0x5b, addr, value), ...memarg(offset), lane],
};

export const i8x16 = {
  /** Lane i of the result is lane `lanes[i]` of a ++ b (0–15: a, 16–31: b). */
  shuffle: (a: Code, b: Code, lanes: readonly number[]): Code => {
    if (lanes.length !== 16 || lanes.some((l) => !(Number.isInteger(l) && l >= 0 && l < 32))) throw new RangeError('i8x16.shuffle needs 16 lane indices in 0…31');
    return [...simd(0x0d, a, b), ...lanes];
  },
};

export const i32x4 = {
  splat: (a: Code): Code => simd(0x11, a),
  add: (a: Code, b: Code): Code => simd(0xae, a, b),
  sub: (a: Code, b: Code): Code => simd(0xb1, a, b),
  shl: (a: Code, bits: number): Code => simd(0xab, a, i32.const(bits)),
  /** Lane i = a[2i]·b[2i] + a[2i+1]·b[2i+1], from signed i16 lanes. */
  dotI16x8: (a: Code, b: Code): Code => simd(0xba, a, b),
  mul: (a: Code, b: Code): Code => simd(0xb5, a, b),
  shrS: (a: Code, bits: number): Code => simd(0xac, a, i32.const(bits)),
  shrU: (a: Code, bits: number): Code => simd(0xad, a, i32.const(bits)),
  /** Zero-extend the low / high four u16 lanes. */
  extendLowU16: (a: Code): Code => simd(0xa9, a),
  extendHighU16: (a: Code): Code => simd(0xaa, a),
  /** Float → int toward zero, saturating at the i32 range. */
  truncSatF32x4: (a: Code): Code => simd(0xf8, a),
};

export const f32x4 = {
  splat: (a: Code): Code => simd(0x13, a),
  add: (a: Code, b: Code): Code => simd(0xe4, a, b),
  mul: (a: Code, b: Code): Code => simd(0xe6, a, b),
  convertI32x4: (a: Code): Code => simd(0xfa, a),
};

export const i16x8 = {
  add: (a: Code, b: Code): Code => simd(0x8e, a, b),
  /** Zero-extend the low / high eight u8 lanes. */
  extendLowU8: (a: Code): Code => simd(0x89, a),
  extendHighU8: (a: Code): Code => simd(0x8a, a),
  /** Pack two i32x4 into i16x8 with signed saturation. */
  narrowI32x4S: (a: Code, b: Code): Code => simd(0x85, a, b),
};

export const u8x16 = {
  /** Pack two i16x8 into u8x16 with unsigned saturation (clamp to 0…255). */
  narrowI16x8: (a: Code, b: Code): Code => simd(0x66, a, b),
};

export const I32 = ValType.i32;
export const V128 = ValType.v128;
export const F32 = ValType.f32;
export const F64 = ValType.f64;
