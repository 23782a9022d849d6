/**
 * The hue jitter (../../ops/hue.ts: PIL's 8-bit RGB → HSV → RGB round trip
 * with the hue shifted by a byte, libImaging/Convert.c `rgb2hsv_row` and
 * `hsv2rgb`) as a scalar wasm kernel over tables built from the same float
 * and double arithmetic:
 *
 * - H depends only on which channel is largest, which smallest, and two byte
 *   differences: num = max − (middle channel) and cr = max − min (PIL's
 *   quotients are (max − channel) / cr). So `hue[case][num][cr]` holds the
 *   final 8-bit H for the six orderings; S = `saturation[cr][max]`.
 * - hsv2rgb: p = `p[s][v]`; q and t need the shifted hue too, so they are
 *   computed: round(v · (1 − float(fs·f))) and round(v · (1 − fs·(1 − f))) in
 *   double, halves up, with fs = float(s / 255) and f = float(h·6/255 − i)
 *   from 256-entry tables. Each sector uses only one of q and t (odd sectors
 *   q, even ones t), so only that one is computed.
 *
 * Tables take ~515 KB of kernel memory, laid out as `HUE_TABLES`, and are
 * indexed by slowly varying quantities, so smooth images stay in cache.
 */
import { type Code, F32, F64, f32, f64, forRange, FunctionBuilder, I32, i32, ifElse, type Local, seq, switchCases } from '../wasm-code.js';
import type { WasmFunction } from '../wasm-binary.js';

/** Byte offsets inside the hue table block (see `hueTables`). */
export const HUE_TABLES = {
  /** Uint8 [case·65536 + num·256 + cr]: H of rgb2hsv (cases: see `hueCase`). */
  hue: 0,
  /** Uint8 [cr·256 + max]: S = trunc(float(cr / max) · 255.0). */
  saturation: 6 * 65536,
  /** Uint8 [s·256 + v]: p = round(v · (1 − fs)). */
  p: 7 * 65536,
  /** Float32 [h]: f = float(h·6/255 − floor(h·6/255)). */
  remainder: 8 * 65536,
  /** Float32 [s]: fs = float(s / 255). */
  fs: 8 * 65536 + 1024,
  /** Uint8 [h]: the hsv2rgb sector floor(h·6/255) % 6. */
  sector: 8 * 65536 + 2048,
  /** Total size in bytes. */
  bytes: 8 * 65536 + 2048 + 256,
} as const;

/**
 * H for each ordering from q = float(num / cr), the one quotient that is not
 * 0 (the largest channel) or 1 (the smallest): PIL's branch formula with
 * those values, evaluated in the same order and precision. Cases: 0/1 r
 * largest (middle g / b), 2/3 g largest (middle r / b), 4/5 b largest
 * (middle g / r). Ties give the same H whichever tied channel counts as the
 * smaller one, and PIL's r-then-g branch order matches the case choice.
 */
const H_OF_CASE: readonly ((q: number) => number)[] = [
  (q) => Math.fround(1.0 - q), // bc − gc, bc = 1
  (q) => Math.fround(q - 1.0), // bc − gc, gc = 1
  (q) => Math.fround(2.0 + q - 1.0), // 2 + rc − bc, bc = 1
  (q) => Math.fround(2.0 + 1.0 - q), // 2 + rc − bc, rc = 1
  (q) => Math.fround(4.0 + q - 1.0), // 4 + gc − rc, rc = 1
  (q) => Math.fround(4.0 + 1.0 - q), // 4 + gc − rc, gc = 1
];

/** rgb2hsv's final step: fmod(h/6 + 1, 1) stored as float, times 255.0, truncated. */
function hueByte(h: number): number {
  const wrapped = h / 6.0 + 1.0;
  return Math.trunc(Math.fround(wrapped >= 1.0 ? wrapped - 1.0 : wrapped) * 255.0);
}

/** PIL's 8-bit H (rgb2hsv_row) of one pixel with max > min, computed directly (the tables' cross-check). */
export function pilHueByte(r: number, g: number, b: number): number {
  const f32 = Math.fround;
  const max = Math.max(r, g, b);
  const cr = max - Math.min(r, g, b);
  const rc = f32(f32(max - r) / f32(cr));
  const gc = f32(f32(max - g) / f32(cr));
  const bc = f32(f32(max - b) / f32(cr));
  let h: number;
  if (r === max) h = f32(bc - gc);
  else if (g === max) h = f32(2.0 + rc - bc);
  else h = f32(4.0 + gc - rc);
  return hueByte(h);
}

let block: Uint8Array | null = null;

/** The table block, laid out as `HUE_TABLES` (built once per thread). */
export function hueTables(): Uint8Array {
  if (block !== null) return block;
  const out = new Uint8Array(HUE_TABLES.bytes);
  for (let cr = 1; cr < 256; cr++) {
    for (let num = 0; num <= cr; num++) {
      const q = Math.fround(Math.fround(num) / Math.fround(cr));
      for (let c = 0; c < 6; c++) out[HUE_TABLES.hue + c * 65536 + num * 256 + cr] = hueByte((H_OF_CASE[c] as (q: number) => number)(q));
    }
  }
  for (let cr = 1; cr < 256; cr++) {
    for (let max = cr; max < 256; max++) out[HUE_TABLES.saturation + cr * 256 + max] = Math.trunc(Math.fround(cr / max) * 255.0);
  }
  const remainder = new Float32Array(out.buffer, HUE_TABLES.remainder, 256);
  const fs = new Float32Array(out.buffer, HUE_TABLES.fs, 256);
  for (let x = 0; x < 256; x++) {
    const scaled = (x * 6.0) / 255.0;
    // h = 255 gives i = 6, which C's switch (i % 6) treats as sector 0.
    out[HUE_TABLES.sector + x] = Math.floor(scaled) % 6;
    remainder[x] = Math.fround(scaled - Math.floor(scaled));
    fs[x] = Math.fround(x / 255.0);
    for (let v = 0; v < 256; v++) out[HUE_TABLES.p + x * 256 + v] = Math.round(v * (1.0 - (fs[x] as number)));
  }
  block = out;
  return block;
}

export function hueKernel(): WasmFunction {
  const f = new FunctionBuilder('hue');
  const buf = f.param(I32);
  const pixels = f.param(I32);
  const shift = f.param(I32);
  const table = f.param(I32);
  const tables = f.param(I32);
  const i = f.local(I32);
  const r = f.local(I32);
  const g = f.local(I32);
  const b = f.local(I32);
  const max = f.local(I32);
  const min = f.local(I32);
  const cr = f.local(I32);
  const index = f.local(I32);
  const sat = f.local(I32);
  const hue = f.local(I32);
  const p = f.local(I32);
  const sector = f.local(I32);
  const qt = f.local(I32);
  const fs = f.local(F32);
  const frac = f.local(F32);
  const x = f.local(F64);
  const floor = f.local(F64);
  const maxValue = f.local(F64);

  const through = (offset: number): Code => i32.load8U(i32.add(table.get(), i32.load8U(buf.get(), offset)));
  const byteTable = (offset: number, at: Code): Code => i32.load8U(i32.add(tables.get(), at), offset);
  const floatTable = (offset: number, at: Code): Code => f32.load(i32.add(tables.get(), i32.shl(at, i32.const(2))), offset);
  const larger = (a: Code, c: Code): Code => i32.select(a, c, i32.gtS(a, c));
  const smaller = (a: Code, c: Code): Code => i32.select(a, c, i32.ltS(a, c));
  // Index into the H table: case·65536 + (max − middle)·256 + cr, the case chosen as PIL branches.
  const hueIndex = (caseIfMiddleIsA: number, a: Local, other: Local): Code =>
    i32.select(
      i32.add(i32.const(caseIfMiddleIsA * 65536), i32.shl(i32.sub(max.get(), a.get()), i32.const(8))),
      i32.add(i32.const((caseIfMiddleIsA + 1) * 65536), i32.shl(i32.sub(max.get(), other.get()), i32.const(8))),
      i32.geS(a.get(), other.get()),
    );
  // round(v · factor) with v = max, halves up (x − floor(x) is exact for x ≥ 0).
  const roundedTimesMax = (factor: Code): Code =>
    seq(
      x.set(f64.mul(maxValue.get(), factor)),
      floor.set(f64.floor(x.get())),
      i32.add(i32.truncF64S(floor.get()), f64.ge(f64.sub(x.get(), floor.get()), f64.const(0.5))),
    );
  const one = f64.const(1.0);
  const store = (red: Local, green: Local, blue: Local): Code =>
    seq(i32.store8(buf.get(), red.get(), 0), i32.store8(buf.get(), green.get(), 1), i32.store8(buf.get(), blue.get(), 2));

  return f.build(
    forRange(i, i32.const(0), pixels.get(), 1,
      r.set(through(0)),
      g.set(through(1)),
      b.set(through(2)),
      max.set(larger(r.get(), larger(g.get(), b.get()))),
      min.set(smaller(r.get(), smaller(g.get(), b.get()))),
      ifElse(
        i32.eq(max.get(), min.get()),
        // A grey (S = 0): the round trip leaves it unchanged.
        store(r, g, b),
        seq(
          cr.set(i32.sub(max.get(), min.get())),
          // Cases 0/1: r largest (middle g / b); 2/3: g largest (middle r / b); 4/5: b largest (middle g / r).
          ifElse(
            i32.eq(r.get(), max.get()),
            index.set(hueIndex(0, g, b)),
            ifElse(i32.eq(g.get(), max.get()), index.set(hueIndex(2, r, b)), index.set(hueIndex(4, g, r))),
          ),
          hue.set(i32.and(i32.add(byteTable(HUE_TABLES.hue, i32.add(index.get(), cr.get())), shift.get()), i32.const(255))),
          sat.set(byteTable(HUE_TABLES.saturation, i32.add(i32.shl(cr.get(), i32.const(8)), max.get()))),
          // hsv2rgb with the shifted hue, v = max.
          p.set(byteTable(HUE_TABLES.p, i32.add(i32.shl(sat.get(), i32.const(8)), max.get()))),
          fs.set(floatTable(HUE_TABLES.fs, sat.get())),
          frac.set(floatTable(HUE_TABLES.remainder, hue.get())),
          maxValue.set(f64.convertI32S(max.get())),
          sector.set(byteTable(HUE_TABLES.sector, hue.get())),
          ifElse(
            i32.and(sector.get(), i32.const(1)),
            qt.set(roundedTimesMax(f64.sub(one, f64.promoteF32(f32.mul(fs.get(), frac.get()))))),
            qt.set(roundedTimesMax(f64.sub(one, f64.mul(f64.promoteF32(fs.get()), f64.sub(one, f64.promoteF32(frac.get())))))),
          ),
          // PIL's switch: (v, t, p) (q, v, p) (p, v, t) (p, q, v) (t, p, v) (v, p, q).
          switchCases(sector.get(), [
            store(max, qt, p),
            store(qt, max, p),
            store(p, max, qt),
            store(p, qt, max),
            store(qt, p, max),
            store(max, p, qt),
          ]),
        ),
      ),
      buf.increment(3),
    ),
  );
}
