/**
 * The trainer host with real trainer processes (child_process.fork of trainer/process/trainer-main.ts)
 * writing real run folders in a temporary workspace:
 * - start → starting → running, metrics events arrive and metrics.jsonl grows; pause → no new
 *   steps until resume; stop → a checkpoint is saved and registered, state stopped;
 * - kill -9 of the trainer mid-run → crashed, metrics intact up to the last step, and a resume
 *   from the last checkpoint continues with the same next-step loss as an uninterrupted run;
 * - an invalid configuration is refused before any process starts, each bad field named;
 * - two runs through the queue start in order, the second waiting `queued` at position 1;
 * - a run left `running` by a dead host (lock of a dead pid) is marked crashed at start-up.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigValidationError, type PretrainConfigInput } from '../../trainer/contract/run-config.js';
import { readAllMetrics } from '../../trainer/run/metrics-log.js';
import { acquireRunLock, inspectRunLock } from '../../trainer/run/run-lock.js';
import { RunStore } from '../../electron/services/runs/run-store.js';
import { CRASH_REASON } from '../../electron/services/runs/stale-runs.js';
import type { MetricsRecord, RunState } from '../../trainer/run/run-format.js';
import { ForkTrainerHost, type TrainerHostEvents } from '../../electron/services/trainer-host/trainer-host.js';
import { RunQueue } from '../../electron/services/trainer-host/run-queue.js';
import { tinyPretrainConfig } from '../helpers/tiny-pretrain-config.js';

function tinyConfig(overrides: PretrainConfigInput = {}): PretrainConfigInput {
  return tinyPretrainConfig({ ...overrides });
}

/** Resolves with the first event of `name` (for `runId`) that satisfies `match`. */
function waitFor<K extends keyof TrainerHostEvents>(
  host: ForkTrainerHost,
  name: K,
  match: (payload: TrainerHostEvents[K][0]) => boolean = () => true,
): Promise<TrainerHostEvents[K][0]> {
  return new Promise((resolve) => {
    const listener = (payload: TrainerHostEvents[K][0]) => {
      if (!match(payload)) return;
      host.off(name, listener as never);
      resolve(payload);
    };
    host.on(name, listener as never);
  });
}

async function metricsOf(dir: string): Promise<MetricsRecord[]> {
  const { records, report } = await readAllMetrics(dir);
  assert.equal(report.invalidLines, 0, 'every complete metrics line is valid');
  return records;
}

function assertContiguous(records: MetricsRecord[], from = 1): void {
  assert.deepEqual(
    records.map((r) => r.step),
    Array.from({ length: records.length }, (_, i) => i + from),
  );
}

describe('trainer host (forked trainer processes)', () => {
  let workspace: string;
  let store: RunStore;
  let host: ForkTrainerHost;

  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'fra-host-'));
    store = new RunStore(workspace, { reserveBytes: 0 });
    host = new ForkTrainerHost(store);
    await host.initialise();
  });

  after(async () => {
    await host.shutdown(5_000);
    await rm(workspace, { recursive: true, force: true });
  });

  it('start → running with live metrics; pause holds the steps; resume; stop saves a checkpoint and ends stopped', async () => {
    const run = await store.createRun({ name: 'lifecycle', kind: 'pretrain', config: tinyConfig() as never, seed: 4242 });
    const states: RunState[] = [];
    const onState = (e: { runId: string; state: RunState }) => e.runId === run.id && states.push(e.state);
    host.on('state', onState);
    const metricSteps: number[] = [];
    host.on('metrics', (e) => e.runId === run.id && metricSteps.push(e.record.step));

    const running = waitFor(host, 'state', (e) => e.runId === run.id && e.state === 'running');
    const secondStep = waitFor(host, 'metrics', (e) => e.runId === run.id && e.record.step === 2);
    const progress = waitFor(host, 'progress', (e) => e.runId === run.id);
    await host.start(run.id);
    assert.equal((await inspectRunLock(run.dir)).status, 'held', 'the run is locked while the trainer lives');
    await running;
    const p = (await progress).progress;
    assert.equal(p.totalSteps, 512);
    assert.equal(p.iterationsPerEpoch, 512);
    await secondStep;
    assert.ok((await metricsOf(run.dir)).length >= 2, 'metrics.jsonl holds the steps already reported');

    // Pause: the trainer finishes its step and reports paused; no step follows until resume.
    const paused = waitFor(host, 'state', (e) => e.runId === run.id && e.state === 'paused');
    host.pause(run.id);
    await paused;
    assert.equal((await store.openRun(run.id)).manifest.state, 'paused');
    const atPause = await metricsOf(run.dir);
    const stepsAtPause = metricSteps.length;
    // An observation window (not synchronisation): a step takes well under this on this config.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(metricSteps.length, stepsAtPause, 'no metrics events while paused');
    assert.equal((await metricsOf(run.dir)).length, atPause.length, 'metrics.jsonl does not grow while paused');

    const resumed = waitFor(host, 'state', (e) => e.runId === run.id && e.state === 'running');
    const nextStep = waitFor(host, 'metrics', (e) => e.runId === run.id && e.record.step === atPause.length + 1);
    host.resume(run.id);
    await resumed;
    await nextStep;

    // Stop: finish the step, checkpoint, exit 0, state stopped.
    const checkpoint = waitFor(host, 'checkpoint', (e) => e.runId === run.id);
    host.stop(run.id);
    const exit = await host.waitForExit(run.id);
    host.off('state', onState);
    assert.equal(exit.reason, 'clean');
    assert.equal(exit.done, 'stopped');
    assert.equal(exit.code, 0);
    assert.equal(exit.state, 'stopped');
    const saved = await checkpoint;
    const records = await metricsOf(run.dir);
    assertContiguous(records);
    assert.equal(saved.step, records.length, 'the stop checkpoint holds every logged step');
    assert.ok(saved.kept && saved.markers.includes('last'));
    const ledger = await store.openLedger(run.id);
    assert.equal(ledger.latest()?.name, saved.name);
    assert.equal((await ledger.verify(saved.name)).ok, true);

    const manifest = (await store.openRun(run.id)).manifest;
    assert.deepEqual(
      manifest.stateHistory.map((h) => h.state),
      ['queued', 'starting', 'running', 'paused', 'running', 'stopping', 'stopped'],
    );
    assert.deepEqual(states, ['starting', 'running', 'paused', 'running', 'stopping', 'stopped']);
    assert.equal((await inspectRunLock(run.dir)).status, 'free', 'the lock is released when the trainer has exited');
    const { events } = await store.readEvents(run.id);
    assert.ok(events.some((e) => e.type === 'checkpoint' && e.data?.['name'] === saved.name));
    assert.ok(events.some((e) => e.type === 'exit' && e.data?.['reason'] === 'clean'));
  });

  it('kill -9 mid-run: crashed, metrics intact; resume continues with the same next-step loss as an uninterrupted run', async () => {
    const config = tinyConfig({ checkpointEverySteps: 2 });
    const run = await store.createRun({ name: 'killed', kind: 'pretrain', config: config as never, seed: 4242 });
    const firstCheckpoint = waitFor(host, 'checkpoint', (e) => e.runId === run.id && e.step === 2);
    const thirdStep = waitFor(host, 'metrics', (e) => e.runId === run.id && e.record.step === 3);
    await host.start(run.id);
    await firstCheckpoint;
    await thirdStep;
    const pid = host.liveInfo(run.id)?.pid;
    assert.ok(pid !== undefined);
    process.kill(pid, 'SIGKILL'); // from outside the host, as `kill -9` would

    const exit = await host.waitForExit(run.id);
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(exit.reason, 'killed');
    assert.equal(exit.state, 'crashed');
    const opened = await store.openRun(run.id);
    assert.equal(opened.manifest.state, 'crashed');
    assert.match(opened.manifest.stateHistory.at(-1)?.reason ?? '', /killed from outside the app.*metrics are intact up to step \d+/);
    const crashed = await metricsOf(run.dir);
    assert.ok(crashed.length >= 3);
    assertContiguous(crashed);
    assert.equal(exit.lastMetricsStep, crashed.length);
    assert.ok(exit.resumeFrom !== undefined && exit.resumeFrom.step >= 2 && exit.resumeFrom.step % 2 === 0);
    assert.equal((await inspectRunLock(run.dir)).status, 'free');
    const S = exit.resumeFrom.step;

    // Resume: the host re-queues the crashed run and starts it from the newest verified checkpoint.
    const resumedStep = waitFor(host, 'metrics', (e) => e.runId === run.id && e.record.step === S + 1);
    await host.start(run.id);
    const firstResumed = (await resumedStep).record;
    host.stop(run.id);
    const resumedExit = await host.waitForExit(run.id);
    assert.equal(resumedExit.state, 'stopped');
    const afterResume = await metricsOf(run.dir);
    assertContiguous(afterResume);
    // Lines after the checkpoint were moved aside, not lost.
    if (crashed.length > S) {
      const superseded = await readAllMetrics(run.dir, { file: 'metrics.superseded.jsonl' });
      assert.deepEqual(superseded.records.map((r) => r.step), crashed.slice(S).map((r) => r.step));
    }

    // Uninterrupted reference: same seed, S + 1 steps in one go.
    const reference = await store.createRun({ name: 'reference', kind: 'pretrain', config: tinyConfig({ checkpointEverySteps: 2, maxSteps: S + 1 }) as never, seed: 4242 });
    await host.start(reference.id);
    const referenceExit = await host.waitForExit(reference.id);
    assert.equal(referenceExit.reason, 'clean');
    assert.equal(referenceExit.done, 'max-steps');
    const straight = await metricsOf(reference.dir);
    assert.equal(straight.length, S + 1);
    const want = straight[S]!;
    const got = afterResume[S]!;
    assert.equal(firstResumed.step, want.step);
    assert.equal(got.step, want.step);
    assert.equal(got.lr, want.lr);
    assert.equal(got.emaMomentum, want.emaMomentum);
    // The live event carries the same value as the file (which stores 9 significant digits).
    assert.equal(Number((firstResumed.losses as Record<string, number>)['total']!.toPrecision(9)), (got.losses as Record<string, number>)['total']);
    const wantLosses = want.losses as Record<string, number>;
    const gotLosses = got.losses as Record<string, number>;
    for (const [part, value] of Object.entries(wantLosses)) {
      assert.ok(Math.abs(gotLosses[part]! - value) <= 1e-6, `${part}: resumed ${gotLosses[part]}, uninterrupted ${value}`);
    }
    // The steps before the kill agree too.
    assert.deepEqual(afterResume.slice(0, S).map((r) => r.losses), straight.slice(0, S).map((r) => r.losses));
  });

  it('refuses an invalid configuration before any process starts, naming each bad field', async () => {
    const queue = new RunQueue(store, host);
    const before = (await store.listRuns()).length;
    await assert.rejects(
      queue.submit({ name: 'bad', config: tinyConfig({ lr: -1, numProto: 0, imageSize: 'big' as never }) }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigValidationError);
        const fields = error.problems.map((p) => p.field);
        for (const field of ['lr', 'numProto', 'imageSize']) assert.ok(fields.includes(field as never), `${field} is named: ${error.message}`);
        return true;
      },
    );
    assert.equal((await store.listRuns()).length, before, 'no run was created');

    // A run whose stored config is invalid (written by hand, an older app) is refused at start.
    const run = await store.createRun({ name: 'bad stored', kind: 'pretrain', config: { ...tinyConfig(), batchSize: 0, unknownKnob: 1 } as never, seed: 1 });
    await assert.rejects(host.start(run.id), (error: unknown) => {
      assert.ok(error instanceof ConfigValidationError);
      assert.match(error.message, /batch-size|batchSize|-b/);
      assert.match(error.message, /unknownKnob/);
      return true;
    });
    assert.deepEqual(host.activeRuns(), [], 'no trainer process was started');
    const manifest = (await store.openRun(run.id)).manifest;
    assert.equal(manifest.state, 'failed');
    assert.match(manifest.stateHistory.at(-1)?.reason ?? '', /invalid configuration: .*unknownKnob/);
    await assert.rejects(stat(join(run.dir, 'run.lock')));
  });

  it('queues a second run while one runs and starts it when the first ends (FIFO, visible positions)', async () => {
    const queue = new RunQueue(store, host);
    const starts: string[] = [];
    const onState = (e: { runId: string; state: RunState }) => e.state === 'starting' && starts.push(e.runId);
    host.on('state', onState);
    const a = await queue.submit({ name: 'first', config: tinyConfig({ maxSteps: 1 }) });
    const b = await queue.submit({ name: 'second', config: tinyConfig({ maxSteps: 1 }) });
    await queue.idle();
    assert.deepEqual(queue.runningRuns(), [a.id]);
    assert.deepEqual(queue.positions().map((p) => [p.runId, p.position]), [[b.id, 1]]);
    assert.equal((await store.openRun(b.id)).manifest.state, 'queued');

    const bStarted = new Promise<void>((resolve) => queue.on('started', (e) => e.runId === b.id && resolve()));
    const aExit = await host.waitForExit(a.id);
    assert.equal(aExit.state, 'stopped');
    await bStarted;
    const bExit = await host.waitForExit(b.id);
    host.off('state', onState);
    assert.equal(bExit.reason, 'clean');
    assert.deepEqual(starts, [a.id, b.id]);
    const aDone = Date.parse((await store.openRun(a.id)).manifest.stateHistory.at(-1)!.at);
    const bStart = Date.parse((await store.openRun(b.id)).manifest.stateHistory.find((h) => h.state === 'starting')!.at);
    assert.ok(bStart >= aDone, 'the second run started only after the first ended');
    assert.deepEqual(queue.positions(), []);
  });

  it('marks a run left running by a dead host as crashed at start-up', async () => {
    const run = await store.createRun({ name: 'orphan', kind: 'pretrain', config: tinyConfig() as never, seed: 1 });
    await store.transition(run.id, 'starting');
    await store.transition(run.id, 'running');
    // A lock in the name of a process that has since died (the host and its trainer are gone).
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'exit');
    await acquireRunLock(run.dir, { owner: 'trainer', pid: child.pid! });
    assert.equal((await inspectRunLock(run.dir)).status, 'stale');

    const restarted = new ForkTrainerHost(new RunStore(workspace, { reserveBytes: 0 }));
    const report = await restarted.initialise();
    assert.deepEqual(report.recovered.map((r) => r.id), [run.id]);
    const manifest = (await store.openRun(run.id)).manifest;
    assert.equal(manifest.state, 'crashed');
    assert.equal(manifest.stateHistory.at(-1)?.reason, CRASH_REASON);
    const events = (await store.readEvents(run.id)).events.map((e) => e.type);
    assert.ok(events.includes('recovered'));
    assert.ok((await readFile(join(run.dir, 'run.json'), 'utf8')).includes('"crashed"'));
  });
});
