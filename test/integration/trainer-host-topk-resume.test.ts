/**
 * Top-k retention across a stop and a resume, through the real trainer (ForkTrainerHost →
 * forked trainer) with policy saveTopK 2 by 'total' (min), saveLast, a checkpoint every step:
 * - stopped through the host, the ledger keeps exactly the best 2 by total plus the newest;
 * - resumed through the host for more steps, the earlier top-k entries that are still among the
 *   best 2 of all checkpoints ever saved remain (same file, same checksum), the others are gone
 *   from the ledger AND the disk; no file outside top-k/last/pinned is left; 'last' is the newest
 *   checkpoint; everything kept verifies (ledger checksum and `loadCheckpoint`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PretrainConfigInput } from '../../trainer/contract/run-config.js';
import { CheckpointLedger } from '../../trainer/run/checkpoint-ledger.js';
import { loadCheckpoint } from '../../trainer/run/checkpoint.js';
import { readAllMetrics } from '../../trainer/run/metrics-log.js';
import type { LedgerEntry, MetricsRecord } from '../../trainer/run/run-format.js';
import { RunStore } from '../../electron/services/runs/run-store.js';
import { ForkTrainerHost, type TrainerHostEvents } from '../../electron/services/trainer-host/trainer-host.js';
import { useBackend } from '../helpers/engine.js';
import { tinyPretrainConfig } from '../helpers/tiny-pretrain-config.js';

const SEED = 913;

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
  assert.deepEqual(records.map((r) => r.step), Array.from({ length: records.length }, (_, i) => i + 1));
  return records;
}

const totalOf = (record: MetricsRecord): number => (record.losses as Record<string, number>)['total']!;

/** Best `k` steps by total (min), ties to the later step — the ledger's ranking rule. */
function bestSteps(steps: readonly number[], totals: ReadonlyMap<number, number>, k: number): number[] {
  return [...steps].sort((a, b) => totals.get(a)! - totals.get(b)! || b - a).slice(0, k).sort((a, b) => a - b);
}

/** Every kept checkpoint verifies; the checkpoints folder holds exactly the kept files (no leftovers, no temp files). */
async function assertKeptAndOnlyKept(ledger: CheckpointLedger, label: string): Promise<void> {
  for (const entry of ledger.entries) {
    const verdict = await ledger.verify(entry.name);
    assert.equal(verdict.ok, true, `${label}: ${entry.name} verifies: ${verdict.ok ? '' : verdict.message}`);
    const checkpoint = await loadCheckpoint(join(ledger.dir, entry.file));
    tf.dispose([...checkpoint.tensors.values()]);
    assert.equal(checkpoint.meta.position.globalStep, entry.step);
  }
  const files = (await readdir(ledger.dir)).sort();
  const expected = ledger.entries.flatMap((e) => [e.file, `${e.name}.json`]).concat('ledger.json').sort();
  assert.deepEqual(files, expected, `${label}: only the kept checkpoints are on disk`);
}

function markersOf(entries: readonly LedgerEntry[], marker: 'top-k' | 'last' | 'pinned'): LedgerEntry[] {
  return entries.filter((e) => (e.markers as string[]).includes(marker));
}

describe('trainer host: top-k checkpoints across stop and resume', () => {
  let workspace: string;
  let store: RunStore;
  let host: ForkTrainerHost;

  before(async () => {
    await useBackend('cpu'); // for loadCheckpoint's tensors in this process
    workspace = await mkdtemp(join(tmpdir(), 'fra-host-topk-'));
    store = new RunStore(workspace, { reserveBytes: 0 });
    host = new ForkTrainerHost(store);
    await host.initialise();
  });

  after(async () => {
    await host.shutdown(5_000);
    await rm(workspace, { recursive: true, force: true });
  });

  it('keeps the best 2 by total and the newest across a resume; deletes the rest from the ledger and the disk', async (t) => {
    const run = await store.createRun({
      name: 'top-k',
      kind: 'pretrain',
      config: tinyConfig() as never,
      seed: SEED,
      checkpointPolicy: { everyNSteps: 1, saveLast: true, saveTopK: 2, monitor: 'total', mode: 'min' },
    });
    const saved = new Map<string, number>(); // every checkpoint name the trainer registered → its step
    const deleted = new Set<string>();
    host.on('checkpoint', (e) => {
      if (e.runId !== run.id) return;
      saved.set(e.name, e.step);
      for (const name of e.deleted) deleted.add(name);
    });

    // Phase 1: a few steps, stopped through the host.
    const fifth = waitFor(host, 'metrics', (e) => e.runId === run.id && e.record.step === 5);
    await host.start(run.id);
    await fifth;
    host.stop(run.id);
    const firstExit = await host.waitForExit(run.id);
    assert.equal(firstExit.reason, 'clean');
    assert.equal(firstExit.state, 'stopped');
    const phase1 = await metricsOf(run.dir);
    const S1 = phase1.length;
    assert.ok(S1 >= 5);
    let totals = new Map(phase1.map((r) => [r.step, totalOf(r)]));
    const ledger1 = await store.openLedger(run.id);
    const top1 = markersOf(ledger1.entries, 'top-k');
    const last1 = markersOf(ledger1.entries, 'last');
    assert.equal(top1.length, 2);
    assert.equal(last1.length, 1);
    assert.equal(last1[0]!.step, S1, 'phase 1: last is the stop checkpoint');
    assert.deepEqual([...saved.values()].sort((a, b) => a - b), Array.from({ length: S1 }, (_, i) => i + 1), 'phase 1: a checkpoint every step');
    assert.deepEqual(top1.map((e) => e.step).sort((a, b) => a - b), bestSteps([...saved.values()], totals, 2), 'phase 1: top-k are the best 2 by total');
    for (const entry of ledger1.entries) {
      assert.ok(Math.abs(entry.monitorValue! - totals.get(entry.step)!) <= 1e-6 * Math.max(1, Math.abs(entry.monitorValue!)), `${entry.name}: ranked by its step's total`);
    }
    assert.deepEqual(
      ledger1.entries.map((e) => e.name).sort(),
      [...new Set([...top1, ...last1].map((e) => e.name))].sort(),
      'phase 1: nothing outside top-k and last is kept',
    );
    await assertKeptAndOnlyKept(ledger1, 'phase 1');
    const topBefore = top1.map((e) => ({ name: e.name, step: e.step, sha256: e.sha256 }));

    // Phase 2: resumed through the host for more steps, stopped again.
    const firstResumed = waitFor(host, 'metrics', (e) => e.runId === run.id).then((e) => e.record.step);
    const later = waitFor(host, 'metrics', (e) => e.runId === run.id && e.record.step === S1 + 5);
    await host.start(run.id);
    assert.equal(await firstResumed, S1 + 1, 'the resume continues after the stop checkpoint');
    await later;
    host.stop(run.id);
    const secondExit = await host.waitForExit(run.id);
    assert.equal(secondExit.reason, 'clean');
    assert.equal(secondExit.state, 'stopped');
    const all = await metricsOf(run.dir);
    const S2 = all.length;
    assert.ok(S2 >= S1 + 5);
    totals = new Map(all.map((r) => [r.step, totalOf(r)]));
    assert.deepEqual([...saved.values()].sort((a, b) => a - b), Array.from({ length: S2 }, (_, i) => i + 1), 'a checkpoint every step across both phases');

    const ledger2 = await store.openLedger(run.id);
    const wantTop = bestSteps([...saved.values()], totals, 2);
    const top2 = markersOf(ledger2.entries, 'top-k');
    assert.deepEqual(top2.map((e) => e.step).sort((a, b) => a - b), wantTop, 'top-k are the best 2 of every checkpoint ever saved');
    for (const before of topBefore) {
      const now = ledger2.get(before.name);
      if (wantTop.includes(before.step)) {
        assert.ok(now !== undefined && (now.markers as string[]).includes('top-k'), `${before.name} is still among the best 2 and remains`);
        assert.equal(now.sha256, before.sha256, `${before.name} was not rewritten`);
      } else {
        assert.equal(now, undefined, `${before.name} fell out of the top 2 and left the ledger`);
        assert.ok(deleted.has(before.name), `${before.name} was reported deleted`);
      }
    }
    t.diagnostic(`top-k before resume: steps ${topBefore.map((e) => e.step).join(', ')}; after: ${wantTop.join(', ')}; last: ${S2}`);
    const last2 = markersOf(ledger2.entries, 'last');
    assert.equal(last2.length, 1);
    assert.equal(last2[0]!.step, S2, "'last' points at the newest checkpoint (the second stop)");
    assert.equal(ledger2.latest()?.name, last2[0]!.name);
    assert.deepEqual(markersOf(ledger2.entries, 'pinned'), []);
    assert.deepEqual(
      ledger2.entries.map((e) => e.name).sort(),
      [...new Set([...top2, ...last2].map((e) => e.name))].sort(),
      'nothing outside top-k and last is kept',
    );
    for (const [name] of saved) {
      if (ledger2.get(name) === undefined) assert.ok(deleted.has(name), `${name} (outside the policy) was deleted`);
    }
    await assertKeptAndOnlyKept(ledger2, 'phase 2');
  });
});
