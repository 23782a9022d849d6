/**
 * The inference API the heatmap comparison calls: from a real checkpoint on
 * disk, N region heatmaps (from proto, eval mode) and the global embedding.
 */
import * as tf from '@tensorflow/tfjs-core';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '../../helpers/engine.js';
import { validatePretrainConfig } from '../../../trainer/contract/run-config.js';
import { runPretraining } from '../../../trainer/fra/pretrain-run.js';
import { inferRegions, loadRegionModel, type RegionModel } from '../../../trainer/fra/inference.js';

describe('region inference from a checkpoint', () => {
  let dir: string;
  let model: RegionModel;

  before(async () => {
    await useBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'fra-inference-'));
    const config = validatePretrainConfig({
      dataset: 'random',
      backbone: 'resnet18_slim_encoder',
      imageSize: 64,
      batchSize: 4,
      epochs: 1,
      warmupEpochs: 0,
      hidDim: 32,
      projDim: 16,
      decoderHeads: 4,
      decoderFfnDim: 16,
      numProto: 4,
      lr: 0.1,
      maxSteps: 2,
      saveDir: dir,
      backend: 'wasm',
    });
    const result = await runPretraining(config, { backend: 'wasm' });
    model = await loadRegionModel(result.lastCheckpoint!);
  });

  after(async () => {
    model?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('returns N softmax-over-regions heatmaps per feature pixel and a D-dim embedding', () => {
    const images = tf.randomNormal([3, 64, 64, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const out = inferRegions(model, images);
    assert.deepEqual(out.heatmaps.shape, [3, 2, 2, 4]);
    assert.deepEqual(out.embedding.shape, [3, 16]);
    const sums = tf.sum(out.heatmaps, -1).dataSync();
    for (const s of sums) assert.ok(Math.abs(s - (1 + 4 * 1e-7)) < 1e-5, `region sum ${s}`);
    tf.dispose([images, out.heatmaps, out.scores, out.embedding]);
  });

  it('uses proto in eval mode: an image gives the same heatmaps whatever else is in the batch, and proto is unchanged', () => {
    const a = tf.randomNormal([1, 64, 64, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
    const b = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 12) as tf.Tensor4D;
    const protoBefore = model.network.neck.proto.dataSync().slice();
    const alone = inferRegions(model, a);
    const batched = inferRegions(model, tf.concat([a, b]) as tf.Tensor4D);
    const first = tf.slice(batched.heatmaps, [0, 0, 0, 0], [1, -1, -1, -1]);
    assert.ok(tf.max(tf.abs(tf.sub(alone.heatmaps, first))).dataSync()[0]! < 1e-5);
    assert.deepEqual(model.network.neck.proto.dataSync(), protoBefore);
    tf.dispose([a, b, alone.heatmaps, alone.scores, alone.embedding, batched.heatmaps, batched.scores, batched.embedding, first]);
  });

  it('refuses a checkpoint whose tensors were corrupted', async () => {
    const { writeFile, readFile } = await import('node:fs/promises');
    const path = join(dir, 'checkpoint.safetensors');
    const bytes = await readFile(path);
    const corrupted = join(dir, 'corrupted.safetensors');
    await writeFile(corrupted, bytes.subarray(0, bytes.length - 100));
    await writeFile(join(dir, 'corrupted.json'), (await readFile(join(dir, 'checkpoint.json'), 'utf8')));
    await assert.rejects(loadRegionModel(corrupted), /corrupted or truncated/);
  });
});
