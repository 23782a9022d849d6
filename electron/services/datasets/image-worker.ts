/** Worker-thread entry of the datasets service: runs AugmentJob and SyntheticJob requests (image-worker-protocol.ts). */
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { fraTwoViewsRgb } from '../../../trainer/data/augment/two-view.js';
import { decodeImageFile } from '../../../trainer/data/decode/decode-image.js';
import type { RgbImage } from '../../../trainer/data/image-source.js';
import { writeSyntheticDataset } from '../../../trainer/data/synthetic/write-dataset.js';
import type { AugmentJob, AugmentResult, SyntheticJob, SyntheticResult, WorkerReply, WorkerRequest } from './image-worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('image-worker must run in a worker thread');
const send = (reply: WorkerReply): void => port.postMessage(reply);

/** Progress messages per second at most (the UI redraws on each). */
const PROGRESS_INTERVAL_MS = 150;

port.on('message', (request: WorkerRequest) => {
  const { id, job } = request;
  const run = job.type === 'augment' ? augment(job) : synthetic(job, (done, total) => send({ id, type: 'progress', done, total }));
  run.then(
    (result) => send({ id, type: 'done', result }),
    (error: unknown) => send({ id, type: 'failed', message: error instanceof Error ? error.message : String(error) }),
  );
});

async function augment(job: AugmentJob): Promise<AugmentResult> {
  const image = await decodeImageFile(job.path, job.maxPixels);
  const { view1, view2, params } = fraTwoViewsRgb(image, { size: job.size, seed: job.seed, epoch: 0, index: job.index });
  const [original, first, second] = await Promise.all([pngDataUrl(image, job.size * 2), pngDataUrl(view1), pngDataUrl(view2)]);
  return { original, views: [first, second], params: [params.view1, params.view2] };
}

async function pngDataUrl(image: RgbImage, fitSide?: number): Promise<string> {
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (fitSide !== undefined) pipeline = pipeline.resize(fitSide, fitSide, { fit: 'inside', withoutEnlargement: true });
  const png = await pipeline.png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

async function synthetic(job: SyntheticJob, onProgress: (done: number, total: number) => void): Promise<SyntheticResult> {
  let last = 0;
  const written = await writeSyntheticDataset(job.dir, {
    count: job.count,
    size: job.size,
    seed: job.seed,
    labelled: job.labelled,
    onProgress: (done, total) => {
      const now = Date.now();
      if (done === total || now - last >= PROGRESS_INTERVAL_MS) {
        last = now;
        onProgress(done, total);
      }
    },
  });
  return { imagesRoot: written.imagesRoot, count: written.count };
}
