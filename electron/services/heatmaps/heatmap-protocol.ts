/**
 * Messages between the heatmaps service and its worker thread (structured-clone data only), and
 * the few constants both sides must agree on. No tfjs, no sharp: the host imports this.
 */
import type { ApiErrorInfo } from '../../contract/api-error.js';
import type { RegionScoreInfo } from '../../contract/heatmaps-api.js';

/** The synthetic faces offered for comparison: one fixed stream, never a training seed's. */
export const SYNTHETIC_VIEW_SEED = 0x0fac_e5ee;
/** Thumbnail side of the synthetic face picker. */
export const SYNTHETIC_THUMBNAIL_SIZE = 112;
/**
 * FRA's maps are the input side / 32. Like the trainer's region probe, the model is run on at
 * least 112 px (4×4 cells) even when it trained on smaller images: the ResNet and the prototype
 * heatmaps are independent of the input size, and a 1×1 map would show nothing.
 */
export const MIN_HEATMAP_INPUT = 112;
/** Bump when what a cached result contains or how images are prepared changes. */
export const HEATMAP_PIPELINE_VERSION = 1;

export function heatmapInputSize(trainedImageSize: number): number {
  return Math.max(MIN_HEATMAP_INPUT, trainedImageSize);
}

export type WorkerImageSource =
  | { kind: 'synthetic'; index: number }
  | { kind: 'file'; path: string }
  | { kind: 'bytes'; bytes: Uint8Array };

export type WorkerRequest =
  | { type: 'compute'; id: number; checkpointPath: string; expectedSha256: string; items: WorkerImageSource[] }
  | { type: 'samples'; id: number; indices: number[] };

export type HeatmapItemOutcome =
  | {
      ok: true;
      input: string;
      size: [number, number];
      regions: string[];
      argmax: string;
      regionScore?: RegionScoreInfo;
      partMask?: string;
      partMaskSize?: [number, number];
    }
  | { ok: false; error: ApiErrorInfo };

export type WorkerReply =
  | { type: 'item'; id: number; index: number; outcome: HeatmapItemOutcome }
  | { type: 'done'; id: number }
  | { type: 'samples'; id: number; samples: { index: number; thumbnail: string }[] }
  | { type: 'failed'; id: number; error: ApiErrorInfo };
