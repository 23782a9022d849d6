/**
 * Turns a batch request into batch buffers: read each image from the dataset,
 * apply the per-sample transform, pack into NHWC float32. Runs inside loader
 * workers (or in-process). Unreadable images are replaced by a deterministic
 * substitute and reported, never fatal.
 */
import { ImageReadError, type ImageSource, type RgbImage } from '../image-source.js';
import type { BatchBuffers, BatchRequest, DatasetSpec, SkippedSample, TransformSpec } from './batch-spec.js';
import { openImageSource } from './source-factory.js';
import { createSampleTransform, type SampleTransform } from './sample-transform.js';

export interface SampleProducer {
  produce(request: BatchRequest): Promise<BatchBuffers>;
  close(): Promise<void>;
}

/** How far to look for a readable substitute before giving up on a batch. */
const MAX_SUBSTITUTE_ATTEMPTS = 16;
/** A stride coprime with typical dataset sizes, so substitutes spread across the dataset. */
const SUBSTITUTE_STRIDE = 7919;

export async function createSampleProducer(dataset: DatasetSpec, transform: TransformSpec): Promise<SampleProducer> {
  const source = await openImageSource(dataset);
  const apply = createSampleTransform(transform);
  return {
    produce: (request) => produceBatch(source, apply, request),
    close: async () => {
      await (source as ImageSource & { close?: () => Promise<void> }).close?.();
    },
  };
}

async function produceBatch(source: ImageSource, apply: SampleTransform, request: BatchRequest): Promise<BatchBuffers> {
  const pixels = request.imageSize * request.imageSize * 3;
  const n = request.indices.length;
  const view1 = new Float32Array(n * pixels);
  const view2 = apply.views === 2 ? new Float32Array(n * pixels) : null;
  const labels = new Int32Array(n);
  const skipped: SkippedSample[] = [];
  for (let slot = 0; slot < n; slot++) {
    const { index, image } = await readOrSubstitute(source, request.indices[slot]!, skipped);
    apply.writeInto(image, { size: request.imageSize, seed: request.seed, epoch: request.epoch, index }, view1, view2, slot * pixels);
    labels[slot] = source.label(index) ?? -1;
  }
  return { epoch: request.epoch, iteration: request.iteration, view1, view2, labels, skipped };
}

async function readOrSubstitute(source: ImageSource, index: number, skipped: SkippedSample[]): Promise<{ index: number; image: RgbImage }> {
  let candidate = index;
  for (let attempt = 0; attempt < MAX_SUBSTITUTE_ATTEMPTS; attempt++) {
    try {
      return { index: candidate, image: await source.read(candidate) };
    } catch (error) {
      if (!(error instanceof ImageReadError)) throw error;
      skipped.push({ index: candidate, item: error.item, reason: error.reason });
      candidate = (candidate + SUBSTITUTE_STRIDE) % source.size;
    }
  }
  throw new Error(
    `${MAX_SUBSTITUTE_ATTEMPTS} images in a row could not be read (last: ${skipped.at(-1)?.item}: ${skipped.at(-1)?.reason}). ` +
      'Re-index the dataset to find broken files, or check that its folder is still mounted.',
  );
}
