// The runs stores against the real host: createWorkbench over a temporary workspace, a real
// trainer process training a tiny model on wasm, events delivered through the contract's hub.
import { createPinia, setActivePinia } from 'pinia';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { installApi, useApi } from '../../renderer/src/api/index.js';
import { useRunsStore } from '../../renderer/src/stores/runs.js';
import { useRunDetailStore } from '../../renderer/src/stores/runs-detail.js';
import { useRunMetricsStore } from '../../renderer/src/stores/runs-metrics.js';
import { startRunsWorkbench, TINY_RUN_CONFIG, TINY_RUN_STEPS, type RunsWorkbench } from './support/runs-workbench.js';

const TINY_CONFIG = TINY_RUN_CONFIG;
const STEPS = TINY_RUN_STEPS;
let host: RunsWorkbench;

beforeAll(async () => {
  host = await startRunsWorkbench();
  installApi(host.client);
}, 60_000);

afterAll(async () => {
  await host?.close();
}, 60_000);

beforeEach(() => setActivePinia(createPinia()));

describe('runs stores over the real runs service', () => {
  let runId = '';

  it('creates a run, follows it live and holds every metrics row exactly once', async () => {
    const runs = useRunsStore();
    const metrics = useRunMetricsStore();
    runs.listen();
    await runs.load();
    expect(runs.error).toBeNull();
    expect(runs.runs).toEqual([]);

    const created = await runs.create({ kind: 'pretrain', name: 'store spec', config: TINY_CONFIG });
    expect(runs.actionError('create')).toBeNull();
    expect(created).not.toBeNull();
    runId = created!.id;
    expect(runs.runs.map((r) => r.id)).toEqual([runId]);

    // Loaded while the run is starting: history (probably empty) first, the rest arrives live.
    await metrics.ensure(runId);
    await host.eventMatching('runs.metrics', (d) => d.runId === runId && d.columns.step.includes(STEPS));
    await host.eventMatching('runs.changed', (d) => d.run.id === runId && d.run.state === 'finished');

    const held = metrics.metricsOf(runId)!;
    expect(metrics.stateOf(runId)).toEqual({ status: 'ready' });
    expect(Array.from(held.buffer.step.view())).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    const onDisk = await useApi().runs.metrics({ runId });
    const liveLoss = Array.from(held.buffer.series('loss/total')!.view());
    expect(liveLoss).toEqual(onDisk.columns.series['loss/total']!.map((v) => (v === null ? Number.NaN : v)));
    expect(metrics.revisionOf(runId)).toBeGreaterThan(1);

    // The list followed the run through runs.changed.
    expect(runs.byId.get(runId)?.state).toBe('finished');
  }, 120_000);

  it('loads history once and drops a batch that repeats it', async () => {
    const metrics = useRunMetricsStore();
    await metrics.ensure(runId);
    const held = metrics.metricsOf(runId)!;
    expect(held.buffer.length).toBe(STEPS);
    const revision = metrics.revisionOf(runId);
    const history = await useApi().runs.metrics({ runId });
    host.hub.emit('runs.metrics', { runId, columns: history.columns });
    expect(held.buffer.length).toBe(STEPS);
    expect(metrics.revisionOf(runId)).toBe(revision);
  });

  it('opens the run detail with its stored config and log', async () => {
    const detail = useRunDetailStore();
    await detail.open(runId);
    expect(detail.error).toBeNull();
    expect(detail.detail?.summary.state).toBe('finished');
    expect((detail.detail?.config as Record<string, unknown>)['batchSize']).toBe(4);
    expect(detail.logs.length).toBeGreaterThan(0);
  });

  it('keeps each action\'s refusal next to that action and run', async () => {
    const runs = useRunsStore();
    runs.listen();
    await runs.load();
    expect(await runs.control('pause', runId)).toBeNull();
    expect(runs.actionError('pause', runId)?.message).toMatch(/Cannot pause run "store spec": it is finished/);
    expect(runs.actionError('pause', runId)?.hint).toBeTruthy();
    expect(runs.actionError('stop', runId)).toBeNull();
    expect(runs.isPending('pause', runId)).toBe(false);

    const renamed = await runs.rename(runId, 'store spec (renamed)');
    expect(renamed?.name).toBe('store spec (renamed)');
    expect(runs.byId.get(runId)?.name).toBe('store spec (renamed)');
    await runs.setTags(runId, ['tiny', 'spec']);
    expect(runs.byId.get(runId)?.tags).toEqual(['tiny', 'spec']);

    expect(await runs.remove(runId)).toBe(true);
    expect(runs.byId.has(runId)).toBe(false);
    await runs.load();
    expect(runs.runs).toEqual([]);
  });

  it('reports an invalid configuration on create without creating anything', async () => {
    const runs = useRunsStore();
    const created = await runs.create({ kind: 'pretrain', name: 'bad', config: { ...TINY_CONFIG, lr: -1 } });
    expect(created).toBeNull();
    expect(runs.actionError('create')?.code).toBe('invalid-config');
    expect(runs.actionError('create')?.message).toMatch(/--lr/);
    await runs.load();
    expect(runs.runs).toEqual([]);
  });
});
