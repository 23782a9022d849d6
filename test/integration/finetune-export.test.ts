/**
 * Export of a fine-tuned classifier (issue 7 §3): a fine-tuning checkpoint (backbone + fc, class
 * names) through the fra-export CLI as TF.js — reopened by the stock @tensorflow/tfjs-layers
 * loader — and as ONNX — run by onnxruntime-node — both give the logits of the model's own
 * eval-mode forward; preprocessing.json and the model card carry the class names and
 * normalisation. A fine-tuning checkpoint refuses --network target.
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
import { useBackend } from '../helpers/engine.js';
import { validateFinetuneConfig } from '../../trainer/contract/finetune-config.js';
import { FinetuneModel } from '../../trainer/finetune/classifier-model.js';
import { writeFinetuneCheckpoint } from '../../trainer/finetune/checkpointing.js';
import { AdamW } from '../../trainer/finetune/optim/adamw.js';
import { vggface2Preprocessing } from '../../trainer/io/export/model-graph.js';
import { tfjsFileHandler } from '../../trainer/io/export/tfjs-export.js';

const root = join(import.meta.dirname, '..', '..');
const SIZE = 32;
const CLASSES = ['neutral', 'happy', 'sad', 'surprised', 'angry'];

const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'trainer/cli/fra-export.ts'), ...args], { cwd: root, encoding: 'utf8' });

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): { abs: number; rel: number } {
  let d = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return { abs: d, rel: d / s };
}

describe('export of a fine-tuned classifier', () => {
  let dir: string;
  let checkpoint: string;
  let pixels: tf.Tensor4D;
  let expected: Float32Array;
  const pre = vggface2Preprocessing([SIZE, SIZE]);

  before(async () => {
    await useBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'fra-finetune-export-'));
    const config = validateFinetuneConfig({ backbone: 'resnet18_slim_encoder', imageSize: SIZE, dataRoot: 'synthetic-expressions', mode: 'finetune' });
    const model = new FinetuneModel('resnet18_slim_encoder', CLASSES.length, 4);
    // Trained-looking state: BN statistics away from their init, a classifier with real spread.
    let seed = 40;
    for (const e of model.stateEntries()) {
      const n = e.variable.shape[0] ?? 1;
      if (e.name.endsWith('running_mean')) e.variable.assign(tf.randomUniform([n], -0.3, 0.3, 'float32', seed++));
      else if (e.name.endsWith('running_var')) e.variable.assign(tf.randomUniform([n], 0.3, 2, 'float32', seed++));
    }
    model.fc.weight.assign(tf.randomNormal(model.fc.weight.shape, 0, 0.3, 'float32', 7));
    model.fc.bias!.assign(tf.randomNormal([CLASSES.length], 0, 0.2, 'float32', 8));
    const optimizer = new AdamW({ weightDecay: 0.05 });
    checkpoint = join(dir, 'epoch-0003-step-00000042.safetensors');
    await writeFinetuneCheckpoint(checkpoint, {
      model,
      optimizer,
      config,
      position: { epoch: 3, iterationInEpoch: 0, globalStep: 42, iterationsPerEpoch: 14 },
      metrics: { loss: 0.5, valTop1: 0.8125 },
      classNames: CLASSES,
      backend: 'wasm',
    });
    pixels = tf.floor(tf.randomUniform([3, SIZE, SIZE, 3], 0, 256, 'float32', 9)) as tf.Tensor4D;
    model.backbone.setTraining(false);
    expected = tf.tidy(() => model.logits(tf.div(tf.sub(tf.div(pixels, 255), tf.tensor1d([...pre.mean])), tf.tensor1d([...pre.std])) as tf.Tensor4D).dataSync() as Float32Array);
    optimizer.dispose();
    model.dispose();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('TF.js: the stock layers loader gives the classifier’s logits; class names in preprocessing.json and the card', async () => {
    const out = join(dir, 'tfjs');
    const r = cli([checkpoint, '--format', 'tfjs', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /output logits \[5\]/);
    const model = await tfl.loadLayersModel(tfjsFileHandler(join(out, 'model.json')));
    const y = model.predict(pixels) as tf.Tensor;
    assert.deepEqual(y.shape, [3, CLASSES.length]);
    const err = maxAbs(y.dataSync(), expected);
    console.log(`tfjs export: max abs ${err.abs}, rel ${err.rel}`);
    assert.ok(err.rel <= 1e-5, JSON.stringify(err));
    y.dispose();
    model.dispose();
    const prep = JSON.parse(await readFile(join(out, 'preprocessing.json'), 'utf8'));
    assert.deepEqual(prep.classNames, CLASSES);
    assert.equal(prep.output, 'logits');
    assert.deepEqual(prep.inputSize, [SIZE, SIZE]);
    const card = await readFile(join(out, 'MODEL_CARD.md'), 'utf8');
    assert.match(card, /fine-tuned classifier \(backbone \+ fc\) of a FRA fine-tuning checkpoint/);
    assert.match(card, /Classes \(index order\): 0 neutral, 1 happy, 2 sad, 3 surprised, 4 angry/);
    assert.match(card, /\| valTop1 \| 0\.812500 \|/);
    assert.match(card, /synthetic-expressions/);
  });

  it('ONNX (NCHW): onnxruntime-node gives the same logits within 1e-4 relative', async () => {
    const out = join(dir, 'onnx');
    const r = cli([checkpoint, '--format', 'onnx', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const session = await ort.InferenceSession.create(await readFile(join(out, 'model.onnx')));
    const nchw = tf.tidy(() => tf.transpose(pixels, [0, 3, 1, 2]));
    const res = await session.run({ input: new ort.Tensor('float32', Float32Array.from(nchw.dataSync()), nchw.shape) });
    nchw.dispose();
    const err = maxAbs(res['logits']!.data as Float32Array, expected);
    console.log(`onnx export: max abs ${err.abs}, rel ${err.rel}`);
    assert.ok(err.rel <= 1e-4, JSON.stringify(err));
    await session.release();
  });

  it('a fine-tuning checkpoint has one network: --network target is refused', () => {
    const r = cli([checkpoint, '--format', 'onnx', '--out', join(dir, 'x'), '--network', 'target']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /fine-tuning checkpoint: it has one network/);
  });
});
