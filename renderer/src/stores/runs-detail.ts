// The run open in the detail view: its stored description (`runs.get`), its log and its live
// progress and memory. One run at a time; opening another replaces it.
import type { ApiErrorInfo, RunDetail, RunLogEntry } from '@contract/api';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { toErrorInfo, useApi } from '../api';

/** Log lines kept in the page: enough to read back through an incident, bounded for week-long runs. */
export const MAX_LOG_ENTRIES = 2000;

function logKey(entry: RunLogEntry): string {
  return `${entry.at}|${entry.level}|${entry.message}`;
}

export const useRunDetailStore = defineStore('runDetail', () => {
  const runId = ref<string | null>(null);
  const detail = shallowRef<RunDetail | null>(null);
  const loading = ref(false);
  const error = ref<ApiErrorInfo | null>(null);
  const logs = ref<RunLogEntry[]>([]);
  const logsError = ref<ApiErrorInfo | null>(null);
  /** Log entries that arrived while the log was being fetched. */
  let pendingLogs: RunLogEntry[] | null = null;
  let stopListening: (() => void) | undefined;

  function listen(): void {
    if (stopListening !== undefined) return;
    const api = useApi();
    const offs = [
      api.events.on('runs.changed', ({ run, deleted }) => {
        if (run.id !== runId.value || detail.value === null) return;
        if (deleted) {
          error.value = { code: 'not-found', message: `Run "${run.name}" was moved to the trash.`, hint: 'Restore it from the workspace trash to see it again.' };
          return;
        }
        const stateChanged = detail.value.summary.state !== run.state;
        detail.value = { ...detail.value, summary: run };
        // A new state brings a new history entry and, on start, the engine report: fetch them.
        if (stateChanged) void refresh();
      }),
      api.events.on('runs.progress', ({ runId: id, progress, memory }) => {
        if (id !== runId.value || detail.value === null) return;
        detail.value = { ...detail.value, summary: { ...detail.value.summary, progress }, memory };
      }),
      api.events.on('runs.log', ({ runId: id, entry }) => {
        if (id !== runId.value) return;
        if (pendingLogs !== null) pendingLogs.push(entry);
        else appendLogs([entry]);
      }),
    ];
    stopListening = () => offs.forEach((off) => off());
  }

  function appendLogs(entries: readonly RunLogEntry[]): void {
    if (entries.length === 0) return;
    const next = logs.value.concat(entries);
    logs.value = next.length > MAX_LOG_ENTRIES ? next.slice(next.length - MAX_LOG_ENTRIES) : next;
  }

  /** Shows `id`: loads its description and log, then follows it live. */
  async function open(id: string): Promise<void> {
    listen();
    if (runId.value === id && detail.value !== null) return;
    runId.value = id;
    detail.value = null;
    logs.value = [];
    error.value = null;
    logsError.value = null;
    await Promise.all([refresh(), loadLogs(id)]);
  }

  async function refresh(): Promise<void> {
    const id = runId.value;
    if (id === null) return;
    loading.value = true;
    try {
      const answer = await useApi().runs.get({ runId: id });
      if (runId.value === id) {
        detail.value = answer;
        error.value = null;
      }
    } catch (caught) {
      if (runId.value === id) error.value = toErrorInfo(caught);
    } finally {
      loading.value = false;
    }
  }

  async function loadLogs(id: string): Promise<void> {
    pendingLogs = [];
    try {
      const { entries } = await useApi().runs.logs({ runId: id, limit: MAX_LOG_ENTRIES });
      if (runId.value !== id) return;
      const seen = new Set(entries.slice(-200).map(logKey));
      logs.value = entries;
      appendLogs((pendingLogs ?? []).filter((e) => !seen.has(logKey(e))));
    } catch (caught) {
      if (runId.value === id) logsError.value = toErrorInfo(caught);
    } finally {
      pendingLogs = null;
    }
  }

  function close(): void {
    runId.value = null;
    detail.value = null;
    logs.value = [];
  }

  return { runId, detail, loading, error, logs, logsError, open, refresh, close };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useRunDetailStore, import.meta.hot));
