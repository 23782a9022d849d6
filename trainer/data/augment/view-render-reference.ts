/**
 * The reference renderer of one FRA view: the ops of ./ops applied in the
 * order of fra-spec §3 on 8-bit RGB, each reproducing PIL's arithmetic (see
 * ./two-view.ts). Plain TypeScript, so it is what the fast kernels
 * (./wasm/kernel-view-renderer.ts) are checked against, and what runs where
 * they cannot (no WebAssembly SIMD, or a source too large for kernel memory).
 *
 * Cost savings that do not change a single byte: the flip is done while
 * writing the resized crop, and point ops (brightness, contrast, solarize)
 * are kept as a pending 256-entry table that the next per-pixel op reads
 * through or that is folded into the normalisation table.
 */
import type { RgbImage } from '../image-source.js';
import { colorJitterDeferred } from './ops/color-jitter.js';
import { gaussianBlurInPlace } from './ops/gaussian-blur.js';
import { grayscaleInPlace } from './ops/grayscale.js';
import { applyTableInPlace, type ByteTable, composeTables } from './ops/lookup-table.js';
import { resizedCrop } from './ops/random-resized-crop.js';
import { FRA_SOLARIZE_THRESHOLD, solarizeTable } from './ops/solarize.js';
import type { ViewParams } from './view-params.js';

/** The view with trailing point ops left as a pending table (null: none). */
export interface DeferredView {
  view: RgbImage;
  pending: ByteTable | null;
}

export function renderViewDeferredReference(image: RgbImage, params: ViewParams, size: number): DeferredView {
  // The flip is an exact pixel move, done while writing the resized crop.
  const view = resizedCrop(image, params.crop, size, params.flip);
  let pending: ByteTable | null = null;
  if (params.jitter !== null) pending = colorJitterDeferred(view, params.jitter, pending);
  if (params.grayscale) {
    grayscaleInPlace(view, pending ?? undefined);
    pending = null;
  }
  if (params.blurSigma !== null) {
    if (pending !== null) applyTableInPlace(view.data, pending);
    pending = null;
    gaussianBlurInPlace(view, params.blurSigma);
  }
  if (params.solarize) pending = composeTables(solarizeTable(FRA_SOLARIZE_THRESHOLD), pending);
  return { view, pending };
}

/** One view as 8-bit RGB (everything but the normalisation), by the reference ops. */
export function renderViewReference(image: RgbImage, params: ViewParams, size: number): RgbImage {
  const { view, pending } = renderViewDeferredReference(image, params, size);
  if (pending !== null) applyTableInPlace(view.data, pending);
  return view;
}
