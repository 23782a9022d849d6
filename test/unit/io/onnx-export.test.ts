/**
 * Model export (issue 7 item 3): the folded graph walk equals the module's eval forward; the ONNX
 * export run by onnxruntime-node (CPU) equals our tfjs forward within 1e-4 relative for NCHW and
 * NHWC inputs, float and uint8, with and without embedded preprocessing, with a classifier head;
 * metadata props; the TF.js export, written to files and opened by the stock layers loader, equals
 * our forward; the model card and preprocessing.json describe the export.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { useBackend } from '../../helpers/engine.js';
import { createResNetEncoder, type ResNetEncoder } from '../../../trainer/models/resnet.js';
import { SeedSequence } from '../../../trainer/nn/seed.js';
import {
  buildModelGraph,
  referenceForward,
  runModelGraph,
  vggface2Preprocessing,
  type ClassifierWeights,
  type Preprocessing,
} from '../../../trainer/io/export/model-graph.js';
import { exportOnnx, filterToOnnx, readOnnxMetadata, type InputLayout } from '../../../trainer/io/export/onnx-export.js';
import { tfjsFileHandler } from '../../../trainer/io/export/tfjs-export.js';
import { exportModel, MODEL_CARD_FILE, ONNX_MODEL_FILE, PREPROCESSING_FILE } from '../../../trainer/io/export/export-model.js';

const SIZE = 64;
const BATCH = 2;
const CLASSES = ['anger', 'joy', 'neutral', 'sad', 'surprise'];

/** max |a − b| / max |ref| */
function relError(actual: ArrayLike<number>, ref: ArrayLike<number>): number {
  assert.equal(actual.length, ref.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  assert.ok(scale > 0, 'reference is all zeros');
  return diff / scale;
}

/** Random (but valid) BN statistics and affine params, so the folding is really exercised. */
function randomizeBatchNorms(encoder: ResNetEncoder, seed: number): void {
  let s = seed;
  for (const e of encoder.stateEntries()) {
    const n = e.variable.shape[0] ?? 1;
    const u = (lo: number, hi: number) => tf.randomUniform([n], lo, hi, 'float32', s++);
    if (e.name.endsWith('running_mean')) e.variable.assign(u(-0.3, 0.3));
    else if (e.name.endsWith('running_var')) e.variable.assign(u(0.3, 2));
    else if (/bn\d\.weight$|downsample\.1\.weight$/.test(e.name)) e.variable.assign(u(0.5, 1.5));
    else if (/bn\d\.bias$|downsample\.1\.bias$/.test(e.name)) e.variable.assign(u(-0.2, 0.2));
  }
}

function normalize(pixelsNhwc: tf.Tensor4D, pre: Preprocessing): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.sub(tf.div(pixelsNhwc, 255), tf.tensor1d([...pre.mean])), tf.tensor1d([...pre.std])) as tf.Tensor4D);
}

describe('model export', () => {
  let encoder: ResNetEncoder;
  let classifier: ClassifierWeights;
  let pixels: tf.Tensor4D; // [B, H, W, 3] in [0, 255], integral (so uint8 input is the same image)
  let dir: string;
  const pre = vggface2Preprocessing([SIZE, SIZE]);
  const errors: Record<string, number> = {};

  before(async () => {
    await useBackend('wasm');
    encoder = createResNetEncoder({ block: 'basic', layers: [1, 1, 1, 1], baseWidth: 8 }, new SeedSequence(7));
    randomizeBatchNorms(encoder, 100);
    encoder.setTraining(false);
    classifier = {
      weight: tf.randomNormal([encoder.outChannels, CLASSES.length], 0, 0.2, 'float32', 3),
      bias: tf.randomNormal([CLASSES.length], 0, 0.1, 'float32', 4),
      classNames: CLASSES,
    };
    pixels = tf.floor(tf.randomUniform([BATCH, SIZE, SIZE, 3], 0, 256, 'float32', 5)) as tf.Tensor4D;
    dir = await mkdtemp(join(tmpdir(), 'fra-export-'));
  });

  after(async () => {
    console.log(`max relative errors: ${JSON.stringify(errors)}`);
    await rm(dir, { recursive: true, force: true });
  });

  it('filterToOnnx maps [kh,kw,I,O] to [O,I,kh,kw]', () => {
    const k = 2, I = 3, O = 4;
    const w = Float32Array.from({ length: k * k * I * O }, (_, i) => i);
    const t = tf.transpose(tf.tensor4d(w, [k, k, I, O]), [3, 2, 0, 1]);
    assert.deepEqual(Array.from(filterToOnnx(w, k, I, O)), Array.from(t.dataSync()));
  });

  it('the folded graph equals the eval-mode module forward', () => {
    const x = normalize(pixels, pre);
    for (const head of [undefined, classifier]) {
      const graph = buildModelGraph(encoder, head ? { classifier: head } : {});
      const ref = referenceForward(encoder, x, head);
      const got = runModelGraph(graph, x);
      assert.deepEqual(got.shape, [BATCH, head ? CLASSES.length : encoder.outChannels]);
      const err = relError(got.dataSync(), ref.dataSync());
      errors[`graph-${head ? 'logits' : 'features'}`] = err;
      assert.ok(err < 1e-5, `graph vs module: ${err}`);
      tf.dispose([ref, got]);
    }
    // folding is not a no-op: BN stats were randomised
    const graph = buildModelGraph(encoder);
    const conv1 = graph.ops[0];
    assert.ok(conv1?.kind === 'conv');
    assert.equal(conv1.stride, 2);
    assert.equal(conv1.pad, 3);
    assert.ok(conv1.bias.some((b) => Math.abs(b) > 1e-3));
    tf.dispose(x);
  });

  const cases: { layout: InputLayout; embed: boolean; inputType: 'float32' | 'uint8'; head: boolean }[] = [
    { layout: 'nchw', embed: true, inputType: 'float32', head: true },
    { layout: 'nhwc', embed: true, inputType: 'float32', head: true },
    { layout: 'nhwc', embed: true, inputType: 'uint8', head: true },
    { layout: 'nchw', embed: false, inputType: 'float32', head: false },
  ];
  for (const c of cases) {
    it(`ONNX ${c.layout.toUpperCase()} ${c.inputType} ${c.embed ? 'with' : 'without'} preprocessing, ${c.head ? 'logits' : 'features'}: onnxruntime equals our forward`, async () => {
      const graph = buildModelGraph(encoder, c.head ? { classifier } : {});
      const exp = exportOnnx(graph, {
        layout: c.layout,
        preprocessing: pre,
        embedPreprocessing: c.embed,
        inputType: c.inputType,
        source: { run: 'runs/ft-001', checkpoint: 'checkpoints/best.safetensors', backboneName: 'resnet18_tiny' },
      });
      const session = await ort.InferenceSession.create(exp.bytes);
      assert.deepEqual(session.inputNames, ['input']);
      assert.deepEqual(session.outputNames, [c.head ? 'logits' : 'features']);
      const fed = c.embed ? pixels : normalize(pixels, pre);
      const laid = c.layout === 'nchw' ? tf.transpose(fed, [0, 3, 1, 2]) : fed;
      const values = laid.dataSync();
      const tensor =
        c.inputType === 'uint8'
          ? new ort.Tensor('uint8', Uint8Array.from(values), laid.shape)
          : new ort.Tensor('float32', Float32Array.from(values), laid.shape);
      const result = await session.run({ input: tensor });
      const out = result[exp.outputName]!;
      assert.deepEqual(out.dims, [BATCH, c.head ? CLASSES.length : encoder.outChannels]);
      const x = normalize(pixels, pre);
      const ref = referenceForward(encoder, x, c.head ? classifier : undefined);
      const err = relError(out.data as Float32Array, ref.dataSync());
      errors[`onnx-${c.layout}-${c.inputType}-${c.embed ? 'embedded' : 'plain'}`] = err;
      assert.ok(err < 1e-4, `onnx vs tfjs: ${err}`);
      await session.release();
      tf.dispose([x, ref]);
      if (fed !== pixels) fed.dispose();
      if (laid !== fed) laid.dispose();
    });
  }

  it('ONNX metadata_props carry preprocessing, class names and source', () => {
    const exp = exportOnnx(buildModelGraph(encoder, { classifier }), {
      layout: 'nhwc',
      preprocessing: pre,
      source: { run: 'runs/ft-001', checkpoint: 'checkpoints/best.safetensors', checkpointSha256: 'ab'.repeat(32) },
    });
    const meta = readOnnxMetadata(exp.bytes);
    assert.equal(meta['input_size'], `${SIZE}x${SIZE}`);
    assert.equal(meta['input_layout'], 'NHWC');
    assert.equal(meta['channel_order'], 'RGB');
    assert.deepEqual(JSON.parse(meta['mean']!), [...pre.mean]);
    assert.deepEqual(JSON.parse(meta['std']!), [...pre.std]);
    assert.deepEqual(JSON.parse(meta['class_names']!), CLASSES);
    assert.equal(meta['source_run'], 'runs/ft-001');
    assert.equal(meta['source_checkpoint'], 'checkpoints/best.safetensors');
    assert.equal(meta['preprocessing_embedded'], 'true');
    assert.equal(meta['output'], 'logits');
    assert.deepEqual(JSON.parse(meta['input_shape']!), ['batch', SIZE, SIZE, 3]);
  });

  it('TF.js export: the stock loader opens the written files and predicts our logits', async () => {
    const out = join(dir, 'tfjs');
    const res = await exportModel(encoder, {
      format: 'tfjs',
      outDir: out,
      preprocessing: pre,
      classifier,
      source: { run: 'runs/ft-001', checkpoint: 'checkpoints/best.safetensors' },
      dataset: 'synthetic expressions',
      metrics: { top1: 0.8125 },
    });
    assert.deepEqual(res.files, ['model.json', 'group1-shard1of1.bin', PREPROCESSING_FILE, MODEL_CARD_FILE]);
    const json = JSON.parse(await readFile(join(out, 'model.json'), 'utf8'));
    assert.equal(json.format, 'layers-model');
    assert.deepEqual(json.weightsManifest[0].paths, ['group1-shard1of1.bin']);
    const model = await tfl.loadLayersModel(tfjsFileHandler(join(out, 'model.json')));
    const predicted = model.predict(pixels) as tf.Tensor;
    assert.deepEqual(predicted.shape, [BATCH, CLASSES.length]);
    const x = normalize(pixels, pre);
    const ref = referenceForward(encoder, x, classifier);
    const err = relError(predicted.dataSync(), ref.dataSync());
    errors['tfjs-embedded'] = err;
    assert.ok(err < 1e-4, `tfjs export vs ours: ${err}`);
    const meta = model.getUserDefinedMetadata() as { fra: { classNames: string[]; preprocessing: Preprocessing & { embedded: boolean }; source_run: string } };
    assert.deepEqual(meta.fra.classNames, CLASSES);
    assert.deepEqual(meta.fra.preprocessing.mean, [...pre.mean]);
    assert.equal(meta.fra.preprocessing.embedded, true);
    assert.equal(meta.fra.source_run, 'runs/ft-001');
    model.dispose();
    tf.dispose([predicted, x, ref]);
  });

  it('TF.js export without embedded preprocessing (features) takes the normalised image', async () => {
    const out = join(dir, 'tfjs-plain');
    await exportModel(encoder, { format: 'tfjs', outDir: out, preprocessing: pre, embedPreprocessing: false });
    const model = await tfl.loadLayersModel(tfjsFileHandler(join(out, 'model.json')));
    const x = normalize(pixels, pre);
    const predicted = model.predict(x) as tf.Tensor;
    const ref = referenceForward(encoder, x);
    const err = relError(predicted.dataSync(), ref.dataSync());
    errors['tfjs-plain-features'] = err;
    assert.ok(err < 1e-4, `tfjs export vs ours: ${err}`);
    assert.equal(model.outputs[0]!.name.split('/')[0], 'features');
    model.dispose();
    tf.dispose([predicted, x, ref]);
  });

  it('ONNX export directory: model, preprocessing.json and a model card with the key sections', async () => {
    const out = join(dir, 'onnx');
    const res = await exportModel(encoder, {
      format: 'onnx',
      outDir: out,
      layout: 'nhwc',
      preprocessing: pre,
      classifier,
      source: { run: 'runs/ft-001', checkpoint: 'checkpoints/best.safetensors', epoch: 12 },
      config: { backbone: 'resnet18_encoder', lr: 2e-4, dataset: 'rafdb', nested: { ignored: true } },
      metrics: { top1: 0.8125, top5: 0.99 },
    });
    const bytes = await readFile(join(out, ONNX_MODEL_FILE));
    const session = await ort.InferenceSession.create(bytes);
    const result = await session.run({ input: new ort.Tensor('float32', Float32Array.from(pixels.dataSync()), pixels.shape) });
    const ref = referenceForward(encoder, normalize(pixels, pre), classifier);
    const err = relError(result['logits']!.data as Float32Array, ref.dataSync());
    errors['onnx-file-nhwc'] = err;
    assert.ok(err < 1e-4);
    await session.release();
    ref.dispose();

    const prep = JSON.parse(await readFile(join(out, PREPROCESSING_FILE), 'utf8'));
    assert.deepEqual(prep.inputSize, [SIZE, SIZE]);
    assert.equal(prep.channelOrder, 'RGB');
    assert.deepEqual(prep.classNames, CLASSES);
    assert.equal(prep.embedded, true);

    const card = await readFile(join(out, MODEL_CARD_FILE), 'utf8');
    assert.equal(card, res.card);
    for (const section of ['## Source', '## Model', '## Preprocessing', '## Training data', '## Configuration', '## Metrics', '## Intended use', '## Limitations']) {
      assert.ok(card.includes(section), `model card lacks ${section}`);
    }
    assert.match(card, /runs\/ft-001/);
    assert.match(card, /checkpoints\/best\.safetensors/);
    assert.match(card, /\| lr \| 0\.0002 \|/);
    assert.match(card, /\| top1 \| 0\.812500 \|/);
    assert.match(card, /0\.5231/);
    assert.match(card, /Not for identification/i);
    assert.match(card, /surveillance/);
    assert.match(card, /float32/);
    assert.match(card, /0 anger, 1 joy/);
    assert.doesNotMatch(card, /nested/);
  });
});
