/**
 * fra-export CLI: a pre-training checkpoint (online and target backbones with different weights)
 * → ONNX (NHWC) and TF.js exports whose outputs equal the chosen backbone's pooled eval forward;
 * preprocessing.json and the model card name the checkpoint; bad arguments exit 2.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { useBackend } from '../../helpers/engine.js';
import { createResNetEncoder, type ResNetEncoder } from '../../../trainer/models/resnet.js';
import { SeedSequence } from '../../../trainer/nn/seed.js';
import { saveCheckpoint } from '../../../trainer/run/checkpoint.js';
import { referenceForward, vggface2Preprocessing } from '../../../trainer/io/export/model-graph.js';
import { readOnnxMetadata } from '../../../trainer/io/export/onnx-export.js';
import { tfjsFileHandler } from '../../../trainer/io/export/tfjs-export.js';

const root = join(import.meta.dirname, '..', '..', '..');
const SIZE = 32;

const cli = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(root, 'trainer/cli/fra-export.ts'), ...args], { cwd: root, encoding: 'utf8' });

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, s = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return d / s;
}

describe('fra-export CLI', () => {
  let dir: string;
  let checkpoint: string;
  let online: ResNetEncoder;
  let target: ResNetEncoder;
  let pixels: tf.Tensor4D;
  const pre = vggface2Preprocessing([SIZE, SIZE]);

  before(async () => {
    await useBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'fra-export-cli-'));
    online = createResNetEncoder('resnet18_slim_encoder', new SeedSequence(1)).setTraining(false);
    target = createResNetEncoder('resnet18_slim_encoder', new SeedSequence(2)).setTraining(false);
    let seed = 10;
    for (const enc of [online, target]) {
      for (const e of enc.stateEntries()) {
        if (e.name.endsWith('running_mean')) e.variable.assign(tf.randomUniform(e.variable.shape, -0.2, 0.2, 'float32', seed++));
        if (e.name.endsWith('running_var')) e.variable.assign(tf.randomUniform(e.variable.shape, 0.5, 1.5, 'float32', seed++));
      }
    }
    const tensors = new Map<string, tf.Tensor>();
    for (const e of online.stateEntries('online_net.backbone')) tensors.set(e.name, e.variable);
    for (const e of target.stateEntries('target_net.backbone')) tensors.set(e.name, e.variable);
    checkpoint = join(dir, 'checkpoint.safetensors');
    await saveCheckpoint(checkpoint, tensors, {
      kind: 'fra-pretrain',
      position: { epoch: 3, iterationInEpoch: 0, globalStep: 42, iterationsPerEpoch: 14 },
      config: { backbone: 'resnet18_slim_encoder', imageSize: SIZE, dataset: 'synthetic', lr: 0.3 },
      rng: { dropoutSeedPosition: 0 },
      metrics: { loss: 1.25 },
      backend: 'wasm',
    });
    pixels = tf.floor(tf.randomUniform([2, SIZE, SIZE, 3], 0, 256, 'float32', 9)) as tf.Tensor4D;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const reference = (enc: ResNetEncoder) =>
    tf.tidy(() => referenceForward(enc, tf.div(tf.sub(tf.div(pixels, 255), tf.tensor1d([...pre.mean])), tf.tensor1d([...pre.std])) as tf.Tensor4D).dataSync());

  it('exports the online backbone to ONNX (NHWC) with metadata and model card', async () => {
    const out = join(dir, 'onnx');
    const r = cli([checkpoint, '--format', 'onnx', '--out', out, '--layout', 'nhwc']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /output features \[128\]/);
    const bytes = await readFile(join(out, 'model.onnx'));
    const meta = readOnnxMetadata(bytes);
    assert.equal(meta['source_checkpoint'], checkpoint);
    assert.equal(meta['source_backbone'], 'resnet18_slim_encoder');
    assert.equal(meta['input_size'], `${SIZE}x${SIZE}`);
    const session = await ort.InferenceSession.create(bytes);
    const res = await session.run({ input: new ort.Tensor('float32', Float32Array.from(pixels.dataSync()), pixels.shape) });
    const got = res['features']!.data as Float32Array;
    const err = maxRel(got, reference(online));
    console.log(`cli onnx max relative error ${err}`);
    assert.ok(err < 1e-4, String(err));
    assert.ok(maxRel(got, reference(target)) > 1e-2, 'online and target must differ');
    await session.release();
    const card = await readFile(join(out, 'MODEL_CARD.md'), 'utf8');
    assert.match(card, /## Source/);
    assert.match(card, /Global step \| 42/);
    assert.match(card, /synthetic/);
    assert.match(card, /\| loss \| 1\.25000 \|/);
    const prep = JSON.parse(await readFile(join(out, 'preprocessing.json'), 'utf8'));
    assert.deepEqual(prep.inputSize, [SIZE, SIZE]);
    assert.equal(prep.output, 'features');
  });

  it('exports the target backbone to TF.js', async () => {
    const out = join(dir, 'tfjs');
    const r = cli([checkpoint, '--format', 'tfjs', '--out', out, '--network', 'target']);
    assert.equal(r.status, 0, r.stderr);
    const model = await tfl.loadLayersModel(tfjsFileHandler(join(out, 'model.json')));
    const y = model.predict(pixels) as tf.Tensor;
    const err = maxRel(y.dataSync(), reference(target));
    console.log(`cli tfjs max relative error ${err}`);
    assert.ok(err < 1e-4, String(err));
    y.dispose();
    model.dispose();
  });

  it('refuses bad arguments with exit 2 and a missing checkpoint with exit 1', () => {
    assert.equal(cli([checkpoint, '--format', 'pt', '--out', dir]).status, 2);
    assert.equal(cli([checkpoint, '--format', 'tfjs', '--layout', 'nchw', '--out', dir]).status, 2);
    assert.equal(cli([checkpoint, '--format', 'onnx']).status, 2);
    const missing = cli([join(dir, 'nope.safetensors'), '--format', 'onnx', '--out', join(dir, 'x')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /cannot read checkpoint/);
  });
});
