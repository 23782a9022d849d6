/**
 * What one FRA view draws (fra-spec §3): the policies of the two asymmetric
 * views and the sampling of one view's parameters. Parameters are drawn
 * before any pixel is touched, in a fixed order, so a generator key always
 * gives the same view whichever renderer draws it.
 */
import { type ColorJitterParams, type ColorJitterStrength, FRA_PRETRAIN_JITTER, sampleColorJitter } from './ops/color-jitter.js';
import { FRA_BLUR_SIGMA } from './ops/gaussian-blur.js';
import { FRA_CROP_RATIO, FRA_CROP_SCALE, type ResizedCropBox, sampleResizedCropBox } from './ops/random-resized-crop.js';
import type { Rng } from './random.js';

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
