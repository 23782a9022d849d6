/**
 * Disk full while checkpointing, through the real trainer (ForkTrainerHost → forked trainer):
 * the run's workspace lives on a small tmpfs (mounted when this machine allows it, as root;
 * otherwise an ENOSPC injected into the trainer's fs/promises.open, named in the test title).
 * Once the disk is full, the next checkpoint write fails with ENOSPC → the run is `paused` with the
 * clear message (what to do, previous checkpoint still valid), that checkpoint still verifies and
 * no temp file is left; after space is freed, resume → the same checkpoint is written and the run
 * goes on and stops normally.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, open, readdir, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PretrainConfigInput } from '../../trainer/contract/run-config.js';
import { RunStore } from '../../electron/services/runs/run-store.js';
import { ForkTrainerHost, type TrainerHostEvents } from '../../electron/services/trainer-host/trainer-host.js';
import { tinyPretrainConfig } from '../helpers/tiny-pretrain-config.js';

const root = join(import.meta.dirname, '..', '..');

function tinyConfig(overrides: PretrainConfigInput = {}): PretrainConfigInput {
  return tinyPretrainConfig({ seed: 77, ...overrides });
}

function waitFor<K extends keyof TrainerHostEvents>(host: ForkTrainerHost, name: K, match: (p: TrainerHostEvents[K][0]) => boolean): Promise<TrainerHostEvents[K][0]> {
  return new Promise((resolve) => {
    const listener = (payload: TrainerHostEvents[K][0]) => {
      if (!match(payload)) return;
      host.off(name, listener as never);
      resolve(payload);
    };
    host.on(name, listener as never);
  });
}

function canMountTmpfs(dir: string): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0 || process.env['FRA_TEST_NO_MOUNT'] === '1') return false;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', dir], { stdio: 'ignore' }).status === 0;
}

const base = await mkdtemp(join(tmpdir(), 'fra-host-full-'));
const diskDir = join(base, 'disk');
await mkdir(diskDir);
const mounted = canMountTmpfs(diskDir);
const flag = join(base, 'disk-is-full');
const filler = join(diskDir, 'filler.bin');
/** Room for three checkpoints (~8.8 MB each) after the filler is deleted. Slack left after filling: room for metrics lines, events and manifests, far too little for a checkpoint. */
const SLACK = 128 * 1024;

const disk = mounted
  ? {
      kind: 'tmpfs',
      async fill(): Promise<void> {
        const handle = await open(filler, 'a');
        try {
          const block = Buffer.alloc(64 * 1024, 1);
          for (;;) await handle.write(block);
        } catch (error) {
          assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
        } finally {
          await handle.close();
        }
        await truncate(filler, Math.max(0, (await stat(filler)).size - SLACK));
      },
      free: () => unlink(filler),
    }
  : { kind: 'injected ENOSPC', fill: () => writeFile(flag, ''), free: () => unlink(flag) };

describe(`trainer host: disk full while checkpointing (${disk.kind})`, () => {
  let store: RunStore;
  let host: ForkTrainerHost;

  before(async () => {
    store = new RunStore(join(diskDir, 'ws'));
    host = new ForkTrainerHost(store, mounted ? {} : { execArgv: ['--import', join(root, 'test/fixtures/inject-enospc.mjs')], env: { ...process.env, FRA_INJECT_ENOSPC_FLAG: flag } });
    await host.initialise();
  });

  after(async () => {
    await host.shutdown(5_000);
    if (mounted) spawnSync('umount', [diskDir], { stdio: 'ignore' });
    await rm(base, { recursive: true, force: true });
  });

  it(`pauses with the disk-full message, keeps the previous checkpoint valid, and continues after space is freed (${disk.kind})`, async () => {
    const run = await store.createRun({
      name: 'disk-full',
      kind: 'pretrain',
      config: tinyConfig({ checkpointEverySteps: 4 }) as never,
      seed: 77,
      checkpointPolicy: { saveLast: true, saveTopK: 1, monitor: 'total', mode: 'min' },
    });
    const firstCheckpoint = waitFor(host, 'checkpoint', (e) => e.runId === run.id && e.step === 4);
    await host.start(run.id);
    const good = await firstCheckpoint;
    if (mounted) assert.ok((await stat(good.path)).size > SLACK, 'a checkpoint does not fit in the slack');

    // Hold the run (between steps, before step 8's checkpoint), then fill the disk.
    const userPause = waitFor(host, 'state', (e) => e.runId === run.id && e.state === 'paused');
    host.pause(run.id);
    await userPause;
    const ledgerAtPause = await store.openLedger(run.id);
    assert.equal(ledgerAtPause.latest()?.name, good.name, 'paused before the next checkpoint');
    await disk.fill();

    // Resume: the step-8 checkpoint hits the full disk → paused, with the clear message.
    const fullPause = waitFor(host, 'state', (e) => e.runId === run.id && e.state === 'paused');
    const checkpoints: number[] = [];
    host.on('checkpoint', (e) => e.runId === run.id && checkpoints.push(e.step));
    host.resume(run.id);
    const paused = await fullPause;
    const expected = `The disk holding ${join(run.dir, 'checkpoints', 'epoch-0000-step-00000008.safetensors')} is full. Free space or move the workspace to a larger disk. The previous checkpoint ${good.name}.safetensors is still valid.`;
    assert.equal(paused.reason, expected);
    const manifest = (await store.openRun(run.id)).manifest;
    assert.equal(manifest.state, 'paused');
    assert.equal(manifest.stateHistory.at(-1)?.reason, expected);
    assert.deepEqual(checkpoints, [], 'nothing was saved on the full disk');
    const ledger = await store.openLedger(run.id);
    assert.equal(ledger.latest()?.name, good.name);
    assert.equal((await ledger.verify(good.name)).ok, true, 'the previous checkpoint still verifies');
    assert.deepEqual((await readdir(join(run.dir, 'checkpoints'))).filter((f) => f.endsWith('.tmp')), [], 'the failed write left no temp file');

    // Free space, resume: the checkpoint is retried and written; the run continues and stops cleanly.
    await disk.free();
    const retried = waitFor(host, 'checkpoint', (e) => e.runId === run.id && e.step === 8);
    const nextStep = waitFor(host, 'metrics', (e) => e.runId === run.id && e.record.step === 9);
    host.resume(run.id);
    const saved = await retried;
    await nextStep;
    assert.ok(saved.kept && saved.markers.includes('last'));
    host.stop(run.id);
    const exit = await host.waitForExit(run.id);
    assert.equal(exit.reason, 'clean');
    assert.equal(exit.state, 'stopped');
    const after = await store.openLedger(run.id);
    const last = after.latest()!;
    assert.ok(last.step >= 9, `the stop checkpoint (step ${last.step}) follows the retried one`);
    assert.equal((await after.verify(last.name)).ok, true);
    const history = (await store.openRun(run.id)).manifest.stateHistory.map((h) => h.state);
    assert.deepEqual(history, ['queued', 'starting', 'running', 'paused', 'running', 'paused', 'running', 'stopping', 'stopped']);
  });
});
