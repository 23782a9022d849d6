/**
 * The per-sample transform a loader applies, chosen by TransformSpec:
 * FRA's two asymmetric views (fra-spec §3) or the fine-tuning transforms
 * (§7.1). Each writes normalised NHWC floats straight into batch buffers.
 */
import { fraTwoViews } from '../augment/two-view.js';
import { finetuneTestTransform, finetuneTrainTransform } from '../augment/finetune.js';
import type { RgbImage } from '../image-source.js';
import type { TransformSpec } from './batch-spec.js';

export interface SampleKey {
  size: number;
  seed: number;
  epoch: number;
  index: number;
}

export interface SampleTransform {
  /** 2 for FRA pairs, 1 for fine-tuning. */
  readonly views: 1 | 2;
  /** Writes the view(s) of `image` at float offset `offset` of the batch buffers. */
  writeInto(image: RgbImage, key: SampleKey, view1: Float32Array, view2: Float32Array | null, offset: number): void;
}

export function createSampleTransform(spec: TransformSpec): SampleTransform {
  switch (spec.kind) {
    case 'fra-two-view':
      return {
        views: 2,
        writeInto(image, key, view1, view2, offset) {
          if (!view2) throw new Error('fra-two-view needs a second view buffer');
          fraTwoViews(image, key, { view1, view2, offset });
        },
      };
    case 'finetune-train':
      return { views: 1, writeInto: (image, key, view1, _view2, offset) => void finetuneTrainTransform(image, key, view1, offset) };
    case 'finetune-test':
      return { views: 1, writeInto: (image, key, view1, _view2, offset) => void finetuneTestTransform(image, { size: key.size }, view1, offset) };
  }
}
