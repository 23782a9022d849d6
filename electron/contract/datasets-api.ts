// The `datasets.*` slice of the renderer⇄host contract: register image folders, watch them being
// indexed, browse their images (paged, filtered, searched on the host) and preview FRA's two views.
//
// Conventions of this slice:
// - A dataset's images are addressed by `index`: the record number in its current index. It is
//   stable until the dataset is re-indexed; `indexGeneration` changes then, and clients drop what
//   they cached for the old generation.
// - Images travel as data URLs, so one contract serves the Electron window and a browser tab alike
//   and satisfies the CSP (`img-src data:`), with no file:// access from the renderer.
// - Paths in listings are relative to the dataset root ('/'-separated); the detail carries the
//   absolute path as well.
// Must stay free of node-only imports: the renderer type-checks this file with DOM libs only.
import { z } from 'zod';
import type { MethodSpec } from './api-table.js';

export const datasetIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a dataset id (lower-case letters, digits and dashes)');

/**
 * - indexing: being generated or (re-)indexed; a previous index, if any, can still be browsed.
 * - ready: indexed; browsable.
 * - failed: the last indexing failed, or was cancelled before a first index existed (`stateReason`
 *   says why, `stateHint` what to do); an earlier index, if any, can still be browsed.
 * - missing: the folder is gone (moved, renamed, unmounted drive); the last index is kept.
 */
export const datasetStateSchema = z.enum(['indexing', 'ready', 'failed', 'missing']);
export type DatasetState = z.infer<typeof datasetStateSchema>;

/** Progress of generating (built-in synthetic faces) or indexing a dataset, sent at a bounded rate. */
export const datasetIndexProgressSchema = z.object({
  phase: z.enum(['generating', 'indexing', 'done']),
  /** Files enumerated so far (generating: faces written). */
  filesSeen: z.number().int().nonnegative(),
  /** Files opened and checked in this run (new or changed since the last index). */
  filesProbed: z.number().int().nonnegative(),
  /** Files whose previous record was reused (unchanged size and modification time). */
  filesReused: z.number().int().nonnegative(),
  badFiles: z.number().int().nonnegative(),
  foldersDone: z.number().int().nonnegative(),
  /** Folder or list file being worked on, relative to the dataset root. */
  currentFolder: z.string(),
  elapsedMs: z.number().nonnegative(),
  filesPerSecond: z.number().nonnegative(),
  /** How many files to expect when known (the previous index's size on refresh, the face count when generating). */
  expectedFiles: z.number().int().nonnegative().nullable(),
});
export type DatasetIndexProgress = z.infer<typeof datasetIndexProgressSchema>;

/** One row of the datasets list. */
export const datasetSummarySchema = z.object({
  id: datasetIdSchema,
  name: z.string(),
  /** Absolute path of the dataset folder (or list file). */
  root: z.string(),
  state: datasetStateSchema,
  /** Why the dataset is failed or missing, one sentence. */
  stateReason: z.string().optional(),
  /** What the user can do about it. */
  stateHint: z.string().optional(),
  /** Usable images in the current index (0 before the first index completes). */
  imageCount: z.number().int().nonnegative(),
  /** Indexed files, usable or not. */
  fileCount: z.number().int().nonnegative(),
  /** Unusable files, skipped folders and dropped list entries (see `datasets.problems`). */
  problemCount: z.number().int().nonnegative(),
  /** Detected layout, e.g. 'vggface2', 'image-folder', 'raf-db'; null before detection. */
  layoutKind: z.string().nullable(),
  /** Human name of the layout, e.g. "VGGFace2 identity folders". */
  layoutDescription: z.string().nullable(),
  /** What labels mean: identities (VGGFace2), classes (expression datasets) or nothing. */
  labelRole: z.enum(['identity', 'class', 'none']).nullable(),
  /** The built-in procedurally generated faces. */
  synthetic: z.boolean(),
  /** Label index → class or identity name. */
  classNames: z.array(z.string()),
  splits: z.array(z.string()),
  addedAt: z.string(),
  /** When the current index was written; null before the first one. */
  indexedAt: z.string().nullable(),
  /** Identifies the current index; image `index` values are valid within one generation. */
  indexGeneration: z.string().nullable(),
  /** Latest progress while `state` is 'indexing'. */
  progress: datasetIndexProgressSchema.nullable(),
});
export type DatasetSummary = z.infer<typeof datasetSummarySchema>;

/** What layout detection found, and why. */
export const layoutReportSchema = z.object({
  kind: z.string(),
  title: z.string(),
  labelRole: z.enum(['identity', 'class', 'none']),
  classNames: z.array(z.string()),
  splits: z.array(z.string()),
  /** Why this layout was chosen, one finding per line. */
  report: z.array(z.string()),
  /** Things worth knowing that do not prevent indexing. */
  warnings: z.array(z.string()),
});
export type LayoutReport = z.infer<typeof layoutReportSchema>;

export const histogramSchema = z.object({
  /** Bucket i counts values in [edges[i], edges[i+1]); the last bucket is open-ended. */
  edges: z.array(z.number()),
  counts: z.array(z.number().int().nonnegative()),
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  total: z.number().int().nonnegative(),
});
export type HistogramData = z.infer<typeof histogramSchema>;

export const datasetStatisticsSchema = z.object({
  /** Indexed files, usable or not. */
  images: z.number().int().nonnegative(),
  usable: z.number().int().nonnegative(),
  bad: z.number().int().nonnegative(),
  /** Bytes of the usable files. */
  bytes: z.number().nonnegative(),
  /** Usable images per label, aligned with the dataset's classNames. */
  labelCounts: z.array(z.number().int().nonnegative()),
  labelsWithImages: z.number().int().nonnegative(),
  splits: z.array(z.object({ name: z.string(), images: z.number().int(), usable: z.number().int(), bad: z.number().int() })),
  formats: z.array(z.object({ format: z.string(), count: z.number().int() })),
  /** Unusable files by reason, with what the reason means and what to do. */
  badByReason: z.array(z.object({ reason: z.string(), count: z.number().int(), explanation: z.string() })),
  /** Usable files whose content is another format than their name says. */
  wrongExtension: z.number().int().nonnegative(),
  width: histogramSchema,
  height: histogramSchema,
  fileSize: histogramSchema,
});
export type DatasetStatistics = z.infer<typeof datasetStatisticsSchema>;

export const datasetDetailSchema = z.object({
  dataset: datasetSummarySchema,
  /** From the current index, or from detection while the first index is being built. */
  layout: layoutReportSchema.nullable(),
  statistics: datasetStatisticsSchema.nullable(),
  /** What the last (re-)index changed; null before the first index. */
  changes: z
    .object({
      added: z.number().int(),
      removed: z.number().int(),
      changed: z.number().int(),
      unchanged: z.number().int(),
      refreshed: z.boolean(),
      durationMs: z.number(),
    })
    .nullable(),
});
export type DatasetDetail = z.infer<typeof datasetDetailSchema>;

export const problemKindSchema = z.enum(['bad-file', 'wrong-extension', 'folder', 'dropped']);
export type ProblemKind = z.infer<typeof problemKindSchema>;

export const datasetProblemSchema = z.object({
  kind: problemKindSchema,
  /** Relative to the dataset root (a listed item for 'dropped'). */
  path: z.string(),
  split: z.string().nullable(),
  /** Machine-readable reason (e.g. 'truncated', 'symlink-cycle'); null for 'wrong-extension'. */
  reason: z.string().nullable(),
  /** What exactly is wrong with this file. */
  detail: z.string(),
  /** What the reason means and what to do, when known. */
  explanation: z.string().nullable(),
});
export type DatasetProblem = z.infer<typeof datasetProblemSchema>;

/** A data: URL of an encoded image (PNG, JPEG or WebP). */
const dataUrlSchema = z.string().startsWith('data:image/');

export const imageItemSchema = z.object({
  index: z.number().int().nonnegative(),
  /** Relative to the dataset root. */
  path: z.string(),
  label: z.number().int().nullable(),
  labelName: z.string().nullable(),
  split: z.string(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  bytes: z.number().nonnegative(),
  /** 'ok' or the reason the file is unusable (see BAD_FILE_REASONS). */
  status: z.string(),
});
export type DatasetImageItem = z.infer<typeof imageItemSchema>;

/** Everything drawn for one augmented view (trainer/data/augment/two-view.ts ViewParams). */
export const viewParamsSchema = z.object({
  /** Source-pixel crop box; `fallback` when the centred fallback crop was used. */
  crop: z.object({ top: z.number(), left: z.number(), height: z.number(), width: z.number(), fallback: z.boolean() }),
  flip: z.boolean(),
  /** Colour-jitter factors in the order applied; null when the jitter was not applied. */
  jitter: z
    .object({
      order: z.array(z.string()),
      brightness: z.number().nullable(),
      contrast: z.number().nullable(),
      saturation: z.number().nullable(),
      hue: z.number().nullable(),
    })
    .nullable(),
  grayscale: z.boolean(),
  blurSigma: z.number().nullable(),
  solarize: z.boolean(),
});
export type ViewParamsInfo = z.infer<typeof viewParamsSchema>;

const datasetRef = { datasetId: datasetIdSchema };
/** Seeds are unsigned 32-bit integers (trainer/data/augment/random.ts). */
export const augmentationSeedSchema = z.number().int().min(0).max(0xffffffff);

export const datasetsMethods = {
  /** Every registered dataset. Re-checks that each folder still exists (state 'missing' otherwise). */
  'datasets.list': {
    input: z.undefined(),
    output: z.object({ datasets: z.array(datasetSummarySchema) }),
  },
  /** One dataset with its layout report and statistics. */
  'datasets.get': {
    input: z.object(datasetRef),
    output: datasetDetailSchema,
  },
  /** Detects the layout of a folder without adding it (errors: 'invalid-path', 'layout-error'). */
  'datasets.detectLayout': {
    input: z.object({ path: z.string().min(1).max(4096) }),
    output: z.object({ root: z.string(), layout: layoutReportSchema }),
  },
  /**
   * Registers a folder (or CSV/TSV list file) and starts indexing it in the background; progress
   * arrives as `datasets.indexProgress`, completion as `datasets.changed`. The layout is detected
   * first, so a folder FRA Workbench cannot read fails here ('invalid-path', 'layout-error',
   * 'already-added') with a hint, and nothing is registered.
   */
  'datasets.add': {
    input: z.object({ path: z.string().min(1).max(4096), name: z.string().trim().min(1).max(200).optional() }),
    output: z.object({ dataset: datasetSummarySchema, layout: layoutReportSchema }),
  },
  /**
   * The built-in synthetic faces: generated on first use into <workspace>/datasets/synthetic-faces
   * (expression-labelled, with part masks; nothing is downloaded), then indexed like any folder.
   * Adding them again returns the existing dataset.
   */
  'datasets.addSynthetic': {
    input: z
      .object({
        count: z.number().int().min(10).max(100_000).optional(),
        size: z.number().int().min(64).max(224).optional(),
      })
      .optional(),
    output: z.object({ dataset: datasetSummarySchema }),
  },
  /** Unregisters a dataset and deletes its index and thumbnail cache. Never touches the images. */
  'datasets.remove': {
    input: z.object(datasetRef),
    output: z.object({ datasetId: datasetIdSchema }),
  },
  /** Re-indexes incrementally (unchanged files are not re-opened); also how a 'missing' dataset comes back. */
  'datasets.refresh': {
    input: z.object(datasetRef),
    output: z.object({ dataset: datasetSummarySchema }),
  },
  /** Stops indexing; a previous index stays in use. */
  'datasets.cancelIndexing': {
    input: z.object(datasetRef),
    output: z.object({ dataset: datasetSummarySchema }),
  },
  /**
   * A page of images, filtered and searched on the host. `status`: 'usable' (default) lists only
   * images training can use, 'unusable' only the broken ones, 'all' both. `search` is a path
   * substring, case-insensitive for ASCII letters. `total` counts all matches.
   */
  'datasets.images': {
    input: z.object({
      ...datasetRef,
      offset: z.number().int().nonnegative(),
      limit: z.number().int().min(1).max(1000),
      label: z.number().int().nonnegative().optional(),
      split: z.string().max(200).optional(),
      search: z.string().max(1000).optional(),
      status: z.enum(['usable', 'unusable', 'all']).optional(),
    }),
    output: z.object({ total: z.number().int().nonnegative(), items: z.array(imageItemSchema) }),
  },
  /** Square thumbnails (centre-cropped, cached on disk) of up to 100 images. */
  'datasets.thumbnails': {
    input: z.object({
      ...datasetRef,
      indices: z.array(z.number().int().nonnegative()).max(100),
      size: z.number().int().min(32).max(512).optional(),
    }),
    output: z.object({
      items: z.array(z.object({ index: z.number().int(), dataUrl: dataUrlSchema.nullable(), error: z.string().optional() })),
    }),
  },
  /** One image, scaled to fit `maxSide` (default 512), with its record. Error 'unreadable-image' when it cannot be decoded. */
  'datasets.image': {
    input: z.object({ ...datasetRef, index: z.number().int().nonnegative(), maxSide: z.number().int().min(32).max(4096).optional() }),
    output: imageItemSchema.extend({
      dataUrl: dataUrlSchema,
      /** Original size in pixels. */
      width: z.number().int().nonnegative(),
      height: z.number().int().nonnegative(),
      displayWidth: z.number().int().positive(),
      displayHeight: z.number().int().positive(),
      absolutePath: z.string(),
      /** What an unusable status means and what to do; null for usable images. */
      statusExplanation: z.string().nullable(),
    }),
  },
  /**
   * FRA's two pre-training views of one image (fra-spec §3), drawn exactly as training draws them
   * for (seed, epoch 0, index). Without `seed` the host picks one and returns it.
   */
  'datasets.augmentationPreview': {
    input: z.object({
      ...datasetRef,
      index: z.number().int().nonnegative(),
      seed: augmentationSeedSchema.optional(),
      size: z.union([z.literal(112), z.literal(224)]).optional(),
    }),
    output: z.object({
      index: z.number().int(),
      seed: augmentationSeedSchema,
      size: z.number().int(),
      /** The decoded source image (scaled to fit 2 × size). */
      original: dataUrlSchema,
      views: z.tuple([dataUrlSchema, dataUrlSchema]),
      params: z.tuple([viewParamsSchema, viewParamsSchema]),
    }),
  },
  /** A page of the dataset's problems (unusable files with reasons, skipped folders, dropped list entries). */
  'datasets.problems': {
    input: z.object({
      ...datasetRef,
      offset: z.number().int().nonnegative(),
      limit: z.number().int().min(1).max(1000),
      kind: problemKindSchema.optional(),
    }),
    output: z.object({
      total: z.number().int().nonnegative(),
      /** Lines per kind over the whole list (not only this page). */
      counts: z.record(problemKindSchema, z.number().int().nonnegative()),
      items: z.array(datasetProblemSchema),
    }),
  },
} as const satisfies Record<string, MethodSpec>;

export const datasetsEvents = {
  /** A dataset was added, changed state, finished indexing, or was removed (`removed: true`). */
  'datasets.changed': z.object({ dataset: datasetSummarySchema, removed: z.boolean().optional() }),
  'datasets.indexProgress': datasetIndexProgressSchema.extend({ datasetId: datasetIdSchema }),
} as const satisfies Record<string, z.ZodType>;
