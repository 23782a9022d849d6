/**
 * The fine-tuning loop (trainer/finetune/finetune-run.ts) on the synthetic expression set, in a
 * real run directory: metrics.jsonl with the evaluation nested under `val` on the step closing
 * an evaluated epoch, evaluation/best.json + last.json, checkpoints in the ledger ranked by test
 * top-1; a run stopped mid-epoch and resumed from its checkpoint ends bit-identical to an
 * uninterrupted one (model, AdamW state, metrics); the linear probe leaves the pre-trained
 * backbone bit-identical while the classifier learns. Tiny configurations (32 px, slim ResNet).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../helpers/engine.js';
import { validateFinetuneConfig, type FinetuneConfig, type FinetuneConfigInput } from '../../trainer/contract/finetune-config.js';
import { runFinetuning, type FinetuneStepRecord } from '../../trainer/finetune/finetune-run.js';
import { readRunEvaluation } from '../../trainer/finetune/report.js';
import { createResNetEncoder } from '../../trainer/models/resnet.js';
import { SeedSequence } from '../../trainer/nn/seed.js';
import { loadCheckpoint, saveCheckpoint } from '../../trainer/run/checkpoint.js';
import { CheckpointLedger, DEFAULT_CHECKPOINT_POLICY } from '../../trainer/run/checkpoint-ledger.js';

/** 40 training faces (5 steps of 8 per epoch), 2 epochs, one evaluation at the end. */
function tinyConfig(saveDir: string, overrides: FinetuneConfigInput = {}): FinetuneConfig {
  return validateFinetuneConfig({
    dataRoot: 'synthetic-expressions',
    backbone: 'resnet18_slim_encoder',
    imageSize: 32,
    batchSize: 8,
    trainPercent: 0.008,
    epochs: 2,
    warmupEpochs: 1,
    evalFreq: 2,
    lr: 1e-3,
    lrHead: 1e-2,
    workers: 1,
    backend: 'wasm',
    seed: 5,
    saveDir,
    ...overrides,
  });
}

async function readMetrics(runDir: string): Promise<FinetuneStepRecord[]> {
  const text = await readFile(join(runDir, 'metrics.jsonl'), 'utf8');
  return text.trim().split('\n').map((line) => JSON.parse(line) as FinetuneStepRecord);
}

/** The numbers a resumed run must reproduce (timings and memory differ by nature). */
const trainingValues = (r: FinetuneStepRecord) => ({ step: r.step, epoch: r.epoch, iteration: r.iteration, ce: r.losses.ce, acc: r.trainAccuracy, lr: r.lr, lrHead: r.lrHead, val: r.val ?? null });

async function tensorsOf(path: string): Promise<Map<string, number[]>> {
  const { tensors } = await loadCheckpoint(path);
  const out = new Map([...tensors].map(([k, t]) => [k, Array.from(t.dataSync())]));
  tf.dispose([...tensors.values()]);
  return out;
}

describe('fine-tuning loop', () => {
  let root: string;
  before(async () => {
    await useBackend('wasm');
    root = await mkdtemp(join(tmpdir(), 'fra-finetune-run-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  let straight: { dir: string; lastCheckpoint: string };

  it('writes metrics with the evaluation under `val`, the reports, and ranks checkpoints by test top-1', async () => {
    const dir = join(root, 'straight');
    // As the run store creates every run: a ledger with the default (pre-training) policy, saveTopK 2.
    await CheckpointLedger.open(dir, { policy: { ...DEFAULT_CHECKPOINT_POLICY, saveTopK: 2 } });
    const evaluations: number[] = [];
    const notices: string[] = [];
    const result = await runFinetuning(tinyConfig(dir), {
      runDir: dir,
      backend: 'wasm',
      metricsSyncIntervalMs: 0,
      events: { onEvaluation: (r) => evaluations.push(r.step), onNotice: (m) => notices.push(m) },
    });
    assert.ok(notices.some((n) => /monitored "total", which fine-tuning does not report/.test(n)), notices.join('\n'));
    assert.equal(result.reason, 'completed');
    assert.equal(result.steps, 10);
    assert.deepEqual(result.classNames, ['neutral', 'happy', 'sad', 'surprised', 'angry']);
    const metrics = await readMetrics(dir);
    assert.deepEqual(metrics.map((m) => m.step), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(metrics[0]!.lr, 0, 'warm-up starts at 0 (t = 0)');
    assert.ok(metrics.every((m) => Number.isFinite(m.losses.ce) && typeof m.time === 'number' && m.iterationsPerEpoch === 5));
    assert.deepEqual(metrics.filter((m) => m.val !== undefined).map((m) => m.step), [10]);
    assert.deepEqual(evaluations, [10]);

    const best = await readRunEvaluation(dir, 'best');
    const last = await readRunEvaluation(dir, 'last');
    assert.ok(best !== undefined && last !== undefined);
    assert.equal(last.step, 10);
    assert.equal(last.samples, 250);
    assert.equal(last.split, 'test');
    assert.equal(metrics[9]!.val!.top1, last.top1);
    assert.equal(last.confusion.counts.flat().reduce((a, b) => a + b, 0), 250);

    const ledger = await CheckpointLedger.open(dir);
    assert.deepEqual(ledger.policy, { ...DEFAULT_CHECKPOINT_POLICY, saveTopK: 2, monitor: 'valTop1', mode: 'max' });
    const newest = ledger.latest()!;
    assert.equal(newest.step, 10);
    assert.equal(newest.monitorValue, last.top1);
    assert.ok(newest.markers.includes('top-k') && newest.markers.includes('last'), newest.markers.join());
    straight = { dir, lastCheckpoint: result.lastCheckpoint! };
    const meta = (await loadCheckpoint(straight.lastCheckpoint)).meta;
    assert.equal(meta.kind, 'fra-finetune');
    assert.deepEqual(meta.classNames, result.classNames);
  });

  it('stopped after step 3 and resumed from its checkpoint, it ends exactly like the uninterrupted run', async () => {
    const dir = join(root, 'resumed');
    const controller = new AbortController();
    const stopped = await runFinetuning(tinyConfig(dir), {
      runDir: dir,
      backend: 'wasm',
      signal: controller.signal,
      events: { onStep: (r) => r.step === 3 && controller.abort() },
    });
    assert.equal(stopped.reason, 'stopped');
    assert.equal(stopped.steps, 3);
    assert.match(stopped.lastCheckpoint!, /epoch-0000-step-00000003\.safetensors$/);
    assert.equal((await readMetrics(dir)).length, 3);

    const resumed = await runFinetuning(tinyConfig(dir, { resume: stopped.lastCheckpoint! }), { runDir: dir, backend: 'wasm' });
    assert.equal(resumed.reason, 'completed');
    assert.equal(resumed.steps, 7);
    assert.deepEqual((await readMetrics(dir)).map(trainingValues), (await readMetrics(straight.dir)).map(trainingValues));
    const a = await tensorsOf(straight.lastCheckpoint);
    const b = await tensorsOf(resumed.lastCheckpoint!);
    assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
    assert.ok([...a.keys()].some((k) => k.startsWith('optimizer.exp_avg_sq.')));
    for (const [name, values] of a) assert.deepEqual(b.get(name), values, name);
    assert.deepEqual((await readRunEvaluation(dir, 'last'))!.confusion, (await readRunEvaluation(straight.dir, 'last'))!.confusion);
  });

  it('refuses to resume with another batch size, naming both', async () => {
    const dir = join(root, 'refused');
    await assert.rejects(
      runFinetuning(tinyConfig(dir, { resume: straight.lastCheckpoint, batchSize: 4, trainPercent: 0.004 }), { runDir: dir, backend: 'wasm' }),
      /written with batch size 8, this run has 4/,
    );
  });

  it('linear probe: the pre-trained backbone comes out bit-identical, only the classifier trained', async () => {
    const encoder = createResNetEncoder('resnet18_slim_encoder', new SeedSequence(31));
    const pretrained = join(root, 'pretrain.safetensors');
    const tensors = new Map<string, tf.Tensor>(encoder.stateEntries('online_net.backbone').map((e) => [e.name, e.variable]));
    await saveCheckpoint(pretrained, tensors, {
      kind: 'fra-pretrain',
      position: { epoch: 1, iterationInEpoch: 0, globalStep: 9, iterationsPerEpoch: 9 },
      config: { backbone: 'resnet18_slim_encoder' },
      rng: { dropoutSeedPosition: 0 },
      metrics: {},
      backend: 'wasm',
    });
    const original = new Map(encoder.stateEntries().map((e) => [e.name, Array.from(e.variable.dataSync())]));
    encoder.dispose();

    const dir = join(root, 'linear');
    const result = await runFinetuning(tinyConfig(dir, { mode: 'linear', pretrained, optimizer: 'sgd', lr: 0.5, weightDecay: 0, epochs: 1, warmupEpochs: 0 }), { runDir: dir, backend: 'wasm' });
    assert.equal(result.reason, 'completed');
    const after = await tensorsOf(result.lastCheckpoint!);
    for (const [name, values] of original) assert.deepEqual(after.get(name), values, name);
    assert.ok([...after.keys()].filter((k) => k.startsWith('optimizer.')).every((k) => k.startsWith('optimizer.momentum_buffer.fc.')), 'only fc has optimiser state');
    const metrics = await readMetrics(dir);
    assert.ok(metrics.every((m) => m.lr === m.lrHead), 'the linear probe trains the head at --lr');
    assert.equal(metrics[0]!.lr, 0.5);
  });
});
