/**
 * Resuming pre-training (fra-spec §6.1): a run stopped after k steps and resumed from its
 * checkpoint continues exactly like an uninterrupted run — same model, LARS momentum, schedule
 * position and dropout stream — and a checkpoint that cannot be continued exactly is refused.
 * Real runs of `runPretraining` on the `random` dataset, writing into temporary directories.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/engine.js';
import { validatePretrainConfig, type PretrainConfig, type PretrainConfigInput } from '../../trainer/contract/run-config.js';
import { runPretraining, type StepRecord } from '../../trainer/fra/pretrain-run.js';
import { loadCheckpoint, saveCheckpoint, type CheckpointMeta } from '../../trainer/run/checkpoint.js';

/** Tiny but complete: every part of FRAB runs, with decoder dropout ON so the RNG restore matters. */
function tinyConfig(saveDir: string, overrides: PretrainConfigInput = {}): PretrainConfig {
  return validatePretrainConfig({
    dataset: 'random',
    backbone: 'resnet18_slim_encoder',
    imageSize: 64,
    batchSize: 4,
    hidDim: 32,
    projDim: 16,
    decoderHeads: 2,
    decoderFfnDim: 16,
    numProto: 4,
    decoderDropout: 0.1,
    epochs: 1,
    warmupEpochs: 0, // full lr from the first step, so every step changes the model noticeably
    lr: 0.5,
    backend: 'wasm',
    seed: 77,
    saveDir,
    ...overrides,
  });
}

async function readMetrics(dir: string): Promise<StepRecord[]> {
  const text = await readFile(join(dir, 'metrics.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as StepRecord);
}

async function readMeta(checkpoint: string): Promise<CheckpointMeta> {
  return JSON.parse(await readFile(checkpoint.replace(/\.safetensors$/, '.json'), 'utf8')) as CheckpointMeta;
}

async function refusal(config: PretrainConfig): Promise<Error> {
  try {
    await runPretraining(config, { backend: 'wasm' });
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail('expected the resume to be refused');
}

const K = 2;

describe('resuming pre-training from a checkpoint', () => {
  let root: string;
  let checkpoint: string;
  let uninterrupted: StepRecord[];

  before(async () => {
    await useBackend('wasm');
    root = await mkdtemp(join(tmpdir(), 'fra-resume-'));

    // Interrupted run: k steps, then the rolling checkpoint.
    const first = await runPretraining(tinyConfig(join(root, 'first'), { maxSteps: K }), { backend: 'wasm' });
    assert.equal(first.reason, 'max-steps');
    assert.equal(first.steps, K);
    checkpoint = join(root, 'first', 'checkpoint.safetensors');
    assert.equal(first.lastCheckpoint, checkpoint);

    // Uninterrupted run of k + 1 steps.
    await runPretraining(tinyConfig(join(root, 'straight'), { maxSteps: K + 1 }), { backend: 'wasm' });
    uninterrupted = await readMetrics(join(root, 'straight'));
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes the position after step k into the checkpoint sidecar', async () => {
    const meta = await readMeta(checkpoint);
    assert.deepEqual(meta.position, { epoch: 0, iterationInEpoch: K, globalStep: K, iterationsPerEpoch: 512 });
    assert.equal(meta.config['batchSize'], 4);
    assert.ok(Number.isInteger(meta.rng.dropoutSeedPosition));
    assert.equal(meta.tensorsFile, 'checkpoint.safetensors');
    assert.match(meta.tensorsSha256, /^[0-9a-f]{64}$/);
  });

  it('continues with step k + 1 exactly as the uninterrupted run (losses within 1e-6)', async () => {
    const before = tf.memory().numTensors;
    const dir = join(root, 'resumed');
    const resumed = await runPretraining(tinyConfig(dir, { resume: checkpoint, maxSteps: 1 }), { backend: 'wasm' });
    assert.equal(resumed.steps, 1);
    assert.equal(tf.memory().numTensors, before, 'a finished run leaves no tensors behind');

    const [record, ...rest] = await readMetrics(dir);
    assert.ok(record);
    assert.equal(rest.length, 0);
    const reference = uninterrupted[K]!;
    assert.equal(uninterrupted.length, K + 1);
    assert.equal(record.step, K + 1);
    assert.equal(reference.step, K + 1);
    assert.equal(record.iteration, reference.iteration);
    assert.equal(record.lr, reference.lr);
    assert.equal(record.emaMomentum, reference.emaMomentum);
    for (const [part, value] of Object.entries(reference.losses)) {
      const got = record.losses[part as keyof typeof record.losses];
      assert.ok(Math.abs(got - value) <= 1e-6, `${part}: resumed ${got}, uninterrupted ${value}`);
    }
    // The first k steps agree too, and the steps really differ from each other (the comparison is not vacuous).
    const interrupted = await readMetrics(join(root, 'first'));
    assert.deepEqual(interrupted.map((r) => r.losses), uninterrupted.slice(0, K).map((r) => r.losses));
    assert.ok(Math.abs(uninterrupted[K]!.losses.total - uninterrupted[K - 1]!.losses.total) > 1e-4);
  });

  it('depends on the restored dropout stream: a wrong RNG position gives a different step k + 1', async () => {
    // Same tensors (checksum still valid), but the checkpoint's dropout position is changed.
    const dir = join(root, 'tampered-rng');
    await rm(dir, { recursive: true, force: true });
    const copy = join(root, 'rng-copy');
    await rm(copy, { recursive: true, force: true });
    await copyDir(join(root, 'first'), copy);
    const original = await loadCheckpoint(join(copy, 'checkpoint.safetensors'));
    const { format: _format, tensorsFile: _file, tensorsSha256: _sha, createdAt: _created, ...described } = original.meta;
    await saveCheckpoint(join(copy, 'checkpoint.safetensors'), original.tensors, {
      ...described,
      rng: { dropoutSeedPosition: (described.rng.dropoutSeedPosition + 12345) >>> 0 },
    });
    tf.dispose([...original.tensors.values()]);

    await runPretraining(tinyConfig(dir, { resume: join(copy, 'checkpoint.safetensors'), maxSteps: 1 }), { backend: 'wasm' });
    const [record] = await readMetrics(dir);
    assert.ok(record);
    assert.ok(
      Math.abs(record.losses.total - uninterrupted[K]!.losses.total) > 1e-6,
      'with other dropout masks step k + 1 must differ — otherwise the exact-resume check proves nothing about the RNG',
    );
  });

  it('refuses a truncated or corrupted checkpoint file', async () => {
    for (const damage of ['truncated', 'corrupted'] as const) {
      const copy = join(root, `damaged-${damage}`);
      await copyDir(join(root, 'first'), copy);
      const file = join(copy, 'checkpoint.safetensors');
      if (damage === 'truncated') {
        const size = (await readFile(file)).length;
        await truncate(file, Math.floor(size / 2));
      } else {
        const bytes = await readFile(file);
        const at = bytes.length - 1000;
        bytes[at] = bytes[at]! ^ 0xff; // one flipped byte inside a tensor
        await writeFile(file, bytes);
      }
      const error = await refusal(tinyConfig(join(root, `after-${damage}`), { resume: file, maxSteps: 1 }));
      assert.match(error.message, /corrupted or truncated/, `${damage}: ${error.message}`);
      assert.ok(error.message.includes(file), 'names the file');
      const written = await readdir(join(root, `after-${damage}`)).catch(() => [] as string[]);
      assert.ok(!written.includes('metrics.jsonl'), `${damage}: no training step was taken`);
    }
  });

  it('refuses to resume with a different batch size, naming both sizes', async () => {
    const error = await refusal(tinyConfig(join(root, 'other-batch'), { resume: checkpoint, batchSize: 8, maxSteps: 1 }));
    assert.match(error.message, /batch size 4.*batch size 8/s, error.message);
    assert.match(error.message, /-b 4/);
  });

  it('refuses a different batch size even when iterations per epoch happen to match', async () => {
    // 2048 images × 0.5 / 2 = 512 iterations, the same as 2048 / 4 in the checkpoint.
    const error = await refusal(tinyConfig(join(root, 'same-iterations'), { resume: checkpoint, batchSize: 2, trainPercent: 0.5, maxSteps: 1 }));
    assert.match(error.message, /batch size 4.*batch size 2/s, error.message);
  });

  it('refuses a checkpoint whose schedule length differs (iterations per epoch)', async () => {
    const error = await refusal(tinyConfig(join(root, 'other-percent'), { resume: checkpoint, trainPercent: 0.5, maxSteps: 1 }));
    assert.match(error.message, /512 iterations per epoch, this run has 256/, error.message);
  });
});

describe('checkpoint cadence across epochs (§6.1) and resuming at an epoch boundary', () => {
  let root: string;

  before(async () => {
    await useBackend('wasm');
    root = await mkdtemp(join(tmpdir(), 'fra-epochs-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** 2048 random images × 1% / batch 4 = 5 iterations per epoch; a numbered copy after every epoch. */
  const shortEpochs = (dir: string, overrides: PretrainConfigInput = {}) =>
    tinyConfig(dir, { imageSize: 32, trainPercent: 0.01, epochs: 2, saveFreq: 1, ...overrides });

  it('keeps the rolling checkpoint and one numbered copy per epoch; a run stopped on an epoch end keeps its copy too; resuming from it continues exactly', async () => {
    const straight = join(root, 'straight');
    const full = await runPretraining(shortEpochs(straight), { backend: 'wasm' });
    assert.equal(full.reason, 'completed');
    assert.equal(full.steps, 10);
    assert.deepEqual((await readdir(straight)).filter((f) => !f.startsWith('.')).sort(), [
      'checkpoint.json',
      'checkpoint.safetensors',
      'checkpoint_0000.json',
      'checkpoint_0000.safetensors',
      'checkpoint_0001.json',
      'checkpoint_0001.safetensors',
      'metrics.jsonl',
    ]);
    assert.deepEqual((await readMeta(join(straight, 'checkpoint_0000.safetensors'))).position, { epoch: 1, iterationInEpoch: 0, globalStep: 5, iterationsPerEpoch: 5 });
    assert.deepEqual((await readMeta(join(straight, 'checkpoint_0001.safetensors'))).position, { epoch: 2, iterationInEpoch: 0, globalStep: 10, iterationsPerEpoch: 5 });
    assert.deepEqual((await readMeta(join(straight, 'checkpoint.safetensors'))).position, { epoch: 2, iterationInEpoch: 0, globalStep: 10, iterationsPerEpoch: 5 });

    // --max-steps ending exactly on the last iteration of epoch 0 still writes checkpoint_0000.
    const stopped = join(root, 'stopped');
    await runPretraining(shortEpochs(stopped, { maxSteps: 5 }), { backend: 'wasm' });
    const numbered = join(stopped, 'checkpoint_0000.safetensors');
    assert.ok((await readdir(stopped)).includes('checkpoint_0000.safetensors'), 'numbered copy of the finished epoch');
    assert.deepEqual((await readMeta(numbered)).position, { epoch: 1, iterationInEpoch: 0, globalStep: 5, iterationsPerEpoch: 5 });

    const resumedDir = join(root, 'resumed');
    await runPretraining(shortEpochs(resumedDir, { resume: numbered, maxSteps: 1 }), { backend: 'wasm' });
    const [record] = await readMetrics(resumedDir);
    const reference = (await readMetrics(straight))[5]!;
    assert.ok(record);
    assert.equal(record.step, 6);
    assert.equal(record.epoch, 1);
    assert.equal(record.iteration, 0);
    assert.equal(record.lr, reference.lr);
    assert.ok(record.lr < 0.5, 'epoch 1 runs on the cosine-decayed learning rate');
    for (const [part, value] of Object.entries(reference.losses)) {
      const got = record.losses[part as keyof typeof record.losses];
      assert.ok(Math.abs(got - value) <= 1e-6, `${part}: resumed ${got}, uninterrupted ${value}`);
    }
  });
});

async function copyDir(from: string, to: string): Promise<void> {
  await rm(to, { recursive: true, force: true });
  await mkdir(to, { recursive: true });
  for (const name of await readdir(from)) await copyFile(join(from, name), join(to, name));
}
