/**
 * Repeated kill -9 of a real trainer (ForkTrainerHost → forked trainer) that checkpoints every
 * step, so kills often land inside a checkpoint write. The trainer is killed from outside
 * (`process.kill(pid, 'SIGKILL')`, not `host.kill`) at different points — right after the Nth
 * metrics event, right after a `checkpoint` event, as soon as the resumed trainer reports
 * `running` — and resumed through the host each time. After every kill:
 * - the run is `crashed`;
 * - every checkpoint the ledger keeps verifies (ledger checksum and `loadCheckpoint`), and no
 *   `.tmp` file is left in `checkpoints/`;
 * - `metrics.jsonl` parses line by line, steps 1..last contiguous;
 * and after each resume the first new step is the last checkpoint's step + 1. Finally the
 * run's losses equal an uninterrupted run of the same seed, step for step (within 1e-6).
 */
import * as tf from '@tensorflow/tfjs-core';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PretrainConfigInput } from '../../trainer/contract/run-config.js';
import { loadCheckpoint } from '../../trainer/run/checkpoint.js';
import { readAllMetrics } from '../../trainer/run/metrics-log.js';
import type { MetricsRecord } from '../../trainer/run/run-format.js';
import { RunStore } from '../../electron/services/runs/run-store.js';
import { ForkTrainerHost, type RunExit, type TrainerHostEvents } from '../../electron/services/trainer-host/trainer-host.js';
import { useBackend } from '../helpers/engine.js';
import { tinyPretrainConfig } from '../helpers/tiny-pretrain-config.js';

const SEED = 5151;

function tinyConfig(overrides: PretrainConfigInput = {}): PretrainConfigInput {
  return tinyPretrainConfig({ seed: SEED, ...overrides });
}

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

function assertContiguous(records: MetricsRecord[]): void {
  assert.deepEqual(
    records.map((r) => r.step),
    Array.from({ length: records.length }, (_, i) => i + 1),
    'metrics.jsonl steps are 1..last, strictly increasing and contiguous',
  );
}

describe('trainer host: repeated kill -9 of a run that checkpoints every step', () => {
  let workspace: string;
  let store: RunStore;
  let host: ForkTrainerHost;

  before(async () => {
    await useBackend('cpu'); // for loadCheckpoint's tensors in this process
    workspace = await mkdtemp(join(tmpdir(), 'fra-host-kill-'));
    store = new RunStore(workspace, { reserveBytes: 0 });
    host = new ForkTrainerHost(store);
    await host.initialise();
  });

  after(async () => {
    await host.shutdown(5_000);
    await rm(workspace, { recursive: true, force: true });
  });

  it('survives kills after a step, after a checkpoint and right after resuming; resumes each time where the last checkpoint left off', async () => {
    const run = await store.createRun({
      name: 'killed again and again',
      kind: 'pretrain',
      config: tinyConfig({ checkpointEverySteps: 1 }) as never,
      seed: SEED,
      checkpointPolicy: { everyNSteps: 1, saveLast: true, saveTopK: 2, monitor: 'total', mode: 'min' },
    });

    /** SIGKILL from outside, then the checks every kill must pass. Returns the step a resume starts from. */
    const killAndCheck = async (round: string): Promise<{ exit: RunExit; resumeStep: number }> => {
      const pid = host.liveInfo(run.id)?.pid;
      assert.ok(pid !== undefined, `${round}: the trainer is alive`);
      process.kill(pid, 'SIGKILL');
      const exit = await host.waitForExit(run.id);
      assert.equal(exit.signal, 'SIGKILL', round);
      assert.equal(exit.reason, 'killed', round);
      assert.equal(exit.state, 'crashed', round);
      assert.equal((await store.openRun(run.id)).manifest.state, 'crashed', round);

      const ledger = await store.openLedger(run.id);
      assert.ok(ledger.entries.length > 0, `${round}: the ledger keeps a checkpoint`);
      for (const entry of ledger.entries) {
        const verdict = await ledger.verify(entry.name);
        assert.equal(verdict.ok, true, `${round}: ${entry.name} verifies against the ledger: ${verdict.ok ? '' : verdict.message}`);
        const checkpoint = await loadCheckpoint(join(ledger.dir, entry.file)); // throws on a corrupted file
        tf.dispose([...checkpoint.tensors.values()]);
        assert.equal(checkpoint.meta.position.globalStep, entry.step, `${round}: ${entry.name} holds the step the ledger says`);
      }
      const files = await readdir(ledger.dir);
      assert.deepEqual(files.filter((f) => f.endsWith('.tmp')), [], `${round}: no temp file is left in checkpoints/`);

      const records = await metricsOf(run.dir);
      assertContiguous(records);
      assert.equal(exit.lastMetricsStep, records.at(-1)?.step, `${round}: the exit names the last logged step`);
      const latest = ledger.latest()!;
      assert.deepEqual(exit.resumeFrom, { name: latest.name, step: latest.step }, `${round}: resumes from the newest kept checkpoint`);
      return { exit, resumeStep: latest.step };
    };

    /** Resumes through the host; resolves with the first metrics event of the new process. */
    const resume = async (): Promise<Promise<MetricsRecord>> => {
      const first = waitFor(host, 'metrics', (e) => e.runId === run.id).then((e) => e.record);
      await host.start(run.id);
      return first;
    };

    // Round 1: killed right after the 3rd metrics event (the step-3 checkpoint may be mid-write).
    const third = waitFor(host, 'metrics', (e) => e.runId === run.id && e.record.step === 3);
    await host.start(run.id);
    await third;
    let { resumeStep } = await killAndCheck('round 1 (after metrics step 3)');
    assert.ok(resumeStep >= 2, `a checkpoint every step: step ${resumeStep} at least is kept`);

    // Round 2: resumed, killed right after its first checkpoint event.
    {
      const checkpoint = waitFor(host, 'checkpoint', (e) => e.runId === run.id);
      const first = await resume();
      assert.equal((await first).step, resumeStep + 1, 'round 2: the first new step follows the last checkpoint');
      const saved = await checkpoint;
      assert.ok(saved.step > resumeStep);
      ({ resumeStep } = await killAndCheck('round 2 (after a checkpoint event)'));
      assert.ok(resumeStep >= saved.step, `round 2: the checkpoint of step ${saved.step} (or a later one) is kept`);
    }

    // Round 3: resumed, killed as soon as the new trainer reports running (before or while it loads the checkpoint).
    {
      const running = waitFor(host, 'state', (e) => e.runId === run.id && e.state === 'running');
      await host.start(run.id);
      await running;
      const before = resumeStep;
      ({ resumeStep } = await killAndCheck('round 3 (on the first running state after resume)'));
      assert.ok(resumeStep >= before, 'round 3: no checkpoint was lost');
    }

    // Round 4: resumed, killed after the 2nd new metrics event.
    {
      const target = resumeStep + 2;
      const second = waitFor(host, 'metrics', (e) => e.runId === run.id && e.record.step === target);
      const first = await resume();
      assert.equal((await first).step, resumeStep + 1, 'round 4: the first new step follows the last checkpoint');
      await second;
      ({ resumeStep } = await killAndCheck(`round 4 (after metrics step ${target})`));
      assert.ok(resumeStep >= target - 1);
    }

    // Final round: resumed, runs to step N, stopped through the host.
    const N = resumeStep + 2;
    {
      const reachedN = waitFor(host, 'metrics', (e) => e.runId === run.id && e.record.step === N);
      const first = await resume();
      assert.equal((await first).step, resumeStep + 1, 'final round: the first new step follows the last checkpoint');
      await reachedN;
      host.stop(run.id);
      const exit = await host.waitForExit(run.id);
      assert.equal(exit.reason, 'clean');
      assert.equal(exit.state, 'stopped');
    }
    const history = (await store.openRun(run.id)).manifest.stateHistory.map((h) => h.state);
    assert.equal(history.filter((s) => s === 'crashed').length, 4, `four crashes recorded: ${history.join(' → ')}`);
    const resumed = await metricsOf(run.dir);
    assertContiguous(resumed);
    assert.ok(resumed.length >= N);

    // Uninterrupted reference: same seed, N steps in one go.
    const reference = await store.createRun({ name: 'reference', kind: 'pretrain', config: tinyConfig({ checkpointEverySteps: 1, maxSteps: N }) as never, seed: SEED });
    await host.start(reference.id);
    const referenceExit = await host.waitForExit(reference.id);
    assert.equal(referenceExit.reason, 'clean');
    assert.equal(referenceExit.done, 'max-steps');
    const straight = await metricsOf(reference.dir);
    assert.equal(straight.length, N);
    for (let i = 0; i < N; i++) {
      const want = straight[i]!.losses as Record<string, number>;
      const got = resumed[i]!.losses as Record<string, number>;
      assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
      for (const [part, value] of Object.entries(want)) {
        assert.ok(Math.abs(got[part]! - value) <= 1e-6, `step ${i + 1} ${part}: killed-and-resumed ${got[part]}, uninterrupted ${value}`);
      }
    }
    assert.equal(resumed[N - 1]!.lr, straight[N - 1]!.lr);
  });
});
