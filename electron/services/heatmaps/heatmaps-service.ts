/**
 * The `heatmaps.*` service: the region heatmaps of a checkpoint for a few images, computed by a
 * worker thread (heatmap-worker.ts) and cached in memory by (checkpoint SHA-256, image), so the
 * comparison view can flip between checkpoints and images without running a model again.
 *
 * The images: synthetic faces (with their true part masks, so each gets a region score), images
 * of a registered dataset (resolved by the datasets service) and files the user opened.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ApiHandlersFor } from '../../contract/api-dispatcher.js';
import { ApiError, type ApiErrorInfo } from '../../contract/api-error.js';
import {
  HEATMAP_MAX_UPLOAD_BYTES,
  SYNTHETIC_SAMPLE_COUNT,
  type FacePart,
  type HeatmapComputeResult,
  type HeatmapImageRef,
  type HeatmapImageResult,
} from '../../contract/heatmaps-api.js';
import { PART_NAMES } from '../../../trainer/data/synthetic/parts.js';
import { PART_COLORS } from '../../../trainer/data/synthetic/preview-grid.js';
import { readRunCheckpoints, modelFactsOf } from '../checkpoints/checkpoint-catalog.js';
import { translated } from '../checkpoints/service-errors.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import type { WorkbenchContext } from '../workbench-context.js';
import { HeatmapResultCache } from './heatmap-cache.js';
import { HEATMAP_PIPELINE_VERSION, SYNTHETIC_VIEW_SEED, heatmapInputSize, type HeatmapItemOutcome, type WorkerImageSource } from './heatmap-protocol.js';
import { HeatmapWorkerClient } from './heatmap-worker-client.js';

export interface HeatmapsService {
  handlers: ApiHandlersFor<'heatmaps'>;
  close(): Promise<void>;
}

export interface HeatmapsServiceOptions {
  /** Memory for cached results (default 128 MiB). */
  cacheBytes?: number;
}

type ComputedOutcome = Extract<HeatmapItemOutcome, { ok: true }>;

/** An image ref made concrete: what to feed the worker and how to recognise it again. */
type ResolvedImage = { label: string; key: string; source: WorkerImageSource } | { label: string; error: ApiErrorInfo };

const FACE_PARTS: FacePart[] = PART_NAMES.map((name, id) => ({ id, name, color: [...(PART_COLORS[id] ?? [128, 128, 128])] as [number, number, number] }));

export async function createHeatmapsService(
  context: WorkbenchContext,
  datasets: Pick<DatasetsService, 'resolveImage'>,
  options: HeatmapsServiceOptions = {},
): Promise<HeatmapsService> {
  const store = context.runStore;
  const worker = new HeatmapWorkerClient();
  const cache = new HeatmapResultCache<ComputedOutcome>(options.cacheBytes ?? 128 * 1024 * 1024);
  const thumbnails = new Map<number, string>();

  async function resolveCheckpoint(runId: string, name: string) {
    const opened = await store.openRun(runId);
    const run = await readRunCheckpoints(store, runId, opened.dir, opened.manifest);
    if (run.group.problem !== undefined) throw new ApiError({ code: 'damaged', message: run.group.problem });
    const entry = run.ledger?.entries.find((e) => e.name === name);
    if (entry === undefined) {
      throw new ApiError({
        code: 'not-found',
        message: `Run "${opened.manifest.name}" has no checkpoint named ${name}.`,
        hint: 'Refresh the checkpoint list: it may have been deleted or removed by the retention policy.',
      });
    }
    const facts = modelFactsOf(opened.manifest.config);
    if (opened.manifest.kind !== 'pretrain' || facts.numRegions === null) {
      throw new ApiError({
        code: 'no-region-decoder',
        message: `This checkpoint has no region decoder (backbone only): run "${opened.manifest.name}" is a ${opened.manifest.kind} run, so it has no region heatmaps.`,
        hint: 'Compare checkpoints of FRA pre-training runs.',
      });
    }
    return { path: join(opened.dir, 'checkpoints', entry.file), sha256: entry.sha256, numRegions: facts.numRegions, inputSize: heatmapInputSize(facts.imageSize ?? 224) };
  }

  async function resolveImage(ref: HeatmapImageRef): Promise<ResolvedImage> {
    switch (ref.kind) {
      case 'synthetic':
        return { label: `Synthetic face #${ref.index}`, key: `synthetic:${SYNTHETIC_VIEW_SEED}:${ref.index}`, source: { kind: 'synthetic', index: ref.index } };
      case 'dataset': {
        const fallback = `Image ${ref.index} of dataset ${ref.datasetId}`;
        let image;
        try {
          image = await datasets.resolveImage(ref.datasetId, ref.index);
        } catch (error) {
          const info = error instanceof ApiError ? error.toInfo() : { code: 'not-found', message: `${fallback} is not available: ${error instanceof Error ? error.message : String(error)}` };
          return { label: fallback, error: info };
        }
        const label = image.label !== undefined ? `${basename(image.path)} · ${image.label}` : basename(image.path);
        try {
          // The file's identity: an edited or replaced file is a new image.
          const info = await stat(image.path);
          return { label, key: `file:${image.path}:${info.size}:${info.mtimeMs}`, source: { kind: 'file', path: image.path } };
        } catch {
          return { label, error: { code: 'not-found', message: `${image.path} no longer exists.`, hint: 'Re-index the dataset, or pick another image.' } };
        }
      }
      case 'upload':
        return resolveUpload(ref.name, ref.dataUrl);
    }
  }

  async function compute(runId: string, name: string, refs: HeatmapImageRef[]): Promise<HeatmapComputeResult> {
    const checkpoint = await resolveCheckpoint(runId, name);
    const resolved = await Promise.all(refs.map(resolveImage));
    const results: HeatmapImageResult[] = new Array(refs.length);
    const waits: Promise<void>[] = [];
    const missing: { position: number; key: string; source: WorkerImageSource; settle: Deferred<ComputedOutcome> }[] = [];

    resolved.forEach((image, position) => {
      if ('error' in image) {
        results[position] = { ok: false, label: image.label, error: image.error };
        return;
      }
      const key = `${checkpoint.sha256}|v${HEATMAP_PIPELINE_VERSION}|${image.key}`;
      const hit = cache.get(key);
      if (hit !== undefined) {
        results[position] = { ...hit, label: image.label, cached: true };
        return;
      }
      const running = cache.pending(key);
      if (running !== undefined) {
        waits.push(running.then((outcome) => void (results[position] = { ...outcome, label: image.label, cached: false }), (error: unknown) => void (results[position] = failed(image.label, error))));
        return;
      }
      const settle = deferred<ComputedOutcome>();
      cache.track(key, settle.promise);
      missing.push({ position, key, source: image.source, settle });
      waits.push(settle.promise.then((outcome) => void (results[position] = { ...outcome, label: image.label, cached: false }), (error: unknown) => void (results[position] = failed(image.label, error))));
    });

    if (missing.length > 0) {
      let done = 0;
      try {
        await worker.compute(
          checkpoint.path,
          checkpoint.sha256,
          missing.map((m) => m.source),
          (index, outcome) => {
            const item = missing[index];
            if (item === undefined) return;
            done++;
            context.events.emit('heatmaps.progress', { runId, name, done, total: missing.length });
            if (outcome.ok) {
              cache.set(item.key, outcome, outcomeBytes(outcome));
              item.settle.resolve(outcome);
            } else {
              item.settle.reject(new ApiError(outcome.error));
            }
          },
        );
      } catch (error) {
        // The model could not be used at all: every image of this call fails the same way.
        for (const item of missing) item.settle.reject(error);
        throw error;
      }
    }
    await Promise.all(waits);
    const anySynthetic = refs.some((ref) => ref.kind === 'synthetic');
    return {
      checkpoint: { runId, name, sha256: checkpoint.sha256 },
      numRegions: checkpoint.numRegions,
      inputSize: checkpoint.inputSize,
      scale: 'probability',
      ...(anySynthetic ? { parts: FACE_PARTS } : {}),
      results,
      cached: results.every((r) => r.ok && r.cached),
    };
  }

  const handlers: ApiHandlersFor<'heatmaps'> = {
    'heatmaps.compute': (input) => translated(() => compute(input.checkpoint.runId, input.checkpoint.name, input.images)),

    'heatmaps.syntheticSamples': async (input) => {
      const offset = input?.offset ?? 0;
      const count = Math.min(input?.count ?? 12, SYNTHETIC_SAMPLE_COUNT - offset);
      const indices = Array.from({ length: count }, (_, i) => offset + i);
      const wanted = indices.filter((index) => !thumbnails.has(index));
      if (wanted.length > 0) for (const sample of await worker.syntheticThumbnails(wanted)) thumbnails.set(sample.index, sample.thumbnail);
      return {
        total: SYNTHETIC_SAMPLE_COUNT,
        samples: indices.map((index) => ({ index, label: `Synthetic face #${index}`, thumbnail: thumbnails.get(index)! })),
      };
    },
  };

  return { handlers, close: () => worker.close() };
}

/** A dropped or opened file: decoded from its data URL, identified by the SHA-256 of its bytes. */
function resolveUpload(name: string, dataUrl: string): ResolvedImage {
  const header = /^data:([^;,]*)((?:;[^;,]*)*),/.exec(dataUrl);
  if (header === null || !header[2]!.split(';').includes('base64')) {
    return { label: name, error: { code: 'invalid-input', message: `${name} did not arrive as a base64 data URL.`, hint: 'Open the file again.' } };
  }
  const mime = header[1]!;
  if (mime !== '' && !mime.startsWith('image/') && mime !== 'application/octet-stream') {
    return { label: name, error: { code: 'unreadable-image', message: `${name} is a ${mime} file, not an image.`, hint: 'Open a JPEG, PNG, WebP, GIF, TIFF, AVIF or BMP image.' } };
  }
  const payload = dataUrl.slice(header[0].length);
  const approximateBytes = Math.floor((payload.length * 3) / 4);
  if (approximateBytes > HEATMAP_MAX_UPLOAD_BYTES + 2) {
    return {
      label: name,
      error: {
        code: 'too-large',
        message: `${name} is ${(approximateBytes / 1024 / 1024).toFixed(1)} MB; images up to ${HEATMAP_MAX_UPLOAD_BYTES / 1024 / 1024} MB can be compared.`,
        hint: 'Resize or crop it first: the model sees it at a few hundred pixels anyway.',
      },
    };
  }
  // A copy that owns its memory, so it can be handed to the worker without copying again.
  const bytes = new Uint8Array(Buffer.from(payload, 'base64'));
  return { label: name, key: `upload:${createHash('sha256').update(bytes).digest('hex')}`, source: { kind: 'bytes', bytes } };
}

function outcomeBytes(outcome: ComputedOutcome): number {
  return outcome.input.length + outcome.argmax.length + (outcome.partMask?.length ?? 0) + outcome.regions.reduce((sum, r) => sum + r.length, 0) + 512;
}

function failed(label: string, error: unknown): HeatmapImageResult {
  const info = error instanceof ApiError ? error.toInfo() : { code: 'heatmaps-failed', message: error instanceof Error ? error.message : String(error) };
  return { ok: false, label, error: info };
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
