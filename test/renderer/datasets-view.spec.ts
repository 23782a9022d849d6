// The Datasets view over the real datasets service: empty state → add a folder → ready → browse the
// virtualised grid → image detail → FRA augmentation preview (seeded, redrawn) → problems → remove.
import { join } from 'node:path';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiEventHub } from '@contract/api';
import { createDatasetsService, type DatasetsService } from '../../electron/services/datasets/datasets-service.js';
import { installApi } from '../../renderer/src/api/index.js';
import DatasetsView from '../../renderer/src/views/datasets/DatasetsView.vue';
import { createContext, makeTempDir, removeDir, writeClassFolders, writeFiles } from '../unit/services/datasets/datasets-fixture.js';
import { createInMemoryApi } from './support/in-memory-api.js';

/** Waits for a condition of the DOM, which changes as real host calls settle. */
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 20_000, interval: 20 });

describe('Datasets view', () => {
  let temp: string;
  let root: string;
  let service: DatasetsService;
  let wrapper: VueWrapper;

  beforeAll(async () => {
    temp = await makeTempDir('view');
    root = join(temp, 'faces');
    await writeClassFolders(root, ['angry', 'happy', 'sad'], 8);
    await writeFiles(join(temp, 'notes'), { 'readme.txt': 'no images' });
    const events = createApiEventHub();
    service = await createDatasetsService(createContext(join(temp, 'workspace'), events));
    installApi(createInMemoryApi(service.handlers, events).client);
    setActivePinia(createPinia());
    window.location.hash = '#datasets';
    wrapper = mount(DatasetsView, { attachTo: document.body });
  });

  afterAll(async () => {
    wrapper.unmount();
    await service.close();
    await removeDir(temp);
  });

  const byTestId = (id: string) => wrapper.find(`[data-testid="${id}"]`);
  const allByTestId = (id: string) => wrapper.findAll(`[data-testid="${id}"]`);

  it('offers the built-in faces and the add form to a newcomer', async () => {
    await eventually(() => expect(byTestId('datasets-empty').exists()).toBe(true));
    expect(byTestId('datasets-add-synthetic').text()).toMatch(/synthetic faces/);
    expect(byTestId('datasets-add-path').attributes('id')).toBe('datasets-add-path');
    expect(wrapper.find('label[for="datasets-add-path"]').exists()).toBe(true);
  });

  it('shows the layout error and its fix in the add form', async () => {
    await byTestId('datasets-add-path').setValue(join(temp, 'notes'));
    await byTestId('datasets-add-form').trigger('submit');
    await eventually(() => expect(byTestId('datasets-add-error').exists()).toBe(true));
    const error = byTestId('datasets-add-error');
    expect(error.text()).toMatch(/does not match any dataset layout/);
    expect(error.text()).toMatch(/Expected:/);
    expect(error.find('.ds-alert__hint').text()).toMatch(/class folders/);
  });

  it('adds a folder, shows it indexing then ready, and browses its images in the virtual grid', async () => {
    await byTestId('datasets-add-path').setValue(root);
    await byTestId('datasets-add-check').trigger('click');
    await eventually(() => expect(byTestId('datasets-add-detected').text()).toMatch(/Class folders/));
    await byTestId('datasets-add-form').trigger('submit');
    await eventually(() => expect(allByTestId('dataset-list-item')).toHaveLength(1));
    await eventually(() => expect(byTestId('dataset-state').attributes('data-state')).toBe('ready'));
    expect(window.location.hash).toMatch(/^#datasets\/faces-/);
    expect(byTestId('dataset-tab-images').text()).toBe('Images (24)');
    expect(byTestId('dataset-tab-problems').text()).toBe('Problems (2)');

    await eventually(() => expect(byTestId('image-count').text()).toBe('24 images'));
    await eventually(() => expect(wrapper.findAll('[data-testid="image-grid-cell"] img')).toHaveLength(24));
    const image = wrapper.find('[data-testid="image-grid-cell"] img');
    expect(image.attributes('src')).toMatch(/^data:image\/webp;base64,/);

    await wrapper.find('[data-testid="image-filter-label"]').setValue('1');
    await eventually(() => expect(byTestId('image-count').text()).toBe('8 images'));
    await eventually(() => expect(allByTestId('image-grid-cell')).toHaveLength(8));
    expect(wrapper.findAll('.thumb__caption').map((c) => c.text())).toEqual(Array(8).fill('happy'));
  });

  it('opens the image detail with the FRA augmentation preview, redrawn on demand and reproducible from its seed', async () => {
    await allByTestId('image-grid-cell')[0]!.trigger('click');
    await eventually(() => expect(byTestId('image-detail-image').exists()).toBe(true));
    expect(byTestId('image-detail-path').text()).toMatch(/^happy\/happy-\d\.jpg$/);
    expect(byTestId('image-detail-label').text()).toBe('happy');
    expect(byTestId('image-detail-status').text()).toMatch(/usable/);

    await eventually(() => expect(allByTestId('augment-view')).toHaveLength(2));
    const firstSeed = (byTestId('augment-seed').element as HTMLInputElement).value;
    expect(firstSeed).toMatch(/^\d+$/);
    const firstViews = allByTestId('augment-view').map((v) => v.attributes('src'));

    await byTestId('augment-redraw').trigger('click');
    await eventually(() => expect((byTestId('augment-seed').element as HTMLInputElement).value).not.toBe(firstSeed));
    await eventually(() => expect(allByTestId('augment-view')[0]!.attributes('data-seed')).not.toBe(firstSeed));

    await byTestId('augment-seed').setValue(firstSeed);
    await byTestId('augment-seed').trigger('change');
    await eventually(() => expect(allByTestId('augment-view')[0]!.attributes('data-seed')).toBe(firstSeed));
    expect(allByTestId('augment-view').map((v) => v.attributes('src'))).toEqual(firstViews);

    await byTestId('augment-seed').setValue('-3');
    await byTestId('augment-seed').trigger('change');
    expect(wrapper.find('.augment__seed-error').text()).toMatch(/whole number/);
  });

  it('lists the broken files with reasons, and statistics with histograms', async () => {
    await byTestId('dataset-tab-problems').trigger('click');
    await eventually(() => expect(allByTestId('problem-row')).toHaveLength(2));
    expect(allByTestId('problem-row').map((row) => row.attributes('data-reason')).sort()).toEqual(['empty', 'truncated']);
    expect(byTestId('dataset-problems').text()).toMatch(/zero bytes/);

    await byTestId('dataset-tab-statistics').trigger('click');
    await eventually(() => expect(byTestId('dataset-stats').exists()).toBe(true));
    expect(byTestId('stats-usable').text()).toBe('24');
    expect(byTestId('class-histogram').findAll('li')).toHaveLength(3);
    expect(byTestId('width-histogram').findAll('li').length).toBeGreaterThan(0);
    expect(byTestId('file-size-histogram').findAll('li').length).toBeGreaterThan(0);
  });

  it('removes the dataset after confirmation and returns to the empty state', async () => {
    await byTestId('dataset-remove').trigger('click');
    expect(byTestId('dataset-remove-confirm').exists()).toBe(true);
    expect(wrapper.find('[role="alertdialog"]').text()).toMatch(/your images stay where they are/);
    await byTestId('dataset-remove-confirm').trigger('click');
    await flushPromises();
    await eventually(() => expect(byTestId('datasets-empty').exists()).toBe(true));
  });
});
