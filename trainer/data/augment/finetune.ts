/**
 * Fine-tuning transforms of fra-spec §7.1 (`main_fer.py`), in the reference's
 * order:
 *
 *   train: Resize((size, size)) bilinear, no crop
 *          → horizontal flip p 0.5
 *          → ColorJitter(b 0.5, c 0.5, s 0.5) (random order, no hue) p 0.5
 *          → RandomAffine(0°, translate ±20 %) p 0.5, nearest, fill 0
 *          → RandomRotation(±10°) p 0.5, nearest, fill 0
 *          → ToTensor + VGGFace2 normalisation
 *          → RandomErasing p 0.5, area 2–33 %, aspect 0.3–3.3, value 0
 *   test:  Resize((size, size)) → ToTensor + normalisation
 *
 * As in two-view.ts, the 8-bit stages reproduce PIL, and parameters come from
 * a generator keyed by (seed, epoch, index), so a sample is reproducible.
 */
import type { RgbImage } from '../image-source.js';
import { type ColorJitterParams, type ColorJitterStrength, colorJitterInPlace, sampleColorJitter } from './ops/color-jitter.js';
import { toNormalizedTensor } from './ops/normalize.js';
import { eraseInPlace, sampleErasingBox } from './ops/random-erasing.js';
import { resizeBilinear, type PixelBox } from './ops/resize.js';
import { rotateNearest, sampleRotation } from './ops/rotate.js';
import { sampleTranslation, translate, type Translation } from './ops/translate.js';
import { RNG_STREAMS, type Rng, sampleRng } from './random.js';

/** fra-spec §7.1 probabilities and ranges. */
export const FINETUNE_POLICY = {
  flipP: 0.5,
  jitterP: 0.5,
  jitter: { brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0 } satisfies ColorJitterStrength,
  translateP: 0.5,
  translateFraction: 0.2,
  rotateP: 0.5,
  rotateDegrees: 10,
  erasingP: 0.5,
} as const;

export interface FinetuneTrainParams {
  flip: boolean;
  jitter: ColorJitterParams | null;
  translate: Translation | null;
  /** Counter-clockwise degrees, or null when not rotated. */
  rotation: number | null;
  /** Box erased in the normalised tensor (output pixels), or null. */
  erase: PixelBox | null;
}

export interface FinetuneOptions {
  size: number;
  seed: number;
  epoch: number;
  index: number;
}

/** Draw the train-transform parameters for a size×size output (they do not depend on the source). */
export function sampleFinetuneTrainParams(rng: Rng, size: number): FinetuneTrainParams {
  const p = FINETUNE_POLICY;
  const flip = rng.bernoulli(p.flipP);
  const jitterApplied = rng.bernoulli(p.jitterP);
  const jitter = sampleColorJitter(rng, p.jitter);
  const translateApplied = rng.bernoulli(p.translateP);
  const shift = sampleTranslation(rng, size, size, p.translateFraction);
  const rotateApplied = rng.bernoulli(p.rotateP);
  const angle = sampleRotation(rng, p.rotateDegrees);
  const eraseApplied = rng.bernoulli(p.erasingP);
  const erase = eraseApplied ? sampleErasingBox(rng, size, size) : null;
  return {
    flip,
    jitter: jitterApplied ? jitter : null,
    translate: translateApplied ? shift : null,
    rotation: rotateApplied ? angle : null,
    erase,
  };
}

export function describeFinetuneTrain(opts: FinetuneOptions): FinetuneTrainParams {
  checkSize(opts.size);
  return sampleFinetuneTrainParams(sampleRng(opts.seed, opts.epoch, opts.index, RNG_STREAMS.finetuneTrain), opts.size);
}

/** The augmented image before normalisation and erasing (8-bit, for display). */
export function renderFinetuneTrain(image: RgbImage, params: FinetuneTrainParams, size: number): RgbImage {
  let view = resizeBilinear(image, size, size, { mirror: params.flip });
  if (params.jitter !== null) colorJitterInPlace(view, params.jitter);
  if (params.translate !== null) view = translate(view, params.translate);
  if (params.rotation !== null) view = rotateNearest(view, params.rotation);
  return view;
}

/** §7.1 train transform: normalised float32 HWC [size, size, 3]. */
export function finetuneTrainTransform(image: RgbImage, opts: FinetuneOptions, out?: Float32Array, offset = 0): Float32Array {
  const params = describeFinetuneTrain(opts);
  const tensor = toNormalizedTensor(renderFinetuneTrain(image, params, opts.size), out, offset);
  if (params.erase !== null) eraseInPlace(tensor, opts.size, params.erase, 0, offset);
  return tensor;
}

/** §7.1 test transform: resize to size×size, normalise. Deterministic. */
export function finetuneTestTransform(image: RgbImage, opts: { size: number }, out?: Float32Array, offset = 0): Float32Array {
  checkSize(opts.size);
  return toNormalizedTensor(resizeBilinear(image, opts.size, opts.size), out, offset);
}

function checkSize(size: number): void {
  if (!(Number.isInteger(size) && size > 0)) throw new RangeError(`transform size must be a positive integer, got ${size}`);
}
