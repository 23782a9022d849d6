/**
 * The augmentation kernels as one WebAssembly module, instantiated once per
 * thread on first use, and the memory they work in.
 *
 * Memory layout: a static block (the hue kernel's tables and the identity
 * point-op table, written once) followed by a scratch arena that each render call
 * allocates from and resets; the memory grows when a call needs more (it
 * never shrinks, so callers keep huge images away — see `MAX_KERNEL_SOURCE_BYTES`).
 *
 * `loadAugmentKernels()` returns null where WebAssembly SIMD is unavailable;
 * callers then use the reference implementation, which computes the same bytes.
 */
import { identityTable } from '../ops/lookup-table.js';
import { assembleModule } from './wasm-binary.js';
import { boxPassKernel, padRowsKernel, replicateRowEdgesKernel, unpadRowsKernel } from './kernels/blur-kernels.js';
import { applyTableKernel, grayscaleKernel, meanLumaSumKernel, normalizeKernel, saturationKernel } from './kernels/colour-kernels.js';
import { HUE_TABLES, hueKernel, hueTables } from './kernels/hue-kernel.js';
import { resizeColumnsKernel, resizeColumnsName, resizeRowsKernel, resizeRowsName, UNROLLED_PAIRS, UNROLLED_TAPS } from './kernels/resize-kernels.js';
import { saturation16Kernel } from './kernels/saturation-kernel.js';

export type ResizeRowsKernel = (src: number, srcStride: number, rows: number, dst: number, outWidth: number, plan: number) => void;
export type ResizeColumnsKernel = (src: number, stride: number, dst: number, outHeight: number, plan: number) => void;

/** The exported kernels; all pointers are byte offsets into `memory`. */
export interface KernelExports {
  /** Also `resizeRows1` … and `resizeColumns1` …: see `rowsKernel` / `columnsKernel`. */
  resizeRowsAny: ResizeRowsKernel;
  resizeColumnsAny: ResizeColumnsKernel;
  box3(src: number, dst: number, count: number, step: number, innerWeight: number, edgeWeight: number): void;
  box5(src: number, dst: number, count: number, step: number, innerWeight: number, edgeWeight: number): void;
  padRows(src: number, dst: number, rows: number, width: number, pad: number): void;
  replicateRowEdges(buf: number, rows: number, width: number, pad: number): void;
  unpadRows(src: number, dst: number, rows: number, width: number, pad: number): void;
  meanLumaSum(src: number, pixels: number, table: number): number;
  grayscale(buf: number, pixels: number, table: number): void;
  saturation(buf: number, pixels: number, alpha: number, table: number): void;
  saturation16(buf: number, groups: number, alpha: number): void;
  hue(buf: number, pixels: number, shift: number, table: number, tables: number): void;
  applyTable(buf: number, bytes: number, table: number): void;
  normalize(src: number, dst: number, pixels: number, table: number): void;
}

/** Sources larger than this (bytes of RGB) take the reference path instead of growing kernel memory for good. */
export const MAX_KERNEL_SOURCE_BYTES = 16 * 1024 * 1024 * 3;

/** Slack after every scratch allocation: vector loads and stores may reach past a buffer's end. */
const SLACK = 64;
const PAGE = 64 * 1024;

/** The WebAssembly global, typed locally (this project's TypeScript lib set has no DOM types). */
interface WasmGlobal {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

export class AugmentKernels {
  readonly exports: KernelExports;
  /** Byte offset of the hue tables (`HUE_TABLES` layout). */
  readonly hueTables: number;
  /** Byte offset of a 256-byte identity table (“no pending point op”). */
  readonly identityTable: number;
  private readonly memory: WasmMemory;
  private readonly scratchStart: number;
  private top: number;
  private buffer: ArrayBuffer;
  private u8View: Uint8Array;

  constructor(private readonly rawExports: Record<string, unknown>) {
    const exports = rawExports;
    this.exports = exports as unknown as KernelExports;
    this.memory = exports.memory as WasmMemory;
    this.buffer = this.memory.buffer;
    this.u8View = new Uint8Array(this.buffer);
    this.hueTables = 0;
    this.identityTable = align(HUE_TABLES.bytes);
    this.scratchStart = align(this.identityTable + 256);
    this.top = this.scratchStart;
    this.ensure(this.scratchStart);
    this.bytes.set(hueTables(), this.hueTables);
    this.bytes.set(identityTable(), this.identityTable);
  }

  /** The horizontal resize kernel for plans with `pairs` pairs of taps per pixel. */
  rowsKernel(pairs: number): ResizeRowsKernel {
    return this.rawExports[resizeRowsName(pairs)] as ResizeRowsKernel;
  }

  /** The vertical resize kernel for plans with `taps` taps per row. */
  columnsKernel(taps: number): ResizeColumnsKernel {
    return this.rawExports[resizeColumnsName(taps)] as ResizeColumnsKernel;
  }

  /** A byte view of the whole memory (re-created after growth; do not keep it across allocations). */
  get bytes(): Uint8Array {
    if (this.buffer !== this.memory.buffer) {
      this.buffer = this.memory.buffer;
      this.u8View = new Uint8Array(this.buffer);
    }
    return this.u8View;
  }

  /** Free every scratch allocation. */
  resetScratch(): void {
    this.top = this.scratchStart;
  }

  /** Reserve `bytes` of scratch memory (16-byte aligned, followed by slack); returns its offset. */
  allocate(bytes: number): number {
    const at = this.top;
    this.top = align(at + bytes + SLACK);
    this.ensure(this.top);
    return at;
  }

  /** Copy `data` into fresh scratch memory; returns its offset. */
  copyIn(data: Uint8Array | Int32Array | Float32Array): number {
    const at = this.allocate(data.byteLength);
    this.bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    return at;
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
  }
}

function align(offset: number): number {
  return Math.ceil(offset / 16) * 16;
}

export function kernelModuleBytes(): Uint8Array {
  return assembleModule(
    [
      ...UNROLLED_PAIRS.map((pairs) => resizeRowsKernel(pairs)),
      resizeRowsKernel('any'),
      ...UNROLLED_TAPS.map((taps) => resizeColumnsKernel(taps)),
      resizeColumnsKernel('any'),
      boxPassKernel('box3', 0),
      boxPassKernel('box5', 1),
      padRowsKernel(),
      replicateRowEdgesKernel(),
      unpadRowsKernel(),
      meanLumaSumKernel(),
      grayscaleKernel(),
      saturationKernel(),
      saturation16Kernel(),
      hueKernel(),
      applyTableKernel(),
      normalizeKernel(),
    ],
    16,
  );
}

let loaded: AugmentKernels | null | undefined;

/** This thread's kernels, or null when this runtime has no WebAssembly SIMD. */
export function loadAugmentKernels(): AugmentKernels | null {
  if (loaded !== undefined) return loaded;
  const wasm = (globalThis as { WebAssembly?: WasmGlobal }).WebAssembly;
  const bytes = kernelModuleBytes();
  if (wasm === undefined || !wasm.validate(bytes)) {
    loaded = null;
    return loaded;
  }
  const instance = new wasm.Instance(new wasm.Module(bytes), {});
  loaded = new AugmentKernels(instance.exports);
  return loaded;
}
