/**
 * PyTorch checkpoint import (trainer/io/torch-checkpoint.ts, trainer/cli/import-torch.ts):
 * fra-spec §6.1–6.2 semantics on files written by torch 1.13, and eval-mode parity of our
 * encoder loaded from them with the PyTorch output stored in parity.pth.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../helpers/engine.js';
import { readSafetensorsFile } from '../../../trainer/io/safetensors.js';
import { detectCheckpointKind, importTorchWeights, readTorchCheckpoint } from '../../../trainer/io/torch-checkpoint.js';
import { createResNetEncoder, type ResNetEncoder } from '../../../trainer/models/resnet.js';
import { SeedSequence } from '../../../trainer/nn/seed.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/torch-pth/', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const TINY = { block: 'basic', layers: [1, 1, 1, 1], baseWidth: 4 } as const;

const tiny = (): ResNetEncoder => createResNetEncoder(TINY, new SeedSequence(99));

async function assertParity(encoder: ResNetEncoder): Promise<void> {
  const parity = await readTorchCheckpoint(FIXTURES + 'parity.pth');
  const input = parity.stateDict.get('input')!;
  const expected = parity.stateDict.get('output')!;
  encoder.setTraining(false);
  const out = tf.tidy(() => encoder.forward(tf.tensor4d(input.data as Float32Array, input.shape as [number, number, number, number])));
  assert.deepEqual(out.shape, expected.shape);
  const actual = out.dataSync();
  out.dispose();
  let maxAbs = 0;
  for (const v of expected.data) maxAbs = Math.max(maxAbs, Math.abs(v));
  for (let i = 0; i < actual.length; i++) {
    const e = expected.data[i]!;
    assert.ok(Math.abs(actual[i]! - e) <= 1e-4 * Math.max(Math.abs(e), maxAbs * 1e-2), `output[${i}]: ${actual[i]} vs torch ${e}`);
  }
}

describe('PyTorch checkpoint import', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('reads a reference FRA checkpoint: state_dict, meta and kind', async () => {
    const c = await readTorchCheckpoint(FIXTURES + 'fra_checkpoint.pth.tar');
    assert.equal(c.meta.format, 'zip');
    assert.deepEqual([c.meta.epoch, c.meta.arch, c.meta.bestAcc1, c.meta.fromStateDictKey], [3, 'FRAB', 51.5, true]);
    assert.deepEqual(c.meta.topLevelKeys, ['epoch', 'arch', 'best_acc1', 'state_dict', 'optimizer', 'scaler']);
    assert.ok([...c.stateDict.keys()].every((k) => k.startsWith('module.')));
    assert.equal(c.kind.kind, 'fra');
    assert.equal(c.kind.backbonePrefix, 'online_net.backbone');
    assert.deepEqual([c.kind.ddp, c.kind.hasTargetNet, c.kind.hasPredictors, c.kind.hasNeck, c.kind.hasEncoderQ, c.kind.hasFc], [true, true, true, true, true, false]);
    assert.equal(c.kind.groups['online_net.backbone'], 72);
    assert.equal(c.kind.groups['encoder_q'], 72);
  });

  it('detects encoder_q-only, torchvision (with and without fc) and unknown state dicts', async () => {
    assert.deepEqual(detectCheckpointKind(['module.encoder_q.conv1.weight', 'module.encoder_q.fc.weight']).kind, 'encoder_q');
    assert.equal(detectCheckpointKind(['module.encoder_q.backbone.conv1.weight']).backbonePrefix, 'encoder_q.backbone');
    const plain = await readTorchCheckpoint(FIXTURES + 'resnet_plain.pth');
    assert.deepEqual([plain.kind.kind, plain.kind.backbonePrefix, plain.kind.hasFc, plain.kind.ddp, plain.meta.fromStateDictKey], ['resnet', '', true, false, false]);
    const legacy = await readTorchCheckpoint(FIXTURES + 'backbone_legacy.pth');
    assert.deepEqual([legacy.meta.format, legacy.kind.kind, legacy.kind.hasFc], ['legacy', 'resnet', false]);
    assert.equal(detectCheckpointKind(['foo.bar']).kind, 'unknown');
  });

  for (const modelPrefix of ['online_net.backbone', 'encoder_q']) {
    it(`--model-prefix ${modelPrefix}: loads every encoder weight and matches PyTorch's eval output`, async () => {
      const encoder = tiny();
      const report = await importTorchWeights(encoder, FIXTURES + 'fra_checkpoint.pth.tar', { modelPrefix });
      assert.equal(report.modelPrefix, modelPrefix);
      assert.deepEqual([report.missing, report.unexpected, report.headKeys], [[], [], []]);
      assert.equal(report.loaded, encoder.stateEntries().length);
      assert.equal(report.ignored.length, 222 - 72);
      assert.ok(report.ignored.includes('module.target_net.backbone.conv1.weight'));
      await assertParity(encoder);
      encoder.dispose();
    });
  }

  it('torchvision state_dict (fc reported, not loaded) and the legacy backbone file both reach parity', async () => {
    for (const file of ['resnet_plain.pth', 'backbone_legacy.pth']) {
      const encoder = tiny();
      const report = await importTorchWeights(encoder, FIXTURES + file);
      assert.equal(report.modelPrefix, '');
      assert.deepEqual(report.headKeys, file === 'resnet_plain.pth' ? ['fc.weight', 'fc.bias'] : []);
      await assertParity(encoder);
      encoder.dispose();
    }
  });

  it('a prefix that selects nothing, or leaves weights missing, fails with a hint and leaves the module unchanged', async () => {
    const encoder = tiny();
    const before = Array.from(encoder.stateEntries()[0]!.variable.dataSync());
    await assert.rejects(importTorchWeights(encoder, FIXTURES + 'fra_checkpoint.pth.tar', { modelPrefix: 'online_net' + '.neck.x' }), /selects no keys \(this looks like a "fra" checkpoint: try --model-prefix online_net\.backbone\)/);
    await assert.rejects(importTorchWeights(encoder, FIXTURES + 'fra_checkpoint.pth.tar', { modelPrefix: 'online_net' }), /leaves \d+ of \d+ model weights missing: conv1\.weight/);
    await assert.rejects(importTorchWeights(createResNetEncoder({ ...TINY, baseWidth: 8 }, new SeedSequence(1)), FIXTURES + 'resnet_plain.pth'), /does not fit/);
    assert.deepEqual(Array.from(encoder.stateEntries()[0]!.variable.dataSync()), before);
    encoder.dispose();
  });

  it('import-torch CLI: reports the file and writes a stripped, torch-layout safetensors', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'import-torch-')), 'backbone.safetensors');
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', 'trainer/cli/import-torch.ts', FIXTURES + 'fra_checkpoint.pth.tar', '--model-prefix', 'encoder_q', '--out', out], { cwd: REPO, encoding: 'utf8' });
    assert.match(stdout, /kind: fra \(DDP module\. prefix\)/);
    assert.match(stdout, /epoch 3, arch FRAB/);
    assert.match(stdout, /--model-prefix "encoder_q": 72 tensors selected, 150 ignored/);
    const written = await readSafetensorsFile(out);
    assert.equal(written.tensors.size, 72);
    assert.deepEqual(written.tensors.get('conv1.weight')!.shape, [4, 3, 7, 7]);
    assert.equal(written.tensors.get('bn1.num_batches_tracked')!.dtype, 'I32');
    assert.deepEqual(written.metadata, { source: 'pytorch', kind: 'fra', model_prefix: 'encoder_q', format: 'zip', epoch: '3', arch: 'FRAB' });
  });

  it('import-torch CLI refuses a malicious file with exit code 1', () => {
    assert.throws(
      () => execFileSync(process.execPath, ['--import', 'tsx', 'trainer/cli/import-torch.ts', FIXTURES + 'malicious_os_system.pth', '--out', join(tmpdir(), 'never.safetensors')], { cwd: REPO, encoding: 'utf8', stdio: 'pipe' }),
      (e: unknown) => (e as { status: number; stderr: string }).status === 1 && /refusing global "os\.system"/.test((e as { stderr: string }).stderr),
    );
  });
});
