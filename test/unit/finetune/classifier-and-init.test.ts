/**
 * The fine-tuning network and where its backbone comes from: the N(0, 0.01) classifier and
 * torchvision state keys; one training step in each mode (the linear probe leaves the backbone
 * bit-identical, weights and BN statistics; fine-tuning moves both); cross-entropy; loading the
 * backbone from a workbench pre-training checkpoint, a PyTorch .pth.tar (restricted unpickler,
 * --model-prefix) and a torch-layout safetensors file; clear refusals.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../helpers/engine.js';
import { FinetuneModel } from '../../../trainer/finetune/classifier-model.js';
import { fingerprintState } from '../../../trainer/finetune/backbone-fingerprint.js';
import { initialiseBackbone } from '../../../trainer/finetune/init-backbone.js';
import { AdamW } from '../../../trainer/finetune/optim/adamw.js';
import { checkLabels, crossEntropy, FinetuneTrainStep } from '../../../trainer/finetune/train-step.js';
import { writeSafetensorsFile } from '../../../trainer/io/safetensors.js';
import { tensorsToSafetensors } from '../../../trainer/io/safetensors-tf.js';
import { exportTorchStateDict } from '../../../trainer/io/torch-layout.js';
import { createResNetEncoder, type ResNetEncoder } from '../../../trainer/models/resnet.js';
import { SeedSequence } from '../../../trainer/nn/seed.js';
import { saveCheckpoint } from '../../../trainer/run/checkpoint.js';

const TORCH_FIXTURES = fileURLToPath(new URL('../../fixtures/torch-pth/', import.meta.url));
const TINY = { block: 'basic', layers: [1, 1, 1, 1], baseWidth: 4 } as const;
const SIZE = 32;

const values = (encoder: ResNetEncoder): Map<string, number[]> => new Map(encoder.stateEntries().map((e) => [e.name, Array.from(e.variable.dataSync())]));

function batch(seed: number): { images: tf.Tensor4D; labels: Int32Array } {
  return { images: tf.randomNormal([8, SIZE, SIZE, 3], 0, 1, 'float32', seed) as tf.Tensor4D, labels: Int32Array.from([0, 1, 2, 0, 1, 2, 0, 1]) };
}

describe('fine-tuning classifier', () => {
  before(() => useBackend('cpu'));

  it('new head: N(0, 0.01) weight, zero bias; torchvision state keys', () => {
    const model = new FinetuneModel('resnet18_encoder', 7, 3);
    const w = Array.from(model.fc.weight.dataSync());
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    assert.deepEqual(model.fc.weight.shape, [512, 7]);
    assert.ok(Math.abs(std - 0.01) < 0.0005, `std ${std}`);
    assert.ok(Math.abs(mean) < 0.0005, `mean ${mean}`);
    assert.ok(Array.from(model.fc.bias!.dataSync()).every((v) => v === 0));
    const keys = model.stateEntries().map((e) => e.name);
    assert.equal(keys[0], 'conv1.weight');
    assert.deepEqual(keys.slice(-2), ['fc.weight', 'fc.bias']);
    assert.ok(keys.includes('layer4.1.bn2.running_var'));
    model.dispose();
  });

  it('cross-entropy equals −mean log-softmax of the label; unlabelled or out-of-range labels are refused', () => {
    const logits = tf.tensor2d([[2, 0, -1], [0.5, 0.5, 3]]);
    const ce = crossEntropy(logits, tf.tensor1d([0, 2], 'int32')).dataSync()[0]!;
    const lse = (r: number[]) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
    const expected = (lse([2, 0, -1]) - 2 + lse([0.5, 0.5, 3]) - 3) / 2;
    assert.ok(Math.abs(ce - expected) < 1e-6, `${ce} vs ${expected}`);
    assert.throws(() => checkLabels(Int32Array.from([0, -1]), 3), /no class label: fine-tuning needs a labelled dataset/);
    assert.throws(() => checkLabels(Int32Array.from([3]), 3), /outside the 3 classes/);
  });

  it('linear probe: the backbone (weights and BN statistics) stays bit-identical, the head learns', () => {
    const model = new FinetuneModel('resnet18_slim_encoder', 3, 5);
    const before = fingerprintState(model.backbone.stateEntries());
    const head = Array.from(model.fc.weight.dataSync());
    const step = new FinetuneTrainStep(model, new AdamW({ weightDecay: 0.05 }), 'linear');
    assert.equal(model.backbone.training, false);
    const losses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { images, labels } = batch(1);
      losses.push(step.run(images, labels, { backbone: 1, head: 0.01 }).loss);
      images.dispose();
    }
    assert.equal(fingerprintState(model.backbone.stateEntries()), before);
    assert.notDeepEqual(Array.from(model.fc.weight.dataSync()), head);
    assert.ok(losses.at(-1)! < losses[0]!, `loss ${losses.join(' → ')}`);
    step.optimizer.dispose();
    model.dispose();
  });

  it('fine-tuning: every layer trains, batch norm in train mode updates its running statistics', () => {
    const model = new FinetuneModel('resnet18_slim_encoder', 3, 5);
    const before = values(model.backbone);
    const step = new FinetuneTrainStep(model, new AdamW({ weightDecay: 0.05 }), 'finetune');
    assert.equal(model.backbone.training, true);
    const { images, labels } = batch(2);
    step.run(images, labels, { backbone: 1e-3, head: 1e-3 });
    images.dispose();
    const after = values(model.backbone);
    assert.notDeepEqual(after.get('conv1.weight'), before.get('conv1.weight'));
    assert.notDeepEqual(after.get('layer4.1.bn2.running_mean'), before.get('layer4.1.bn2.running_mean'));
    step.optimizer.dispose();
    model.dispose();
  });
});

describe('backbone initialisation (--pretrained)', () => {
  let dir: string;
  before(async () => {
    await useBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'fra-finetune-init-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('from a workbench pre-training checkpoint: the online backbone, checksum-verified', async () => {
    const online = createResNetEncoder('resnet18_slim_encoder', new SeedSequence(11));
    const target = createResNetEncoder('resnet18_slim_encoder', new SeedSequence(12));
    const tensors = new Map<string, tf.Tensor>();
    for (const e of online.stateEntries('online_net.backbone')) tensors.set(e.name, e.variable);
    for (const e of target.stateEntries('target_net.backbone')) tensors.set(e.name, e.variable);
    tensors.set('predictor.mlp.0.weight', tf.ones([4, 4]));
    const path = join(dir, 'pretrain.safetensors');
    await saveCheckpoint(path, tensors, { kind: 'fra-pretrain', position: { epoch: 2, iterationInEpoch: 0, globalStep: 20, iterationsPerEpoch: 10 }, config: { backbone: 'resnet18_slim_encoder' }, rng: { dropoutSeedPosition: 0 }, metrics: {}, backend: 'cpu' });

    const model = new FinetuneModel('resnet18_slim_encoder', 5, 1);
    const report = await initialiseBackbone(model.backbone, path, { backbone: 'resnet18_slim_encoder' });
    assert.equal(report.source, 'workbench-pretrain');
    assert.equal(report.modelPrefix, 'online_net.backbone');
    assert.equal(report.ignored, tensors.size - report.loaded);
    assert.deepEqual(values(model.backbone), values(online));

    await assert.rejects(initialiseBackbone(model.backbone, path, { backbone: 'resnet50_encoder' }), /holds a resnet18_slim_encoder, this run is configured for a resnet50_encoder: set --backbone resnet18_slim_encoder/);
    await assert.rejects(initialiseBackbone(model.backbone, path, { backbone: 'resnet18_slim_encoder', modelPrefix: 'nothing.here' }), /selects no tensors/);
    // --model-prefix target_net.backbone picks the other network.
    await initialiseBackbone(model.backbone, path, { backbone: 'resnet18_slim_encoder', modelPrefix: 'target_net.backbone' });
    assert.deepEqual(values(model.backbone), values(target));
    model.dispose();
  });

  it('from a PyTorch .pth.tar of the reference (restricted unpickler, module. and --model-prefix stripped)', async () => {
    const encoder = createResNetEncoder(TINY, new SeedSequence(1));
    const fromOnline = await initialiseBackbone(encoder, TORCH_FIXTURES + 'fra_checkpoint.pth.tar', { backbone: 'tiny' });
    assert.equal(fromOnline.source, 'pytorch');
    assert.equal(fromOnline.modelPrefix, 'online_net.backbone');
    const online = values(encoder);
    const other = createResNetEncoder(TINY, new SeedSequence(2));
    await initialiseBackbone(other, TORCH_FIXTURES + 'fra_checkpoint.pth.tar', { backbone: 'tiny', modelPrefix: 'encoder_q' });
    assert.deepEqual(values(other), online, 'encoder_q duplicates the online backbone (fra-spec §6.1)');
    await assert.rejects(initialiseBackbone(encoder, TORCH_FIXTURES + 'malicious_os_system.pth', { backbone: 'tiny' }), /os/);
  });

  it('from a torch-layout safetensors backbone (import-torch output), and refuses unknown file types', async () => {
    const source = createResNetEncoder(TINY, new SeedSequence(21));
    const torchState = exportTorchStateDict(source);
    const prefixed = new Map([...torchState].map(([k, t]) => [`module.encoder_q.${k}`, t]));
    const path = join(dir, 'backbone.safetensors');
    await writeSafetensorsFile(path, tensorsToSafetensors(prefixed), { source: 'pytorch' });
    tf.dispose([...torchState.values()]);
    const encoder = createResNetEncoder(TINY, new SeedSequence(22));
    const report = await initialiseBackbone(encoder, path, { backbone: 'tiny' });
    assert.equal(report.source, 'safetensors');
    assert.equal(report.modelPrefix, 'encoder_q');
    assert.deepEqual(values(encoder), values(source));
    await assert.rejects(initialiseBackbone(encoder, join(dir, 'weights.onnx'), { backbone: 'tiny' }), /cannot tell the file type/);
  });
});
