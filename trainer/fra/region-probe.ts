/**
 * Did FRA learn facial regions? A held-out batch of synthetic faces (never
 * trained on: its own seed) goes through the online network in inference
 * mode (proto heatmaps, BN running statistics), and the argmax region map is
 * compared with the true part masks (data/region-score.ts). Logged at every
 * epoch end, whatever the training data, because the question is the same.
 *
 * Resolution: FRA's maps are image/32 per side; the probe renders faces at
 * ≥112 px so there are at least 4×4 cells, and reduces masks by part *area*
 * per cell, so small parts (eyes, mouth) still count (see region-score.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { normalizeRgb255 } from '../data/normalization.js';
import { regionAwarenessScore } from '../data/region-score.js';
import { SyntheticFaceSource, SYNTHETIC_MAX_SIZE } from '../data/synthetic/index.js';
import type { LabelMap } from '../data/image-source.js';
import type { FraModel } from './fra-model.js';

export interface RegionProbeResult {
  /** Normalised mutual information between argmax regions and face parts (0 = chance, 1 = perfect). */
  nmi: number;
  /** Same, face pixels only (background removed). */
  foregroundNmi: number;
  meanBestIoU: number;
  imageSize: number;
  gridSize: number;
}

export class RegionProbe {
  private readonly images: tf.Tensor4D;
  private readonly masks: LabelMap[];
  readonly imageSize: number;

  constructor(seed: number, trainingImageSize: number, count = 8) {
    this.imageSize = Math.min(SYNTHETIC_MAX_SIZE, Math.max(112, trainingImageSize));
    // A seed far from the training stream's, so probe faces are never training faces.
    const source = new SyntheticFaceSource({ size: this.imageSize, count, seed: (seed ^ 0x5eed_f00d) >>> 0 });
    const faces = Array.from({ length: count }, (_, i) => source.generate(i));
    const pixels = new Uint8Array(count * this.imageSize * this.imageSize * 3);
    faces.forEach((f, i) => pixels.set(f.image.data, i * f.image.data.length));
    this.images = tf.tidy(() => normalizeRgb255(tf.tensor4d(pixels, [count, this.imageSize, this.imageSize, 3], 'int32')));
    this.masks = faces.map((f) => f.mask);
  }

  measure(model: FraModel): RegionProbeResult {
    const wasTraining = model.training;
    model.setTraining(false);
    try {
      const heatmaps = tf.tidy(() => model.online.forward(this.images, false).heatmaps);
      const data = heatmaps.dataSync() as Float32Array;
      const shape = heatmaps.shape as [number, number, number, number];
      heatmaps.dispose();
      const score = regionAwarenessScore({ data, shape }, this.masks, { maskReduction: 'area' });
      return { nmi: score.nmi, foregroundNmi: score.foreground.nmi, meanBestIoU: score.meanBestIoU, imageSize: this.imageSize, gridSize: shape[1] };
    } finally {
      model.setTraining(wasTraining);
    }
  }

  dispose(): void {
    this.images.dispose();
  }
}
