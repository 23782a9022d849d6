/**
 * The checkpoints service over a real temporary workspace holding a real, very short pre-training
 * run (three genuine checkpoints in a genuine ledger): listing with markers and ranks, tags and
 * pins that persist in the ledger, retention asking before it removes anything, deletion to the
 * workspace trash, refusals while a run needs a checkpoint, and backbone exports into new
 * folders (safetensors, TF.js, ONNX) that never replace an earlier export.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../../../electron/contract/api-error.js';
import { createApiEventHub } from '../../../../electron/contract/api-event-hub.js';
import type { ApiEventMessage } from '../../../../electron/contract/api-table.js';
import type { CheckpointSummary } from '../../../../electron/contract/checkpoints-api.js';
import { createCheckpointsService, type CheckpointsService } from '../../../../electron/services/checkpoints/checkpoints-service.js';
import { RunStore } from '../../../../electron/services/runs/run-store.js';
import { ForkLauncher } from '../../../../electron/services/trainer-host/trainer-process.js';
import type { WorkbenchContext } from '../../../../electron/services/workbench-context.js';
import { readSafetensors } from '../../../../trainer/io/safetensors.js';
import { acquireRunLock } from '../../../../trainer/run/run-lock.js';
import { makeTinyRun, type TinyRun } from './tiny-run-fixture.js';

async function rejectsWith(promise: unknown, code: string, message?: RegExp): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, `expected an ApiError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return error;
  }
  assert.fail(`expected a rejection with code ${code}`);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('checkpoints service', () => {
  let workspace: string;
  let run: TinyRun;
  let store: RunStore;
  let service: CheckpointsService;
  let hub: ReturnType<typeof createApiEventHub>;
  const events: ApiEventMessage[] = [];

  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'fra-checkpoints-'));
    run = await makeTinyRun(workspace, { name: 'tiny resumable', finalState: 'stopped' });
    store = new RunStore(workspace, { reserveBytes: 0, appVersion: '0.0.0-test' });
    hub = createApiEventHub();
    hub.subscribe((message) => events.push(message));
    const context: WorkbenchContext = {
      appName: 'FRA Workbench',
      appVersion: '0.0.0-test',
      hostKind: 'server',
      workspace,
      events: hub,
      runStore: store,
      launcher: new ForkLauncher(),
      log: () => undefined,
    };
    service = await createCheckpointsService(context);
  });

  after(async () => {
    await service?.close();
    await rm(workspace, { recursive: true, force: true });
  });

  const list = async (): Promise<CheckpointSummary[]> => {
    const { runs } = await service.handlers['checkpoints.list'](undefined);
    assert.equal(runs.length, 1);
    return runs[0]!.checkpoints;
  };

  it('lists every kept checkpoint with its ledger facts, markers, rank and the model it belongs to', async () => {
    const { runs } = await service.handlers['checkpoints.list']({ runId: run.runId });
    const group = runs[0]!;
    assert.equal(group.runName, 'tiny resumable');
    assert.equal(group.runState, 'stopped');
    assert.equal(group.live, false);
    assert.deepEqual(group.policy, { everyNEpochs: 1, saveLast: true, saveTopK: 2, monitor: 'total', mode: 'min' });
    assert.deepEqual(
      group.checkpoints.map((c) => c.step),
      [1, 2, 3],
    );
    const onDisk = JSON.parse(await readFile(join(run.runDir, 'checkpoints', 'ledger.json'), 'utf8')) as { entries: { name: string; sha256: string; sizeBytes: number }[] };
    for (const checkpoint of group.checkpoints) {
      const entry = onDisk.entries.find((e) => e.name === checkpoint.name)!;
      assert.equal(checkpoint.sha256, entry.sha256);
      assert.equal(checkpoint.sizeBytes, (await stat(join(run.runDir, 'checkpoints', `${checkpoint.name}.safetensors`))).size);
      assert.equal(checkpoint.backbone, 'resnet18_slim_encoder');
      assert.equal(checkpoint.imageSize, 32);
      assert.equal(checkpoint.numRegions, 4);
      assert.equal(checkpoint.monitor.key, 'total');
      assert.equal(checkpoint.monitor.value, checkpoint.metrics['total']);
      assert.ok(checkpoint.markers.length > 0, `${checkpoint.name} is kept for a reason`);
      assert.equal(checkpoint.markers.includes('top-k'), checkpoint.monitor.rank !== undefined);
    }
    assert.deepEqual(
      group.checkpoints.filter((c) => c.markers.includes('last')).map((c) => c.step),
      [3],
    );
    const ranked = group.checkpoints.filter((c) => c.monitor.rank !== undefined).sort((a, b) => a.monitor.rank! - b.monitor.rank!);
    assert.deepEqual(
      ranked.map((c) => c.monitor.rank),
      [1, 2],
    );
    assert.ok(ranked[0]!.monitor.value! <= ranked[1]!.monitor.value!, 'rank 1 has the lowest total loss');
    // A stopped run resumes from its newest checkpoint.
    assert.deepEqual(
      group.checkpoints.filter((c) => c.resumePoint).map((c) => c.step),
      [3],
    );
    await rejectsWith(service.handlers['checkpoints.list']({ runId: 'no-such-run' }), 'not-found');
  });

  it('replaces tags and persists them in the ledger', async () => {
    const name = run.checkpoints[1]!;
    const before = events.length;
    const result = await service.handlers['checkpoints.setTags']({ runId: run.runId, name, tags: ['baseline', 'good regions'], allowRemoval: false });
    assert.deepEqual(result.checkpoint?.tags, ['baseline', 'good regions']);
    const again = await service.handlers['checkpoints.setTags']({ runId: run.runId, name, tags: ['good regions', 'paper'], allowRemoval: false });
    assert.deepEqual([...again.checkpoint!.tags].sort(), ['good regions', 'paper']);
    const reopened = await store.openLedger(run.runId);
    assert.deepEqual([...reopened.get(name)!.tags].sort(), ['good regions', 'paper']);
    assert.ok(
      events.slice(before).some((m) => m.event === 'checkpoints.changed' && m.data.runId === run.runId),
      'each change announces checkpoints.changed',
    );
  });

  it("turns the host's run changes into checkpoints.changed for that run", async () => {
    const before = events.length;
    const { manifest } = await store.openRun(run.runId);
    hub.emit('runs.changed', {
      run: { id: run.runId, name: manifest.name, kind: 'pretrain', state: manifest.state, createdAt: manifest.createdAt, updatedAt: manifest.createdAt, tags: [], seed: manifest.seed, progress: null },
    });
    assert.deepEqual(
      events.slice(before).filter((m) => m.event === 'checkpoints.changed').map((m) => m.data),
      [{ runId: run.runId }],
    );
  });

  it('pins and unpins; a pin survives a stricter retention policy, and unpinning then asks before removing', async () => {
    const worst = (await list()).filter((c) => !c.markers.includes('last')).sort((a, b) => b.monitor.value! - a.monitor.value!)[0]!;
    await service.handlers['checkpoints.setTags']({ runId: run.runId, name: worst.name, tags: [], allowRemoval: false });
    const pinned = await service.handlers['checkpoints.pin']({ runId: run.runId, name: worst.name });
    assert.ok(pinned.checkpoint?.markers.includes('pinned'));
    assert.ok((await store.openLedger(run.runId)).get(worst.name)!.markers.includes('pinned'), 'the pin is in the ledger on disk');

    // Keep only the best one from now on: the pinned checkpoint stays, kept by its pin alone.
    await store.openLedger(run.runId, { everyNEpochs: 1, saveLast: true, saveTopK: 1, monitor: 'total', mode: 'min' });
    const kept = (await list()).find((c) => c.name === worst.name);
    assert.deepEqual(kept?.markers, ['pinned']);
    const tensors = join(run.runDir, 'checkpoints', `${worst.name}.safetensors`);

    const refusal = await rejectsWith(service.handlers['checkpoints.unpin']({ runId: run.runId, name: worst.name, allowRemoval: false }), 'would-remove', new RegExp(worst.name));
    assert.match(refusal.hint ?? '', /trash/);
    assert.ok(await exists(tensors), 'nothing was removed without consent');
    assert.ok((await list()).some((c) => c.name === worst.name));

    const removed = await service.handlers['checkpoints.unpin']({ runId: run.runId, name: worst.name, allowRemoval: true });
    assert.equal(removed.checkpoint, null);
    assert.ok(removed.trashedTo?.startsWith(join(workspace, 'trash')));
    assert.ok(!(await exists(tensors)));
    assert.deepEqual((await readdir(removed.trashedTo!)).sort(), [`${worst.name}.json`, `${worst.name}.safetensors`]);
    assert.ok(!(await list()).some((c) => c.name === worst.name));
  });

  it('refuses every change while a trainer holds the run, and deleting the checkpoint a queued run resumes from', async () => {
    const newest = (await list()).find((c) => c.resumePoint)!;
    const lock = await acquireRunLock(run.runDir, { owner: 'trainer' });
    try {
      assert.equal((await service.handlers['checkpoints.list'](undefined)).runs[0]!.live, true);
      await rejectsWith(service.handlers['checkpoints.delete']({ runId: run.runId, name: newest.name }), 'run-active', /training/);
      await rejectsWith(service.handlers['checkpoints.pin']({ runId: run.runId, name: newest.name }), 'run-active');
    } finally {
      await lock.release();
    }
    await store.transition(run.runId, 'queued', 'test: waiting to resume');
    try {
      const refusal = await rejectsWith(service.handlers['checkpoints.delete']({ runId: run.runId, name: newest.name }), 'checkpoint-in-use', /resume/);
      assert.ok(refusal.hint);
    } finally {
      await store.transition(run.runId, 'stopped', 'test: unqueued');
    }
    assert.ok(await exists(join(run.runDir, 'checkpoints', `${newest.name}.safetensors`)));
  });

  it('exports the backbone as safetensors into a new folder, and a second export gets its own', async () => {
    const name = (await list()).find((c) => c.markers.includes('last'))!.name;
    const first = await service.handlers['checkpoints.exportBackbone']({ runId: run.runId, name, format: 'safetensors' });
    assert.equal(first.outputDir, join(workspace, 'exports', run.runId, `${name}-safetensors`));
    assert.deepEqual([...first.files].sort(), ['backbone.json', 'backbone.safetensors']);
    assert.deepEqual((await readdir(first.outputDir)).sort(), ['backbone.json', 'backbone.safetensors']);
    const tensors = readSafetensors(await readFile(join(first.outputDir, 'backbone.safetensors')));
    assert.ok(tensors.tensors.has('conv1.weight'), 'torchvision keys, no prefix');
    const description = JSON.parse(await readFile(join(first.outputDir, 'backbone.json'), 'utf8')) as { sourceSha256: string };
    assert.equal(description.sourceSha256, (await list()).find((c) => c.name === name)!.sha256);

    const marker = join(first.outputDir, 'backbone.json');
    const firstBytes = await readFile(marker);
    const second = await service.handlers['checkpoints.exportBackbone']({ runId: run.runId, name, format: 'safetensors' });
    assert.equal(second.outputDir, `${first.outputDir}-2`);
    assert.deepEqual(await readFile(marker), firstBytes, 'the first export is untouched');
    assert.deepEqual(
      (await readdir(join(workspace, 'exports', run.runId))).filter((n) => n.startsWith('.')),
      [],
      'no temporary folder is left behind',
    );
  });

  it('exports TF.js and ONNX models with their preprocessing and a model card, and refuses impossible layouts', async () => {
    const name = (await list())[0]!.name;
    const tfjs = await service.handlers['checkpoints.exportBackbone']({ runId: run.runId, name, format: 'tfjs' });
    assert.deepEqual((await readdir(tfjs.outputDir)).sort(), ['MODEL_CARD.md', 'group1-shard1of1.bin', 'model.json', 'preprocessing.json']);
    assert.equal(tfjs.modelCard, join(tfjs.outputDir, 'MODEL_CARD.md'));
    assert.match(await readFile(tfjs.modelCard, 'utf8'), new RegExp(name));
    const onnx = await service.handlers['checkpoints.exportBackbone']({ runId: run.runId, name, format: 'onnx', layout: 'nhwc' });
    assert.equal(onnx.outputDir, join(workspace, 'exports', run.runId, `${name}-onnx-nhwc`));
    assert.ok((await stat(join(onnx.outputDir, 'model.onnx'))).size > 1000);
    const preprocessing = JSON.parse(await readFile(join(onnx.outputDir, 'preprocessing.json'), 'utf8')) as { inputLayout: string };
    assert.match(preprocessing.inputLayout, /^NHWC/);
    await rejectsWith(service.handlers['checkpoints.exportBackbone']({ runId: run.runId, name, format: 'tfjs', layout: 'nchw' }), 'invalid-input', /NHWC/);
  });

  it('refuses to export a checkpoint whose file was damaged, and leaves no folder behind', async () => {
    const name = (await list())[0]!.name;
    const file = join(run.runDir, 'checkpoints', `${name}.safetensors`);
    const original = await readFile(file);
    const damaged = Buffer.from(original);
    damaged[damaged.length - 100] = damaged[damaged.length - 100]! ^ 0xff;
    await writeFile(file, damaged);
    try {
      const error = await rejectsWith(service.handlers['checkpoints.exportBackbone']({ runId: run.runId, name, format: 'onnx' }), 'checkpoint-corrupted', /corrupted/);
      assert.ok(error.hint);
      assert.ok(!(await exists(join(workspace, 'exports', run.runId, `${name}-onnx`))));
    } finally {
      await writeFile(file, original);
    }
  });

  it('deletes a checkpoint to the workspace trash and the ledger forgets it', async () => {
    const victim = (await list()).find((c) => !c.resumePoint)!;
    const { trashedTo } = await service.handlers['checkpoints.delete']({ runId: run.runId, name: victim.name });
    assert.ok(trashedTo.startsWith(join(workspace, 'trash', 'checkpoints', run.runId)));
    assert.deepEqual((await readdir(trashedTo)).sort(), [`${victim.name}.json`, `${victim.name}.safetensors`]);
    assert.ok(!(await exists(join(run.runDir, 'checkpoints', `${victim.name}.safetensors`))));
    assert.equal((await store.openLedger(run.runId)).get(victim.name), undefined);
    assert.ok(!(await list()).some((c) => c.name === victim.name));
    await rejectsWith(service.handlers['checkpoints.delete']({ runId: run.runId, name: victim.name }), 'not-found');
  });
});
