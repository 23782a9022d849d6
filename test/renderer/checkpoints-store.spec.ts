// @vitest-environment node
// The checkpoints store against the real checkpoints service over a temporary workspace holding
// a real, very short pre-training run (made in a child process so tfjs stays out of the test
// environment): the list grouped by run, pin/unpin, the consent round-trip when a change would
// make retention remove a checkpoint, deletion, and reloading when the host announces a change.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createPinia, setActivePinia } from 'pinia';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApiEventHub, type ApiEventHub } from '@contract/api';
import { createCheckpointsService, type CheckpointsService } from '../../electron/services/checkpoints/checkpoints-service.js';
import { RunStore } from '../../electron/services/runs/run-store.js';
import { ForkLauncher } from '../../electron/services/trainer-host/trainer-process.js';
import { installApi } from '../../renderer/src/api/index.js';
import { parseCheckpointKey, useCheckpointsStore } from '../../renderer/src/stores/checkpoints.js';
import { createInMemoryApi } from './support/in-memory-api.js';

const fixture = join(import.meta.dirname, '..', 'unit', 'services', 'checkpoints', 'tiny-run-fixture.ts');

describe('checkpoints store', () => {
  let workspace: string;
  let runId: string;
  let names: string[];
  let store: RunStore;
  let service: CheckpointsService;
  let hostEvents: ApiEventHub;

  beforeAll(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'fra-checkpoints-store-'));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fixture, workspace, 'store source']);
    ({ runId, checkpoints: names } = JSON.parse(stdout) as { runId: string; checkpoints: string[] });
    store = new RunStore(workspace, { reserveBytes: 0 });
    hostEvents = createApiEventHub();
    service = await createCheckpointsService({
      appName: 'FRA Workbench',
      appVersion: '0.0.0-test',
      hostKind: 'server',
      workspace,
      events: hostEvents,
      runStore: store,
      launcher: new ForkLauncher(),
      log: () => undefined,
    });
  }, 60_000);

  afterAll(async () => {
    await service?.close();
    await rm(workspace, { recursive: true, force: true });
  });

  let api: ReturnType<typeof createInMemoryApi>;
  beforeEach(() => {
    setActivePinia(createPinia());
    api = createInMemoryApi(service.handlers);
    // The host's events reach the renderer through the in-memory transport.
    hostEvents.subscribe((message) => api.events.emit(message.event, message.data as never));
    installApi(api.client);
  });

  it('loads the checkpoints grouped by run, with markers', async () => {
    const checkpoints = useCheckpointsStore();
    await checkpoints.load();
    expect(checkpoints.error).toBeNull();
    expect(checkpoints.groups.map((g) => g.runId)).toEqual([runId]);
    expect(checkpoints.all.map((c) => c.name)).toEqual(names);
    expect(checkpoints.find({ runId, name: names[2]! })?.markers).toContain('last');
  });

  it('pins, and turns an unpin that would remove the checkpoint into a question, then into the trash', async () => {
    const checkpoints = useCheckpointsStore();
    await checkpoints.load();
    // Keep only the last one from now on, so a pin is all that keeps the first.
    const first = { runId, name: names[0]! };
    expect((await checkpoints.pin(first)).ok).toBe(true);
    expect(checkpoints.find(first)?.markers).toContain('pinned');
    await store.openLedger(runId, { everyNEpochs: 1, saveLast: true, saveTopK: 0, monitor: 'total', mode: 'min' });

    const refused = await checkpoints.unpin(first);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error.code).toBe('would-remove');
    expect(checkpoints.find(first)).toBeDefined();

    const removed = await checkpoints.unpin(first, true);
    expect(removed.ok && removed.value.trashedTo).toMatch(/trash/);
    expect(checkpoints.find(first)).toBeUndefined();
    expect(checkpoints.busy).toEqual({});
  });

  it('deletes to the trash, and reports a refusal instead of throwing', async () => {
    const checkpoints = useCheckpointsStore();
    await checkpoints.load();
    const missing = await checkpoints.remove({ runId, name: 'epoch-0042-step-00004242' });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error.code).toBe('not-found');
  });

  it('reloads when the host says a run changed', async () => {
    const checkpoints = useCheckpointsStore();
    checkpoints.listen();
    await checkpoints.load();
    const before = checkpoints.all.length;
    // Change the ledger behind the store's back (as a trainer would), then announce it.
    await (await store.openLedger(runId)).tag(names[2]!, ['from-elsewhere']);
    const reloaded = new Promise<void>((resolve) => {
      const stop = checkpoints.$subscribe(() => {
        if (checkpoints.find({ runId, name: names[2]! })?.tags.includes('from-elsewhere')) {
          stop();
          resolve();
        }
      });
    });
    hostEvents.emit('checkpoints.changed', { runId });
    await reloaded;
    expect(checkpoints.all.length).toBe(before);
  });

  it('reads the compare view URL form of a checkpoint', () => {
    expect(parseCheckpointKey('run-1:epoch-0001-step-00000010')).toEqual({ runId: 'run-1', name: 'epoch-0001-step-00000010' });
    expect(parseCheckpointKey('no-colon')).toBeUndefined();
    expect(parseCheckpointKey(':x')).toBeUndefined();
    expect(parseCheckpointKey(undefined)).toBeUndefined();
  });
});
