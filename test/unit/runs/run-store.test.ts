/**
 * The run store: the directory layout of a new run, a list that shows damaged folders instead
 * of hiding them, the state machine enforced on every transition, no lost updates under
 * concurrent changes, delete-to-trash with restore, stale-run recovery on start-up, and clear
 * errors for an unusable workspace and for disk errors.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunStore, RunStoreError, makeRunId } from '../../../electron/services/runs/run-store.js';
import { CRASH_REASON, recoverStaleRuns } from '../../../electron/services/runs/stale-runs.js';
import { acquireRunLock, lockPathOf } from '../../../trainer/run/run-lock.js';
import { RunStorageError, toStorageError } from '../../../trainer/run/disk-errors.js';
import { RUN_STATES, RUN_TRANSITIONS, runManifestSchema, type RunState } from '../../../trainer/run/run-format.js';
import { writeFakeCheckpoint } from './fake-checkpoint.js';

const input = { name: 'FRA ResNet-50 — VGGFace2', kind: 'pretrain' as const, config: { lr: 0.05, batchSize: 256 }, seed: 7, appVersion: '0.1.0-test' };

describe('run store', () => {
  let root: string;
  let n = 0;
  const freshStore = async (): Promise<RunStore> => new RunStore(join(root, `ws-${n++}`), { appVersion: '0.1.0-test', reserveBytes: 4096 });

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fra-store-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates a run directory with every file, a valid manifest and a first event', async () => {
    const store = await freshStore();
    const run = await store.createRun({ ...input, backend: 'wasm', device: 'cpu', gitCommit: 'abc123', tags: ['baseline', 'baseline'] });
    assert.match(run.id, /^\d{8}-\d{6}-fra-resnet-50-vggface2-[a-z0-9]{6}$/);
    assert.equal(run.dir, join(store.runsDir, run.id));
    assert.deepEqual((await readdir(run.dir)).sort(), ['checkpoints', 'events.jsonl', 'heatmaps', 'metrics.jsonl', 'run.json']);
    assert.deepEqual(await readdir(join(run.dir, 'checkpoints')), ['ledger.json']);
    const manifest = runManifestSchema.parse(JSON.parse(await readFile(join(run.dir, 'run.json'), 'utf8')));
    assert.deepEqual(manifest, run.manifest);
    assert.equal(manifest.format, 'fra-workbench-run/1');
    assert.equal(manifest.state, 'queued');
    assert.deepEqual(manifest.tags, ['baseline']);
    assert.deepEqual(manifest.config, input.config);
    assert.equal(manifest.seed, 7);
    assert.equal(manifest.gitCommit, 'abc123');
    assert.equal(manifest.appVersion, '0.1.0-test');
    const { events } = await store.readEvents(run.id);
    assert.deepEqual(events.map((e) => e.type), ['created']);
    assert.equal((await stat(join(run.dir, 'metrics.jsonl'))).size, 0);
    assert.deepEqual((await readdir(store.runsDir)).filter((f) => f.startsWith('.')), [], 'no staging or probe files remain');
    const ledger = await store.openLedger(run.id);
    assert.equal(ledger.policy.monitor, 'total');
  });

  it('refuses bad input naming every bad field', async () => {
    const store = await freshStore();
    await assert.rejects(store.createRun({ ...input, name: '  ', seed: 1.5, kind: 'distill' as 'pretrain' }), (error: unknown) => {
      assert.ok(error instanceof RunStoreError);
      assert.equal(error.code, 'invalid-input');
      assert.match(error.message, /name: must not be empty/);
      assert.match(error.message, /kind: /);
      assert.match(error.message, /seed: /);
      return true;
    });
    await assert.rejects(store.createRun({ ...input, parentRunId: '20200101-000000-gone-aaaaaa' }), /parentRunId: there is no run 20200101-000000-gone-aaaaaa/);
    await assert.rejects(store.createRun({ ...input, config: { f: () => 1 } as never }), /config/);
  });

  it('makes ids that sort by creation time and are safe folder names', () => {
    const at = new Date('2024-06-15T14:25:01.123Z');
    assert.match(makeRunId('Ünïcode  & Spaces!!', at), /^20240615-142501-unicode-spaces-[a-z0-9]{6}$/);
    assert.match(makeRunId('///', at), /^20240615-142501-run-[a-z0-9]{6}$/);
    assert.ok(makeRunId('x'.repeat(300), at).length <= 15 + 1 + 40 + 1 + 6);
    assert.ok(makeRunId('b', new Date('2024-01-01T00:00:00Z')) < makeRunId('a', new Date('2024-01-01T00:00:01Z')));
  });

  it('lists runs newest first and lists damaged folders with the reason', async () => {
    const store = await freshStore();
    const older = await store.createRun({ ...input, name: 'older' });
    const newer = await store.createRun({ ...input, name: 'newer' });
    await mkdir(join(store.runsDir, '00000000-000000-empty-folder'));
    await mkdir(join(store.runsDir, '00000000-000001-bad-json'));
    await writeFile(join(store.runsDir, '00000000-000001-bad-json', 'run.json'), '{"format":');
    await mkdir(join(store.runsDir, '00000000-000002-bad-state'));
    await writeFile(join(store.runsDir, '00000000-000002-bad-state', 'run.json'), JSON.stringify({ ...older.manifest, id: '00000000-000002-bad-state', state: 'zombie' }));
    await mkdir(join(store.runsDir, '00000000-000003-copied'));
    await writeFile(join(store.runsDir, '00000000-000003-copied', 'run.json'), JSON.stringify(older.manifest));
    await mkdir(join(store.runsDir, '.hidden-temp'));
    await writeFile(join(store.runsDir, 'stray-file.txt'), 'x');

    const list = await store.listRuns();
    const ids = list.map((l) => l.id);
    assert.ok(ids.indexOf(newer.id) < ids.indexOf(older.id), 'newest first');
    assert.equal(list.length, 6);
    const damaged = Object.fromEntries(list.filter((l) => l.status === 'damaged').map((l) => [l.id, l.status === 'damaged' ? l.problem : '']));
    assert.match(damaged['00000000-000000-empty-folder']!, /run\.json is missing/);
    assert.match(damaged['00000000-000001-bad-json']!, /not valid JSON/);
    assert.match(damaged['00000000-000002-bad-state']!, /state: /);
    assert.match(damaged['00000000-000003-copied']!, new RegExp(`belongs to run ${older.id} but the folder is named 00000000-000003-copied`));
    await assert.rejects(store.openRun('00000000-000001-bad-json'), (error: unknown) => error instanceof RunStoreError && error.code === 'damaged');
    await assert.rejects(store.openRun('20990101-000000-nope-aaaaaa'), (error: unknown) => error instanceof RunStoreError && error.code === 'not-found');
    await assert.rejects(store.openRun('../../etc'), (error: unknown) => error instanceof RunStoreError && error.code === 'not-found');
  });

  it('lists an empty or missing workspace as no runs', async () => {
    const store = await freshStore();
    assert.deepEqual(await store.listRuns(), []);
  });

  it('enforces the state machine and records every change with its reason', async () => {
    const store = await freshStore();
    const { id } = await store.createRun(input);
    const path: [RunState, string | undefined][] = [
      ['starting', undefined],
      ['running', undefined],
      ['paused', 'disk full'],
      ['running', 'space freed'],
      ['stopping', 'user pressed stop'],
      ['stopped', undefined],
      ['queued', 'resume'],
    ];
    for (const [state, reason] of path) await store.transition(id, state, reason);
    const { manifest } = await store.openRun(id);
    assert.equal(manifest.state, 'queued');
    assert.deepEqual(manifest.stateHistory.map((h) => [h.state, h.reason]), [['queued', 'created'], ...path]);
    const stateEvents = (await store.readEvents(id)).events.filter((e) => e.type === 'state');
    assert.equal(stateEvents.length, path.length);
    assert.equal(stateEvents[2]!.message, 'running → paused: disk full');

    await store.transition(id, 'starting');
    await store.transition(id, 'running');
    await store.transition(id, 'finished');
    await assert.rejects(store.transition(id, 'running'), (error: unknown) => {
      assert.ok(error instanceof RunStoreError);
      assert.equal(error.code, 'invalid-transition');
      assert.match(error.message, /is finished; it cannot become running\. A finished run does not change state any more\./);
      return true;
    });
    const fresh = await store.createRun(input);
    await assert.rejects(store.transition(fresh.id, 'finished'), /From queued it can become: starting, stopped, failed\./);
    assert.equal((await store.openRun(fresh.id)).manifest.state, 'queued', 'a refused transition changes nothing');
  });

  it('has a transition table that covers every state and never loops a state onto itself', () => {
    for (const state of RUN_STATES) {
      assert.ok(Array.isArray(RUN_TRANSITIONS[state]));
      assert.ok(!RUN_TRANSITIONS[state].includes(state));
    }
    // Every active state can end up crashed: the stale-run recovery depends on it.
    for (const state of ['starting', 'running', 'paused', 'stopping'] as const) assert.ok(RUN_TRANSITIONS[state].includes('crashed'));
  });

  it('applies concurrent changes one after another (no lost updates) and keeps unknown manifest keys', async () => {
    const store = await freshStore();
    const { id, paths } = await store.createRun(input);
    const raw = JSON.parse(await readFile(paths.manifest, 'utf8')) as Record<string, unknown>;
    await writeFile(paths.manifest, JSON.stringify({ ...raw, addedByANewerVersion: { x: 1 } }));
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.tag(id, [`t${i}`])));
    const { manifest } = await store.openRun(id);
    assert.equal(manifest.tags.length, 20);
    assert.deepEqual((manifest as Record<string, unknown>)['addedByANewerVersion'], { x: 1 });
    await store.untag(id, ['t0', 't1']);
    assert.equal((await store.openRun(id)).manifest.tags.length, 18);
    await store.rename(id, 'renamed');
    assert.equal((await store.openRun(id)).manifest.name, 'renamed');
    assert.equal((await store.openRun(id)).id, id, 'renaming never moves the folder');
    await assert.rejects(store.rename(id, ''), /Cannot rename the run/);
    await assert.rejects(store.tag(id, ['']), /Invalid tag/);
  });

  it('appends events and reads them back, tolerating a torn last line', async () => {
    const store = await freshStore();
    const { id, paths } = await store.createRun(input);
    await store.appendEvent(id, { type: 'log', message: 'hello', data: { level: 'info' } });
    await appendFile(paths.events, '{"at":"2024-');
    const { events, incompleteLastLine, invalidLines } = await store.readEvents(id);
    assert.deepEqual(events.map((e) => e.type), ['created', 'log']);
    assert.equal(incompleteLastLine, true);
    assert.equal(invalidLines, 0);
    await assert.rejects(store.appendEvent(id, { type: 'Not A Type', message: '' }), /Invalid run event/);
  });

  it('deletes to the trash, restores, refuses while a live process writes, and purges only on request', async () => {
    const store = await freshStore();
    const run = await store.createRun(input);
    const lock = await acquireRunLock(run.dir, { owner: 'trainer' });
    await assert.rejects(store.delete(run.id), (error: unknown) => error instanceof RunStoreError && error.code === 'run-active' && /Stop it before deleting it/.test(error.message));
    await lock.release();

    const trashed = await store.delete(run.id);
    assert.equal(trashed.runId, run.id);
    assert.deepEqual(await store.listRuns(), []);
    assert.deepEqual((await store.listTrash()).map((t) => [t.trashId, t.name]), [[run.id, input.name]]);
    assert.ok((await readdir(trashed.dir)).includes('run.json'), 'everything is still there');

    const restored = await store.restore(run.id);
    assert.equal(restored.manifest.name, input.name);
    assert.equal((await store.listRuns()).length, 1);
    assert.deepEqual(await store.listTrash(), []);
    assert.ok((await store.readEvents(run.id)).events.some((e) => e.type === 'restored'));

    await store.delete(run.id);
    assert.deepEqual(await store.purgeTrash([run.id]), [run.id]);
    assert.deepEqual(await store.listTrash(), []);
    await assert.rejects(store.restore(run.id), /no run .* in the trash/);
  });

  it('moves a checkpoint the user deletes into the trash', async () => {
    const store = await freshStore();
    const run = await store.createRun({ ...input, checkpointPolicy: { saveLast: true, saveTopK: -1, monitor: 'total', mode: 'min' } });
    const cp = await writeFakeCheckpoint(run.paths.checkpoints, { epoch: 0, step: 5 });
    await (await store.openLedger(run.id)).register(cp.name);
    const trashed = await store.deleteCheckpoint(run.id, cp.name);
    assert.ok(trashed.startsWith(join(store.trashDir, 'checkpoints', run.id)));
    assert.deepEqual((await readdir(trashed)).sort(), [`${cp.name}.json`, `${cp.name}.safetensors`]);
    assert.deepEqual((await store.openLedger(run.id)).entries, []);
    await store.purgeTrash();
    await assert.rejects(stat(store.trashDir));
  });

  it('names the workspace and what to do when a file is where the workspace folder should be', async () => {
    const file = join(root, `not-a-folder-${n++}`);
    await writeFile(file, 'x');
    for (const workspace of [file, join(file, 'nested')]) {
      const store = new RunStore(workspace, { appVersion: 't' });
      await assert.rejects(store.createRun(input), (error: unknown) => {
        assert.ok(error instanceof RunStorageError);
        assert.equal(error.code, 'not-a-folder');
        assert.match(error.message, new RegExp(`^Cannot use the workspace ${workspace}: part of .* is a file where a folder is needed\\. Move that file away, or choose another workspace folder\\.$`));
        return true;
      });
    }
  });
});

describe('stale-run recovery', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fra-stale-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('marks active runs without a live writer crashed, and leaves the rest alone', async () => {
    const store = new RunStore(join(root, 'ws'), { appVersion: 't' });
    const make = async (name: string, states: RunState[]): Promise<string> => {
      const { id } = await store.createRun({ ...input, name });
      for (const state of states) await store.transition(id, state);
      return id;
    };
    const noLock = await make('no lock', ['starting', 'running']);
    const deadLock = await make('dead lock', ['starting', 'running', 'paused']);
    const live = await make('live', ['starting', 'running']);
    const queued = await make('queued', []);
    const finished = await make('finished', ['starting', 'running', 'finished']);

    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await once(child, 'exit');
    await writeFile(
      lockPathOf(store.runDir(deadLock)),
      JSON.stringify({ format: 'fra-workbench-run-lock/1', pid: child.pid, hostname: hostname(), startedAt: new Date().toISOString(), owner: 'trainer', token: '0123456789abcdef' }),
    );
    const liveLock = await acquireRunLock(store.runDir(live), { owner: 'trainer' });
    await writeFile(join(store.runDir(noLock), 'metrics.jsonl'), '{"step":1}\n{"step":2}\n{"step":3,"los');
    await mkdir(join(store.runsDir, `.creating-20200101-000000-x-aaaaaa.${child.pid}`));

    const report = await recoverStaleRuns(store);
    assert.deepEqual(report.recovered.map((r) => r.id).sort(), [noLock, deadLock].sort());
    assert.deepEqual(report.stillRunning.map((r) => r.id), [live]);
    assert.deepEqual(report.failures, []);
    const byId = Object.fromEntries(report.recovered.map((r) => [r.id, r]));
    assert.equal(byId[noLock]!.evidence, 'no process holds the run lock');
    assert.equal(byId[deadLock]!.evidence, `process ${child.pid} is no longer running`);
    assert.equal(byId[deadLock]!.previousState, 'paused');
    assert.equal(byId[noLock]!.lastMetricsStep, 2);
    assert.equal(byId[noLock]!.metricsRepair.action, 'truncated');

    for (const id of [noLock, deadLock]) {
      const { manifest } = await store.openRun(id);
      assert.equal(manifest.state, 'crashed');
      assert.equal(manifest.stateHistory.at(-1)?.reason, CRASH_REASON);
      const recovered = (await store.readEvents(id)).events.find((e) => e.type === 'recovered');
      assert.ok(recovered !== undefined);
    }
    assert.match((await store.readEvents(noLock)).events.find((e) => e.type === 'recovered')!.message, /Metrics are intact up to step 2\. No checkpoint was saved/);
    assert.equal((await store.openRun(live)).manifest.state, 'running');
    assert.equal((await store.openRun(queued)).manifest.state, 'queued');
    assert.equal((await store.openRun(finished)).manifest.state, 'finished');
    assert.deepEqual((await readdir(store.runsDir)).filter((f) => f.startsWith('.creating-')), [], 'abandoned half-created folders are removed');
    // A crashed run can be queued again to resume.
    await store.transition(noLock, 'queued', 'resume');
    assert.equal((await recoverStaleRuns(store)).recovered.length, 0, 'recovery is idempotent');
    await liveLock.release();
  });
});

describe('disk errors', () => {
  it('say which disk, what happened, what to do, and what is still safe', () => {
    const cases: [string, RegExp][] = [
      ['ENOSPC', /^The disk holding \/ws\/runs\/x is full\. Free space or move the workspace to a larger disk\. The previous checkpoint epoch-1 is still valid\.$/],
      ['EDQUOT', /^Your disk quota for \/ws\/runs\/x is used up\. Delete runs or checkpoints .* The previous checkpoint epoch-1 is still valid\.$/],
      ['EROFS', /^The disk holding \/ws\/runs\/x is read-only\. Choose a workspace on a writable disk/],
      ['EACCES', /^FRA Workbench is not allowed to write to \/ws\/runs\/x\. Give your user write permission/],
      ['EIO', /hardware read\/write error/],
      ['EWHATEVER', /^Could not write \/ws\/runs\/x: boom\./],
    ];
    for (const [code, expected] of cases) {
      const error = toStorageError(Object.assign(new Error('boom'), { code }), { path: '/ws/runs/x', lastValidCheckpoint: 'epoch-1' });
      assert.match(error.message, expected, code);
      assert.equal(error.osCode, code);
      assert.deepEqual(error.toInfo(), { code: error.code, message: error.summary, hint: error.hint });
    }
    const wrapped = toStorageError(Object.assign(new Error('x'), { code: 'ENOSPC' }), { path: '/a' });
    assert.equal(toStorageError(wrapped, { path: '/b' }), wrapped, 'wrapping twice changes nothing');
  });
});
