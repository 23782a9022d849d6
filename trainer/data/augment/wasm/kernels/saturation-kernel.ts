/**
 * The saturation jitter (../../ops/saturation.ts, PIL's `ImageEnhance.Color`)
 * on 16 pixels at a time: v' = trunc(L + alpha·(v − L)) in float32, clamped to
 * 0…255, with L the pixel's PIL luma. Lanes compute exactly what the scalar
 * kernel does (f32x4 mul/add round like f32 ones; the saturating narrowing is
 * the clamp). No pending table: the caller applies it first. Pixels past the
 * last full group of 16 are left to the scalar `saturation` kernel.
 */
import { type Code, F32, f32x4, forRange, FunctionBuilder, I32, i16x8, i32, i32x4, type Local, u8x16, V128, v128 } from '../wasm-code.js';
import type { WasmFunction } from '../wasm-binary.js';
import { deinterleave, interleave } from './rgb-planes.js';

export function saturation16Kernel(): WasmFunction {
  const f = new FunctionBuilder('saturation16');
  const buf = f.param(I32);
  const groups = f.param(I32);
  const alpha = f.param(F32);
  const i = f.local(I32);
  const alphas = f.local(V128);
  const packed = [f.local(V128), f.local(V128), f.local(V128)] as const;
  const planes = [f.local(V128), f.local(V128), f.local(V128)] as const;
  // Per channel, the four i32x4 quarters of the plane (pixels 0–3, 4–7, 8–11, 12–15).
  const wide = planes.map(() => [f.local(V128), f.local(V128), f.local(V128), f.local(V128)] as const);
  const luma = f.local(V128);
  const lumaF = f.local(V128);
  const words = f.local(V128);

  const widen = (plane: Local, quarters: readonly Local[]): Code[] => [
    words.set(i16x8.extendLowU8(plane.get())),
    (quarters[0] as Local).set(i32x4.extendLowU16(words.get())),
    (quarters[1] as Local).set(i32x4.extendHighU16(words.get())),
    words.set(i16x8.extendHighU8(plane.get())),
    (quarters[2] as Local).set(i32x4.extendLowU16(words.get())),
    (quarters[3] as Local).set(i32x4.extendHighU16(words.get())),
  ];
  const times = (v: Local, k: number): Code => i32x4.mul(v.get(), i32x4.splat(i32.const(k)));
  // Blend one quarter of every channel in place (the quarters then hold the results).
  const blendQuarter = (q: number): Code[] => {
    const [r, g, b] = wide.map((w) => w[q] as Local) as [Local, Local, Local];
    const blended = (v: Local): Code => i32x4.truncSatF32x4(f32x4.add(lumaF.get(), f32x4.mul(alphas.get(), f32x4.convertI32x4(i32x4.sub(v.get(), luma.get())))));
    return [
      luma.set(i32x4.shrS(i32x4.add(i32x4.add(i32x4.add(times(r, 19595), times(g, 38470)), times(b, 7471)), i32x4.splat(i32.const(0x8000))), 16)),
      lumaF.set(f32x4.convertI32x4(luma.get())),
      r.set(blended(r)),
      g.set(blended(g)),
      b.set(blended(b)),
    ];
  };
  const narrowPlane = (quarters: readonly Local[]): Code =>
    u8x16.narrowI16x8(
      i16x8.narrowI32x4S((quarters[0] as Local).get(), (quarters[1] as Local).get()),
      i16x8.narrowI32x4S((quarters[2] as Local).get(), (quarters[3] as Local).get()),
    );
  const [p0, p1, p2] = packed;
  const [rPlane, gPlane, bPlane] = planes;
  return f.build(
    alphas.set(f32x4.splat(alpha.get())),
    forRange(i, i32.const(0), groups.get(), 1,
      p0.set(v128.load(buf.get(), 0)),
      p1.set(v128.load(buf.get(), 16)),
      p2.set(v128.load(buf.get(), 32)),
      ...([0, 1, 2] as const).map((c) => planes[c].set(deinterleave(p0.get(), p1.get(), p2.get(), c))),
      ...planes.flatMap((plane, c) => widen(plane, wide[c] as readonly Local[])),
      ...[0, 1, 2, 3].flatMap(blendQuarter),
      ...planes.map((plane, c) => plane.set(narrowPlane(wide[c] as readonly Local[]))),
      ...([0, 1, 2] as const).map((part) => v128.store(buf.get(), interleave(rPlane.get(), gPlane.get(), bPlane.get(), part), 16 * part)),
      buf.increment(48),
    ),
  );
}
