// The `datasets.*` service: the handlers of electron/contract/datasets-api.ts over the dataset
// catalog (registry, indexes, background jobs), plus `resolveImage` for services that need an
// image file (heatmaps, fine-tuning). Plain Node, no Electron import.
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { DEFAULT_MAX_PIXELS } from '../../../trainer/data/indexing/indexer.js';
import type { ApiHandlersFor } from '../../contract/api-dispatcher.js';
import { ApiError } from '../../contract/api-error.js';
import type { WorkbenchContext } from '../workbench-context.js';
import { DatasetCatalog } from './dataset-catalog.js';
import type { DatasetHandle } from './dataset-handle.js';
import { imageItemOf, statisticsOf, statusExplanation } from './dataset-views.js';
import { fittedImageDataUrl, thumbnailDataUrl } from './image-data-urls.js';
import { ImageWorkerClient } from './image-worker-client.js';
import type { AugmentResult } from './image-worker-protocol.js';
import { imageNotFound } from './service-errors.js';

/** One image of a registered dataset, resolved to a file on disk (for heatmaps and fine-tuning). */
export interface ResolvedDatasetImage {
  datasetId: string;
  index: number;
  /** Absolute path of the image file. */
  path: string;
  /** Class/identity name when the layout has labels. */
  label: string | undefined;
}

export interface DatasetsService {
  handlers: ApiHandlersFor<'datasets'>;
  /** Throws an ApiError ('not-found') when the dataset or index does not exist. */
  resolveImage(datasetId: string, index: number): Promise<ResolvedDatasetImage>;
  close(): Promise<void>;
}

const DEFAULT_THUMBNAIL_SIZE = 128;
const DEFAULT_IMAGE_SIDE = 512;
const DEFAULT_PREVIEW_SIZE = 224;

export async function createDatasetsService(context: WorkbenchContext): Promise<DatasetsService> {
  const catalog = await DatasetCatalog.open(context);
  const previews = new ImageWorkerClient();

  /** The record of image `index`, with the dataset's layout; 'not-found' / 'not-indexed' errors otherwise. */
  async function recordOf(handle: DatasetHandle, index: number) {
    const { records, layout, index: datasetIndex } = handle.requireIndexed();
    if (index >= records.size) throw imageNotFound(handle.id, index, records.size);
    const record = await records.record(index);
    return { record, layout, absolutePath: join(handle.entry.root, record.path), maxPixels: datasetIndex.summary.maxPixels || DEFAULT_MAX_PIXELS };
  }

  const handlers: ApiHandlersFor<'datasets'> = {
    'datasets.list': async () => ({ datasets: await catalog.summaries() }),

    'datasets.get': ({ datasetId }) => {
      const handle = catalog.handle(datasetId);
      const summary = handle.index?.summary ?? null;
      return {
        dataset: handle.summary(),
        layout: handle.layoutReport(),
        statistics: summary ? statisticsOf(summary) : null,
        changes: summary ? { ...summary.changes, refreshed: summary.refreshed, durationMs: summary.durationMs } : null,
      };
    },

    'datasets.detectLayout': async ({ path }) => {
      const { root, layout } = await catalog.detect(path);
      return { root, layout };
    },

    'datasets.add': ({ path, name }) => catalog.add(path, name),

    'datasets.addSynthetic': async (input) => ({ dataset: await catalog.addSynthetic(input?.count, input?.size) }),

    'datasets.remove': async ({ datasetId }) => {
      await catalog.remove(datasetId);
      return { datasetId };
    },

    'datasets.refresh': async ({ datasetId }) => ({ dataset: await catalog.refresh(datasetId) }),

    'datasets.cancelIndexing': async ({ datasetId }) => ({ dataset: await catalog.cancelIndexing(datasetId) }),

    'datasets.images': async ({ datasetId, offset, limit, label, split, search, status }) => {
      const handle = catalog.handle(datasetId);
      if (!handle.records || !handle.index) return { total: 0, items: [] };
      const layout = handle.index.summary.layout;
      let splitIndex: number | undefined;
      if (split !== undefined) {
        splitIndex = layout.splits.indexOf(split);
        if (splitIndex < 0) {
          throw new ApiError({ code: 'not-found', message: `“${handle.entry.name}” has no split "${split}".`, hint: `Its splits are: ${layout.splits.join(', ')}.` });
        }
      }
      const page = await handle.records.query({ status: status ?? 'usable', label, split: splitIndex, search: search?.trim() || undefined }, offset, limit);
      return { total: page.total, items: page.records.map(({ index, record }) => imageItemOf(index, record, layout)) };
    },

    'datasets.thumbnails': async ({ datasetId, indices, size }) => {
      const handle = catalog.handle(datasetId);
      const side = size ?? DEFAULT_THUMBNAIL_SIZE;
      const items = await Promise.all(
        indices.map(async (index) => {
          try {
            const { record, absolutePath, maxPixels } = await recordOf(handle, index);
            if (record.status !== 'ok') return { index, dataUrl: null, error: statusExplanation(record.status) ?? record.status };
            return { index, dataUrl: await thumbnailDataUrl(handle.thumbnails, absolutePath, record.format, side, maxPixels) };
          } catch (error) {
            return { index, dataUrl: null, error: error instanceof Error ? error.message : String(error) };
          }
        }),
      );
      return { items };
    },

    'datasets.image': async ({ datasetId, index, maxSide }) => {
      const handle = catalog.handle(datasetId);
      const { record, layout, absolutePath, maxPixels } = await recordOf(handle, index);
      let encoded;
      try {
        encoded = await fittedImageDataUrl(absolutePath, record.format, maxSide ?? DEFAULT_IMAGE_SIDE, maxPixels);
      } catch (error) {
        throw new ApiError({
          code: 'unreadable-image',
          message: `${record.path} cannot be shown: ${(error as Error).message}.`,
          hint: statusExplanation(record.status) ?? 'Refresh the dataset: the file may have changed since it was indexed.',
        });
      }
      return {
        ...imageItemOf(index, record, layout),
        dataUrl: encoded.dataUrl,
        width: record.width,
        height: record.height,
        displayWidth: encoded.width,
        displayHeight: encoded.height,
        absolutePath,
        statusExplanation: statusExplanation(record.status),
      };
    },

    'datasets.augmentationPreview': async ({ datasetId, index, seed, size }) => {
      const handle = catalog.handle(datasetId);
      const { record, absolutePath, maxPixels } = await recordOf(handle, index);
      const chosenSeed = seed ?? randomInt(0, 0xffffffff);
      const side = size ?? DEFAULT_PREVIEW_SIZE;
      let result: AugmentResult;
      try {
        result = await previews.request<AugmentResult>({ type: 'augment', path: absolutePath, maxPixels, seed: chosenSeed, index, size: side });
      } catch (error) {
        throw new ApiError({
          code: 'unreadable-image',
          message: `Cannot preview the augmentation of ${record.path}: ${(error as Error).message}.`,
          hint: statusExplanation(record.status) ?? 'Pick another image, or Refresh the dataset if the file changed.',
        });
      }
      return { index, seed: chosenSeed, size: side, original: result.original, views: result.views, params: result.params };
    },

    'datasets.problems': async ({ datasetId, offset, limit, kind }) => {
      const handle = catalog.handle(datasetId);
      if (!handle.problems) return { total: 0, counts: { 'bad-file': 0, 'wrong-extension': 0, folder: 0, dropped: 0 }, items: [] };
      return handle.problems.page(offset, limit, kind);
    },
  };

  return {
    handlers,
    resolveImage: async (datasetId, index) => {
      const handle = catalog.handle(datasetId);
      const { record, layout, absolutePath } = await recordOf(handle, index);
      return { datasetId, index, path: absolutePath, label: record.label === null ? undefined : layout.classNames[record.label] };
    },
    close: async () => {
      await Promise.all([catalog.close(), previews.close()]);
    },
  };
}
