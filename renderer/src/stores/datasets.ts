// The datasets the host knows, the selected one's detail, and the actions on them. Live: the host's
// `datasets.changed` and `datasets.indexProgress` events keep the list (and the open detail)
// current, so the UI never polls. Image browsing (pages, thumbnails) lives in the image browser.
import type { ApiErrorInfo, DatasetDetail, DatasetIndexProgress, DatasetSummary, LayoutReport } from '@contract/api';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { toErrorInfo, useApi } from '../api';

export type DatasetAction = 'refresh' | 'remove' | 'cancel';

export const useDatasetsStore = defineStore('datasets', () => {
  const datasets = ref<DatasetSummary[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<ApiErrorInfo | null>(null);
  const selectedId = ref<string | null>(null);
  const detail = ref<DatasetDetail | null>(null);
  const detailError = ref<ApiErrorInfo | null>(null);
  /** The failed action per dataset, shown next to its buttons. */
  const actionErrors = ref<Record<string, ApiErrorInfo>>({});
  const addingSynthetic = ref(false);
  const syntheticError = ref<ApiErrorInfo | null>(null);

  const selected = computed(() => datasets.value.find((d) => d.id === selectedId.value) ?? null);

  let unsubscribe: (() => void) | null = null;
  let detailRequest = 0;

  function upsert(dataset: DatasetSummary): void {
    const i = datasets.value.findIndex((d) => d.id === dataset.id);
    if (i < 0) datasets.value = [...datasets.value, dataset];
    else datasets.value = datasets.value.map((d, k) => (k === i ? dataset : d));
  }

  function drop(id: string): void {
    datasets.value = datasets.value.filter((d) => d.id !== id);
    if (selectedId.value === id) {
      selectedId.value = null;
      detail.value = null;
    }
  }

  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      datasets.value = (await useApi().datasets.list()).datasets;
      loaded.value = true;
    } catch (caught) {
      error.value = toErrorInfo(caught);
    } finally {
      loading.value = false;
    }
  }

  /** Follows the host's events; idempotent. Returns a function that stops listening. */
  function listen(): () => void {
    if (!unsubscribe) {
      const api = useApi();
      const offChanged = api.events.on('datasets.changed', ({ dataset, removed }) => {
        if (removed) {
          drop(dataset.id);
          return;
        }
        const before = datasets.value.find((d) => d.id === dataset.id);
        upsert(dataset);
        const generationOrStateChanged = !before || before.indexGeneration !== dataset.indexGeneration || before.state !== dataset.state;
        if (dataset.id === selectedId.value && generationOrStateChanged) void loadDetail();
      });
      const offProgress = api.events.on('datasets.indexProgress', ({ datasetId, ...progress }) => {
        const current = datasets.value.find((d) => d.id === datasetId);
        if (current) upsert({ ...current, state: 'indexing', progress: progress satisfies DatasetIndexProgress });
      });
      unsubscribe = () => {
        offChanged();
        offProgress();
        unsubscribe = null;
      };
    }
    return unsubscribe;
  }

  async function select(id: string | null): Promise<void> {
    if (selectedId.value === id && (id === null || detail.value?.dataset.id === id)) return;
    selectedId.value = id;
    detail.value = null;
    detailError.value = null;
    if (id !== null) await loadDetail();
  }

  async function loadDetail(): Promise<void> {
    const id = selectedId.value;
    if (id === null) return;
    const request = ++detailRequest;
    try {
      const result = await useApi().datasets.get({ datasetId: id });
      if (request !== detailRequest) return;
      detail.value = result;
      detailError.value = null;
      upsert(result.dataset);
    } catch (caught) {
      if (request === detailRequest) detailError.value = toErrorInfo(caught);
    }
  }

  /** Detects the layout of a folder without adding it; throws ApiError (shown by the add form). */
  async function detect(path: string): Promise<{ root: string; layout: LayoutReport }> {
    return useApi().datasets.detectLayout({ path });
  }

  /** Adds a folder and selects it; throws ApiError with the fix (shown by the add form). */
  async function add(path: string, name?: string): Promise<DatasetSummary> {
    const { dataset } = await useApi().datasets.add(name === undefined ? { path } : { path, name });
    upsert(dataset);
    return dataset;
  }

  async function addSynthetic(): Promise<DatasetSummary | null> {
    addingSynthetic.value = true;
    syntheticError.value = null;
    try {
      const { dataset } = await useApi().datasets.addSynthetic();
      upsert(dataset);
      return dataset;
    } catch (caught) {
      syntheticError.value = toErrorInfo(caught);
      return null;
    } finally {
      addingSynthetic.value = false;
    }
  }

  async function act(id: string, action: DatasetAction): Promise<boolean> {
    const { [id]: _previous, ...others } = actionErrors.value;
    actionErrors.value = others;
    const api = useApi();
    try {
      if (action === 'remove') {
        await api.datasets.remove({ datasetId: id });
        drop(id);
      } else {
        const { dataset } = action === 'refresh' ? await api.datasets.refresh({ datasetId: id }) : await api.datasets.cancelIndexing({ datasetId: id });
        upsert(dataset);
      }
      return true;
    } catch (caught) {
      actionErrors.value = { ...actionErrors.value, [id]: toErrorInfo(caught) };
      // A refresh that finds the folder gone changes the dataset's state: show it.
      if (action === 'refresh') await load();
      return false;
    }
  }

  return {
    datasets,
    loaded,
    loading,
    error,
    selectedId,
    selected,
    detail,
    detailError,
    actionErrors,
    addingSynthetic,
    syntheticError,
    load,
    listen,
    select,
    loadDetail,
    detect,
    add,
    addSynthetic,
    refresh: (id: string) => act(id, 'refresh'),
    remove: (id: string) => act(id, 'remove'),
    cancelIndexing: (id: string) => act(id, 'cancel'),
  };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useDatasetsStore, import.meta.hot));
