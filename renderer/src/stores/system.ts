// Facts about the host (kind, version, workspace) for the status bar and, later, the about dialog.
// Setup-style store with a deliberately small public surface: state + load().
import type { ApiErrorInfo, SystemInfo } from '@contract/api';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { ref } from 'vue';
import { toErrorInfo, useApi } from '../api';

export const useSystemStore = defineStore('system', () => {
  const info = ref<SystemInfo | null>(null);
  const error = ref<ApiErrorInfo | null>(null);
  const loading = ref(false);

  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      info.value = await useApi().system.getInfo();
    } catch (caught) {
      error.value = toErrorInfo(caught);
    } finally {
      loading.value = false;
    }
  }

  return { info, error, loading, load };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useSystemStore, import.meta.hot));
