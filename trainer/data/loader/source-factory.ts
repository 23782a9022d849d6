/** Opens the ImageSource a DatasetSpec describes (inside loader workers or in-process). */
import type { ImageSource } from '../image-source.js';
import { IndexedImageSource } from '../indexed-source.js';
import { SyntheticFaceSource } from '../synthetic/index.js';
import type { DatasetSpec } from './batch-spec.js';

export async function openImageSource(spec: DatasetSpec): Promise<ImageSource> {
  switch (spec.kind) {
    case 'synthetic':
      return new SyntheticFaceSource({ size: spec.renderSize, count: spec.count, seed: spec.seed, labelled: spec.labelled });
    case 'indexed':
      return IndexedImageSource.open(spec.indexDir, spec.splits ? { splits: spec.splits } : {});
  }
}
