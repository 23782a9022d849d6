// The configuration field descriptions (`runs.configForm`), fetched once per page and run kind and
// shared by every read-only config view: labels, groups and defaults for showing a stored run.json config.
import { shallowRef, type ShallowRef } from 'vue';
import type { RunSummary } from '@contract/api';
import { useApi } from '../../api';
import { parseFieldDescriptions, type FieldDescription } from '../../components/forms/field-description';

type RunKind = RunSummary['kind'];

interface KindFields {
  fields: ShallowRef<FieldDescription[] | null>;
  loading: Promise<void> | null;
}
const byKind = new Map<RunKind, KindFields>();

export function useConfigFields(kind: RunKind = 'pretrain') {
  let entry = byKind.get(kind);
  if (entry === undefined) byKind.set(kind, (entry = { fields: shallowRef<FieldDescription[] | null>(null), loading: null }));
  const state = entry;
  function load(): Promise<void> {
    state.loading ??= useApi()
      .runs.configForm({ kind })
      .then((form) => {
        state.fields.value = parseFieldDescriptions(form.fields).fields;
      })
      .catch(() => {
        // Without descriptions the config is still shown, keyed by its raw names; try again next time.
        state.loading = null;
      });
    return state.loading;
  }
  return { fields: state.fields, load };
}
