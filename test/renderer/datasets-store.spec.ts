// The datasets store and the image browser against the real datasets service over temporary
// folders (in-memory transport, real dispatcher, real events).
import { rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createPinia, setActivePinia } from 'pinia';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { watch } from 'vue';
import { createApiEventHub, type ApiEventHub } from '@contract/api';
import { createDatasetsService, type DatasetsService } from '../../electron/services/datasets/datasets-service.js';
import { installApi, useApi } from '../../renderer/src/api/index.js';
import { createImageBrowser } from '../../renderer/src/components/datasets/image-browser.js';
import { useDatasetsStore } from '../../renderer/src/stores/datasets.js';
import { createContext, makeTempDir, removeDir, settled, writeClassFolders, writeFiles } from '../unit/services/datasets/datasets-fixture.js';
import { createInMemoryApi } from './support/in-memory-api.js';

describe('datasets store', () => {
  let temp: string;
  let root: string;
  let events: ApiEventHub;
  let service: DatasetsService;

  beforeAll(async () => {
    temp = await makeTempDir('store');
    root = join(temp, 'expressions');
    await writeClassFolders(root, ['angry', 'happy'], 6);
    events = createApiEventHub();
    service = await createDatasetsService(createContext(join(temp, 'workspace'), events));
    installApi(createInMemoryApi(service.handlers, events).client);
  });

  afterAll(async () => {
    await service.close();
    await removeDir(temp);
  });

  beforeEach(() => setActivePinia(createPinia()));

  it('starts empty, adds a folder, and follows indexing to ready through events', async () => {
    const store = useDatasetsStore();
    store.listen();
    await store.load();
    expect(store.loaded).toBe(true);
    expect(store.datasets).toEqual([]);

    const added = await store.add(root);
    const done = settled(events, added.id);
    expect(store.datasets.map((d) => d.id)).toEqual([added.id]);
    await done;
    const dataset = store.datasets[0]!;
    expect(dataset.state).toBe('ready');
    expect(dataset.imageCount).toBe(12);
    expect(dataset.problemCount).toBe(2);
    expect(dataset.classNames).toEqual(['angry', 'happy']);
  });

  it('selects a dataset and loads its statistics', async () => {
    const store = useDatasetsStore();
    await store.load();
    const id = store.datasets[0]!.id;
    await store.select(id);
    expect(store.selected?.id).toBe(id);
    expect(store.detail?.statistics?.labelCounts).toEqual([6, 6]);
    expect(store.detail?.layout?.kind).toBe('image-folder');
    expect(store.detailError).toBeNull();
  });

  it('reports a bad path to the caller with the host’s code and hint', async () => {
    const store = useDatasetsStore();
    await expect(store.add(join(temp, 'nowhere'))).rejects.toMatchObject({ code: 'invalid-path' });
    const notes = join(temp, 'notes');
    await writeFiles(notes, { 'readme.txt': 'no images here' });
    await expect(store.detect(notes)).rejects.toMatchObject({ code: 'layout-error', hint: expect.stringMatching(/class folders/) });
  });

  it('shows a failed refresh of a moved folder next to the dataset, with its new state', async () => {
    const store = useDatasetsStore();
    store.listen();
    await store.load();
    const id = store.datasets[0]!.id;
    await rename(root, `${root}-moved`);
    try {
      expect(await store.refresh(id)).toBe(false);
      expect(store.actionErrors[id]?.code).toBe('missing');
      expect(store.actionErrors[id]?.hint).toMatch(/Refresh/);
      expect(store.datasets.find((d) => d.id === id)?.state).toBe('missing');
    } finally {
      await rename(`${root}-moved`, root);
    }
    await store.load();
    expect(store.datasets.find((d) => d.id === id)?.state).toBe('ready');
  });

  it('pages records and fetches thumbnails for a range through the image browser, filtered on the host', async () => {
    const store = useDatasetsStore();
    await store.load();
    const dataset = store.datasets[0]!;
    const browser = createImageBrowser(useApi(), { pageSize: 5, thumbnailBatch: 4 });
    browser.setQuery({ datasetId: dataset.id, generation: dataset.indexGeneration });
    await until(() => browser.total.value !== null);
    expect(browser.total.value).toBe(12);
    expect(browser.itemAt(0)?.path).toMatch(/^angry\//);
    expect(browser.itemAt(7)).toBeUndefined(); // page 1 not requested yet

    browser.ensureRange(0, 9);
    await until(() => [...Array(10).keys()].every((i) => browser.itemAt(i) && browser.thumbnailOf(browser.itemAt(i)!.index)));
    for (let i = 0; i < 10; i++) expect(browser.thumbnailOf(browser.itemAt(i)!.index)?.dataUrl).toMatch(/^data:image\/webp;base64,/);
    expect(browser.itemAt(10)).toBeUndefined();

    browser.setQuery({ datasetId: dataset.id, generation: dataset.indexGeneration, label: 1 });
    expect(browser.total.value).toBeNull();
    await until(() => browser.total.value !== null);
    expect(browser.total.value).toBe(6);
    expect(browser.itemAt(0)?.labelName).toBe('happy');
    expect(browser.cacheSizes().thumbnails).toBe(0);

    browser.setQuery({ datasetId: dataset.id, generation: dataset.indexGeneration, search: 'HAPPY-3' });
    await until(() => browser.total.value !== null);
    expect(browser.total.value).toBe(1);
  });

  it('removes a dataset but never its images', async () => {
    const store = useDatasetsStore();
    store.listen();
    await store.load();
    const id = store.datasets[0]!.id;
    await store.select(id);
    expect(await store.remove(id)).toBe(true);
    expect(store.datasets).toEqual([]);
    expect(store.selectedId).toBeNull();
    expect((await stat(join(root, 'happy', 'happy-0.jpg'))).isFile()).toBe(true);
  });
});

/** Resolves once `condition` (over reactive state) holds: Vue re-evaluates it whenever that state changes. */
function until(condition: () => boolean): Promise<void> {
  if (condition()) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = watch(condition, (ok) => {
      if (!ok) return;
      stop();
      resolve();
    });
  });
}
