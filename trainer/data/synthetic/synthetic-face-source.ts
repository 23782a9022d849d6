/**
 * The embedded default dataset: procedurally drawn faces with per-pixel part
 * masks, generated on the fly from (seed, index) — nothing to download or
 * store, identical bytes on every machine and in every worker.
 *
 * Unlabelled (pre-training) faces draw their expression at random; the
 * labelled variant assigns expression class `index % 5` (see
 * `expressions.ts`), so any contiguous range of indices is class-balanced.
 */
import type { ImageSource, LabelMap, RgbImage } from '../image-source.js';
import { EXPRESSIONS, type Expression } from './expressions.js';
import { sampleFaceParams, type FaceParams } from './face-params.js';
import { renderFace } from './face-render.js';
import { Canvas } from './raster.js';
import { Rng } from './rng.js';

export interface SyntheticFaceOptions {
  /** Image side in pixels, 64–224 (default 112). */
  size?: number;
  /** Number of faces (default 10,000). */
  count?: number;
  /** Dataset seed (default 0). */
  seed?: number;
  /** Expression-labelled variant (default false). */
  labelled?: boolean;
}

export interface SyntheticFace {
  image: RgbImage;
  mask: LabelMap;
  params: FaceParams;
}

export const SYNTHETIC_MIN_SIZE = 64;
export const SYNTHETIC_MAX_SIZE = 224;
export const SYNTHETIC_DEFAULT_COUNT = 10_000;

/** Independent random streams per face, so adding a draw to one never changes the others. */
const Stream = { Params: 0, Background: 1, Detail: 2, Noise: 3 } as const;

/** How often each expression appears among unlabelled faces (mostly neutral, like face datasets). */
const UNLABELLED_EXPRESSIONS: readonly (readonly [Expression, number])[] = [
  ['neutral', 4],
  ['happy', 3],
  ['sad', 1],
  ['surprised', 1],
  ['angry', 1],
];

export class SyntheticFaceSource implements ImageSource {
  readonly size: number;
  readonly imageSize: number;
  readonly seed: number;
  readonly labelled: boolean;
  readonly classNames: readonly string[];
  private scratch: Canvas | null = null;

  constructor(options: SyntheticFaceOptions = {}) {
    const imageSize = options.size ?? 112;
    if (!Number.isInteger(imageSize) || imageSize < SYNTHETIC_MIN_SIZE || imageSize > SYNTHETIC_MAX_SIZE) {
      throw new RangeError(`synthetic faces: size must be an integer in ${SYNTHETIC_MIN_SIZE}–${SYNTHETIC_MAX_SIZE}, got ${imageSize}`);
    }
    const count = options.count ?? SYNTHETIC_DEFAULT_COUNT;
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`synthetic faces: count must be a non-negative integer, got ${count}`);
    this.imageSize = imageSize;
    this.size = count;
    this.seed = (options.seed ?? 0) >>> 0;
    this.labelled = options.labelled ?? false;
    this.classNames = this.labelled ? EXPRESSIONS : [];
  }

  label(index: number): number | null {
    this.checkIndex(index);
    return this.labelled ? index % EXPRESSIONS.length : null;
  }

  describe(index: number): string {
    this.checkIndex(index);
    const cls = this.labelled ? ` (${EXPRESSIONS[index % EXPRESSIONS.length]})` : '';
    return `synthetic #${index}${cls}`;
  }

  /** The face description alone (cheap: no drawing). */
  params(index: number): FaceParams {
    this.checkIndex(index);
    const rng = Rng.forItem(this.seed, index, Stream.Params);
    const expression = this.labelled ? EXPRESSIONS[index % EXPRESSIONS.length]! : rng.weighted(UNLABELLED_EXPRESSIONS);
    return sampleFaceParams(rng, this.imageSize, expression);
  }

  read(index: number): Promise<RgbImage> {
    try {
      return Promise.resolve(this.generate(index).image);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  readWithMask(index: number): Promise<SyntheticFace> {
    try {
      return Promise.resolve(this.generate(index));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Synchronous generation (the work is pure computation; the Promise API is for `ImageSource`). */
  generate(index: number): SyntheticFace {
    const params = this.params(index);
    this.scratch ??= new Canvas(this.imageSize, this.imageSize);
    const { image, mask } = renderFace(
      params,
      {
        background: Rng.forItem(this.seed, index, Stream.Background),
        detail: Rng.forItem(this.seed, index, Stream.Detail),
        noise: Rng.forItem(this.seed, index, Stream.Noise),
      },
      this.scratch,
    );
    return { image, mask, params };
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`synthetic faces: index ${index} out of range 0…${this.size - 1}`);
    }
  }
}
