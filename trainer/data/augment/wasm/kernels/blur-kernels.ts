/**
 * PIL's extended-box blur pass (../../ops/gaussian-blur.ts) as a SIMD kernel,
 * plus the edge-replicating layout helpers it runs on.
 *
 * One pass computes, for every byte i of a padded buffer,
 *   out[i] = (C·ww + E·fw + 2^23) >>> 24
 * where C sums the 2l+1 central taps src[i + k·step], |k| ≤ l, and E the two
 * outer taps at ±(l+1)·step — exactly PIL's sliding-sum result, 16 bytes at a
 * time. `step` is 3 for a horizontal pass over RGB rows and the row stride for
 * a vertical pass, so one kernel serves both axes. The total stays below 2^32
 * ((2l+1)·ww + 2·fw ≤ 2^24), so wrapping i32 arithmetic with an unsigned shift
 * is exact. FRA's σ ≤ 2 gives l ∈ {0, 1} (`box3`, `box5`); larger radii are
 * left to the reference implementation.
 *
 * The taps must exist: callers lay rows out with l+1 replicated edge pixels
 * (`padRows`, `replicateRowEdges`) or l+1 replicated edge rows, which is PIL's
 * clamp-to-edge border. Vector loads and stores reach up to 15 bytes past
 * `count` (plus the outer taps), so buffers carry slack.
 */
import { type Code, forRange, FunctionBuilder, I32, i16x8, i32, i32x4, memoryCopy, u8x16, V128, v128 } from '../wasm-code.js';
import type { WasmFunction } from '../wasm-binary.js';

const ROUND = 1 << 23;

export function boxPassKernel(name: string, radius: 0 | 1): WasmFunction {
  const f = new FunctionBuilder(name);
  const src = f.param(I32);
  const dst = f.param(I32);
  const count = f.param(I32);
  const step = f.param(I32);
  const innerWeight = f.param(I32);
  const edgeWeight = f.param(I32);
  const i = f.local(I32);
  const p = f.local(I32);
  const far = f.local(I32);
  const ww = f.local(V128);
  const fw = f.local(V128);
  const round = f.local(V128);
  const central = f.local(V128);
  const edges = f.local(V128);
  const lo = f.local(V128);
  const hi = f.local(V128);
  const tapCount = 2 * radius + 3;
  const taps = Array.from({ length: tapCount }, () => f.local(V128));
  const centralTaps = radius === 0 ? [taps[1]!] : [taps[1]!, taps[2]!, taps[3]!];
  const edgeTaps = [taps[0]!, taps[tapCount - 1]!];
  // Tap k sits at offset (k − l − 1)·step from the output byte.
  const loadTaps = (): Code[] =>
    taps.map((t, k) => {
      const offset = k - radius - 1;
      if (offset === 0) return t.set(v128.load(p.get()));
      const distance = Math.abs(offset) === 1 ? step.get() : far.get();
      return t.set(v128.load(offset < 0 ? i32.sub(p.get(), distance) : i32.add(p.get(), distance)));
    });
  // Sums of u8 lanes as u16 lanes (≤ 3·255), over the low or high eight bytes.
  const sum = (of: typeof taps, half: (v: Code) => Code): Code => of.map((t) => half(t.get())).reduce((a, b) => i16x8.add(a, b));
  const lowWords = (v: Code): Code => i16x8.extendLowU8(v);
  const highWords = (v: Code): Code => i16x8.extendHighU8(v);
  const weigh = (c: Code, e: Code): Code =>
    i32x4.shrU(i32x4.add(i32x4.add(i32x4.mul(c, ww.get()), i32x4.mul(e, fw.get())), round.get()), 24);
  // Eight output bytes from the u16 sums in `central` and `edges`.
  const eightOutputs = (): Code =>
    i16x8.narrowI32x4S(
      weigh(i32x4.extendLowU16(central.get()), i32x4.extendLowU16(edges.get())),
      weigh(i32x4.extendHighU16(central.get()), i32x4.extendHighU16(edges.get())),
    );
  return f.build(
    ww.set(i32x4.splat(innerWeight.get())),
    fw.set(i32x4.splat(edgeWeight.get())),
    round.set(i32x4.splat(i32.const(ROUND))),
    far.set(i32.mul(step.get(), i32.const(radius + 1))),
    forRange(i, i32.const(0), count.get(), 16,
      p.set(i32.add(src.get(), i.get())),
      ...loadTaps(),
      central.set(sum(centralTaps, lowWords)),
      edges.set(sum(edgeTaps, lowWords)),
      lo.set(eightOutputs()),
      central.set(sum(centralTaps, highWords)),
      edges.set(sum(edgeTaps, highWords)),
      hi.set(eightOutputs()),
      v128.store(i32.add(dst.get(), i.get()), u8x16.narrowI16x8(lo.get(), hi.get())),
    ),
  );
}

/**
 * Copy `rows` packed RGB rows of `width` pixels from `src` into `dst`, whose
 * rows hold `pad` extra pixels on each side (filled by `replicateRowEdges`).
 */
export function padRowsKernel(): WasmFunction {
  const f = new FunctionBuilder('padRows');
  const src = f.param(I32);
  const dst = f.param(I32);
  const rows = f.param(I32);
  const width = f.param(I32);
  const pad = f.param(I32);
  const r = f.local(I32);
  const rowBytes = f.local(I32);
  const paddedBytes = f.local(I32);
  return f.build(
    rowBytes.set(i32.mul(width.get(), i32.const(3))),
    paddedBytes.set(i32.add(rowBytes.get(), i32.mul(pad.get(), i32.const(6)))),
    forRange(r, i32.const(0), rows.get(), 1,
      memoryCopy(i32.add(dst.get(), i32.mul(pad.get(), i32.const(3))), src.get(), rowBytes.get()),
      src.increment(rowBytes.get()),
      dst.increment(paddedBytes.get()),
    ),
  );
}

/**
 * In a buffer of `rows` rows, each `pad` + `width` + `pad` RGB pixels,
 * overwrite the pad pixels with copies of the row's first / last real pixel.
 */
export function replicateRowEdgesKernel(): WasmFunction {
  const f = new FunctionBuilder('replicateRowEdges');
  const buf = f.param(I32);
  const rows = f.param(I32);
  const width = f.param(I32);
  const pad = f.param(I32);
  const r = f.local(I32);
  const k = f.local(I32);
  const first = f.local(I32);
  const last = f.local(I32);
  const paddedBytes = f.local(I32);
  const copyPixel = (to: Code, from: Code): Code => memoryCopy(to, from, i32.const(3));
  return f.build(
    paddedBytes.set(i32.mul(i32.add(width.get(), i32.shl(pad.get(), i32.const(1))), i32.const(3))),
    forRange(r, i32.const(0), rows.get(), 1,
      first.set(i32.add(buf.get(), i32.mul(pad.get(), i32.const(3)))),
      last.set(i32.add(first.get(), i32.mul(i32.sub(width.get(), i32.const(1)), i32.const(3)))),
      forRange(k, i32.const(1), i32.add(pad.get(), i32.const(1)), 1,
        copyPixel(i32.sub(first.get(), i32.mul(k.get(), i32.const(3))), first.get()),
        copyPixel(i32.add(last.get(), i32.mul(k.get(), i32.const(3))), last.get()),
      ),
      buf.increment(paddedBytes.get()),
    ),
  );
}

/** Copy the real pixels of `rows` padded rows (see `padRowsKernel`) back into packed rows at `dst`. */
export function unpadRowsKernel(): WasmFunction {
  const f = new FunctionBuilder('unpadRows');
  const src = f.param(I32);
  const dst = f.param(I32);
  const rows = f.param(I32);
  const width = f.param(I32);
  const pad = f.param(I32);
  const r = f.local(I32);
  const rowBytes = f.local(I32);
  const paddedBytes = f.local(I32);
  return f.build(
    rowBytes.set(i32.mul(width.get(), i32.const(3))),
    paddedBytes.set(i32.add(rowBytes.get(), i32.mul(pad.get(), i32.const(6)))),
    forRange(r, i32.const(0), rows.get(), 1,
      memoryCopy(dst.get(), i32.add(src.get(), i32.mul(pad.get(), i32.const(3))), rowBytes.get()),
      src.increment(paddedBytes.get()),
      dst.increment(rowBytes.get()),
    ),
  );
}
