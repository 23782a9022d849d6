// The Checkpoints view over the real checkpoints service: the empty state for a new workspace,
// then a run's rows with their markers, and selecting two rows to open the heatmap comparison.
import { mount, flushPromises } from '@vue/test-utils';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiEventHub } from '@contract/api';
import { createCheckpointsService, type CheckpointsService } from '../../electron/services/checkpoints/checkpoints-service.js';
import { RunStore } from '../../electron/services/runs/run-store.js';
import { ForkLauncher } from '../../electron/services/trainer-host/trainer-process.js';
import { installApi } from '../../renderer/src/api/index.js';
import { useCheckpointsStore } from '../../renderer/src/stores/checkpoints.js';
import CheckpointsView from '../../renderer/src/views/checkpoints/CheckpointsView.vue';
import { writeFakeCheckpoint } from '../unit/runs/fake-checkpoint.js';
import { createInMemoryApi } from './support/in-memory-api.js';

/** Resolves once the view's store has finished loading from the host (real file I/O, several ticks). */
async function loaded(): Promise<void> {
  const store = useCheckpointsStore();
  if (!store.loaded) {
    await new Promise<void>((resolve) => {
      const stop = store.$subscribe(() => {
        if (store.loaded) {
          stop();
          resolve();
        }
      });
    });
  }
  await flushPromises();
}

describe('Checkpoints view', () => {
  let workspace: string;
  let store: RunStore;
  let service: CheckpointsService;

  beforeEach(async () => {
    setActivePinia(createPinia());
    window.location.hash = '#checkpoints';
    workspace = await mkdtemp(join(tmpdir(), 'fra-checkpoints-view-'));
    store = new RunStore(workspace, { reserveBytes: 0, appVersion: '0.0.0-test' });
    service = await createCheckpointsService({
      appName: 'FRA Workbench',
      appVersion: '0.0.0-test',
      hostKind: 'server',
      workspace,
      events: createApiEventHub(),
      runStore: store,
      // Never started by this service; an explicit entry because happy-dom rewrites import.meta.url.
      launcher: new ForkLauncher({ modulePath: join(workspace, 'unused-trainer-entry.js'), execArgv: [] }),
      log: () => undefined,
    });
    installApi(createInMemoryApi(service.handlers).client);
  });

  afterEach(async () => {
    await service.close();
    await rm(workspace, { recursive: true, force: true });
  });

  it('tells a newcomer to start a run when there is none', async () => {
    const view = mount(CheckpointsView);
    await loaded();
    const empty = view.get('[data-testid=checkpoints-empty]');
    expect(empty.find('a[href="#runs/new"]').exists()).toBe(true);
    expect(view.find('[data-testid=checkpoint-row]').exists()).toBe(false);
    view.unmount();
  });

  it("lists a run's checkpoints with their markers, and opens the comparison of two selected ones", async () => {
    const run = await store.createRun({
      name: 'listed run',
      kind: 'pretrain',
      config: { backbone: 'resnet18_slim_encoder', imageSize: 112, numProto: 8 },
      seed: 1,
      checkpointPolicy: { everyNEpochs: 1, saveLast: true, saveTopK: 2, monitor: 'total', mode: 'min' },
    });
    const ledger = await store.openLedger(run.id);
    for (const step of [10, 20]) {
      const checkpoint = await writeFakeCheckpoint(run.paths.checkpoints, { epoch: step / 10, step });
      await ledger.register(checkpoint.name);
    }
    const view = mount(CheckpointsView);
    await loaded();
    const rows = view.findAll('[data-testid=checkpoint-row]');
    expect(rows.map((r) => r.attributes('data-name'))).toEqual(['epoch-0002-step-00000020', 'epoch-0001-step-00000010']);
    expect(rows[0]!.findAll('[data-testid=checkpoint-marker]').map((m) => m.attributes('data-marker'))).toEqual(['last', 'top-k']);
    expect(rows[0]!.get('[data-testid=checkpoint-delete]').attributes('aria-label')).toBe('Delete epoch-0002-step-00000020');

    const compare = view.get('[data-testid=checkpoints-compare]');
    expect(compare.attributes('disabled')).toBeDefined();
    for (const row of rows) await row.get('[data-testid=checkpoint-select]').setValue(true);
    expect(compare.attributes('disabled')).toBeUndefined();
    await compare.trigger('click');
    expect(decodeURIComponent(window.location.hash)).toBe(`#compare?a=${run.id}:epoch-0002-step-00000020&b=${run.id}:epoch-0001-step-00000010`);
    view.unmount();
  });
});
