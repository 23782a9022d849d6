// Fine-tuning results: each run's evaluation reports (`runs.evaluation`, best and last), reloaded
// when the host says the run changed or saved a checkpoint (a fine-tuning run saves one right
// after each evaluation), and the export of a run's best checkpoint as a classifier. Runs
// themselves (list, create, controls) stay in the runs store.
import type { ApiErrorInfo, BackboneExportResult, CheckpointSummary, EvaluationReportInfo } from '@contract/api';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { ref } from 'vue';
import { toErrorInfo, useApi } from '../api';

export type EvaluationWhich = 'best' | 'last';
export type ClassifierFormat = 'tfjs' | 'onnx';

export interface EvaluationSlot {
  report: EvaluationReportInfo | null;
  loading: boolean;
  error: ApiErrorInfo | null;
}

export interface ExportSlot {
  pending: boolean;
  result: BackboneExportResult | null;
  error: ApiErrorInfo | null;
}

const EMPTY_SLOT: EvaluationSlot = { report: null, loading: false, error: null };

function slotKey(runId: string, which: EvaluationWhich): string {
  return `${runId}:${which}`;
}

/** The checkpoint a run's export takes: the retention policy's best by test top-1 (rank 1), else the newest. */
export function bestCheckpointOf(checkpoints: readonly CheckpointSummary[]): CheckpointSummary | undefined {
  return checkpoints.find((c) => c.monitor.rank === 1) ?? checkpoints.at(-1);
}

export const useFinetuneStore = defineStore('finetune', () => {
  const evaluations = ref<Record<string, EvaluationSlot>>({});
  const exports = ref<Record<string, ExportSlot>>({});
  let stopListening: (() => void) | undefined;

  function evaluation(runId: string, which: EvaluationWhich): EvaluationSlot {
    return evaluations.value[slotKey(runId, which)] ?? EMPTY_SLOT;
  }

  /** Best top-1 of a run whose best evaluation has been loaded; null when none yet. */
  function bestTop1(runId: string): number | null {
    return evaluation(runId, 'best').report?.top1 ?? null;
  }

  async function loadEvaluation(runId: string, which: EvaluationWhich): Promise<void> {
    const key = slotKey(runId, which);
    evaluations.value = { ...evaluations.value, [key]: { ...evaluation(runId, which), loading: true } };
    try {
      const { report } = await useApi().runs.evaluation({ runId, which });
      evaluations.value = { ...evaluations.value, [key]: { report, loading: false, error: null } };
    } catch (caught) {
      evaluations.value = { ...evaluations.value, [key]: { ...evaluation(runId, which), loading: false, error: toErrorInfo(caught) } };
    }
  }

  /** Loads the report once; later changes arrive through `listen()`. */
  function ensureEvaluation(runId: string, which: EvaluationWhich): void {
    if (evaluations.value[slotKey(runId, which)] === undefined) void loadEvaluation(runId, which);
  }

  /** Reloads whatever has been loaded of this run (new evaluations appear with new checkpoints). */
  function refreshRun(runId: string): void {
    for (const which of ['best', 'last'] as const) if (evaluations.value[slotKey(runId, which)] !== undefined) void loadEvaluation(runId, which);
  }

  function listen(): void {
    if (stopListening !== undefined) return;
    const api = useApi();
    const offCheckpoints = api.events.on('checkpoints.changed', ({ runId }) => refreshRun(runId));
    const offRuns = api.events.on('runs.changed', ({ run, deleted }) => {
      if (run.kind === 'finetune' && deleted !== true) refreshRun(run.id);
    });
    stopListening = () => {
      offCheckpoints();
      offRuns();
    };
  }

  function exportOf(runId: string, format: ClassifierFormat): ExportSlot | null {
    return exports.value[`${runId}:${format}`] ?? null;
  }

  /** Exports the run's best checkpoint as a classifier (logits, class names in the model card). */
  async function exportBest(runId: string, format: ClassifierFormat): Promise<BackboneExportResult | null> {
    const key = `${runId}:${format}`;
    exports.value = { ...exports.value, [key]: { pending: true, result: null, error: null } };
    try {
      const group = (await useApi().checkpoints.list({ runId })).runs.find((g) => g.runId === runId);
      const best = group === undefined ? undefined : bestCheckpointOf(group.checkpoints);
      if (best === undefined) {
        const error: ApiErrorInfo = { code: 'not-found', message: 'This run has no checkpoint to export yet.', hint: 'Export once the run has finished its first epoch (a checkpoint is saved after each).' };
        exports.value = { ...exports.value, [key]: { pending: false, result: null, error } };
        return null;
      }
      const result = await useApi().checkpoints.exportBackbone({ runId, name: best.name, format });
      exports.value = { ...exports.value, [key]: { pending: false, result, error: null } };
      return result;
    } catch (caught) {
      exports.value = { ...exports.value, [key]: { pending: false, result: null, error: toErrorInfo(caught) } };
      return null;
    }
  }

  return { evaluation, bestTop1, loadEvaluation, ensureEvaluation, refreshRun, listen, exportOf, exportBest };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useFinetuneStore, import.meta.hot));
