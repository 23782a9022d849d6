// State and host calls of the New Run form: the field descriptions and presets (`runs.configForm`),
// the drafts the user edits, validation as they type (`runs.validate`, the host's verdict is the
// one that counts), the estimate for a valid configuration (`runs.estimate`) and Start.
import type { ApiErrorInfo, ConfigForm, ConfigProblemInfo, RunEstimate, RunSummary } from '@contract/api';
import { computed, ref, shallowRef, watch } from 'vue';
import { toErrorInfo, useApi } from '../../api';
import { configFromDrafts, draftsFor, type Drafts } from './config-draft';
import { groupFields, parseFieldDescriptions, type FieldDescription, type JsonValue } from './field-description';
import { useRunsStore } from '../../stores/runs';
import { latestOnly } from './latest-only';

type RunKind = RunSummary['kind'];

export interface ValidationVerdict {
  ok: boolean;
  problems: ConfigProblemInfo[];
  notices: { flag: string; level: 'info' | 'warning'; message: string }[];
}

/** Default name of a run: the preset's id or "fra-run" / "fine-tune", with the date, e.g. "quick-demo 28 Nov". */
function suggestedName(presetId: string | null, kind: RunKind = 'pretrain'): string {
  const day = new Date().toLocaleDateString('en-GB', { day: 'numeric', month: 'short' });
  return `${presetId ?? (kind === 'finetune' ? 'fine-tune' : 'fra-run')} ${day}`;
}

/** `kind` picks the run kind whose form, validation, estimate and create are used (default pre-training). */
export function useRunConfigForm(kind: RunKind = 'pretrain') {
  const runs = useRunsStore();
  const form = shallowRef<ConfigForm | null>(null);
  const formError = ref<ApiErrorInfo | null>(null);
  const fields = shallowRef<FieldDescription[]>([]);
  const unreadableFields = ref<string[]>([]);
  const presetId = ref<string | null>(null);
  const drafts = ref<Drafts>({});
  const name = ref('');
  const verdict = ref<ValidationVerdict | null>(null);
  const validationError = ref<ApiErrorInfo | null>(null);
  const validating = ref(false);
  const estimate = ref<RunEstimate | null>(null);
  const estimateError = ref<ApiErrorInfo | null>(null);
  const estimating = ref(false);

  const groups = computed(() => groupFields(fields.value));
  const draftConfig = computed(() => configFromDrafts(fields.value, drafts.value));
  const fieldKeys = computed(() => new Set(fields.value.map((f) => f.key)));

  /** Per field: what is wrong, the form's own reading first (text that is no value), then the host's. */
  const fieldProblems = computed(() => {
    const out: Record<string, string> = { ...draftConfig.value.problems };
    for (const problem of verdict.value?.problems ?? []) {
      if (problem.field === null || !fieldKeys.value.has(problem.field) || out[problem.field] !== undefined) continue;
      out[problem.field] = problem.message;
    }
    return out;
  });
  /** Problems not tied to a field shown on the form (unknown settings, whole-config problems). */
  const generalProblems = computed(() => (verdict.value?.problems ?? []).filter((p) => p.field === null || !fieldKeys.value.has(p.field)));
  const nameProblem = computed(() => (name.value.trim() === '' ? 'give the run a name' : name.value.trim().length > 200 ? 'at most 200 characters' : null));

  /** Why Start is disabled, or null when it is not. */
  const blockedReason = computed(() => {
    if (form.value === null) return 'The form has not loaded.';
    const count = Object.keys(fieldProblems.value).length + generalProblems.value.length + (nameProblem.value ? 1 : 0);
    if (count > 0) return `Fix ${count === 1 ? 'the problem' : `the ${count} problems`} marked above to start.`;
    if (validating.value || verdict.value === null) return 'Checking the configuration…';
    if (!verdict.value.ok) return 'The host did not accept this configuration.';
    if (runs.isPending('create')) return 'Creating the run…';
    return null;
  });

  const validator = latestOnly(
    (config: Record<string, JsonValue>) => useApi().runs.validate({ kind, config }),
    (answer) => {
      verdict.value = answer;
      validationError.value = null;
      if (answer.ok) requestEstimate(draftConfig.value.config);
      else estimate.value = null;
    },
    (error) => {
      verdict.value = null;
      validationError.value = toErrorInfo(error);
    },
  );

  const estimator = latestOnly(
    (config: Record<string, JsonValue>) => useApi().runs.estimate({ kind, config }),
    (answer) => {
      estimate.value = answer;
      estimateError.value = null;
    },
    (error) => {
      estimate.value = null;
      estimateError.value = toErrorInfo(error);
    },
  );

  function requestEstimate(config: Record<string, JsonValue>): void {
    estimating.value = true;
    void estimator.request(config).then(() => {
      estimating.value = estimator.busy;
    });
  }

  async function validateNow(): Promise<void> {
    validating.value = true;
    try {
      await validator.request(draftConfig.value.config);
    } finally {
      validating.value = validator.busy;
    }
  }

  watch(draftConfig, () => void validateNow());

  async function load(): Promise<void> {
    formError.value = null;
    try {
      const answer = await useApi().runs.configForm({ kind });
      const parsed = parseFieldDescriptions(answer.fields);
      form.value = answer;
      fields.value = parsed.fields;
      unreadableFields.value = parsed.unreadable;
      const quick = answer.presets.find((p) => p.id === 'quick-demo') ?? null;
      applyPreset(quick?.id ?? null);
    } catch (caught) {
      formError.value = toErrorInfo(caught);
    }
  }

  /** Resets every field to the preset's value (FRA default where the preset is silent). */
  function applyPreset(id: string | null): void {
    const preset = form.value?.presets.find((p) => p.id === id) ?? null;
    const previousSuggestion = suggestedName(presetId.value, kind);
    presetId.value = preset?.id ?? null;
    drafts.value = draftsFor(fields.value, (preset?.values ?? {}) as Record<string, JsonValue>);
    if (name.value === '' || name.value === previousSuggestion) name.value = suggestedName(presetId.value, kind);
  }

  function setDraft(key: string, value: string | boolean): void {
    drafts.value = { ...drafts.value, [key]: value };
  }

  /** Creates and queues the run; the created run, or null with the error in the runs store. */
  async function start(): Promise<RunSummary | null> {
    if (blockedReason.value !== null) return null;
    return runs.create({ kind, name: name.value.trim(), config: draftConfig.value.config });
  }

  return {
    form,
    formError,
    fields,
    unreadableFields,
    groups,
    presetId,
    drafts,
    name,
    nameProblem,
    verdict,
    validationError,
    validating,
    estimate,
    estimateError,
    estimating,
    fieldProblems,
    generalProblems,
    blockedReason,
    createError: computed(() => runs.actionError('create')),
    creating: computed(() => runs.isPending('create')),
    load,
    applyPreset,
    setDraft,
    start,
    validateNow,
  };
}
