/**
 * Per-pixel colour kernels, scalar wasm, each reading its input through a
 * pending 256-entry point-op table (`table`; the identity when nothing is
 * pending) exactly like the reference ops' `through` argument:
 *
 * - `meanLumaSum`: Σ PIL luma, for the contrast jitter's mean (../../ops/grayscale.ts)
 * - `grayscale`: luma on all three channels (../../ops/grayscale.ts)
 * - `saturation`: blend with the pixel's own luma, float32 (../../ops/saturation.ts)
 * - `applyTable`: every byte through the table (../../ops/lookup-table.ts)
 * - `normalize`: bytes → float32 through a 3 × 256 table (../../ops/normalize.ts)
 *
 * The float arithmetic is the reference's: products and sums of float32
 * values rounded to float32 (wasm's f32 ops round once, as `Math.fround` of
 * the exact double result does), then truncation toward zero.
 */
import { type Code, F32, F64, f32, f64, forRange, FunctionBuilder, I32, i32, type Local, seq } from '../wasm-code.js';
import type { WasmFunction } from '../wasm-binary.js';

/** PIL's L = (R·19595 + G·38470 + B·7471 + 2^15) >> 16. */
export function luma(r: Code, g: Code, b: Code): Code {
  return i32.shrS(
    i32.add(i32.add(i32.add(i32.mul(r, i32.const(19595)), i32.mul(g, i32.const(38470))), i32.mul(b, i32.const(7471))), i32.const(0x8000)),
    i32.const(16),
  );
}

/** `table[byte at addr + offset]`. */
export function throughTable(table: Local, addr: Code, offset: number): Code {
  return i32.load8U(i32.add(table.get(), i32.load8U(addr, offset)));
}

/** Σ luma over `pixels` RGB pixels at `src` (as f64: exact, and cannot overflow). */
export function meanLumaSumKernel(): WasmFunction {
  const f = new FunctionBuilder('meanLumaSum').returns(F64);
  const src = f.param(I32);
  const pixels = f.param(I32);
  const table = f.param(I32);
  const i = f.local(I32);
  const sum = f.local(F64);
  return f.build(
    forRange(i, i32.const(0), pixels.get(), 1,
      sum.set(f64.add(sum.get(), f64.convertI32S(luma(throughTable(table, src.get(), 0), throughTable(table, src.get(), 1), throughTable(table, src.get(), 2))))),
      src.increment(3),
    ),
    sum.get(),
  );
}

export function grayscaleKernel(): WasmFunction {
  const f = new FunctionBuilder('grayscale');
  const buf = f.param(I32);
  const pixels = f.param(I32);
  const table = f.param(I32);
  const i = f.local(I32);
  const l = f.local(I32);
  return f.build(
    forRange(i, i32.const(0), pixels.get(), 1,
      l.set(luma(throughTable(table, buf.get(), 0), throughTable(table, buf.get(), 1), throughTable(table, buf.get(), 2))),
      i32.store8(buf.get(), l.get(), 0),
      i32.store8(buf.get(), l.get(), 1),
      i32.store8(buf.get(), l.get(), 2),
      buf.increment(3),
    ),
  );
}

/**
 * `ImageEnhance.Color` with float32 `alpha`: v' = trunc(L + alpha·(v − L)),
 * clamped to 0…255 (a no-op unless alpha extrapolates, as in PIL).
 */
export function saturationKernel(): WasmFunction {
  const f = new FunctionBuilder('saturation');
  const buf = f.param(I32);
  const pixels = f.param(I32);
  const alpha = f.param(F32);
  const table = f.param(I32);
  const i = f.local(I32);
  const r = f.local(I32);
  const g = f.local(I32);
  const b = f.local(I32);
  const l = f.local(I32);
  const lf = f.local(F32);
  const v = f.local(I32);
  const blended = (value: Local): Code => i32.truncF32S(f32.add(lf.get(), f32.mul(alpha.get(), f32.convertI32S(i32.sub(value.get(), l.get())))));
  const clampByte = (x: Code): Code =>
    seq(v.set(x), i32.select(i32.const(0), i32.select(i32.const(255), v.get(), i32.gtS(v.get(), i32.const(255))), i32.ltS(v.get(), i32.const(0))));
  return f.build(
    forRange(i, i32.const(0), pixels.get(), 1,
      r.set(throughTable(table, buf.get(), 0)),
      g.set(throughTable(table, buf.get(), 1)),
      b.set(throughTable(table, buf.get(), 2)),
      l.set(luma(r.get(), g.get(), b.get())),
      lf.set(f32.convertI32S(l.get())),
      i32.store8(buf.get(), clampByte(blended(r)), 0),
      i32.store8(buf.get(), clampByte(blended(g)), 1),
      i32.store8(buf.get(), clampByte(blended(b)), 2),
      buf.increment(3),
    ),
  );
}

export function applyTableKernel(): WasmFunction {
  const f = new FunctionBuilder('applyTable');
  const buf = f.param(I32);
  const bytes = f.param(I32);
  const table = f.param(I32);
  const i = f.local(I32);
  return f.build(
    forRange(i, i32.const(0), bytes.get(), 1,
      i32.store8(buf.get(), throughTable(table, buf.get(), 0)),
      buf.increment(1),
    ),
  );
}

/** `dst[3i + c] = table[256c + src[3i + c]]` as float32 (the table already folds pending point ops in). */
export function normalizeKernel(): WasmFunction {
  const f = new FunctionBuilder('normalize');
  const src = f.param(I32);
  const dst = f.param(I32);
  const pixels = f.param(I32);
  const table = f.param(I32);
  const i = f.local(I32);
  const entry = (channel: number): Code =>
    f32.load(i32.add(table.get(), i32.shl(i32.add(i32.load8U(src.get(), channel), i32.const(256 * channel)), i32.const(2))));
  return f.build(
    forRange(i, i32.const(0), pixels.get(), 1,
      f32.store(dst.get(), entry(0), 0),
      f32.store(dst.get(), entry(1), 4),
      f32.store(dst.get(), entry(2), 8),
      src.increment(3),
      dst.increment(12),
    ),
  );
}
