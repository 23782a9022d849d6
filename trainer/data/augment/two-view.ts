/**
 * FRA's two asymmetric BYOL views of one image (fra-spec §3;
 * `data/transforms.py: get_vggface_tranforms`). Each view is an independent
 * draw, in the reference's order:
 *
 *   RandomResizedCrop(size, scale (0.2, 1), ratio (3/4, 4/3), bilinear)
 *   → horizontal flip p 0.5
 *   → ColorJitter(0.4, 0.4, 0.2, 0.1), random op order, p 0.8
 *   → grayscale p 0.2
 *   → Gaussian blur σ ~ U[0.1, 2]: p 1.0 (view 1) / 0.1 (view 2)
 *   → solarize at 128:            p 0.0 (view 1) / 0.2 (view 2)
 *   → ToTensor + VGGFace2 normalisation (float32 HWC)
 *
 * All ops before normalisation run on 8-bit RGB, exactly like the reference's
 * PIL images (rounding after every op), and reproduce PIL's arithmetic (see
 * ops/*): given the same parameters, the views are bit-identical to
 * torchvision's (checked by the benchmark's parity stage). Parameters are
 * drawn first, from a generator keyed by (seed, epoch, index, view),
 * independently of the pixels — so `describeTwoViews` can report them without
 * rendering, and the same key always yields the same bytes.
 *
 * Rendering: the WebAssembly SIMD kernels (wasm/) decode-once, cut both
 * views from one copy of the source and write normalised floats straight into
 * the caller's buffers; where they are unavailable (no wasm SIMD, or a source
 * over `MAX_KERNEL_SOURCE_BYTES`) the plain TypeScript reference renderer
 * (view-render-reference.ts) runs instead. Both produce the same bytes — the
 * tests compare them sample by sample.
 */
import type { RgbImage } from '../image-source.js';
import { normalizationThrough, toNormalizedTensor } from './ops/normalize.js';
import { RNG_STREAMS, sampleRng } from './random.js';
import { FRA_VIEW1_POLICY, FRA_VIEW2_POLICY, sampleViewParams, type ViewParams } from './view-params.js';
import { renderViewDeferredReference, renderViewReference } from './view-render-reference.js';
import { loadAugmentKernels, MAX_KERNEL_SOURCE_BYTES } from './wasm/kernel-module.js';
import { KernelViewRenderer } from './wasm/kernel-view-renderer.js';

export { FRA_VIEW1_POLICY, FRA_VIEW2_POLICY, sampleViewParams, type ViewParams, type ViewPolicy } from './view-params.js';
export { renderViewReference } from './view-render-reference.js';

export interface TwoViewOptions {
  /** Output side in pixels (224 in the reference). */
  size: number;
  seed: number;
  epoch: number;
  index: number;
}

export interface TwoViewParams {
  view1: ViewParams;
  view2: ViewParams;
}

/** Normalised views, float32 HWC [size, size, 3] each. */
export interface TwoViews {
  view1: Float32Array;
  view2: Float32Array;
}

/** Display views: 8-bit RGB before normalisation, plus the parameters that made them. */
export interface TwoViewsRgb {
  view1: RgbImage;
  view2: RgbImage;
  params: TwoViewParams;
}

/** Which renderer draws views of `image` in this thread (the benchmark reports it). */
export type ViewRendererKind = 'wasm-simd' | 'reference';

let kernelRenderer: KernelViewRenderer | null | undefined;

/** The kernel renderer for `image`, or null when the reference renderer must run. */
function kernelRendererFor(image: RgbImage): KernelViewRenderer | null {
  if (kernelRenderer === undefined) {
    const kernels = loadAugmentKernels();
    kernelRenderer = kernels === null ? null : new KernelViewRenderer(kernels);
  }
  return image.data.length > MAX_KERNEL_SOURCE_BYTES ? null : kernelRenderer;
}

export function viewRendererKind(image: RgbImage): ViewRendererKind {
  return kernelRendererFor(image) === null ? 'reference' : 'wasm-simd';
}

/** Render one view as 8-bit RGB (everything but the normalisation). */
export function renderView(image: RgbImage, params: ViewParams, size: number): RgbImage {
  const renderer = kernelRendererFor(image);
  if (renderer === null) return renderViewReference(image, params, size);
  return renderer.toRgb(renderer.render(renderer.load(image), params, size));
}

/** The parameters both views of sample (seed, epoch, index) use, for an image of the given size. */
export function describeTwoViews(
  imageSize: { width: number; height: number },
  opts: TwoViewOptions,
): TwoViewParams {
  checkOptions(imageSize, opts);
  const { width, height } = imageSize;
  return {
    view1: sampleViewParams(sampleRng(opts.seed, opts.epoch, opts.index, RNG_STREAMS.pretrainView1), FRA_VIEW1_POLICY, width, height),
    view2: sampleViewParams(sampleRng(opts.seed, opts.epoch, opts.index, RNG_STREAMS.pretrainView2), FRA_VIEW2_POLICY, width, height),
  };
}

/** Both views as 8-bit RGB, with their parameters (the GUI's augmentation preview). */
export function fraTwoViewsRgb(image: RgbImage, opts: TwoViewOptions): TwoViewsRgb {
  const params = describeTwoViews(image, opts);
  const renderer = kernelRendererFor(image);
  if (renderer === null) {
    return { view1: renderViewReference(image, params.view1, opts.size), view2: renderViewReference(image, params.view2, opts.size), params };
  }
  const source = renderer.load(image);
  return {
    view1: renderer.toRgb(renderer.render(source, params.view1, opts.size)),
    view2: renderer.toRgb(renderer.render(source, params.view2, opts.size)),
    params,
  };
}

/**
 * The two normalised views of one training sample, float32 HWC [size, size, 3]
 * each. Pass `into` to write straight into batch buffers at `offset` (in floats).
 */
export function fraTwoViews(
  image: RgbImage,
  opts: TwoViewOptions,
  into?: { view1: Float32Array; view2: Float32Array; offset: number },
): TwoViews {
  const params = describeTwoViews(image, opts);
  const offset = into?.offset ?? 0;
  const renderer = kernelRendererFor(image);
  if (renderer === null) return fraTwoViewsReference(image, params, opts.size, into);
  const values = opts.size * opts.size * 3;
  const view1 = into?.view1 ?? new Float32Array(values);
  const view2 = into?.view2 ?? new Float32Array(values);
  const source = renderer.load(image);
  renderer.writeNormalized(renderer.render(source, params.view1, opts.size), view1, offset);
  renderer.writeNormalized(renderer.render(source, params.view2, opts.size), view2, offset);
  return { view1, view2 };
}

/** `fraTwoViews` by the reference renderer, from already drawn parameters. */
export function fraTwoViewsReference(
  image: RgbImage,
  params: TwoViewParams,
  size: number,
  into?: { view1: Float32Array; view2: Float32Array; offset: number },
): TwoViews {
  const one = renderViewDeferredReference(image, params.view1, size);
  const two = renderViewDeferredReference(image, params.view2, size);
  const offset = into?.offset ?? 0;
  return {
    view1: toNormalizedTensor(one.view, into?.view1, offset, normalizationThrough(one.pending)),
    view2: toNormalizedTensor(two.view, into?.view2, offset, normalizationThrough(two.pending)),
  };
}

function checkOptions(imageSize: { width: number; height: number }, opts: TwoViewOptions): void {
  if (!(Number.isInteger(opts.size) && opts.size > 0)) {
    throw new RangeError(`two-view size must be a positive integer, got ${opts.size}`);
  }
  if (!(Number.isInteger(imageSize.width) && Number.isInteger(imageSize.height) && imageSize.width > 0 && imageSize.height > 0)) {
    throw new RangeError(`cannot augment an empty ${imageSize.width}×${imageSize.height} image`);
  }
}
