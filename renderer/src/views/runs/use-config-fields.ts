// The configuration field descriptions (`runs.configForm`), fetched once per page and shared by
// every read-only config view: labels, groups and defaults for showing a stored run.json config.
import { shallowRef } from 'vue';
import { useApi } from '../../api';
import { parseFieldDescriptions, type FieldDescription } from '../../components/forms/field-description';

const fields = shallowRef<FieldDescription[] | null>(null);
let loading: Promise<void> | null = null;

export function useConfigFields() {
  function load(): Promise<void> {
    loading ??= useApi()
      .runs.configForm({ kind: 'pretrain' })
      .then((form) => {
        fields.value = parseFieldDescriptions(form.fields).fields;
      })
      .catch(() => {
        // Without descriptions the config is still shown, keyed by its raw names; try again next time.
        loading = null;
      });
    return loading;
  }
  return { fields, load };
}
