/**
 * PIL's bilinear resample passes (../../ops/resize.ts) as SIMD kernels. Same
 * fixed-point arithmetic: 22-bit weights, sums started at 2^21, `>> 22`, then
 * clamped to 0…255 — the clamp is the saturating i32 → i16 → u8 narrowing.
 *
 * Both kernels read a *plan* of one record per output pixel (or row), in
 * output order (see ../resize-plan.ts and the kernels below).
 *
 * Memory contract (the caller pads its buffers): `resizeRows` reads 8 bytes
 * per pair of taps (up to 5 past the last tap) and writes 8 bytes per two
 * output pixels (two past them, overwritten by the next pair); `resizeColumns`
 * reads and writes whole 16-byte vectors, so up to 15 bytes past a row.
 */
import { type Code, doWhile, forRange, FunctionBuilder, I32, i16x8, i32, i32x4, i8x16, type Local, u8x16, V128, v128 } from '../wasm-code.js';
import type { WasmFunction } from '../wasm-binary.js';

const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);

/** Bits of the low part when a 22-bit weight is split for the i16 dot product. */
export const WEIGHT_SPLIT_BITS = 11;

/** Pair counts (horizontal) and tap counts (vertical) with a straight-line kernel; others loop. */
export const UNROLLED_PAIRS = [1, 2, 3, 4] as const;
export const UNROLLED_TAPS = [1, 2, 3, 4, 5, 6, 7, 8] as const;

/** Export name of the horizontal kernel for `pairs` pairs of taps per pixel. */
export function resizeRowsName(pairs: number): string {
  return (UNROLLED_PAIRS as readonly number[]).includes(pairs) ? `resizeRows${pairs}` : 'resizeRowsAny';
}

/** Export name of the vertical kernel for `taps` taps per row. */
export function resizeColumnsName(taps: number): string {
  return (UNROLLED_TAPS as readonly number[]).includes(taps) ? `resizeColumns${taps}` : 'resizeColumnsAny';
}

/**
 * Horizontal pass: `rows` rows starting at `src` (stride `srcStride` bytes),
 * each resampled into `outWidth` RGB pixels at `dst` (packed rows).
 *
 * Taps go two at a time through `i32x4.dot_i16x8_s`: the two pixels' bytes
 * become i16 lanes (R₀ R₁ G₀ G₁ B₀ B₁ 0 0), and each 22-bit weight is split
 * as w = h·2^11 + l so both halves fit an i16; Σ x·w = 2^11·Σ x·h + Σ x·l
 * exactly. The row-plan record of a pixel is `[byte offset, pair count]`
 * followed, per pair, by the low-part and high-part weight vectors (i16x8
 * each, laid out like the pixel lanes; missing taps have weight 0). Every
 * record of a plan has the same pair count, and a plan has an even number of
 * records (the last may be a dummy): output pixels go two at a time, packed
 * into one 8-byte store whose last 2 bytes the next pair overwrites.
 *
 * `pairs` fixes the pair count for a straight-line kernel; 'any' loops over
 * the count in the records.
 */
export function resizeRowsKernel(pairs: number | 'any'): WasmFunction {
  const f = new FunctionBuilder(typeof pairs === 'number' ? resizeRowsName(pairs) : 'resizeRowsAny');
  const src = f.param(I32);
  const srcStride = f.param(I32);
  const rows = f.param(I32);
  const dst = f.param(I32);
  const outWidth = f.param(I32);
  const plan = f.param(I32);
  const r = f.local(I32);
  const x = f.local(I32);
  const record = f.local(I32);
  const p = f.local(I32);
  const n = f.local(I32);
  const out = f.local(I32);
  const zero = f.local(V128);
  const lowA = f.local(V128);
  const highA = f.local(V128);
  const lowB = f.local(V128);
  const highB = f.local(V128);
  const pair = f.local(V128);
  // Bytes R₀ G₀ B₀ R₁ G₁ B₁ → u16 lanes R₀ R₁ G₀ G₁ B₀ B₁ 0 0 (lane 16 of the shuffle is a zero byte).
  const Z = 16;
  const pairLanes = [0, Z, 3, Z, 1, Z, 4, Z, 2, Z, 5, Z, Z, Z, Z, Z];
  const pairAt = (offset: number): Code => i8x16.shuffle(v128.load64Zero(p.get(), offset), zero.get(), pairLanes);
  const addPair = (low: Local, high: Local, pixelOffset: number, weightOffset: number): Code[] => [
    pair.set(pairAt(pixelOffset)),
    low.set(i32x4.add(low.get(), i32x4.dotI16x8(pair.get(), v128.load(record.get(), weightOffset)))),
    high.set(i32x4.add(high.get(), i32x4.dotI16x8(pair.get(), v128.load(record.get(), weightOffset + 16)))),
  ];
  // One output pixel's sums; leaves `record` at the next record.
  const accumulate = (low: Local, high: Local): Code[] => {
    const start = [p.set(i32.add(src.get(), i32.load(record.get()))), low.set(i32x4.splat(i32.const(HALF))), high.set(zero.get())];
    if (pairs === 'any') {
      return [
        ...start,
        n.set(i32.load(record.get(), 4)),
        record.increment(8),
        doWhile(i32.ne(n.get(), i32.const(0)), ...addPair(low, high, 0, 0), p.increment(6), record.increment(32), n.increment(-1)),
      ];
    }
    return [...start, ...Array.from({ length: pairs }, (_, j) => addPair(low, high, 6 * j, 8 + 32 * j)).flat(), record.increment(8 + 32 * pairs)];
  };
  const pixel = (low: Local, high: Local): Code => i32x4.shrS(i32x4.add(i32x4.shl(high.get(), WEIGHT_SPLIT_BITS), low.get()), PRECISION_BITS);
  // u8 lanes Ra Ga Ba 0 Rb Gb Bb 0 … → Ra Ga Ba Rb Gb Bb (then junk).
  const packLanes = [0, 1, 2, 4, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const twoPixels = (): Code => {
    const words = i16x8.narrowI32x4S(pixel(lowA, highA), pixel(lowB, highB));
    const bytes = u8x16.narrowI16x8(words, words);
    return i8x16.shuffle(bytes, bytes, packLanes);
  };
  return f.build(
    zero.set(i32x4.splat(i32.const(0))),
    forRange(r, i32.const(0), rows.get(), 1,
      record.set(plan.get()),
      out.set(dst.get()),
      forRange(x, i32.const(0), outWidth.get(), 2,
        ...accumulate(lowA, highA),
        ...accumulate(lowB, highB),
        v128.store64Lane(out.get(), twoPixels(), 0),
        out.increment(6),
      ),
      src.increment(srcStride.get()),
      dst.increment(i32.mul(outWidth.get(), i32.const(3))),
    ),
  );
}

/**
 * Vertical pass: `outHeight` rows of `stride` bytes at `dst`, each a weighted
 * sum of rows of `src` (same stride), 16 bytes (four i32x4 accumulators) at a
 * time. Plan record per output row: `[byte offset of the first row, tap count
 * n ≥ 1, w₀ … wₙ₋₁]` (i32), every record with the same count. `taps` fixes
 * that count for a straight-line kernel (row pointers and weight vectors
 * loaded once per output row); 'any' loops over the count in the records.
 */
export function resizeColumnsKernel(taps: number | 'any'): WasmFunction {
  const f = new FunctionBuilder(typeof taps === 'number' ? resizeColumnsName(taps) : 'resizeColumnsAny');
  const src = f.param(I32);
  const stride = f.param(I32);
  const dst = f.param(I32);
  const outHeight = f.param(I32);
  const plan = f.param(I32);
  const y = f.local(I32);
  const c = f.local(I32);
  const rowBase = f.local(I32);
  const count = f.local(I32);
  const p = f.local(I32);
  const w = f.local(I32);
  const n = f.local(I32);
  const acc = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)] as const;
  const bytes = f.local(V128);
  const words = f.local(V128);
  const weight = f.local(V128);
  const fixed = typeof taps === 'number' ? taps : 0;
  const rowPointers = Array.from({ length: fixed }, () => f.local(I32));
  const weightVectors = Array.from({ length: fixed }, () => f.local(V128));
  const accumulate = (a: Local, lanes: Code, wv: Local): Code => a.set(i32x4.add(a.get(), i32x4.mul(lanes, wv.get())));
  const addRow = (row: Code, wv: Local): Code[] => [
    bytes.set(v128.load(row)),
    words.set(i16x8.extendLowU8(bytes.get())),
    accumulate(acc[0], i32x4.extendLowU16(words.get()), wv),
    accumulate(acc[1], i32x4.extendHighU16(words.get()), wv),
    words.set(i16x8.extendHighU8(bytes.get())),
    accumulate(acc[2], i32x4.extendLowU16(words.get()), wv),
    accumulate(acc[3], i32x4.extendHighU16(words.get()), wv),
  ];
  const narrow = i16x8.narrowI32x4S;
  const shifted = (a: Local): Code => i32x4.shrS(a.get(), PRECISION_BITS);
  const chunk = (): Code[] => {
    const start = acc.map((a) => a.set(i32x4.splat(i32.const(HALF))));
    if (taps === 'any') {
      return [
        ...start,
        p.set(i32.add(rowBase.get(), c.get())),
        w.set(i32.add(plan.get(), i32.const(8))),
        n.set(count.get()),
        doWhile(i32.ne(n.get(), i32.const(0)), weight.set(i32x4.splat(i32.load(w.get()))), ...addRow(p.get(), weight), p.increment(stride.get()), w.increment(4), n.increment(-1)),
      ];
    }
    return [...start, ...rowPointers.flatMap((row, t) => addRow(i32.add(row.get(), c.get()), weightVectors[t] as Local))];
  };
  const perRow = (): Code[] => {
    if (taps === 'any') return [count.set(i32.load(plan.get(), 4))];
    return [
      count.set(i32.const(taps)),
      ...rowPointers.map((row, t) => row.set(t === 0 ? rowBase.get() : i32.add((rowPointers[t - 1] as Local).get(), stride.get()))),
      ...weightVectors.map((wv, t) => wv.set(i32x4.splat(i32.load(plan.get(), 8 + 4 * t)))),
    ];
  };
  return f.build(
    forRange(y, i32.const(0), outHeight.get(), 1,
      rowBase.set(i32.add(src.get(), i32.load(plan.get()))),
      ...perRow(),
      forRange(c, i32.const(0), stride.get(), 16,
        ...chunk(),
        v128.store(i32.add(dst.get(), c.get()), u8x16.narrowI16x8(narrow(shifted(acc[0]), shifted(acc[1])), narrow(shifted(acc[2]), shifted(acc[3])))),
      ),
      dst.increment(stride.get()),
      plan.set(i32.add(plan.get(), i32.shl(i32.add(count.get(), i32.const(2)), i32.const(2)))),
    ),
  );
}
