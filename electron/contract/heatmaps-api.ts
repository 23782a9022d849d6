// The `heatmaps.*` slice of the renderer⇄host contract: the N facial-region heatmaps a pre-training
// checkpoint produces for a few images (synthetic faces with their true part masks, dataset images,
// or an image the user opened), for the side-by-side comparison of two checkpoints.
//
// Values: each region map is the model's softmax-over-regions PROBABILITY at each feature cell
// (fra-spec §1.5: at every cell the N values sum to 1), stored as Uint8 = round(p · 255). No
// per-map stretching is applied, so a faint map is a map the model gives little weight to, and
// the same value means the same probability in both panels of a comparison.
import { z } from 'zod';
import { apiErrorInfoSchema } from './api-error.js';
import type { MethodSpec } from './api-table.js';
import { safeNameSchema } from '../../trainer/run/run-format.js';

/** Images per compute call: a screenful of comparison rows. */
export const HEATMAP_MAX_IMAGES = 16;
/** Largest image file accepted as an upload (decoded bytes). */
export const HEATMAP_MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
/** How many synthetic faces there are to pick from (indices 0 … count − 1). */
export const SYNTHETIC_SAMPLE_COUNT = 10_000;

export const heatmapImageRefSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('dataset'), datasetId: z.string().min(1).max(200), index: z.number().int().nonnegative() }),
  /** A procedurally drawn face with a true part mask (so a region score can be computed). */
  z.object({ kind: z.literal('synthetic'), index: z.number().int().nonnegative().max(SYNTHETIC_SAMPLE_COUNT - 1) }),
  /** A file the user opened or dropped, as a `data:image/…;base64,` URL. */
  z.object({
    kind: z.literal('upload'),
    name: z.string().min(1).max(500),
    // base64 is 4/3 of the bytes; the byte limit itself is checked (with a clear message) by the host.
    dataUrl: z.string().startsWith('data:').max(Math.ceil((HEATMAP_MAX_UPLOAD_BYTES * 4) / 3) + 200),
  }),
]);
export type HeatmapImageRef = z.infer<typeof heatmapImageRefSchema>;

/** A part of the synthetic faces' true masks: the reference the region score compares against. */
export const facePartSchema = z.object({ id: z.number().int().nonnegative(), name: z.string(), color: z.tuple([z.number(), z.number(), z.number()]) });
export type FacePart = z.infer<typeof facePartSchema>;

export const regionScoreSchema = z.object({
  /** Normalised mutual information between the argmax region map and the true parts (0 chance, 1 perfect). */
  nmi: z.number(),
  /** The same over face pixels only (background removed). */
  foregroundNmi: z.number(),
  meanBestIoU: z.number(),
  /** Per region: IoU with the part it overlaps best (0 when the region is the argmax nowhere). */
  perRegionIoU: z.array(z.number()),
  /** Per region: that part's id, or null. */
  perRegionPart: z.array(z.number().int().nullable()),
});
export type RegionScoreInfo = z.infer<typeof regionScoreSchema>;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
const size2 = z.tuple([z.number().int().positive(), z.number().int().positive()]);

export const heatmapImageResultSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    /** A short description of the image ("Synthetic face #3", a file name). */
    label: z.string(),
    /** The image exactly as the model saw it (centre-cropped and resized to inputSize), PNG. */
    input: z.string().startsWith('data:image/'),
    /** [h, w] of every heatmap and of the argmax map (feature resolution: inputSize / 32). */
    size: size2,
    /** N maps, each h·w Uint8 row-major: round(probability · 255). */
    regions: z.array(base64),
    /** h·w Uint8 row-major: the index of the most probable region at each cell. */
    argmax: base64,
    /** Synthetic faces only. */
    regionScore: regionScoreSchema.optional(),
    /** Synthetic faces only: the true part mask (part ids, Uint8 row-major) at `partMaskSize`. */
    partMask: base64.optional(),
    partMaskSize: size2.optional(),
    /** True when answered from the cache without running the model. */
    cached: z.boolean(),
  }),
  z.object({ ok: z.literal(false), label: z.string(), error: apiErrorInfoSchema }),
]);
export type HeatmapImageResult = z.infer<typeof heatmapImageResultSchema>;

export const heatmapComputeResultSchema = z.object({
  checkpoint: z.object({ runId: z.string(), name: z.string(), sha256: z.string() }),
  numRegions: z.number().int().positive(),
  /**
   * Side of the square image the model was run on: the checkpoint's training size, but at least
   * 112 px (as the trainer's region probe), since the maps are 1/32 of it.
   */
  inputSize: z.number().int().positive(),
  /** How region values are scaled (see the module comment). */
  scale: z.literal('probability'),
  /** The part ids and colours of `partMask` (present when any image is synthetic). */
  parts: z.array(facePartSchema).optional(),
  /** One per requested image, in request order. */
  results: z.array(heatmapImageResultSchema),
  /** True when every result came from the cache. */
  cached: z.boolean(),
});
export type HeatmapComputeResult = z.infer<typeof heatmapComputeResultSchema>;

export const heatmapsMethods = {
  /**
   * Region heatmaps of one checkpoint for up to 16 images. Runs off the host's event loop and is
   * cached by (checkpoint checksum, image), so asking again is instant. A problem with one image
   * is reported in its result; a checkpoint that cannot be used fails the call (codes
   * 'not-found', 'checkpoint-corrupted', 'no-region-decoder').
   */
  'heatmaps.compute': {
    input: z.object({
      checkpoint: z.object({ runId: safeNameSchema, name: safeNameSchema }),
      images: z.array(heatmapImageRefSchema).min(1).max(HEATMAP_MAX_IMAGES),
    }),
    output: heatmapComputeResultSchema,
  },
  /** Thumbnails of synthetic faces to pick from. */
  'heatmaps.syntheticSamples': {
    input: z
      .object({
        offset: z.number().int().nonnegative().max(SYNTHETIC_SAMPLE_COUNT - 1).default(0),
        count: z.number().int().positive().max(48).default(12),
      })
      .optional(),
    output: z.object({
      total: z.number().int().nonnegative(),
      samples: z.array(z.object({ index: z.number().int().nonnegative(), label: z.string(), thumbnail: z.string().startsWith('data:image/') })),
    }),
  },
} as const satisfies Record<string, MethodSpec>;

export const heatmapsEvents = {
  /** Progress of a compute call that runs the model: `done` of `total` images finished. */
  'heatmaps.progress': z.object({ runId: z.string(), name: z.string(), done: z.number().int().nonnegative(), total: z.number().int().positive() }),
} as const satisfies Record<string, z.ZodType>;
