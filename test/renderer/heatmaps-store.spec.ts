// @vitest-environment node
// The compare store against the real heatmaps and checkpoints services over a temporary workspace
// holding a real, very short pre-training run (made in a child process: tfjs stays out of the
// test environment). The host calls are counted on their way to the real handlers, to
// show that each (checkpoint, image) pair is asked for once and then served from the store.
// Node environment: the store needs no DOM, and the service resolves its worker thread's module
// from import.meta.url, which only the Node transform keeps as a file URL.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createPinia, setActivePinia } from 'pinia';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApiHandlerInput, ApiHandlers } from '@contract/api';
import { createApiEventHub } from '@contract/api';
import { createHeatmapsService, type HeatmapsService } from '../../electron/services/heatmaps/heatmaps-service.js';
import { RunStore } from '../../electron/services/runs/run-store.js';
import { ForkLauncher } from '../../electron/services/trainer-host/trainer-process.js';
import { installApi } from '../../renderer/src/api/index.js';
import { imageRefKey, useHeatmapsStore, type ImageChoice } from '../../renderer/src/stores/heatmaps.js';
import { createInMemoryApi } from './support/in-memory-api.js';

const fixture = join(import.meta.dirname, '..', 'unit', 'services', 'checkpoints', 'tiny-run-fixture.ts');

function synthetic(index: number): ImageChoice {
  const ref = { kind: 'synthetic' as const, index };
  return { key: imageRefKey(ref), ref, label: `Synthetic face #${index}` };
}

describe('compare (heatmaps) store', () => {
  let workspace: string;
  let runId: string;
  let checkpoints: string[];
  let service: HeatmapsService;
  const calls: ApiHandlerInput<'heatmaps.compute'>[] = [];

  beforeAll(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'fra-compare-store-'));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fixture, workspace, 'compare source']);
    ({ runId, checkpoints } = JSON.parse(stdout) as { runId: string; checkpoints: string[] });
    service = await createHeatmapsService(
      {
        appName: 'FRA Workbench',
        appVersion: '0.0.0-test',
        hostKind: 'server',
        workspace,
        events: createApiEventHub(),
        runStore: new RunStore(workspace, { reserveBytes: 0 }),
        launcher: new ForkLauncher(),
        log: () => undefined,
      },
      { resolveImage: () => Promise.reject(new Error('no datasets in this test')) },
    );
  }, 60_000);

  afterAll(async () => {
    await service?.close();
    await rm(workspace, { recursive: true, force: true });
  });

  beforeEach(() => {
    setActivePinia(createPinia());
    calls.length = 0;
    const handlers: Partial<ApiHandlers> = {
      ...service.handlers,
      'heatmaps.compute': (input) => {
        calls.push(input);
        return service.handlers['heatmaps.compute'](input);
      },
    };
    installApi(createInMemoryApi(handlers).client);
  });

  it('computes each (checkpoint, image) pair once and serves it from the store afterwards', async () => {
    const store = useHeatmapsStore();
    const a = { runId, name: checkpoints[0]! };
    const b = { runId, name: checkpoints[2]! };
    store.setCheckpoint('a', a);
    store.setCheckpoint('b', b);
    store.setImages([synthetic(0), synthetic(1)]);
    await store.run();
    expect(calls).toHaveLength(2);
    expect(store.sides.a.error).toBeNull();
    expect(store.sides.a.numRegions).toBe(4);
    expect(store.regionCount).toBe(4);
    const first = store.resultFor('a', synthetic(0).key);
    expect(first?.ok).toBe(true);
    if (!first?.ok) return;
    expect(first.maps.regions).toHaveLength(4);
    expect(first.maps.size).toEqual([4, 4]);
    expect(first.maps.regions[0]).toBeInstanceOf(Uint8Array);
    expect(first.maps.regionScore?.perRegionIoU).toHaveLength(4);

    // Again, swapped, and with B pointing at A's checkpoint: nothing new to ask.
    await store.run();
    store.swap();
    await store.run();
    store.setCheckpoint('b', a);
    await store.run();
    expect(calls).toHaveLength(2);
    expect(store.resultFor('b', synthetic(0).key)).toBe(first);
    expect(store.sides.b.numRegions).toBe(4);
    expect(store.regionCount).toBe(4);

    // A new image: only that one goes to the host, once per checkpoint.
    store.setCheckpoint('a', a);
    store.setCheckpoint('b', b);
    store.setImages([synthetic(0), synthetic(1), synthetic(7)]);
    await store.run();
    expect(calls.slice(2).map((c) => c.images)).toEqual([[{ kind: 'synthetic', index: 7 }], [{ kind: 'synthetic', index: 7 }]]);
  }, 60_000);

  it('shows why a checkpoint cannot be compared, on its side only', async () => {
    const store = useHeatmapsStore();
    store.setCheckpoint('a', { runId, name: checkpoints[0]! });
    store.setCheckpoint('b', { runId, name: 'epoch-0099-step-00009999' });
    store.setImages([synthetic(3)]);
    await store.run();
    expect(store.sides.a.error).toBeNull();
    expect(store.resultFor('a', synthetic(3).key)?.ok).toBe(true);
    expect(store.sides.b.error?.code).toBe('not-found');
    expect(store.sides.b.computing).toBe(false);
    expect(store.resultFor('b', synthetic(3).key)).toBeUndefined();
  }, 60_000);
});
