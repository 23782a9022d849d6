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
 * Cost savings that do not change a single byte: the flip is done while
 * writing the resized crop, and point ops (brightness, contrast, solarize) are
 * kept as a pending 256-entry table that the next per-pixel op reads through
 * or that is folded into the normalisation table.
 */
import type { RgbImage } from '../image-source.js';
import { type ColorJitterParams, type ColorJitterStrength, colorJitterDeferred, FRA_PRETRAIN_JITTER, sampleColorJitter } from './ops/color-jitter.js';
import { FRA_BLUR_SIGMA, gaussianBlurInPlace } from './ops/gaussian-blur.js';
import { grayscaleInPlace } from './ops/grayscale.js';
import { applyTableInPlace, type ByteTable, composeTables } from './ops/lookup-table.js';
import { normalizationThrough, toNormalizedTensor } from './ops/normalize.js';
import { FRA_CROP_RATIO, FRA_CROP_SCALE, type ResizedCropBox, resizedCrop, sampleResizedCropBox } from './ops/random-resized-crop.js';
import { FRA_SOLARIZE_THRESHOLD, solarizeTable } from './ops/solarize.js';
import { RNG_STREAMS, type Rng, sampleRng } from './random.js';

/** The probabilities and ranges of one view's pipeline. */
export interface ViewPolicy {
  cropScale: readonly [number, number];
  cropRatio: readonly [number, number];
  flipP: number;
  jitterP: number;
  jitter: ColorJitterStrength;
  grayscaleP: number;
  blurP: number;
  blurSigma: readonly [number, number];
  solarizeP: number;
}

const SHARED_POLICY = {
  cropScale: FRA_CROP_SCALE,
  cropRatio: FRA_CROP_RATIO,
  flipP: 0.5,
  jitterP: 0.8,
  jitter: FRA_PRETRAIN_JITTER,
  grayscaleP: 0.2,
  blurSigma: FRA_BLUR_SIGMA,
} as const;

/** fra-spec §3, view 1: blur always, never solarized. */
export const FRA_VIEW1_POLICY: ViewPolicy = { ...SHARED_POLICY, blurP: 1.0, solarizeP: 0.0 };
/** fra-spec §3, view 2: blur p 0.1, solarize p 0.2. */
export const FRA_VIEW2_POLICY: ViewPolicy = { ...SHARED_POLICY, blurP: 0.1, solarizeP: 0.2 };

/** Everything drawn for one view (what the GUI's augmentation preview shows). */
export interface ViewParams {
  /** Source-pixel crop box (torchvision i, j, h, w) and whether the fallback was used. */
  crop: ResizedCropBox;
  flip: boolean;
  /** Null when the jitter was not applied (probability 1 − p). */
  jitter: ColorJitterParams | null;
  grayscale: boolean;
  /** Blur σ, or null when not blurred. */
  blurSigma: number | null;
  solarize: boolean;
}

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

/** Draw one view's parameters. The draw order is fixed so a key always gives the same view. */
export function sampleViewParams(rng: Rng, policy: ViewPolicy, width: number, height: number): ViewParams {
  const crop = sampleResizedCropBox(rng, width, height, policy.cropScale, policy.cropRatio);
  const flip = rng.bernoulli(policy.flipP);
  const jitterApplied = rng.bernoulli(policy.jitterP);
  // Factors are drawn even when the jitter is skipped, so later draws do not shift.
  const jitter = sampleColorJitter(rng, policy.jitter);
  const grayscale = rng.bernoulli(policy.grayscaleP);
  const blurApplied = rng.bernoulli(policy.blurP);
  const sigma = rng.uniform(policy.blurSigma[0], policy.blurSigma[1]);
  const solarize = rng.bernoulli(policy.solarizeP);
  return {
    crop,
    flip,
    jitter: jitterApplied ? jitter : null,
    grayscale,
    blurSigma: blurApplied ? sigma : null,
    solarize,
  };
}

/** Render one view as 8-bit RGB (everything but the normalisation). */
export function renderView(image: RgbImage, params: ViewParams, size: number): RgbImage {
  const { view, pending } = renderViewDeferred(image, params, size);
  if (pending !== null) applyTableInPlace(view.data, pending);
  return view;
}

/**
 * The view with trailing point ops (brightness, contrast, solarize) left as a
 * pending table, which `fraTwoViews` folds into the normalisation instead of
 * spending a pass on it. Same bytes as applying every op in order.
 */
function renderViewDeferred(image: RgbImage, params: ViewParams, size: number): { view: RgbImage; pending: ByteTable | null } {
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
  return {
    view1: renderView(image, params.view1, opts.size),
    view2: renderView(image, params.view2, opts.size),
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
  const one = renderViewDeferred(image, params.view1, opts.size);
  const two = renderViewDeferred(image, params.view2, opts.size);
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
