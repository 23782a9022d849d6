// Datasets of the workspace the New Run form can train on (`datasets.list`), and how choosing one
// fills the run configuration's `dataset` and `dataRoot`.
import type { ApiErrorInfo, ApiOutput } from '@contract/api';
import { ref } from 'vue';
import { toErrorInfo, useApi } from '../../api';

export type DatasetChoice = ApiOutput<'datasets.list'>['datasets'][number];

export interface DatasetConfig {
  dataset: 'synthetic' | 'vggface2' | 'image_folder';
  dataRoot: string;
}

/**
 * The trainer's reading of a workspace dataset: the built-in synthetic faces need no files,
 * VGGFace2 keeps its own loader, and any other folder is read as identity/class folders.
 */
export function datasetConfigFor(dataset: DatasetChoice): DatasetConfig {
  if (dataset.synthetic) return { dataset: 'synthetic', dataRoot: '' };
  if (dataset.layoutKind === 'vggface2') return { dataset: 'vggface2', dataRoot: dataset.root };
  return { dataset: 'image_folder', dataRoot: dataset.root };
}

/** Why a dataset cannot be trained on now, or null when it can. */
export function datasetUnavailableReason(dataset: DatasetChoice): string | null {
  if (dataset.state === 'ready' && dataset.imageCount > 0) return null;
  if (dataset.state === 'indexing') return 'still being indexed';
  if (dataset.state === 'missing') return 'its folder is missing';
  if (dataset.state === 'failed') return dataset.stateReason ?? 'indexing failed';
  return 'no usable images';
}

export function useDatasetChoices() {
  const datasets = ref<DatasetChoice[]>([]);
  const error = ref<ApiErrorInfo | null>(null);
  const loaded = ref(false);

  async function load(): Promise<void> {
    try {
      datasets.value = (await useApi().datasets.list()).datasets;
      error.value = null;
    } catch (caught) {
      error.value = toErrorInfo(caught);
    } finally {
      loaded.value = true;
    }
  }

  return { datasets, error, loaded, load };
}
