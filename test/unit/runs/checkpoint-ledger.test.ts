/**
 * The checkpoint ledger: Lightning's retention vocabulary (every N, save_last, save_top_k,
 * monitor/mode) with the bookkeeping persisted, so a reopened ledger keeps the same top-k;
 * checksums verified on demand; user marks (pin, tag, name) protect files; interrupted
 * deletions and writes are finished or cleaned up; a full disk leaves the ledger as it was.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CheckpointLedger,
  CheckpointLedgerError,
  checkpointNameFor,
  isCheckpointDue,
} from '../../../trainer/run/checkpoint-ledger.js';
import { RunStorageError } from '../../../trainer/run/disk-errors.js';
import { ledgerDocumentSchema, type CheckpointPolicy } from '../../../trainer/run/run-format.js';
import { writeFileAtomic } from '../../../trainer/run/atomic-file.js';
import { writeFakeCheckpoint } from './fake-checkpoint.js';

const TOP2: CheckpointPolicy = { everyNEpochs: 1, saveLast: true, saveTopK: 2, monitor: 'total', mode: 'min' };

describe('checkpoint ledger', () => {
  let root: string;
  let n = 0;
  const freshRun = async (): Promise<{ runDir: string; cpDir: string }> => {
    const runDir = join(root, `run-${n++}`);
    const cpDir = join(runDir, 'checkpoints');
    await mkdir(cpDir, { recursive: true });
    return { runDir, cpDir };
  };
  const filesIn = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((f) => f !== 'ledger.json').sort();
  const stemsOf = async (dir: string): Promise<string[]> => [...new Set((await filesIn(dir)).map((f) => f.replace(/\.(json|safetensors)$/, '')))].sort();

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fra-ledger-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('decides when a checkpoint is due, in Lightning terms', () => {
    const base = { saveLast: true, saveTopK: 1, monitor: 'total', mode: 'min' } as const;
    assert.equal(isCheckpointDue({ ...base, everyNSteps: 100 }, { step: 200, epoch: 0, epochEnded: false }), true);
    assert.equal(isCheckpointDue({ ...base, everyNSteps: 100 }, { step: 150, epoch: 0, epochEnded: true }), false);
    assert.equal(isCheckpointDue({ ...base, everyNEpochs: 5 }, { step: 500, epoch: 4, epochEnded: true }), true);
    assert.equal(isCheckpointDue({ ...base, everyNEpochs: 5 }, { step: 400, epoch: 3, epochEnded: true }), false);
    assert.equal(isCheckpointDue({ ...base, everyNEpochs: 5 }, { step: 450, epoch: 4, epochEnded: false }), false);
    assert.equal(isCheckpointDue({ ...base, everyNEpochs: 5, everyNSteps: 7 }, { step: 14, epoch: 0, epochEnded: false }), true);
    assert.equal(isCheckpointDue(base, { step: 10, epoch: 0, epochEnded: true }), true, 'neither set: every epoch');
    assert.equal(isCheckpointDue(base, { step: 10, epoch: 0, epochEnded: false }), false);
    assert.equal(checkpointNameFor({ epoch: 4, globalStep: 1200 }), 'epoch-0004-step-00001200');
  });

  it('keeps the top-k by the monitored metric plus the last, deletes the rest, and ranks in metadata', async () => {
    const { runDir, cpDir } = await freshRun();
    const ledger = await CheckpointLedger.open(runDir, { policy: TOP2 });
    const losses = [5, 3, 4, 1, 2, 6];
    const names: string[] = [];
    for (const [i, loss] of losses.entries()) {
      const cp = await writeFakeCheckpoint(cpDir, { epoch: i, step: (i + 1) * 10, metrics: { total: loss } });
      names.push(cp.name);
      const result = await ledger.register(cp.name);
      assert.equal(result.entry.sha256, cp.sha256);
      assert.equal(result.entry.sizeBytes, 4096);
    }
    // best: loss 1 (#3) and 2 (#4); last: #5 (loss 6)
    const kept = [names[3]!, names[4]!, names[5]!].sort();
    assert.deepEqual(await stemsOf(cpDir), kept);
    assert.deepEqual(ledger.entries.map((e) => e.name).sort(), kept);
    assert.deepEqual(ledger.get(names[3]!)?.markers, ['top-k']);
    assert.equal(ledger.get(names[3]!)?.rank, 1);
    assert.equal(ledger.get(names[4]!)?.rank, 2);
    assert.deepEqual(ledger.get(names[5]!)?.markers, ['last']);
    assert.equal(ledger.get(names[5]!)?.rank, undefined);
    assert.equal(ledger.latest()?.name, names[5]);
    // On disk, and valid against its schema.
    const doc = ledgerDocumentSchema.parse(JSON.parse(await readFile(join(cpDir, 'ledger.json'), 'utf8')));
    assert.deepEqual(doc.pendingDeletes, []);
    assert.equal(doc.entries.length, 3);
  });

  it('ranks by max, never ranks a missing or non-finite monitor value, and keeps all with -1', async () => {
    const { runDir, cpDir } = await freshRun();
    const ledger = await CheckpointLedger.open(runDir, { policy: { saveLast: false, saveTopK: 1, monitor: 'accuracy', mode: 'max' } });
    const a = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 1, metrics: { accuracy: 0.5 } });
    const b = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 2, metrics: { accuracy: 0.9 } });
    const c = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 3, metrics: { accuracy: null } });
    await ledger.register(a.name);
    await ledger.register(b.name);
    const third = await ledger.register(c.name);
    assert.equal(third.kept, false, 'no value, no rank, not last: not kept');
    assert.equal(third.entry.monitorValue, null);
    assert.deepEqual(await stemsOf(cpDir), [b.name]);

    const all = await freshRun();
    const keepAll = await CheckpointLedger.open(all.runDir, { policy: { saveLast: false, saveTopK: -1, monitor: 'total', mode: 'min' } });
    for (let step = 1; step <= 4; step++) await keepAll.register((await writeFakeCheckpoint(all.cpDir, { epoch: 0, step, metrics: step === 2 ? {} : { total: step } })).name);
    assert.equal(keepAll.entries.length, 4);
    assert.deepEqual(keepAll.entries.map((e) => e.rank), [1, undefined, 2, 3]);
  });

  it('keeps the same top-k after a restart and keeps applying it', async () => {
    const { runDir, cpDir } = await freshRun();
    const first = await CheckpointLedger.open(runDir, { policy: TOP2 });
    for (const [i, loss] of [4, 2, 3].entries()) await first.register((await writeFakeCheckpoint(cpDir, { epoch: i, step: i + 1, metrics: { total: loss } })).name);
    const before = first.entries.map((e) => ({ name: e.name, markers: e.markers, rank: e.rank }));

    const reopened = await CheckpointLedger.open(runDir);
    assert.deepEqual(reopened.policy, TOP2, 'the policy is part of the ledger');
    assert.deepEqual(reopened.entries.map((e) => ({ name: e.name, markers: e.markers, rank: e.rank })), before);
    const better = await writeFakeCheckpoint(cpDir, { epoch: 3, step: 4, metrics: { total: 1 } });
    const worse = await writeFakeCheckpoint(cpDir, { epoch: 4, step: 5, metrics: { total: 9 } });
    // Before the restart step 1 (loss 4) had already fallen out; now loss 1 pushes out step 3 (loss 3).
    assert.deepEqual((await reopened.register(better.name)).deleted, [checkpointNameFor({ epoch: 2, globalStep: 3 })]);
    assert.deepEqual((await reopened.register(worse.name)).deleted, [], 'the worse one is kept as last, nothing else changes');
    assert.deepEqual(await stemsOf(cpDir), [checkpointNameFor({ epoch: 1, globalStep: 2 }), better.name, worse.name].sort());
    assert.deepEqual(reopened.entries.map((e) => [e.step, e.markers, e.rank]), [
      [2, ['top-k'], 2],
      [4, ['top-k'], 1],
      [5, ['last'], undefined],
    ]);
  });

  it('never deletes pinned, tagged or user-named checkpoints; unpinning re-applies the policy', async () => {
    const { runDir, cpDir } = await freshRun();
    const ledger = await CheckpointLedger.open(runDir, { policy: { saveLast: true, saveTopK: 0, monitor: 'total', mode: 'min' } });
    const pinned = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 1 });
    await ledger.register(pinned.name);
    await ledger.pin(pinned.name);
    const tagged = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 2 });
    await ledger.register(tagged.name);
    await ledger.tag(tagged.name, ['before-lr-change', 'before-lr-change']);
    const named = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 3 });
    await ledger.register(named.name);
    await ledger.rename(named.name, '  good one ');
    const plain = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 4 });
    await ledger.register(plain.name);
    const newest = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 5 });
    const result = await ledger.register(newest.name);
    assert.deepEqual(result.deleted, [plain.name], 'only the unprotected, no-longer-last one goes');
    assert.deepEqual(await stemsOf(cpDir), [pinned.name, tagged.name, named.name, newest.name].sort());
    assert.deepEqual(ledger.get(tagged.name)?.tags, ['before-lr-change']);
    assert.equal(ledger.get(named.name)?.userName, 'good one');
    assert.deepEqual(ledger.get(pinned.name)?.markers, ['pinned']);

    assert.equal(await ledger.unpin(pinned.name), undefined, 'unpinned and outside the policy: deleted');
    assert.equal(await ledger.untag(tagged.name, ['before-lr-change']), undefined);
    assert.equal(await ledger.rename(named.name, undefined), undefined);
    assert.deepEqual(await stemsOf(cpDir), [newest.name]);
  });

  it('verify() re-hashes and names the problem: truncated, corrupted, missing', async () => {
    const { runDir, cpDir } = await freshRun();
    const ledger = await CheckpointLedger.open(runDir, { policy: { saveLast: true, saveTopK: -1, monitor: 'total', mode: 'min' } });
    const a = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 1, bytes: 100_000 });
    const b = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 2, bytes: 100_000 });
    const c = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 3, bytes: 100_000 });
    for (const cp of [a, b, c]) await ledger.register(cp.name);
    assert.deepEqual(await ledger.verify(a.name), { ok: true, name: a.name, entry: ledger.get(a.name) });

    await truncate(a.tensorsPath, 50_000);
    const truncated = await ledger.verify(a.name);
    assert.equal(truncated.ok, false);
    assert.ok(!truncated.ok && truncated.problem === 'truncated');
    assert.match(!truncated.ok ? truncated.message : '', /truncated.*50000 bytes, 100000 were saved\. It will not be loaded\. Resume from epoch-0000-step-00000003 instead\./);

    const bytes = await readFile(b.tensorsPath);
    bytes[12_345] = bytes[12_345]! ^ 0xff;
    await writeFile(b.tensorsPath, bytes);
    const corrupted = await ledger.verify(b.name);
    assert.ok(!corrupted.ok && corrupted.problem === 'checksum-mismatch');
    assert.match(corrupted.message, /corrupted: the checksum/);

    await rm(c.tensorsPath);
    const missing = await ledger.verify(c.name);
    assert.ok(!missing.ok && missing.problem === 'missing');
    assert.match(missing.message, /missing/);
    const unknown = await ledger.verify('nope');
    assert.ok(!unknown.ok && unknown.problem === 'not-in-ledger');
  });

  it('re-registering a name (a rolling checkpoint) replaces its entry and keeps its user marks', async () => {
    const { runDir, cpDir } = await freshRun();
    const ledger = await CheckpointLedger.open(runDir, { policy: TOP2 });
    await writeFakeCheckpoint(cpDir, { name: 'checkpoint', epoch: 0, step: 10 });
    await ledger.register('checkpoint');
    await ledger.tag('checkpoint', ['x']);
    const second = await writeFakeCheckpoint(cpDir, { name: 'checkpoint', epoch: 1, step: 20 });
    const result = await ledger.register('checkpoint');
    assert.equal(ledger.entries.length, 1);
    assert.equal(result.entry.step, 20);
    assert.equal(result.entry.sha256, second.sha256);
    assert.deepEqual(result.entry.tags, ['x']);
    assert.equal((await ledger.verify('checkpoint')).ok, true);
  });

  it('delete() moves files to a trash folder when given one, else removes them', async () => {
    const { runDir, cpDir } = await freshRun();
    const trash = join(runDir, '..', `trash-${n}`);
    const ledger = await CheckpointLedger.open(runDir, { policy: { saveLast: true, saveTopK: -1, monitor: 'total', mode: 'min' } });
    const a = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 1 });
    const b = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 2 });
    await ledger.register(a.name);
    await ledger.register(b.name);
    await ledger.delete(b.name, { trashDir: trash });
    assert.deepEqual((await readdir(trash)).sort(), [`${b.name}.json`, `${b.name}.safetensors`]);
    assert.deepEqual(ledger.get(a.name)?.markers.includes('last'), true, 'the previous one is last again');
    await ledger.delete(a.name);
    assert.deepEqual(await stemsOf(cpDir), []);
    await assert.rejects(ledger.delete(a.name), CheckpointLedgerError);
  });

  it('finishes deletions a crash interrupted (the intent is in the ledger)', async () => {
    const { runDir, cpDir } = await freshRun();
    const ledger = await CheckpointLedger.open(runDir, { policy: TOP2 });
    const a = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 1 });
    await ledger.register(a.name);
    // Simulate: ledger saved with the decision, process killed before unlinking.
    const doomed = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 2, name: 'doomed' });
    const doc = JSON.parse(await readFile(join(cpDir, 'ledger.json'), 'utf8')) as { pendingDeletes: unknown[] };
    doc.pendingDeletes = [{ name: 'doomed' }];
    await writeFile(join(cpDir, 'ledger.json'), JSON.stringify(doc));
    assert.ok((await filesIn(cpDir)).includes('doomed.safetensors'));
    const reopened = await CheckpointLedger.open(runDir);
    assert.deepEqual(await stemsOf(cpDir), [a.name]);
    assert.equal(reopened.entries.length, 1);
    assert.ok(!(await filesIn(cpDir)).includes(`${doomed.name}.json`));
  });

  it('reconcile() adopts complete unregistered checkpoints and cleans up debris of interrupted writes', async () => {
    const { runDir, cpDir } = await freshRun();
    const ledger = await CheckpointLedger.open(runDir, { policy: { saveLast: true, saveTopK: -1, monitor: 'total', mode: 'min' } });
    const registered = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 1 });
    await ledger.register(registered.name);
    const orphan = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 2 }); // written, never registered (killed before register)
    const halfSaved = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 3 });
    await rm(halfSaved.sidecarPath); // killed between the tensor file and its description
    const badHash = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 4 });
    await truncate(badHash.tensorsPath, 10);
    const deadTemp = `.x.safetensors.999999999.1700000000000.tmp`; // pid that cannot exist
    const liveTemp = `.y.safetensors.${process.pid}.1700000000000.tmp`;
    await writeFile(join(cpDir, deadTemp), 'partial');
    await writeFile(join(cpDir, liveTemp), 'being written');
    await rm(registered.tensorsPath);

    const report = await ledger.reconcile();
    assert.deepEqual(report.adopted, [orphan.name]);
    assert.deepEqual(report.removedIncomplete, [halfSaved.name]);
    assert.deepEqual(report.removedTempFiles, [deadTemp]);
    assert.deepEqual(report.unusable.map((u) => u.name), [badHash.name]);
    assert.match(report.unusable[0]!.reason, /does not match the checksum/);
    assert.deepEqual(report.missing, [registered.name]);
    assert.ok((await readdir(cpDir)).includes(liveTemp), "a live writer's temp file is left alone");
    assert.equal((await ledger.verify(orphan.name)).ok, true);
  });

  it('on a full disk the ledger and its files stay as they were, and the error says which checkpoint is still valid', async () => {
    const { runDir, cpDir } = await freshRun();
    let full = false;
    const io = {
      writeFileAtomic: async (path: string, data: string): Promise<void> => {
        if (full) throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC' });
        await writeFileAtomic(path, data);
      },
    };
    const ledger = await CheckpointLedger.open(runDir, { policy: { saveLast: true, saveTopK: 0, monitor: 'total', mode: 'min' }, io });
    const good = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 1 });
    await ledger.register(good.name);
    const onDisk = await readFile(join(cpDir, 'ledger.json'), 'utf8');
    const next = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 2 });
    full = true;
    await assert.rejects(ledger.register(next.name), (error: unknown) => {
      assert.ok(error instanceof RunStorageError);
      assert.equal(error.code, 'disk-full');
      assert.match(error.message, /^The disk holding .*ledger\.json is full\. Free space or move the workspace to a larger disk\. The previous checkpoint epoch-0000-step-00000001 is still valid\.$/);
      return true;
    });
    assert.equal(await readFile(join(cpDir, 'ledger.json'), 'utf8'), onDisk);
    assert.deepEqual(ledger.entries.map((e) => e.name), [good.name], 'memory matches disk');
    assert.equal((await ledger.verify(good.name)).ok, true, 'the previous checkpoint was not deleted');
    full = false;
    const retry = await ledger.register(next.name);
    assert.deepEqual(retry.deleted, [good.name]);
  });

  it('reports a damaged or foreign ledger clearly', async () => {
    const { runDir, cpDir } = await freshRun();
    await writeFile(join(cpDir, 'ledger.json'), '{"format":"fra-workbench-checkpoint-ledger/1",');
    await assert.rejects(CheckpointLedger.open(runDir), /ledger\.json is damaged \(not JSON.*The checkpoint files beside it are untouched/);
    await writeFile(join(cpDir, 'ledger.json'), '{"format":"something-else/2"}');
    await assert.rejects(CheckpointLedger.open(runDir), /is not a checkpoint ledger this app understands: format/);
    await assert.rejects(CheckpointLedger.open(join(root, 'nowhere'), { policy: { ...TOP2, saveTopK: -2 } }), /Invalid checkpoint policy: saveTopK/);
  });

  it('refuses to register what is not a checkpoint pair', async () => {
    const { runDir, cpDir } = await freshRun();
    const ledger = await CheckpointLedger.open(runDir);
    await assert.rejects(ledger.register('../escape'), /Invalid checkpoint name/);
    await assert.rejects(ledger.register('absent'), /Cannot read the checkpoint description/);
    const cp = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 1 });
    await rm(cp.tensorsPath);
    await assert.rejects(ledger.register(cp.name), /its tensor file .* is missing/);
    await writeFile(join(cpDir, 'foreign.json'), JSON.stringify({ format: 'other' }));
    await assert.rejects(ledger.register('foreign'), /not a checkpoint description this app understands/);
  });

  it('setPolicy applies a smaller k right away', async () => {
    const { runDir, cpDir } = await freshRun();
    const ledger = await CheckpointLedger.open(runDir, { policy: { saveLast: false, saveTopK: 3, monitor: 'total', mode: 'min' } });
    for (const [i, loss] of [3, 1, 2].entries()) await ledger.register((await writeFakeCheckpoint(cpDir, { epoch: 0, step: i + 1, metrics: { total: loss } })).name);
    const deleted = await ledger.setPolicy({ saveLast: false, saveTopK: 1, monitor: 'total', mode: 'min' });
    assert.deepEqual(deleted.sort(), [checkpointNameFor({ epoch: 0, globalStep: 1 }), checkpointNameFor({ epoch: 0, globalStep: 3 })]);
    assert.deepEqual(await stemsOf(cpDir), [checkpointNameFor({ epoch: 0, globalStep: 2 })]);
  });
});
