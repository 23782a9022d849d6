/**
 * Messages between the datasets service and its worker thread (image-worker.ts). The worker does
 * the CPU-heavy, synchronous steps — rendering the two FRA views in JavaScript, drawing synthetic
 * faces — so the host's event loop keeps answering the UI while they run.
 */
import type { ViewParams } from '../../../trainer/data/augment/two-view.js';

export interface AugmentJob {
  type: 'augment';
  /** Absolute image path. */
  path: string;
  maxPixels: number;
  seed: number;
  /** Record number: part of the sample key, exactly as training keys it. */
  index: number;
  size: number;
}

export interface AugmentResult {
  original: string;
  views: [string, string];
  params: [ViewParams, ViewParams];
}

export interface SyntheticJob {
  type: 'synthetic';
  /** Folder to write (images/, masks/, synthetic-faces.json). */
  dir: string;
  count: number;
  size: number;
  seed: number;
  labelled: boolean;
}

export interface SyntheticResult {
  imagesRoot: string;
  count: number;
}

export type WorkerJob = AugmentJob | SyntheticJob;

export type WorkerRequest = { id: number; job: WorkerJob };

export type WorkerReply =
  | { id: number; type: 'done'; result: unknown }
  | { id: number; type: 'failed'; message: string }
  | { id: number; type: 'progress'; done: number; total: number };
