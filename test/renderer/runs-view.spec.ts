// The Runs section end to end inside the page: the empty list, the New run entry, and one run
// followed live — charts growing with its metrics, pause/resume through the buttons, the log and
// the stored configuration — against the real runs service and a real trainer process.
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { installApi, useApi } from '../../renderer/src/api/index.js';
import RunsView from '../../renderer/src/views/runs/RunsView.vue';
import { startRunsWorkbench, TINY_RUN_CONFIG, type RunsWorkbench } from './support/runs-workbench.js';

let host: RunsWorkbench;

beforeAll(async () => {
  host = await startRunsWorkbench();
  installApi(host.client);
}, 60_000);

afterAll(async () => {
  await host?.close();
}, 60_000);

beforeEach(() => setActivePinia(createPinia()));

function until(check: () => void): Promise<void> {
  return vi.waitFor(check, { timeout: 30_000, interval: 20 });
}

function go(hash: string): void {
  window.location.hash = hash;
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

const button = (w: VueWrapper, testId: string): HTMLButtonElement => w.get(`[data-testid="${testId}"]`).element as HTMLButtonElement;

describe('RunsView', () => {
  it('explains what to do when there are no runs, and opens the New Run form', async () => {
    go('#runs');
    const wrapper = mount(RunsView, { attachTo: document.body });
    await until(() => expect(wrapper.find('[data-testid="runs-empty"]').exists()).toBe(true));
    expect(wrapper.get('[data-testid="runs-empty"]').text()).toContain('Quick demo');
    expect(wrapper.get('h1').text()).toBe('Runs');

    await wrapper.get('[data-testid="runs-new"]').trigger('click');
    expect(window.location.hash).toBe('#runs/new');
    await until(() => expect(wrapper.find('[data-testid="newrun-form"]').exists()).toBe(true));
    wrapper.unmount();
  });

  it('follows a run live: charts grow, pause and resume work, the log and config show', async () => {
    // Four steps (--max-steps): the run then ends stopped, with a checkpoint to resume from.
    const steps = 4;
    const run = await useApi().runs.create({ kind: 'pretrain', name: 'watched', config: { ...TINY_RUN_CONFIG, maxSteps: steps } });
    go('#runs');
    const wrapper = mount(RunsView, { attachTo: document.body });
    await until(() => expect(wrapper.findAll('[data-testid="run-list-item"]').length).toBe(1));
    expect(wrapper.get('[data-testid="run-list-item"]').attributes('data-run-id')).toBe(run.id);

    await wrapper.get(`[data-testid="run-list-item"] a`).trigger('click');
    go(`#runs/${run.id}`);
    await until(() => expect(wrapper.find('[data-testid="run-detail"]').exists()).toBe(true));

    // Pause as soon as it runs; a paused run holds its step until resumed.
    await host.eventMatching('runs.changed', (d) => d.run.id === run.id && d.run.state === 'running');
    await until(() => expect(button(wrapper, 'run-pause').disabled).toBe(false));
    expect(button(wrapper, 'run-resume').disabled).toBe(true);
    expect(button(wrapper, 'run-restart').disabled).toBe(true);
    await wrapper.get('[data-testid="run-pause"]').trigger('click');
    await until(() => expect(wrapper.get('[data-testid="run-detail"]').attributes('data-state')).toBe('paused'));
    expect(button(wrapper, 'run-pause').disabled).toBe(true);
    expect(button(wrapper, 'run-stop').disabled).toBe(false);

    // Charts appear with the first steps and hold every logged point.
    await until(() => expect(wrapper.find('[data-testid="chart-loss/total"]').exists()).toBe(true));
    const pausedPoints = Number(wrapper.get('[data-testid="chart-loss/total"]').attributes('data-points'));
    expect(pausedPoints).toBeGreaterThan(0);
    expect(pausedPoints).toBeLessThan(steps);
    expect(wrapper.find('[data-testid="chart-lr"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="chart-memory"]').exists()).toBe(true);

    await until(() => expect(button(wrapper, 'run-resume').disabled).toBe(false));
    await wrapper.get('[data-testid="run-resume"]').trigger('click');
    await host.eventMatching('runs.changed', (d) => d.run.id === run.id && d.run.state === 'stopped');
    await until(() => expect(wrapper.get('[data-testid="chart-loss/total"]').attributes('data-points')).toBe(String(steps)));
    await until(() => expect(wrapper.get('[data-testid="run-state"]').attributes('data-state')).toBe('stopped'));
    expect(wrapper.get('[data-testid="run-progress"]').attributes('data-step')).toBe(String(steps));
    // Stopped with a checkpoint: the one way on is to resume from it.
    await until(() => expect(button(wrapper, 'run-restart').disabled).toBe(false));
    expect(wrapper.get('[data-testid="run-restart"]').text()).toMatch(/^Resume from checkpoint \S+/);
    expect(button(wrapper, 'run-stop').disabled).toBe(true);

    expect(Number(wrapper.get('[data-testid="run-logs"]').attributes('data-count'))).toBeGreaterThan(0);
    const config = wrapper.get('[data-testid="run-config"]');
    await until(() => expect(config.find('[data-key="batchSize"]').exists()).toBe(true));
    expect(config.get('[data-key="batchSize"]').text()).toContain('Batch size');
    expect(config.get('[data-key="batchSize"]').text()).toContain('4');

    // Toolbar: the controls are labelled and change every chart.
    const smoothing = wrapper.get('[data-testid="chart-smoothing"]');
    expect(wrapper.get(`label[for="${smoothing.attributes('id')}"]`).text()).toBe('Smoothing');
    await wrapper.get('[data-testid="chart-log-scale"]').setValue(true);
    await flushPromises();
    expect(wrapper.get('[data-testid="chart-loss/total"] [role="img"]').attributes('aria-label')).toContain('logarithmic');
    wrapper.unmount();
  }, 60_000);
});
