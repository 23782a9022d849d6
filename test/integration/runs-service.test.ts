/**
 * The runs.* service end to end, through the contract's dispatcher (inputs and outputs validated)
 * and its event hub, with real trainer processes (child_process.fork) over a temporary workspace:
 * - create → runs.changed queued → starting → running; live runs.metrics columns equal what
 *   runs.metrics reads back from metrics.jsonl; pause holds the steps until resume; stop →
 *   stopped with resumableFrom; restart continues from that checkpoint to finished; delete trashes it;
 * - an invalid config answers 'invalid-config' naming each field, and creates nothing;
 * - a second run waits at queuePosition 1; rename/tags persist; a damaged folder is listed;
 *   delete refuses a running run; close() during a run leaves it stopped, checkpointed, resumable.
 * Tiny models (slim ResNet-18, 32 px, batch 4) on wasm keep each step well under a second.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiDispatcher, type ApiHandlers } from '../../electron/contract/api-dispatcher.js';
import { ApiError } from '../../electron/contract/api-error.js';
import { createApiEventHub, type ApiEventHub } from '../../electron/contract/api-event-hub.js';
import type { ApiEventMessage, ApiEventPayload, ApiInput, ApiOutput } from '../../electron/contract/api-table.js';
import type { MetricsColumns, RunSummary } from '../../electron/contract/runs-api.js';
import { RunStore } from '../../electron/services/runs/run-store.js';
import { createRunsService, type RunsService } from '../../electron/services/runs/runs-service.js';
import { ForkLauncher } from '../../electron/services/trainer-host/trainer-process.js';
import type { WorkbenchContext } from '../../electron/services/workbench-context.js';
import type { PretrainConfigInput } from '../../trainer/contract/run-config.js';
import type { RunState } from '../../trainer/run/run-format.js';

/** random data: 2048 × trainPercent / batch 4 = 8 steps per epoch. */
function tinyConfig(overrides: PretrainConfigInput = {}): PretrainConfigInput {
  return {
    dataset: 'random',
    trainPercent: 32 / 2048,
    backbone: 'resnet18_slim_encoder',
    imageSize: 32,
    batchSize: 4,
    hidDim: 32,
    projDim: 16,
    decoderHeads: 2,
    decoderFfnDim: 16,
    numProto: 4,
    epochs: 2,
    warmupEpochs: 0,
    lr: 0.5,
    backend: 'wasm',
    seed: 4242,
    ...overrides,
  };
}

interface Harness {
  service: RunsService;
  events: ApiEventHub;
  received: ApiEventMessage[];
  call<M extends `runs.${string}` & keyof ApiHandlers>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>>;
  /** Resolves with the first event (already received or still to come) that matches. */
  waitFor<E extends ApiEventMessage['event']>(event: E, match: (data: ApiEventPayload<E>) => boolean): Promise<ApiEventPayload<E>>;
}

async function startHarness(workspace: string): Promise<Harness> {
  const events = createApiEventHub();
  const received: ApiEventMessage[] = [];
  const waiters = new Set<(message: ApiEventMessage) => boolean>();
  events.subscribe((message) => {
    received.push(message);
    for (const waiter of [...waiters]) if (waiter(message)) waiters.delete(waiter);
  });
  const context: WorkbenchContext = {
    appName: 'FRA Workbench',
    appVersion: '0.0.0-test',
    hostKind: 'server',
    workspace,
    events,
    runStore: new RunStore(workspace, { reserveBytes: 0 }),
    launcher: new ForkLauncher(),
    log: () => undefined,
  };
  const service = await createRunsService(context, { closeGraceMs: 20_000, probeEngine: async () => ({ backend: 'wasm', device: 'CPU: test', notes: [] }) });
  const dispatcher = createApiDispatcher(service.handlers as unknown as ApiHandlers);
  return {
    service,
    events,
    received,
    async call(method, input) {
      const response = await dispatcher.dispatch(method, input);
      if (!response.ok) throw new ApiError(response.error);
      return response.value as never;
    },
    waitFor(event, match) {
      const test = (message: ApiEventMessage): boolean => message.event === event && match(message.data as never);
      const seen = received.find(test);
      if (seen !== undefined) return Promise.resolve(seen.data as never);
      return new Promise((resolve) => waiters.add((message) => (test(message) ? (resolve(message.data as never), true) : false)));
    },
  };
}

function statesOf(h: Harness, runId: string): RunState[] {
  return h.received.flatMap((m) => (m.event === 'runs.changed' && m.data.run.id === runId && m.data.deleted !== true ? [m.data.run.state] : []));
}

/** The live batches of a run, concatenated (a series missing from a batch is null there). */
function liveColumns(h: Harness, runId: string): MetricsColumns {
  const out: MetricsColumns = { step: [], epoch: [], time: [], series: {} };
  for (const m of h.received) {
    if (m.event !== 'runs.metrics' || m.data.runId !== runId) continue;
    const batch = m.data.columns;
    const before = out.step.length;
    for (const key of Object.keys(batch.series)) out.series[key] ??= new Array<number | null>(before).fill(null);
    out.step.push(...batch.step);
    out.epoch.push(...batch.epoch);
    out.time.push(...batch.time);
    for (const [key, values] of Object.entries(out.series)) values.push(...(batch.series[key] ?? new Array<number | null>(batch.step.length).fill(null)));
  }
  return out;
}

async function expectApiError(promise: Promise<unknown>, code: string, pattern?: RegExp): Promise<ApiError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ApiError, `expected an ApiError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (pattern !== undefined) assert.match(`${caught.message} ${caught.hint ?? ''}`, pattern);
  return caught;
}

describe('runs service (real trainer processes)', () => {
  let workspace: string;
  let h: Harness;

  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'fra-runs-service-'));
    h = await startHarness(workspace);
  });

  after(async () => {
    await h.service.close();
    await rm(workspace, { recursive: true, force: true });
  });

  it('create → running with live metrics; pause holds; resume; stop → resumable; restart → finished; delete trashes it', async () => {
    const created = await h.call('runs.create', { name: 'Lifecycle', config: tinyConfig(), tags: ['smoke'] });
    assert.equal(created.kind, 'pretrain');
    assert.equal(created.datasetLabel, 'Random noise (engine test), 1.56% of it');
    const id = created.id;
    await h.waitFor('runs.changed', (d) => d.run.id === id && d.run.state === 'running');
    assert.deepEqual(statesOf(h, id).filter((s, i, all) => s !== all[i - 1]), ['queued', 'starting', 'running']);
    // Once the trainer reports its engine, the summary says what it really runs on.
    const engineKnown = await h.waitFor('runs.changed', (d) => d.run.id === id && d.run.device !== undefined);
    assert.equal(engineKnown.run.backend, 'wasm');
    assert.match(engineKnown.run.device ?? '', /^CPU: /);

    // Pause as soon as steps stream in; the trainer finishes its step, then holds.
    await h.waitFor('runs.metrics', (d) => d.runId === id && d.columns.step.length > 0);
    await h.waitFor('runs.progress', (d) => d.runId === id && d.memory.rssBytes !== null);
    await h.call('runs.pause', { runId: id });
    const paused = await h.waitFor('runs.changed', (d) => d.run.id === id && d.run.state === 'paused');
    assert.ok(paused.run.progress !== null && paused.run.progress.totalSteps === 16);
    const atPause = (await h.call('runs.metrics', { runId: id })).lastStep;
    // An observation window (not synchronisation): steps here take well under this.
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.equal((await h.call('runs.metrics', { runId: id })).lastStep, atPause, 'metrics.jsonl does not grow while paused');
    assert.ok(liveColumns(h, id).step.every((s) => s <= atPause), 'no live rows past the pause');
    await expectApiError(h.call('runs.restart', { runId: id }), 'invalid-transition', /paused.*resume/s);

    await h.call('runs.resume', { runId: id });
    await h.waitFor('runs.metrics', (d) => d.runId === id && d.columns.step.includes(atPause + 1));
    await h.call('runs.stop', { runId: id });
    const stopped = await h.waitFor('runs.changed', (d) => d.run.id === id && d.run.state === 'stopped');
    const afterStop = await h.call('runs.metrics', { runId: id });
    assert.ok(afterStop.lastStep > atPause && afterStop.lastStep < 16);
    const settled = (await h.call('runs.list', undefined)).runs.find((r) => r.id === id)!;
    assert.equal(settled.state, 'stopped');
    assert.deepEqual(settled.resumableFrom?.step, afterStop.lastStep, 'resumable from the stop checkpoint');
    assert.ok(stopped.run.stateReason !== undefined);
    await expectApiError(h.call('runs.pause', { runId: id }), 'invalid-transition', /stopped.*restart/s);

    // Restart: re-queued, resumes from the checkpoint, runs to the end.
    const restarted = await h.call('runs.restart', { runId: id });
    assert.ok(['queued', 'starting', 'running'].includes(restarted.state));
    const finished = await h.waitFor('runs.changed', (d) => d.run.id === id && d.run.state === 'finished');
    assert.equal(finished.run.progress?.step, 16);
    assert.equal(finished.run.resumableFrom, undefined);

    // The columns streamed live are the columns on disk.
    const fromFile = await h.call('runs.metrics', { runId: id });
    assert.deepEqual(fromFile.columns.step, Array.from({ length: 16 }, (_, i) => i + 1));
    assert.equal(fromFile.truncated, false);
    assert.ok(fromFile.columns.time.every((t) => t !== null && t > Date.parse('2024-01-01')), 'every row has a wall-clock time');
    for (const key of ['loss/total', 'lr', 'emaMomentum', 'secondsPerStep', 'rssBytes', 'tfjsBytes', 'regionScore']) assert.ok(key in fromFile.columns.series, `series ${key}`);
    assert.equal(fromFile.columns.series['regionScore']!.filter((v) => v !== null).length, 2, 'the region probe runs at each epoch end');
    const live = liveColumns(h, id);
    assert.deepEqual(live.step, fromFile.columns.step);
    assert.deepEqual(live.time, fromFile.columns.time);
    assert.deepEqual(Object.keys(live.series).sort(), Object.keys(fromFile.columns.series).sort());
    for (const [key, values] of Object.entries(fromFile.columns.series)) assert.deepEqual(live.series[key], values, key);
    const tail = await h.call('runs.metrics', { runId: id, afterStep: 12, limit: 3 });
    assert.deepEqual(tail.columns.step, [13, 14, 15]);
    assert.equal(tail.lastStep, 15);
    assert.equal(tail.truncated, true);

    const detail = await h.call('runs.get', { runId: id });
    assert.deepEqual(
      detail.stateHistory.map((s) => s.state),
      ['queued', 'starting', 'running', 'paused', 'running', 'stopping', 'stopped', 'queued', 'starting', 'running', 'finished'],
    );
    assert.equal(detail.engine?.['active'], 'wasm');
    assert.equal((detail.config as Record<string, unknown>)['hidDim'], 32);
    assert.equal((detail.config as Record<string, unknown>)['arch'], 'FRAB', 'stored with defaults filled in');
    const logs = (await h.call('runs.logs', { runId: id })).entries;
    assert.ok(logs.some((e) => /Training on wasm/.test(e.message)));
    assert.ok(logs.some((e) => /Checkpoint .* saved/.test(e.message)));
    assert.ok(logs.some((e) => /running → paused/.test(e.message)));
    assert.ok(h.received.some((m) => m.event === 'runs.log' && m.data.runId === id && m.data.entry.message.startsWith('State: paused')));

    await expectApiError(h.call('runs.restart', { runId: id }), 'invalid-transition', /finished.*final/s);
    const { trashId } = await h.call('runs.delete', { runId: id });
    await stat(join(workspace, 'trash', 'runs', trashId, 'run.json'));
    assert.ok(!(await h.call('runs.list', undefined)).runs.some((r) => r.id === id));
    await h.waitFor('runs.changed', (d) => d.run.id === id && d.deleted === true);
  });

  it('refuses an invalid configuration with every bad field named, creating nothing', async () => {
    const before = (await h.call('runs.list', undefined)).runs.length;
    const events = h.received.length;
    const error = await expectApiError(h.call('runs.create', { name: 'Bad', config: tinyConfig({ lr: -1, numProto: 0 }) }), 'invalid-config');
    assert.match(error.message, /--lr: got -1/);
    assert.match(error.message, /--num_proto: got 0/);
    assert.match(error.hint ?? '', /Fix the highlighted fields/);
    assert.equal((await h.call('runs.list', undefined)).runs.length, before);
    assert.equal(h.received.slice(events).filter((m) => m.event === 'runs.changed').length, 0);

    const check = await h.call('runs.validate', { config: tinyConfig({ lr: -1 }) });
    assert.equal(check.ok, false);
    assert.deepEqual(check.problems.map((p) => p.field), ['lr']);
    // Fine-tuning configurations are checked by their own schema (every bad field named).
    await expectApiError(h.call('runs.create', { kind: 'finetune', name: 'Later', config: { lr: -1, mode: 'probe' } }), 'invalid-config', /Invalid fine-tuning configuration \(2 problems\).*--mode.*--lr|Invalid fine-tuning configuration \(2 problems\).*--lr.*--mode/);
    await expectApiError(h.call('runs.estimate', { config: tinyConfig({ lr: -1 }) }), 'invalid-config', /--lr/);
  });

  it('describes the New Run form and estimates a configuration', async () => {
    const form = await h.call('runs.configForm', undefined);
    assert.ok(form.fields.some((f) => f['key'] === 'lr' && f['flag'] === '--lr'));
    assert.deepEqual(form.presets.map((p) => p.id), ['fra-paper', 'quick-demo']);
    assert.deepEqual(form.engine, { backend: 'wasm', device: 'CPU: test', notes: [] });
    const estimate = await h.call('runs.estimate', { config: tinyConfig() });
    assert.equal(estimate.stepsPerEpoch, 8);
    assert.equal(estimate.totalSteps, 16);
    assert.ok(estimate.secondsPerStep !== null && estimate.secondsPerStep > 0);
    assert.ok(estimate.basis.length > 0);
  });

  it('queues a second run; rename/tags persist; damaged folders are listed; close() stops a run resumably', async () => {
    const first = await h.call('runs.create', { name: 'Long', config: tinyConfig({ epochs: 1000 }) });
    await h.waitFor('runs.changed', (d) => d.run.id === first.id && d.run.state === 'running');
    const second = await h.call('runs.create', { name: 'Waiting', config: tinyConfig() });
    assert.equal(second.state, 'queued');
    assert.equal(second.queuePosition, 1);

    await h.call('runs.rename', { runId: second.id, name: 'Waiting (renamed)' });
    const tagged = await h.call('runs.setTags', { runId: second.id, tags: ['a', 'b'] });
    assert.deepEqual(tagged.tags, ['a', 'b']);
    assert.deepEqual((await h.call('runs.setTags', { runId: second.id, tags: ['b', 'c'] })).tags, ['b', 'c']);
    const manifest = JSON.parse(await readFile(join(workspace, 'runs', second.id, 'run.json'), 'utf8')) as { name: string; tags: string[] };
    assert.equal(manifest.name, 'Waiting (renamed)');
    assert.deepEqual(manifest.tags, ['b', 'c']);

    await mkdir(join(workspace, 'runs', 'not-a-run'));
    const listed = await h.call('runs.list', undefined);
    assert.deepEqual(listed.damaged.map((d) => d.id), ['not-a-run']);
    assert.match(listed.damaged[0]!.problem, /run\.json is missing/);
    assert.equal(listed.runs.find((r) => r.id === second.id)?.queuePosition, 1);

    await expectApiError(h.call('runs.delete', { runId: first.id }), 'run-active', /Stop it first/);
    // Stopping a waiting run takes it out of the queue; it can then be deleted.
    assert.equal((await h.call('runs.stop', { runId: second.id })).state, 'stopped');
    await h.call('runs.delete', { runId: second.id });

    // Closing the app mid-run: the trainer finishes its step, saves a checkpoint and exits.
    await h.waitFor('runs.metrics', (d) => d.runId === first.id && d.columns.step.length > 0);
    await h.service.close();
    const again = await startHarness(workspace);
    try {
      const after: RunSummary | undefined = (await again.call('runs.list', undefined)).runs.find((r) => r.id === first.id);
      assert.equal(after?.state, 'stopped');
      const lastStep = (await again.call('runs.metrics', { runId: first.id })).lastStep;
      assert.ok(lastStep >= 1);
      assert.deepEqual(after?.resumableFrom?.step, lastStep);
    } finally {
      await again.service.close();
    }
  });
});
