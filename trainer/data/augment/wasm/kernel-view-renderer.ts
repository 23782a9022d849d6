/**
 * Renders FRA views (fra-spec §3) with the wasm kernels: the same op
 * sequence, parameters and point-op deferral as the reference renderer
 * (../view-render-reference.ts), so the bytes and floats are identical — the
 * kernels only change how fast they are computed.
 *
 * A source image is copied into kernel memory once and both views are cut
 * from it; each view lives in kernel scratch memory until it is written out
 * (normalised floats into the caller's batch buffer, or 8-bit RGB).
 */
import type { RgbImage } from '../../image-source.js';
import { blendTable } from '../ops/blend.js';
import { brightnessTable } from '../ops/brightness.js';
import type { ColorJitterParams } from '../ops/color-jitter.js';
import { hueShiftBytes } from '../ops/hue.js';
import { type ByteTable, composeTables } from '../ops/lookup-table.js';
import { normalizationThrough } from '../ops/normalize.js';
import { FRA_SOLARIZE_THRESHOLD, solarizeTable } from '../ops/solarize.js';
import { blurInKernelMemory } from './kernel-blur.js';
import type { AugmentKernels } from './kernel-module.js';
import { columnsPlan, rowsPlan } from './resize-plan.js';
import type { ViewParams } from '../view-params.js';

/** The stages a view goes through, for per-stage timing (`StageClock`). */
export type AugmentStage = 'resize' | 'jitter' | 'grayscale' | 'blur' | 'output';

/** Receives a mark after each stage of a view (the benchmark's per-stage timer). */
export interface StageClock {
  mark(stage: AugmentStage): void;
}

/** A source image copied into kernel memory. */
export interface KernelSource {
  ptr: number;
  width: number;
  height: number;
}

/** A rendered 8-bit view in kernel memory, with the point-op table still to apply. */
export interface KernelView {
  ptr: number;
  size: number;
  pending: ByteTable | null;
}

export class KernelViewRenderer {
  constructor(private readonly k: AugmentKernels) {}

  /** Start a new image: frees all scratch memory (earlier sources and views included) and copies `image` in. */
  load(image: RgbImage): KernelSource {
    this.k.resetScratch();
    // Spare bytes after the image: the horizontal resize's zero-weight padding taps read up to
    // 3·(most taps) + 4 bytes past a crop row, and a pixel has at most 2·width + 1 taps.
    const ptr = this.k.allocate(image.data.length + 6 * image.width + 8);
    this.k.bytes.set(image.data, ptr);
    return { ptr, width: image.width, height: image.height };
  }

  render(src: KernelSource, params: ViewParams, size: number, clock?: StageClock): KernelView {
    const view: KernelView = { ptr: this.resizedCrop(src, params, size), size, pending: null };
    clock?.mark('resize');
    if (params.jitter !== null) this.colorJitter(view, params.jitter);
    clock?.mark('jitter');
    if (params.grayscale) {
      this.k.exports.grayscale(view.ptr, size * size, this.table(view.pending));
      view.pending = null;
    }
    clock?.mark('grayscale');
    if (params.blurSigma !== null) {
      this.flushPending(view);
      blurInKernelMemory(this.k, view.ptr, size, params.blurSigma);
    }
    clock?.mark('blur');
    if (params.solarize) view.pending = composeTables(solarizeTable(FRA_SOLARIZE_THRESHOLD), view.pending);
    return view;
  }

  /** Normalise `view` (pending point ops folded into the table) into `out` at float offset `offset`. */
  writeNormalized(view: KernelView, out: Float32Array, offset: number): void {
    const count = view.size * view.size * 3;
    if (offset < 0 || offset + count > out.length) {
      throw new RangeError(`normalize: ${count} values do not fit at offset ${offset} of ${out.length}`);
    }
    const table = this.k.copyIn(normalizationThrough(view.pending));
    const floats = this.k.allocate(count * 4);
    this.k.exports.normalize(view.ptr, floats, view.size * view.size, table);
    out.set(new Float32Array(this.k.bytes.buffer, floats, count), offset);
  }

  /** The view as 8-bit RGB (pending point ops applied), copied out of kernel memory. */
  toRgb(view: KernelView): RgbImage {
    this.flushPending(view);
    const bytes = view.size * view.size * 3;
    return { width: view.size, height: view.size, data: this.k.bytes.slice(view.ptr, view.ptr + bytes) };
  }

  private resizedCrop(src: KernelSource, params: ViewParams, size: number): number {
    const { top, left, height, width } = params.crop;
    const stride = src.width * 3;
    const dst = this.k.allocate(size * size * 3);
    const rows = rowsPlan(width, size, params.flip);
    const rowsRecords = this.k.copyIn(rows.records);
    const resizeRows = this.k.rowsKernel(rows.pairs);
    const cropStart = src.ptr + top * stride + left * 3;
    if (height === size) {
      // PIL skips the vertical pass when the height does not change.
      resizeRows(cropStart, stride, size, dst, size, rowsRecords);
      return dst;
    }
    const columns = columnsPlan(height, size, size * 3);
    // The vertical pass also reads the zero-weight padding rows after the last needed one.
    const mid = this.k.allocate(columns.rowSpan * size * 3);
    resizeRows(cropStart + columns.rowFirst * stride, stride, columns.rowCount, mid, size, rowsRecords);
    this.k.columnsKernel(columns.taps)(mid, size * 3, dst, size, this.k.copyIn(columns.records));
    return dst;
  }

  /** ColorJitter in the drawn order; brightness and contrast stay pending as tables (see ../ops/color-jitter.ts). */
  private colorJitter(view: KernelView, jitter: ColorJitterParams): void {
    const pixels = view.size * view.size;
    for (const op of jitter.order) {
      const factor = jitter[op];
      if (factor === null) continue;
      switch (op) {
        case 'brightness':
          view.pending = composeTables(brightnessTable(factor), view.pending);
          break;
        case 'contrast': {
          // ImageEnhance.Contrast: blend with the rounded mean luma of the image as adjusted so far.
          const mean = Math.trunc(this.k.exports.meanLumaSum(view.ptr, pixels, this.table(view.pending)) / pixels + 0.5);
          view.pending = composeTables(blendTable(mean, factor), view.pending);
          break;
        }
        case 'saturation': {
          // 16 pixels per SIMD step over the pending table applied first; the rest (< 16) scalar.
          this.flushPending(view);
          const groups = Math.floor(pixels / 16);
          this.k.exports.saturation16(view.ptr, groups, factor);
          this.k.exports.saturation(view.ptr + groups * 48, pixels - groups * 16, factor, this.k.identityTable);
          break;
        }
        case 'hue':
          this.k.exports.hue(view.ptr, pixels, hueShiftBytes(factor), this.table(view.pending), this.k.hueTables);
          view.pending = null;
          break;
      }
    }
  }

  private flushPending(view: KernelView): void {
    if (view.pending === null) return;
    this.k.exports.applyTable(view.ptr, view.size * view.size * 3, this.k.copyIn(view.pending));
    view.pending = null;
  }

  /** The kernel-memory offset of `pending` (or of the identity table). */
  private table(pending: ByteTable | null): number {
    return pending === null ? this.k.identityTable : this.k.copyIn(pending);
  }
}
