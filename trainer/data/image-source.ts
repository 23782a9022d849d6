/**
 * The contracts every dataset and the data pipeline share. Plain data only,
 * so images cross worker-thread and process boundaries without conversion.
 */

/** A decoded 8-bit RGB image, row-major HWC (data.length = width·height·3). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A per-pixel label map (e.g. synthetic face parts), row-major (data.length = width·height). */
export interface LabelMap {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Anything the loader can draw samples from: a fixed number of images,
 * addressed 0…size−1, each optionally with a class label.
 * `read` resolves the decoded image or rejects with an `ImageReadError`
 * (bad files are skipped by the loader, never fatal).
 */
export interface ImageSource {
  readonly size: number;
  /** Class names for labelled datasets (index = label), empty for unlabelled ones. */
  readonly classNames: readonly string[];
  label(index: number): number | null;
  /** A short human description of item `index` (relative path, or "synthetic #12"). */
  describe(index: number): string;
  read(index: number): Promise<RgbImage>;
}

export class ImageReadError extends Error {
  override name = 'ImageReadError';
  constructor(
    readonly item: string,
    readonly reason: string,
  ) {
    super(`${item}: ${reason}`);
  }
}
