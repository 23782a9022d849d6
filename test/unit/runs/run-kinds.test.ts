/**
 * The per-kind registry and the pieces of the runs service that need no trainer process: config
 * checks of both kinds (problems and notices), the `invalid-config` error, dataset
 * labels, the run log (events + recent trainer lines, levels, order), the "what does auto mean
 * here" probe, and the invalid-transition message.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../electron/contract/api-error.js';
import { probeAutoEngine } from '../../../electron/services/runs/engine-probe.js';
import { invalidTransition, toApiError } from '../../../electron/services/runs/run-errors.js';
import { invalidConfigError, runKindSpec } from '../../../electron/services/runs/run-kinds.js';
import { mergeLog, RecentTrainerLines } from '../../../electron/services/runs/run-log.js';
import { RunStoreError } from '../../../electron/services/runs/run-store.js';
import type { RunEvent } from '../../../trainer/run/run-format.js';

describe('run kinds', () => {
  const pretrain = runKindSpec('pretrain');

  it('checks a pre-training config: filled-in defaults and notices, or every problem with its flag', () => {
    const ok = pretrain.check({ dataset: 'synthetic', backbone: 'resnet18_slim_encoder' });
    assert.ok(ok.ok);
    assert.equal(ok.config['epochs'], 50);
    assert.equal(pretrain.seedOf(ok.config), 23456);
    assert.ok(ok.notices.some((n) => n.flag === '--amp'));

    const bad = pretrain.check({ dataset: 'random', lr: 0, batchSize: 1, nonsense: true });
    assert.ok(!bad.ok);
    assert.deepEqual(bad.problems.map((p) => p.flag).sort(), ['--batch-size', '--lr', 'nonsense']);
    const error = invalidConfigError(pretrain, bad.problems);
    assert.equal(error.code, 'invalid-config');
    assert.match(error.message, /^Invalid pre-training configuration \(3 problems\): /);
    assert.match(error.message, /--lr: got 0; must be > 0/);
    assert.match(error.hint ?? '', /Fix the highlighted fields/);
  });

  it('labels datasets for the runs list', () => {
    assert.equal(pretrain.datasetLabel({ dataset: 'vggface2', dataRoot: '/data/vgg' }), 'VGGFace2 at /data/vgg');
    assert.equal(pretrain.datasetLabel({ dataset: 'synthetic', trainPercent: 0.1 }), 'Synthetic faces, 10% of it');
    assert.equal(pretrain.datasetLabel({ lr: -1 }), undefined);
  });

  it('registers fine-tuning: its own checks, defaults, retention, presets and dataset labels', () => {
    const finetune = runKindSpec('finetune');
    const ok = finetune.check({ backbone: 'resnet18_slim_encoder' });
    assert.ok(ok.ok);
    assert.equal(ok.config['dataRoot'], 'synthetic-expressions');
    assert.equal(finetune.seedOf(ok.config), 23456);
    assert.ok(ok.notices.some((n) => n.flag === '--pretrained'), 'no initialisation is a from-scratch baseline');
    assert.deepEqual(finetune.defaultCheckpointPolicy, { everyNEpochs: 1, saveLast: true, saveTopK: 1, monitor: 'valTop1', mode: 'max' });
    assert.deepEqual(finetune.presets().map((p) => p.id), ['fer-rafdb-paper', 'linear-probe', 'quick-demo']);
    assert.ok(finetune.fields().some((f) => f['key'] === 'pretrained' && f['flag'] === '--pretrained'));

    const bad = finetune.check({ mode: 'probe', lr: 0, dataset: 'raf' });
    assert.ok(!bad.ok);
    assert.deepEqual(bad.problems.map((p) => p.field), [null, 'mode', 'lr']);
    assert.match(invalidConfigError(finetune, bad.problems).message, /^Invalid fine-tuning configuration \(3 problems\): /);
    assert.throws(() => finetune.validate({ lr: 0 }), /--lr/);

    assert.equal(finetune.datasetLabel({ dataRoot: 'synthetic-expressions' }), 'Synthetic expressions');
    assert.equal(finetune.datasetLabel({ dataRoot: '/data/raf', layout: 'raf-db' }), 'RAF-DB at /data/raf');
    assert.equal(finetune.datasetLabel({ dataRoot: '/data/faces', trainPercent: 0.5 }), 'Labelled folder at /data/faces, 50% of it');
    assert.equal(finetune.datasetLabel({ lr: -1 }), undefined);
  });
});

describe('run errors', () => {
  it('says the state and what can be done from there', () => {
    const error = invalidTransition('My run', 'finished', 'restart', 'a finished run is final');
    assert.equal(error.code, 'invalid-transition');
    assert.equal(error.message, 'Cannot restart run "My run": it is finished (a finished run is final).');
    assert.match(error.hint ?? '', /^A finished run can be: rename, tag, delete/);
  });

  it('keeps a store error’s code and splits its hint off the message', () => {
    const mapped = toApiError(new RunStoreError('run-active', 'Run x is being written by trainer.', 'Stop it before deleting it.'));
    assert.ok(mapped instanceof ApiError);
    assert.deepEqual(mapped.toInfo(), { code: 'run-active', message: 'Run x is being written by trainer.', hint: 'Stop it before deleting it.' });
  });
});

describe('run log', () => {
  const event = (at: string, type: string, message: string, data?: RunEvent['data']): RunEvent => ({ at, type, message, ...(data !== undefined ? { data } : {}) });

  it('merges the event log with recent trainer lines in time order, with levels', () => {
    const recent = new RecentTrainerLines(3);
    const info = recent.add('r', 'info', 'training data: 2048 random images');
    const warning = recent.add('r', 'warning', 'kept in events.jsonl instead');
    assert.equal(warning.level, 'warning');
    assert.deepEqual(recent.of('r'), [info], 'warnings and errors are not kept twice');
    const events = [
      event('2020-01-01T00:00:00.000Z', 'created', 'Run "r" created.'),
      event('2020-01-01T00:00:01.000Z', 'state', 'queued → failed: bad', { to: 'failed' }),
      event('2020-01-01T00:00:02.000Z', 'log', 'disk almost full', { level: 'warning' }),
      event('2020-01-01T00:00:03.000Z', 'exit', 'Trainer process ended: killed', { reason: 'killed' }),
    ];
    const merged = mergeLog(events, recent.of('r'), 10);
    assert.deepEqual(
      merged.map((e) => e.level),
      ['info', 'error', 'warning', 'warning', 'info'],
    );
    assert.equal(merged.at(-1)?.message, info.message, 'the live line is the newest');
    assert.deepEqual(mergeLog(events, [], 2).map((e) => e.message), ['disk almost full', 'Trainer process ended: killed']);
  });

  it('keeps a bounded number of lines per run', () => {
    const recent = new RecentTrainerLines(2);
    for (const n of [1, 2, 3]) recent.add('r', 'info', `line ${n}`);
    assert.deepEqual(recent.of('r').map((e) => e.message), ['line 2', 'line 3']);
  });
});

describe('engine probe', () => {
  const only = (...names: string[]) => (name: string) => names.includes(name);
  const noGpu = async () => ({ unavailable: 'nvidia-smi not found' });

  it('resolves auto to wasm when no native package is installed, and says why', async () => {
    const guess = await probeAutoEngine({ isInstalled: only('@tensorflow/tfjs-backend-wasm'), gpus: noGpu, wasmSimd: () => true });
    assert.equal(guess.backend, 'wasm');
    assert.match(guess.device, /^CPU: .*one thread/);
    assert.ok(guess.notes.some((n) => /tfjs-node-gpu is not installed/.test(n)));
    assert.ok(guess.notes.some((n) => /tfjs-node is not installed/.test(n)));
    assert.ok(guess.notes.some((n) => /WebAssembly with SIMD, one thread/.test(n)));
  });

  it('picks the GPU package when installed, and points out an idle GPU otherwise', async () => {
    const gpus = async () => [{ index: 0, name: 'NVIDIA H200', memoryTotalMiB: 143_771, memoryUsedMiB: 0, utilizationPercent: 0, temperatureC: 30, driverVersion: '550' }];
    const withGpu = await probeAutoEngine({ isInstalled: only('@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-wasm'), gpus });
    assert.deepEqual([withGpu.backend, withGpu.device], ['node-gpu', 'NVIDIA H200']);
    const idle = await probeAutoEngine({ isInstalled: only('@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm'), gpus });
    assert.equal(idle.backend, 'node');
    assert.ok(idle.notes.some((n) => /1 GPU present \(NVIDIA H200\) but auto trains on node/.test(n)));
  });

  it('answers from this machine without loading tfjs', async () => {
    const guess = await probeAutoEngine({ gpus: noGpu });
    assert.ok(['node-gpu', 'node', 'wasm'].includes(guess.backend));
    assert.ok(guess.notes.length > 0);
  });
});
