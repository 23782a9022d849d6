// Which workspace datasets a fine-tuning run can train on: labelled layouts only.
import type { DatasetChoice } from '../runs/use-dataset-choices';
import { datasetUnavailableReason } from '../runs/use-dataset-choices';

/** The `dataRoot` of the built-in labelled synthetic faces (trainer/contract/finetune-fields.ts). */
export const SYNTHETIC_EXPRESSIONS_ROOT = 'synthetic-expressions';

export interface LabelledChoice {
  root: string;
  label: string;
  /** Why it cannot be chosen now, or null. */
  unavailable: string | null;
}

/** Folder datasets with their usability for fine-tuning (the built-in synthetic set is offered on its own). */
export function labelledChoices(datasets: readonly DatasetChoice[]): LabelledChoice[] {
  return datasets
    .filter((d) => !d.synthetic)
    .map((d) => ({
      root: d.root,
      label: `${d.name} (${d.layoutDescription ?? d.layoutKind ?? 'folder'}${d.classNames.length > 0 && d.labelRole === 'class' ? `, ${d.classNames.length} classes` : ''})`,
      unavailable: d.labelRole === 'class' ? datasetUnavailableReason(d) : d.labelRole === 'identity' ? 'identity labels, not classes' : 'no class labels',
    }));
}
