/**
 * Plain-data descriptions that cross the worker-thread boundary: which
 * dataset, which per-sample transform, and the produced batch buffers.
 */

export type DatasetSpec =
  /** Procedural faces (trainer/data/synthetic), generated on the fly. */
  | { kind: 'synthetic'; count: number; seed: number; labelled: boolean; renderSize: number }
  /** A dataset indexed on disk (trainer/data/indexing). */
  | { kind: 'indexed'; indexDir: string; splits?: string[] };

export type TransformSpec =
  /** Two asymmetric FRA views per image (fra-spec §3). */
  | { kind: 'fra-two-view' }
  /** Fine-tuning train / test transforms (fra-spec §7.1). */
  | { kind: 'finetune-train' }
  | { kind: 'finetune-test' };

export interface BatchRequest {
  epoch: number;
  iteration: number;
  /** Dataset indices, in batch order. */
  indices: number[];
  imageSize: number;
  seed: number;
}

export interface SkippedSample {
  index: number;
  item: string;
  reason: string;
}

/** One batch: NHWC float32, normalised. `view2` only for two-view transforms. */
export interface BatchBuffers {
  epoch: number;
  iteration: number;
  view1: Float32Array;
  view2: Float32Array | null;
  /** Class labels (−1 where unlabelled). */
  labels: Int32Array;
  /** Unreadable images replaced by deterministic substitutes, for the run log. */
  skipped: SkippedSample[];
}
