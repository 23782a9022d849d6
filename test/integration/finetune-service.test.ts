/**
 * Fine-tuning runs through the app's host, end to end: createWorkbench over a temporary
 * workspace, every call through the contract's dispatcher (inputs and outputs validated), a real
 * trainer process.
 * - runs.configForm / runs.validate / runs.estimate answer for kind 'finetune';
 * - an invalid fine-tuning config answers 'invalid-config' naming each field, and creates nothing;
 * - a linear probe initialised from the fixture backbone on synthetic expressions runs to
 *   finished with the fine-tuning checkpoint policy; runs.metrics has val/top1; runs.evaluation
 *   returns best and last reports with a 5×5 confusion matrix; the best checkpoint exports to
 *   ONNX as a classifier (logits, class names in the model card);
 * - runs.evaluation of a pre-training run is refused with a clear message.
 * Tiny model (slim ResNet-18, 32 px, batch 8, 5 steps) on wasm.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiDispatcher, type ApiHandlers } from '../../electron/contract/api-dispatcher.js';
import { ApiError } from '../../electron/contract/api-error.js';
import { createApiEventHub } from '../../electron/contract/api-event-hub.js';
import type { ApiEventMessage, ApiInput, ApiOutput } from '../../electron/contract/api-table.js';
import { createWorkbench, type Workbench } from '../../electron/services/workbench.js';
import { FINETUNE_CHECKPOINT_POLICY } from '../../trainer/finetune/checkpointing.js';

const BACKBONE = fileURLToPath(new URL('../fixtures/finetune/expression-backbone.safetensors', import.meta.url));

/** 5000 train faces × 0.008 = 40 images / batch 8 = 5 steps, then one evaluation of the 250 test faces. */
const TINY_FINETUNE = {
  dataRoot: 'synthetic-expressions',
  backbone: 'resnet18_slim_encoder',
  pretrained: BACKBONE,
  mode: 'linear',
  imageSize: 32,
  batchSize: 8,
  trainPercent: 0.008,
  epochs: 1,
  warmupEpochs: 0,
  evalFreq: 1,
  optimizer: 'sgd',
  lr: 0.5,
  weightDecay: 0,
  workers: 1,
  backend: 'wasm',
  seed: 7,
};

async function expectApiError(promise: Promise<unknown>, code: string): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, `expected an ApiError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}`);
}

describe('fine-tuning runs through the host (runs.* with kind finetune)', () => {
  let workspace: string;
  let workbench: Workbench;
  const received: ApiEventMessage[] = [];
  const waiters = new Set<(m: ApiEventMessage) => boolean>();
  let call: <M extends keyof ApiHandlers>(method: M, input: ApiInput<M>) => Promise<ApiOutput<M>>;

  /** Resolves when the run reaches a final state (already reached or still to come). */
  const finalState = (runId: string): Promise<string> => {
    const final = (m: ApiEventMessage): string | undefined =>
      m.event === 'runs.changed' && m.data.run.id === runId && ['finished', 'failed', 'crashed', 'stopped'].includes(m.data.run.state) ? m.data.run.state : undefined;
    for (const m of received) {
      const state = final(m);
      if (state !== undefined) return Promise.resolve(state);
    }
    return new Promise((resolve) => waiters.add((m) => (final(m) !== undefined ? (resolve(final(m)!), true) : false)));
  };

  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'fra-finetune-service-'));
    const events = createApiEventHub();
    events.subscribe((message) => {
      received.push(message);
      for (const waiter of [...waiters]) if (waiter(message)) waiters.delete(waiter);
    });
    workbench = await createWorkbench({ appName: 'FRA Workbench', appVersion: '0.0.0-test', hostKind: 'server', workspace, events });
    const dispatcher = createApiDispatcher(workbench.handlers);
    call = async (method, input) => {
      const response = await dispatcher.dispatch(method, input);
      if (!response.ok) throw new ApiError(response.error);
      return response.value as never;
    };
  });
  after(async () => {
    await workbench.close();
    await rm(workspace, { recursive: true, force: true });
  });

  it('describes the fine-tuning form, validates and estimates', async () => {
    const form = await call('runs.configForm', { kind: 'finetune' });
    const keys = form.fields.map((f) => f['key']);
    for (const key of ['pretrained', 'modelPrefix', 'mode', 'dataRoot', 'lrHead']) assert.ok(keys.includes(key), `field ${key}`);
    assert.deepEqual(form.presets.map((p) => p.id), ['fer-rafdb-paper', 'linear-probe', 'quick-demo']);

    const ok = await call('runs.validate', { kind: 'finetune', config: TINY_FINETUNE });
    assert.deepEqual([ok.ok, ok.problems], [true, []]);
    const bad = await call('runs.validate', { kind: 'finetune', config: { ...TINY_FINETUNE, lr: -1, mode: 'probe' } });
    assert.equal(bad.ok, false);
    assert.deepEqual(bad.problems.map((p) => p.field).sort(), ['lr', 'mode']);

    const estimate = await call('runs.estimate', { kind: 'finetune', config: TINY_FINETUNE });
    assert.equal(estimate.stepsPerEpoch, 5);
    assert.equal(estimate.totalSteps, 5);
    assert.ok(estimate.secondsPerStep !== null && estimate.secondsPerStep > 0);
    assert.match(estimate.basis, /Rough estimate: .* linear-probe step/);
  });

  it('refuses an invalid fine-tuning config with every bad field named, creating nothing', async () => {
    const error = await expectApiError(call('runs.create', { kind: 'finetune', name: 'bad', config: { ...TINY_FINETUNE, batchSize: 1, optimizer: 'lamb' } }), 'invalid-config');
    assert.match(error.message, /Invalid fine-tuning configuration \(2 problems\)/);
    assert.match(error.message, /--optimizer: /);
    assert.match(error.message, /-b|--batch-size/);
    assert.deepEqual((await call('runs.list', undefined)).runs, []);
  });

  it('runs a linear probe from the fixture backbone to finished, with metrics, evaluation reports and a classifier export', async () => {
    const created = await call('runs.create', { kind: 'finetune', name: 'probe', config: TINY_FINETUNE });
    assert.equal(created.kind, 'finetune');
    assert.equal(created.datasetLabel, 'Synthetic expressions, 0.8% of it');
    assert.equal(await finalState(created.id), 'finished');

    const detail = await call('runs.get', { runId: created.id });
    assert.deepEqual(detail.checkpointPolicy, FINETUNE_CHECKPOINT_POLICY);

    const metrics = await call('runs.metrics', { runId: created.id });
    assert.equal(metrics.lastStep, 5);
    const top1 = metrics.columns.series['val/top1'];
    assert.ok(top1 !== undefined, `series: ${Object.keys(metrics.columns.series).join(', ')}`);
    const evaluated = top1.filter((v): v is number => v !== null);
    assert.equal(evaluated.length, 1);

    const best = (await call('runs.evaluation', { runId: created.id, which: 'best' })).report;
    const last = (await call('runs.evaluation', { runId: created.id, which: 'last' })).report;
    assert.ok(best !== null && last !== null);
    assert.equal(best.classNames.length, 5);
    assert.equal(best.confusion.counts.length, 5);
    assert.ok(best.confusion.counts.every((row) => row.length === 5));
    assert.equal(best.confusion.counts.flat().reduce((a, b) => a + b, 0), best.samples);
    assert.equal(best.perClass.length, 5);
    assert.equal(best.top1, evaluated[0]);
    assert.equal(best.mode, 'linear');
    assert.equal(last.step, best.step);

    // The best checkpoint exports as the classifier: logits, with the class names in the card.
    const group = (await call('checkpoints.list', { runId: created.id })).runs[0];
    assert.ok(group !== undefined);
    const bestCheckpoint = group.checkpoints.find((c) => c.monitor.rank === 1);
    assert.ok(bestCheckpoint !== undefined, 'the retention policy ranks the evaluated checkpoint first');
    assert.equal(bestCheckpoint.path, join(workspace, 'runs', created.id, 'checkpoints', `${bestCheckpoint.name}.safetensors`));
    await expectApiError(call('checkpoints.exportBackbone', { runId: created.id, name: bestCheckpoint.name, format: 'safetensors' }), 'not-exportable');
    const exported = await call('checkpoints.exportBackbone', { runId: created.id, name: bestCheckpoint.name, format: 'onnx' });
    assert.ok(exported.files.some((f) => f.endsWith('.onnx')), exported.files.join(', '));
    assert.deepEqual((await readdir(exported.outputDir)).sort(), [...exported.files].sort());
    assert.ok(exported.modelCard !== undefined);
    const card = await readFile(exported.modelCard, 'utf8');
    assert.match(card, /logits/);
    for (const name of best.classNames) assert.match(card, new RegExp(name));
  });

  it('refuses the evaluation of a pre-training run', async () => {
    const created = await call('runs.create', {
      kind: 'pretrain',
      name: 'pretrain',
      config: { dataset: 'random', trainPercent: 8 / 2048, backbone: 'resnet18_slim_encoder', imageSize: 32, batchSize: 4, hidDim: 32, projDim: 16, decoderHeads: 2, decoderFfnDim: 16, numProto: 4, epochs: 1, warmupEpochs: 0, backend: 'wasm' },
    });
    const error = await expectApiError(call('runs.evaluation', { runId: created.id, which: 'best' }), 'invalid-input');
    assert.match(error.message, /pretrain run; only fine-tuning runs have an evaluation report/);
    assert.equal(await finalState(created.id), 'finished');
  });
});
