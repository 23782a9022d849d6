/**
 * Worker thread of the heatmaps service: loads checkpoints into region models (the two most
 * recently used stay loaded, so flipping between the two checkpoints of a comparison does not
 * reload them) and runs them on images, one request at a time, posting each image's result as
 * soon as it is ready. tfjs (wasm, else cpu) lives here only, never on the host's event loop.
 */
import * as tf from '@tensorflow/tfjs-core';
import { parentPort } from 'node:worker_threads';
import { ConfigValidationError } from '../../../trainer/contract/run-config.js';
import { normalizeRgb255 } from '../../../trainer/data/normalization.js';
import { PART_COUNT } from '../../../trainer/data/synthetic/index.js';
import { activateCpuBackend, activateWasmBackend } from '../../../trainer/engine/local-backends.js';
import { inferRegions, loadRegionModel, type RegionModel } from '../../../trainer/fra/inference.js';
import { CheckpointError } from '../../../trainer/run/checkpoint.js';
import type { ApiErrorInfo } from '../../contract/api-error.js';
import { pngDataUrl, prepareImage, syntheticFace } from './heatmap-images.js';
import { SYNTHETIC_THUMBNAIL_SIZE, heatmapInputSize, type HeatmapItemOutcome, type WorkerImageSource, type WorkerReply, type WorkerRequest } from './heatmap-protocol.js';
import { encodeRegionMaps, scoreAgainstParts, toBase64 } from './region-maps.js';

const MODELS_KEPT = 2;

class RequestFailure extends Error {
  constructor(readonly info: ApiErrorInfo) {
    super(info.message);
  }
}

/** Most recently used last. */
const models = new Map<string, RegionModel>();

async function modelFor(path: string, expectedSha256: string): Promise<RegionModel> {
  const key = `${path}\n${expectedSha256}`;
  const cached = models.get(key);
  if (cached !== undefined) {
    models.delete(key);
    models.set(key, cached);
    return cached;
  }
  let model: RegionModel;
  try {
    model = await loadRegionModel(path, 'online');
  } catch (error) {
    throw new RequestFailure(describeLoadFailure(path, error));
  }
  if (model.meta.tensorsSha256 !== expectedSha256) {
    model.dispose();
    throw new RequestFailure({
      code: 'checkpoint-corrupted',
      message: `${path} is not the file that was saved: its checksum no longer matches the run's checkpoint ledger.`,
      hint: 'Choose another checkpoint of this run; this one may have been overwritten or damaged.',
    });
  }
  models.set(key, model);
  while (models.size > MODELS_KEPT) {
    const [oldest, evicted] = models.entries().next().value as [string, RegionModel];
    models.delete(oldest);
    evicted.dispose();
  }
  return model;
}

function describeLoadFailure(path: string, error: unknown): ApiErrorInfo {
  const message = error instanceof Error ? error.message : String(error);
  const noDecoder: ApiErrorInfo = {
    code: 'no-region-decoder',
    message: `This checkpoint has no region decoder (backbone only), so it has no region heatmaps: ${message}`,
    hint: 'Compare FRA pre-training checkpoints; imported or fine-tuned weights carry the encoder alone.',
  };
  if (error instanceof ConfigValidationError) return noDecoder;
  if (error instanceof CheckpointError) {
    if (/corrupted or truncated/.test(message)) return { code: 'checkpoint-corrupted', message, hint: 'Choose another checkpoint of this run.' };
    if (/cannot read checkpoint/.test(message)) return { code: 'not-found', message, hint: 'Refresh the checkpoint list: the file may have been deleted.' };
    if (/not a FRA Workbench checkpoint|lacks \d+ online_net tensors/.test(message)) return noDecoder;
  }
  return { code: 'heatmaps-failed', message: `Could not load ${path}: ${message}` };
}

async function computeOne(model: RegionModel, source: WorkerImageSource, size: number): Promise<HeatmapItemOutcome> {
  let prepared;
  try {
    prepared = await prepareImage(source, size);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, error: { code: 'unreadable-image', message: `The image cannot be used: ${reason}.`, hint: 'Pick another image, or convert this one to PNG or JPEG.' } };
  }
  const heatmaps = tf.tidy(() => {
    const images = normalizeRgb255(tf.tensor4d(prepared.pixels, [1, size, size, 3], 'int32'));
    const out = inferRegions(model, images);
    return out.heatmaps;
  });
  const [, height, width, regionCount] = heatmaps.shape;
  const values = (await heatmaps.data()) as Float32Array;
  heatmaps.dispose();
  const encoded = encodeRegionMaps(values, height, width, regionCount);
  const outcome: HeatmapItemOutcome = { ok: true, input: await pngDataUrl(prepared.pixels, size, size), ...encoded };
  if (prepared.mask !== undefined) {
    outcome.regionScore = scoreAgainstParts(values, height, width, regionCount, prepared.mask, PART_COUNT);
    outcome.partMask = toBase64(prepared.mask.data);
    outcome.partMaskSize = [prepared.mask.height, prepared.mask.width];
  }
  return outcome;
}

async function handle(request: WorkerRequest, post: (reply: WorkerReply) => void): Promise<void> {
  if (request.type === 'samples') {
    const samples = [];
    for (const index of request.indices) {
      const face = syntheticFace(index, SYNTHETIC_THUMBNAIL_SIZE);
      samples.push({ index, thumbnail: await pngDataUrl(face.image.data, face.image.width, face.image.height) });
    }
    post({ type: 'samples', id: request.id, samples });
    return;
  }
  const model = await modelFor(request.checkpointPath, request.expectedSha256);
  const size = heatmapInputSize(model.config.imageSize);
  for (const [index, source] of request.items.entries()) {
    post({ type: 'item', id: request.id, index, outcome: await computeOne(model, source, size) });
  }
  post({ type: 'done', id: request.id });
}

async function activateBackend(): Promise<void> {
  try {
    await activateWasmBackend();
  } catch {
    await activateCpuBackend();
  }
}

const port = parentPort;
if (port !== null) {
  const post = (reply: WorkerReply) => port.postMessage(reply);
  const ready = activateBackend();
  let queue: Promise<unknown> = ready;
  port.on('message', (request: WorkerRequest) => {
    // One request at a time: tfjs runs on this one thread anyway, and results stay in order.
    queue = queue
      .then(() => handle(request, post))
      .catch((error: unknown) => {
        const info: ApiErrorInfo =
          error instanceof RequestFailure ? error.info : { code: 'heatmaps-failed', message: `Computing heatmaps failed: ${error instanceof Error ? error.message : String(error)}` };
        post({ type: 'failed', id: request.id, error: info });
      });
  });
}
