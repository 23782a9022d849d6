// The Fine-tune view over a real host (createWorkbench over a temporary workspace): the empty
// state of a new workspace; `#fine-tune?runId=<id>&checkpoint=<name>` (the Checkpoints view's
// "Fine-tune" button) opens the New Fine-tune form with that pre-training checkpoint as the
// initialisation — its file, the FRA backbone prefix and its backbone filled in, and the host's
// validation accepting the result; a route naming a checkpoint that is not there says so.
import { mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { classificationMetrics } from '../../trainer/finetune/evaluation.js';
import { buildEvaluationReport, saveEvaluation } from '../../trainer/finetune/report.js';
import { installApi } from '../../renderer/src/api/index.js';
import FinetuneView from '../../renderer/src/views/finetune/FinetuneView.vue';
import { writeFakeCheckpoint } from '../unit/runs/fake-checkpoint.js';
import { startRunsWorkbench, type RunsWorkbench } from './support/runs-workbench.js';

function until(check: () => void): Promise<void> {
  return vi.waitFor(check, { timeout: 20_000, interval: 20 });
}

function field(wrapper: VueWrapper, key: string): HTMLInputElement | HTMLSelectElement {
  return wrapper.get(`[data-testid="finetune-field-${key}"]`).element as HTMLInputElement | HTMLSelectElement;
}

describe('Fine-tune view', () => {
  let host: RunsWorkbench;
  beforeEach(async () => {
    setActivePinia(createPinia());
    host = await startRunsWorkbench();
    installApi(host.client);
  });
  afterEach(() => host.close());

  it('tells a newcomer what fine-tuning is and how to start one', async () => {
    window.location.hash = '#fine-tune';
    const wrapper = mount(FinetuneView);
    await until(() => expect(wrapper.find('[data-testid="finetune-empty"]').exists()).toBe(true));
    expect(wrapper.get('[data-testid="finetune-empty"]').text()).toMatch(/Quick demo/);
    await wrapper.get('[data-testid="finetune-new"]').trigger('click');
    expect(window.location.hash).toBe('#fine-tune/new');
    await until(() => expect(wrapper.find('[data-testid="finetune-form"]').exists()).toBe(true));
    wrapper.unmount();
  });

  it('prefills the initialisation from the route’s checkpoint', async () => {
    const store = host.workbench.context.runStore;
    const run = await store.createRun({
      name: 'pre-trained encoder',
      kind: 'pretrain',
      config: { backbone: 'resnet18_slim_encoder', imageSize: 64, numProto: 4 },
      seed: 1,
      checkpointPolicy: { everyNEpochs: 1, saveLast: true, saveTopK: 1, monitor: 'total', mode: 'min' },
    });
    const ledger = await store.openLedger(run.id);
    const checkpoint = await writeFakeCheckpoint(run.paths.checkpoints, { epoch: 3, step: 40 });
    await ledger.register(checkpoint.name);

    window.location.hash = `#fine-tune?runId=${encodeURIComponent(run.id)}&checkpoint=${encodeURIComponent(checkpoint.name)}`;
    const wrapper = mount(FinetuneView);
    await until(() => expect(field(wrapper, 'pretrained').value).toBe(checkpoint.tensorsPath));
    expect(field(wrapper, 'modelPrefix').value).toBe('online_net.backbone');
    expect(field(wrapper, 'backbone').value).toBe('resnet18_slim_encoder');
    const init = wrapper.get('[data-testid="finetune-init"]').element as HTMLSelectElement;
    expect(init.value).toBe(checkpoint.tensorsPath);
    expect(init.selectedOptions[0]?.textContent).toContain('pre-trained encoder');
    expect((wrapper.get('[data-testid="finetune-dataset"]').element as HTMLSelectElement).value).toBe('synthetic-expressions');
    // The host accepts the prefilled configuration: Start becomes available.
    await until(() => expect((wrapper.get('[data-testid="finetune-start"]').element as HTMLButtonElement).disabled).toBe(false));
    expect(wrapper.find('[data-testid="finetune-init-missing"]').exists()).toBe(false);

    // Choosing random weights clears the initialisation.
    await wrapper.get('[data-testid="finetune-init"]').setValue('');
    await until(() => expect(field(wrapper, 'pretrained').value).toBe(''));
    expect(field(wrapper, 'modelPrefix').value).toBe('');
    await until(() => expect(wrapper.get('[data-testid="finetune-notices"]').text()).toMatch(/--pretrained: no checkpoint to start from/));
    wrapper.unmount();
  });

  it('lists fine-tune runs with their best top-1 and opens one with its evaluation report', async () => {
    const store = host.workbench.context.runStore;
    await store.createRun({ name: 'a pre-training run', kind: 'pretrain', config: { backbone: 'resnet18_slim_encoder' }, seed: 1 });
    const run = await store.createRun({ name: 'expression probe', kind: 'finetune', config: { dataRoot: 'synthetic-expressions', mode: 'linear' }, seed: 1 });
    const metrics = classificationMetrics({ classNames: ['happy', 'sad', 'angry'], confusion: [[3, 1, 0], [0, 2, 0], [1, 0, 3]] });
    await saveEvaluation(run.dir, buildEvaluationReport(metrics, { epoch: 0, step: 5, split: 'test', dataset: 'synthetic expressions', mode: 'linear' }), true);

    window.location.hash = '#fine-tune';
    const wrapper = mount(FinetuneView);
    await until(() => expect(wrapper.findAll('[data-testid="finetune-run-item"]').map((r) => r.attributes('data-run-id'))).toEqual([run.id]));
    await until(() => expect(wrapper.get('[data-testid="finetune-run-top1"]').text()).toBe('80.0%'));

    window.location.hash = `#fine-tune/${run.id}`;
    await until(() => expect(wrapper.find('[data-testid="eval-confusion"]').exists()).toBe(true));
    expect(wrapper.get('[data-testid="finetune-detail"]').attributes('data-run-id')).toBe(run.id);
    expect(wrapper.get('[data-testid="eval-top1"]').text()).toBe('80.0%');
    expect(wrapper.findAll('[data-testid="eval-class-row"]')).toHaveLength(3);
    expect(wrapper.get('[data-testid="eval-confusion"]').attributes('data-classes')).toBe('3');
    wrapper.unmount();
  });

  it('says so when the route names a checkpoint that is not in the workspace', async () => {
    window.location.hash = '#fine-tune?runId=gone-run&checkpoint=epoch-0001-step-00000010';
    const wrapper = mount(FinetuneView);
    await until(() => expect(wrapper.find('[data-testid="finetune-init-missing"]').exists()).toBe(true));
    expect(wrapper.get('[data-testid="finetune-init-missing"]').text()).toMatch(/epoch-0001-step-00000010 of run gone-run/);
    expect(field(wrapper, 'pretrained').value).toBe('');
    wrapper.unmount();
  });
});
