/**
 * A minimal WebAssembly binary writer: just enough of the format (core spec
 * §5) to emit one module of exported functions over one exported, growable
 * memory — what the augmentation kernels need.
 *
 * Why hand-assembled wasm: the kernels must reproduce PIL's integer
 * arithmetic bit for bit (see ../ops/*), and they are hot (every training
 * image, twice). WebAssembly SIMD gives 4–16 lanes per instruction, which plain
 * JavaScript cannot, and writing the module from TypeScript at start-up needs
 * no compiler toolchain, no native addon and no binary file in the repository.
 */

/** Value types (§5.3.1). */
export const ValType = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
} as const;
export type ValType = (typeof ValType)[keyof typeof ValType];

/** Encoded instruction bytes; kernels are built by concatenating these. */
export type Code = readonly number[];

export interface WasmFunction {
  /** Export name. */
  name: string;
  params: readonly ValType[];
  results: readonly ValType[];
  /** Declared locals after the parameters, in index order. */
  locals: readonly ValType[];
  /** The instruction sequence, without the final `end`. */
  body: Code;
}

/** Unsigned LEB128. */
export function uleb128(value: number): number[] {
  if (!(Number.isInteger(value) && value >= 0 && value <= 0xffffffff)) throw new RangeError(`uleb128: ${value} is not a u32`);
  const out: number[] = [];
  let v = value;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb128(value: number): number[] {
  if (!(Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff)) throw new RangeError(`sleb128: ${value} is not an i32`);
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    if (done) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function vector(items: readonly Code[]): number[] {
  return [...uleb128(items.length), ...items.flat()];
}

function name(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  return [...uleb128(bytes.length), ...bytes];
}

function section(id: number, content: readonly number[]): number[] {
  return [id, ...uleb128(content.length), ...content];
}

/** Locals are declared as runs of equal types (§5.5.13). */
function localRuns(locals: readonly ValType[]): number[][] {
  const runs: number[][] = [];
  let i = 0;
  while (i < locals.length) {
    let j = i;
    while (j < locals.length && locals[j] === locals[i]) j++;
    runs.push([...uleb128(j - i), locals[i] as number]);
    i = j;
  }
  return runs;
}

const SECTION = { type: 1, function: 3, memory: 5, export: 7, code: 10 } as const;
const EXPORT_KIND = { func: 0x00, memory: 0x02 } as const;

/**
 * A module whose functions are exported under their names and whose memory
 * (initially `memoryPages` × 64 KiB, no maximum) is exported as "memory".
 */
export function assembleModule(functions: readonly WasmFunction[], memoryPages: number): Uint8Array {
  const names = new Set<string>();
  for (const f of functions) {
    if (names.has(f.name) || f.name === 'memory') throw new Error(`duplicate wasm export '${f.name}'`);
    names.add(f.name);
  }
  const types = functions.map((f) => [0x60, ...vector(f.params.map((t) => [t])), ...vector(f.results.map((t) => [t]))]);
  const bodies = functions.map((f) => {
    const body = [...vector(localRuns(f.locals)), ...f.body, 0x0b];
    return [...uleb128(body.length), ...body];
  });
  const exports = [
    ...functions.map((f, i) => [...name(f.name), EXPORT_KIND.func, ...uleb128(i)]),
    [...name('memory'), EXPORT_KIND.memory, 0],
  ];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, // "\0asm"
    0x01, 0x00, 0x00, 0x00, // version 1
    ...section(SECTION.type, vector(types)),
    ...section(SECTION.function, vector(functions.map((_, i) => uleb128(i)))),
    ...section(SECTION.memory, vector([[0x00, ...uleb128(memoryPages)]])),
    ...section(SECTION.export, vector(exports)),
    ...section(SECTION.code, vector(bodies)),
  ]);
}
