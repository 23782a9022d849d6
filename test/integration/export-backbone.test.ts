/**
 * Backbone-only export (fra-spec §6.2): a real 2-step pre-training run writes a checkpoint; the
 * exporter (library and CLI) turns its online backbone into a torchvision-keyed, torch-layout
 * safetensors file that loads strictly into a fresh encoder and reproduces the online backbone's
 * eval-mode output exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '../helpers/engine.js';
import { validatePretrainConfig } from '../../trainer/contract/run-config.js';
import { runPretraining, modelOptionsFromConfig } from '../../trainer/fra/pretrain-run.js';
import { FraModel } from '../../trainer/fra/fra-model.js';
import { createResNetEncoder } from '../../trainer/models/resnet.js';
import { SeedSequence } from '../../trainer/nn/seed.js';
import { loadCheckpoint, OPTIMIZER_PREFIX } from '../../trainer/run/checkpoint.js';
import { readSafetensors } from '../../trainer/io/safetensors.js';
import { safetensorsToTensors } from '../../trainer/io/safetensors-tf.js';
import { loadTorchStateDict } from '../../trainer/io/torch-layout.js';
import { exportBackbone, type BackboneExportDescription } from '../../trainer/run/export-backbone.js';

const root = join(import.meta.dirname, '..', '..');

describe('backbone-only export', () => {
  let dir: string;
  let checkpoint: string;
  const config = () =>
    validatePretrainConfig({
      dataset: 'random',
      backbone: 'resnet18_slim_encoder',
      imageSize: 32,
      batchSize: 4,
      hidDim: 32,
      projDim: 16,
      decoderHeads: 2,
      decoderFfnDim: 16,
      numProto: 4,
      epochs: 1,
      warmupEpochs: 0,
      maxSteps: 2,
      backend: 'wasm',
      seed: 99,
      saveDir: dir,
    });

  before(async () => {
    await useBackend('wasm');
    dir = await mkdtemp(join(tmpdir(), 'fra-export-'));
    // Two real steps: BN running statistics and weights are no longer their initial values.
    await runPretraining(config(), { backend: 'wasm' });
    checkpoint = join(dir, 'checkpoint.safetensors');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** The online backbone's eval-mode output after loading the checkpoint into a full model. */
  function referenceOutput(images: tf.Tensor4D, state: Map<string, tf.Tensor>): Float32Array {
    const model = new FraModel(modelOptionsFromConfig(config()));
    try {
      model.loadState(new Map([...state].filter(([k]) => !k.startsWith(OPTIMIZER_PREFIX))), { strict: true });
      model.online.backbone.setTraining(false);
      return tf.tidy(() => model.online.backbone.forward(images).dataSync() as Float32Array).slice();
    } finally {
      model.dispose();
    }
  }

  async function checkExport(file: string, description: BackboneExportDescription): Promise<void> {
    const contents = readSafetensors(await readFile(file));
    const fresh = createResNetEncoder('resnet18_slim_encoder', new SeedSequence(12345));
    const exported = safetensorsToTensors(contents.tensors);
    const { meta, tensors } = await loadCheckpoint(checkpoint);
    const images = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    try {
      const encoderKeys = fresh.stateEntries().map((e) => e.name);
      const backboneKeys = [...tensors.keys()].filter((k) => k.startsWith('online_net.backbone.'));
      // torchvision keys, no prefix; exactly the encoder's state (R50 would be 318; R18-slim is R18's 120).
      assert.deepEqual([...contents.tensors.keys()].sort(), [...encoderKeys].sort());
      assert.equal(encoderKeys.length, 120);
      assert.equal(backboneKeys.length, 120);
      assert.equal(description.keys, 120);
      assert.ok(contents.tensors.has('conv1.weight') && contents.tensors.has('layer1.0.bn1.running_mean'));
      // PyTorch layout: conv weights (O, I, kh, kw); num_batches_tracked int64 as in torch.
      const ours = tensors.get('online_net.backbone.conv1.weight')!;
      assert.deepEqual(contents.tensors.get('conv1.weight')!.shape, [ours.shape[3], ours.shape[2], ours.shape[0], ours.shape[1]]);
      assert.equal(contents.tensors.get('bn1.num_batches_tracked')!.dtype, 'I64');
      // Two steps × two views through the online backbone (as in torch: each view is a BN forward).
      assert.equal(Number((contents.tensors.get('bn1.num_batches_tracked')!.data as BigInt64Array)[0]), 4);
      assert.notDeepEqual([...contents.tensors.get('bn1.running_mean')!.data], new Array(contents.tensors.get('bn1.running_mean')!.shape[0]).fill(0));

      const report = loadTorchStateDict(fresh, exported, { strict: true });
      assert.deepEqual(report, { missing: [], unexpected: [], ignored: [] });
      fresh.setTraining(false);
      const got = tf.tidy(() => fresh.forward(images).dataSync() as Float32Array).slice();
      const want = referenceOutput(images, tensors);
      assert.equal(got.length, want.length);
      assert.deepEqual(got, want, 'identical eval-mode outputs');

      assert.equal(description.backbone, 'resnet18_slim_encoder');
      assert.deepEqual(description.position, meta.position);
      assert.equal(description.sourceSha256, meta.tensorsSha256);
      assert.equal(description.layout, 'pytorch');
    } finally {
      fresh.dispose();
      images.dispose();
      tf.dispose([...exported.values(), ...tensors.values()]);
    }
  }

  it('library: torchvision keys, torch layout, strict re-import gives identical eval outputs', async () => {
    const out = join(dir, 'backbone.safetensors');
    const description = await exportBackbone(checkpoint, out);
    const sidecar = JSON.parse(await readFile(join(dir, 'backbone.json'), 'utf8')) as BackboneExportDescription;
    assert.deepEqual(sidecar, description);
    assert.equal(sidecar.sourceCheckpoint, checkpoint);
    await checkExport(out, description);
  });

  it('CLI: tsx trainer/cli/export-backbone.ts <checkpoint> --out <file> (and refuses bad input)', async () => {
    const out = join(dir, 'cli-backbone.safetensors');
    const cli = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(root, 'trainer/cli/export-backbone.ts'), ...args], { cwd: root, encoding: 'utf8' });
    const ok = cli([checkpoint, '--out', out]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /120 tensors, resnet18_slim_encoder/);
    const description = JSON.parse(await readFile(join(dir, 'cli-backbone.json'), 'utf8')) as BackboneExportDescription;
    await checkExport(out, description);

    assert.equal(cli([checkpoint]).status, 2, 'missing --out');
    const notCheckpoint = cli([out, '--out', join(dir, 'x.safetensors')]);
    assert.equal(notCheckpoint.status, 1);
    assert.match(notCheckpoint.stderr, /is not a FRA Workbench checkpoint/);
  });
});
