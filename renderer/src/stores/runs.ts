// The runs list and everything a user does to a run (create, pause, resume, stop, restart,
// rename, tag, delete). Each action keeps its own pending/error state per run, so a refusal is
// shown next to the button that caused it, and the list follows the host's `runs.changed` and
// `runs.progress` events so every view shows the same truth.
import type { ApiErrorInfo, ApiInput, RunSummary } from '@contract/api';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { toErrorInfo, useApi } from '../api';

export type RunControlAction = 'pause' | 'resume' | 'stop' | 'restart';
export type RunAction = RunControlAction | 'create' | 'rename' | 'setTags' | 'delete';
export type CreateRunInput = ApiInput<'runs.create'>;

/** Actions that are not about an existing run are keyed without a run id. */
function actionKey(action: RunAction, runId?: string): string {
  return runId === undefined ? action : `${action}:${runId}`;
}

/** Newest first: ids sort by creation time, createdAt settles ties across machines. */
function byNewest(a: RunSummary, b: RunSummary): number {
  return b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);
}

export const useRunsStore = defineStore('runs', () => {
  const runs = ref<RunSummary[]>([]);
  const damaged = ref<{ id: string; problem: string }[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<ApiErrorInfo | null>(null);
  const actionErrors = ref<Record<string, ApiErrorInfo>>({});
  const pendingActions = ref<Record<string, true>>({});
  let stopListening: (() => void) | undefined;

  const byId = computed(() => new Map(runs.value.map((run) => [run.id, run])));

  function upsert(run: RunSummary): void {
    const index = runs.value.findIndex((r) => r.id === run.id);
    const next = [...runs.value];
    if (index >= 0) next[index] = run;
    else next.push(run);
    runs.value = next.sort(byNewest);
  }

  function forget(runId: string): void {
    runs.value = runs.value.filter((r) => r.id !== runId);
  }

  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const answer = await useApi().runs.list();
      runs.value = [...answer.runs].sort(byNewest);
      damaged.value = answer.damaged;
      loaded.value = true;
    } catch (caught) {
      error.value = toErrorInfo(caught);
    } finally {
      loading.value = false;
    }
  }

  /** Follows the host's run events; calling it again is harmless. */
  function listen(): void {
    if (stopListening !== undefined) return;
    const api = useApi();
    const offChanged = api.events.on('runs.changed', ({ run, deleted }) => (deleted ? forget(run.id) : upsert(run)));
    const offProgress = api.events.on('runs.progress', ({ runId, progress }) => {
      const run = byId.value.get(runId);
      if (run !== undefined) upsert({ ...run, progress });
    });
    stopListening = () => {
      offChanged();
      offProgress();
    };
  }

  /** Runs one action with its pending flag and error slot; null (and the error recorded) on failure. */
  async function perform<T>(action: RunAction, runId: string | undefined, call: () => Promise<T>): Promise<T | null> {
    const key = actionKey(action, runId);
    const { [key]: _cleared, ...others } = actionErrors.value;
    actionErrors.value = others;
    pendingActions.value = { ...pendingActions.value, [key]: true };
    try {
      return await call();
    } catch (caught) {
      actionErrors.value = { ...actionErrors.value, [key]: toErrorInfo(caught) };
      return null;
    } finally {
      const { [key]: _done, ...rest } = pendingActions.value;
      pendingActions.value = rest;
    }
  }

  async function create(input: CreateRunInput): Promise<RunSummary | null> {
    const run = await perform('create', undefined, () => useApi().runs.create(input));
    if (run !== null) upsert(run);
    return run;
  }

  async function control(action: RunControlAction, runId: string): Promise<RunSummary | null> {
    const run = await perform(action, runId, () => useApi().runs[action]({ runId }));
    if (run !== null) upsert(run);
    return run;
  }

  async function rename(runId: string, name: string): Promise<RunSummary | null> {
    const run = await perform('rename', runId, () => useApi().runs.rename({ runId, name }));
    if (run !== null) upsert(run);
    return run;
  }

  async function setTags(runId: string, tags: string[]): Promise<RunSummary | null> {
    const run = await perform('setTags', runId, () => useApi().runs.setTags({ runId, tags }));
    if (run !== null) upsert(run);
    return run;
  }

  /** Moves the run to the workspace trash (restorable there); true when it went. */
  async function remove(runId: string): Promise<boolean> {
    const answer = await perform('delete', runId, () => useApi().runs.delete({ runId }));
    if (answer !== null) forget(runId);
    return answer !== null;
  }

  function actionError(action: RunAction, runId?: string): ApiErrorInfo | null {
    return actionErrors.value[actionKey(action, runId)] ?? null;
  }

  function isPending(action: RunAction, runId?: string): boolean {
    return pendingActions.value[actionKey(action, runId)] === true;
  }

  function clearActionError(action: RunAction, runId?: string): void {
    const { [actionKey(action, runId)]: _cleared, ...rest } = actionErrors.value;
    actionErrors.value = rest;
  }

  return {
    runs,
    damaged,
    loaded,
    loading,
    error,
    byId,
    load,
    listen,
    create,
    control,
    rename,
    setTags,
    remove,
    actionError,
    isPending,
    clearActionError,
  };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useRunsStore, import.meta.hot));
