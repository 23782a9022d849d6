// Messages the host pushes (`system.log` events): the status bar shows the latest, a log panel
// can later show them all. Keeps a bounded tail so a chatty host cannot grow the page without limit.
import type { SystemLogEntry } from '@contract/api';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useApi } from '../api';

const MAX_ENTRIES = 200;

export const useHostLogStore = defineStore('hostLog', () => {
  const entries = ref<SystemLogEntry[]>([]);
  const latest = computed(() => entries.value.at(-1) ?? null);
  let stopListening: (() => void) | undefined;

  /** Starts receiving host messages; calling it again is harmless. */
  function listen(): void {
    stopListening ??= useApi().events.on('system.log', (entry) => {
      entries.value = [...entries.value.slice(-(MAX_ENTRIES - 1)), entry];
    });
  }

  return { entries, latest, listen };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useHostLogStore, import.meta.hot));
