// Every run's kept checkpoints (from `checkpoints.list`), refreshed whenever the host says a run's
// checkpoint list changed. Actions answer with an outcome instead of throwing, so a view can turn a
// refusal that needs the user's consent ('would-remove') into a confirmation and ask again.
import type { ApiErrorInfo, BackboneExportFormat, BackboneExportResult, CheckpointChange, CheckpointRef, CheckpointRunGroup, CheckpointSummary } from '@contract/api';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { toErrorInfo, useApi } from '../api';

export type ActionOutcome<T = undefined> = { ok: true; value: T } | { ok: false; error: ApiErrorInfo };

export function checkpointKey(ref: CheckpointRef): string {
  return `${ref.runId}:${ref.name}`;
}

/** `runId:name` (the compare view's URL form) → a reference; undefined when malformed. */
export function parseCheckpointKey(text: string | undefined): CheckpointRef | undefined {
  if (text === undefined) return undefined;
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) return undefined;
  return { runId: text.slice(0, colon), name: text.slice(colon + 1) };
}

export const useCheckpointsStore = defineStore('checkpoints', () => {
  const groups = ref<CheckpointRunGroup[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<ApiErrorInfo | null>(null);
  /** Action in progress per checkpoint key ('pin', 'export', …), so rows can show it and not double-submit. */
  const busy = ref<Record<string, string>>({});

  const all = computed<CheckpointSummary[]>(() => groups.value.flatMap((g) => g.checkpoints));

  let reloadQueued: Promise<void> | undefined;
  let stopListening: (() => void) | undefined;

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const { runs } = await useApi().checkpoints.list();
      groups.value = runs;
      error.value = null;
      loaded.value = true;
    } catch (caught) {
      error.value = toErrorInfo(caught);
    } finally {
      loading.value = false;
    }
  }

  /** Coalesces bursts of change events into one reload at a time. */
  function reload(): Promise<void> {
    reloadQueued ??= Promise.resolve().then(async () => {
      reloadQueued = undefined;
      await load();
    });
    return reloadQueued;
  }

  function listen(): void {
    stopListening ??= useApi().events.on('checkpoints.changed', () => void reload());
  }

  function find(ref: CheckpointRef): CheckpointSummary | undefined {
    return all.value.find((c) => c.runId === ref.runId && c.name === ref.name);
  }

  async function act<T>(ref: CheckpointRef, action: string, call: () => Promise<T>): Promise<ActionOutcome<T>> {
    const key = checkpointKey(ref);
    busy.value = { ...busy.value, [key]: action };
    try {
      const value = await call();
      return { ok: true, value };
    } catch (caught) {
      return { ok: false, error: toErrorInfo(caught) };
    } finally {
      const { [key]: _done, ...rest } = busy.value;
      busy.value = rest;
    }
  }

  /** Puts a changed checkpoint into the list at once (the change event reloads everything later). */
  function applyChange(ref: CheckpointRef, change: CheckpointChange): void {
    groups.value = groups.value.map((group) =>
      group.runId !== ref.runId
        ? group
        : {
            ...group,
            checkpoints: change.checkpoint === null ? group.checkpoints.filter((c) => c.name !== ref.name) : group.checkpoints.map((c) => (c.name === ref.name ? change.checkpoint! : c)),
          },
    );
  }

  async function change(ref: CheckpointRef, action: string, call: () => Promise<CheckpointChange>): Promise<ActionOutcome<CheckpointChange>> {
    const outcome = await act(ref, action, call);
    if (outcome.ok) applyChange(ref, outcome.value);
    return outcome;
  }

  function setTags(ref: CheckpointRef, tags: string[], allowRemoval = false) {
    return change(ref, 'tags', () => useApi().checkpoints.setTags({ ...ref, tags, allowRemoval }));
  }

  function pin(ref: CheckpointRef) {
    return change(ref, 'pin', () => useApi().checkpoints.pin(ref));
  }

  function unpin(ref: CheckpointRef, allowRemoval = false) {
    return change(ref, 'pin', () => useApi().checkpoints.unpin({ ...ref, allowRemoval }));
  }

  async function remove(ref: CheckpointRef): Promise<ActionOutcome<{ trashedTo: string }>> {
    const outcome = await act(ref, 'delete', () => useApi().checkpoints.delete(ref));
    if (outcome.ok) applyChange(ref, { checkpoint: null });
    return outcome;
  }

  function exportBackbone(ref: CheckpointRef, format: BackboneExportFormat, layout?: 'nchw' | 'nhwc'): Promise<ActionOutcome<BackboneExportResult>> {
    return act(ref, 'export', () => useApi().checkpoints.exportBackbone({ ...ref, format, ...(layout !== undefined ? { layout } : {}) }));
  }

  return { groups, all, loaded, loading, error, busy, load, listen, find, setTags, pin, unpin, remove, exportBackbone };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useCheckpointsStore, import.meta.hot));
