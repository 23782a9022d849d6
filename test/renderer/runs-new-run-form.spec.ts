// The New Run form against the real runs service: fields and presets from runs.configForm,
// problems from runs.validate as the user types, the estimate, and Start creating a real run.
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { installApi, useApi } from '../../renderer/src/api/index.js';
import { useRunsStore } from '../../renderer/src/stores/runs.js';
import NewRunForm from '../../renderer/src/views/runs/NewRunForm.vue';
import { startRunsWorkbench, TINY_RUN_CONFIG, type RunsWorkbench } from './support/runs-workbench.js';

let host: RunsWorkbench;

beforeAll(async () => {
  host = await startRunsWorkbench();
  installApi(host.client);
}, 60_000);

afterAll(async () => {
  await host?.close();
}, 60_000);

beforeEach(() => {
  setActivePinia(createPinia());
  window.location.hash = '#runs/new';
});

/** Waits for a state of the form the host's answers lead to (validation, estimate, creation). */
function until(check: () => void): Promise<void> {
  return vi.waitFor(check, { timeout: 20_000, interval: 20 });
}

async function mountForm(): Promise<VueWrapper> {
  const wrapper = mount(NewRunForm, { attachTo: document.body });
  await until(() => expect(wrapper.find('[data-testid="newrun-start"]').exists()).toBe(true));
  return wrapper;
}

const startButton = (w: VueWrapper): HTMLButtonElement => w.get('[data-testid="newrun-start"]').element as HTMLButtonElement;

describe('NewRunForm', () => {
  it('renders every described field with its label, grouped, starting from the quick demo', async () => {
    const { fields, presets } = await useApi().runs.configForm({ kind: 'pretrain' });
    const wrapper = await mountForm();
    for (const field of fields) {
      const key = String(field['key']);
      const input = wrapper.get(`[data-testid="newrun-field-${key}"]`);
      const label = wrapper.get(`label[for="${input.attributes('id')}"]`);
      expect(label.text()).toContain(String(field['label']));
    }
    const legends = wrapper.findAll('legend').map((l) => l.text());
    expect(legends).toEqual(expect.arrayContaining(['Model', 'Method', 'Optimisation', 'Data', 'Engine']));

    const preset = wrapper.get('[data-testid="newrun-preset"]').element as HTMLSelectElement;
    expect(preset.value).toBe('quick-demo');
    expect([...preset.options].map((o) => o.text)).toEqual(expect.arrayContaining(presets.map((p) => p.title)));
    expect((wrapper.get('[data-testid="newrun-field-batchSize"]').element as HTMLInputElement).value).toBe('16');
    expect((wrapper.get('[data-testid="newrun-field-dataset"]').element as HTMLSelectElement).value).toBe('synthetic');

    // The quick demo is valid: Start is enabled and the estimate names its basis.
    await until(() => expect(startButton(wrapper).disabled).toBe(false));
    await until(() => expect(wrapper.get('[data-testid="newrun-estimate"]').attributes('data-state')).toBe('ready'));
    expect(wrapper.get('[data-testid="newrun-estimate"]').text()).toContain('Basis:');
    wrapper.unmount();
  });

  it('shows a problem next to its field as the user types and blocks Start until it is fixed', async () => {
    const wrapper = await mountForm();
    await until(() => expect(startButton(wrapper).disabled).toBe(false));

    await wrapper.get('[data-testid="newrun-field-lr"]').setValue('-1');
    await until(() => expect(wrapper.find('[data-testid="newrun-problem-lr"]').exists()).toBe(true));
    expect(wrapper.get('[data-testid="newrun-problem-lr"]').text()).toMatch(/got -1; must be > 0/);
    expect(startButton(wrapper).disabled).toBe(true);
    expect(wrapper.get('[data-testid="newrun-blocked"]').text()).toMatch(/Fix the problem/);

    // Text that is no number is caught at once, without waiting for the host.
    await wrapper.get('[data-testid="newrun-field-batchSize"]').setValue('sixteen');
    expect(wrapper.get('[data-testid="newrun-problem-batchSize"]').text()).toBe('"sixteen" is not a number');

    // A cross-field rule, reported by the host against the field it names.
    await wrapper.get('[data-testid="newrun-field-batchSize"]').setValue('16');
    await wrapper.get('[data-testid="newrun-field-lr"]').setValue('0.03');
    await wrapper.get('[data-testid="newrun-field-warmupEpochs"]').setValue('5');
    await until(() => expect(wrapper.find('[data-testid="newrun-problem-warmupEpochs"]').exists()).toBe(true));
    expect(wrapper.get('[data-testid="newrun-problem-warmupEpochs"]').text()).toMatch(/must be < --epochs \(2\)/);
    expect(wrapper.find('[data-testid="newrun-problem-lr"]').exists()).toBe(false);

    await wrapper.get('[data-testid="newrun-field-warmupEpochs"]').setValue('1');
    await until(() => expect(startButton(wrapper).disabled).toBe(false));
    wrapper.unmount();
  });

  it('starts the run and opens it', async () => {
    const wrapper = await mountForm();
    const runs = useRunsStore();
    await wrapper.get('[data-testid="newrun-name"]').setValue('from the form');
    for (const [key, value] of Object.entries(TINY_RUN_CONFIG)) {
      await wrapper.get(`[data-testid="newrun-field-${key}"]`).setValue(String(value));
    }
    await wrapper.get('[data-testid="newrun-field-maxSteps"]').setValue('1');
    await until(() => expect(startButton(wrapper).disabled).toBe(false));

    await wrapper.get('form').trigger('submit');
    await until(() => expect(window.location.hash).toMatch(/^#runs\/(?!new$)[^/]+$/));
    const runId = decodeURIComponent(window.location.hash.slice('#runs/'.length));
    const run = runs.byId.get(runId);
    expect(run?.name).toBe('from the form');
    const { config } = await useApi().runs.get({ runId });
    expect(config).toMatchObject({ dataset: 'random', batchSize: 4, imageSize: 32, maxSteps: 1 });

    // --max-steps ends the run early, checkpointed; it must not fail.
    const ended = await host.eventMatching('runs.changed', (d) => d.run.id === runId && ['finished', 'stopped', 'failed', 'crashed'].includes(d.run.state));
    expect(ended.run.stateReason ?? '', ended.run.state).not.toMatch(/error/i);
    expect(['finished', 'stopped']).toContain(ended.run.state);
    await flushPromises();
    wrapper.unmount();
  }, 60_000);
});
