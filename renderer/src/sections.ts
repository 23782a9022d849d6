// The workbench's top-level sections, in navigation order, each with the view that renders it.
// Views load lazily so ECharts and friends are fetched only when a section first opens.
import { defineAsyncComponent, type Component } from 'vue';

export interface WorkbenchSection {
  id: string;
  label: string;
  /** One line for tooltips and empty states. */
  summary: string;
  view: Component;
}

export const sections: readonly [WorkbenchSection, ...WorkbenchSection[]] = [
  {
    id: 'datasets',
    label: 'Datasets',
    summary: 'Bring in folders of face images and check them before training.',
    view: defineAsyncComponent(() => import('./views/datasets/DatasetsView.vue')),
  },
  {
    id: 'runs',
    label: 'Runs',
    summary: 'Pre-train face encoders with FRA and watch them learn.',
    view: defineAsyncComponent(() => import('./views/runs/RunsView.vue')),
  },
  {
    id: 'checkpoints',
    label: 'Checkpoints',
    summary: 'Every saved checkpoint of every run, with the metrics it was saved at.',
    view: defineAsyncComponent(() => import('./views/checkpoints/CheckpointsView.vue')),
  },
  {
    id: 'compare',
    label: 'Compare',
    summary: 'Region heatmaps of the same faces from two checkpoints, side by side.',
    view: defineAsyncComponent(() => import('./views/compare/CompareView.vue')),
  },
  {
    id: 'fine-tune',
    label: 'Fine-tune',
    summary: 'Adapt a pre-trained encoder to a labelled task and measure how well it transfers.',
    view: defineAsyncComponent(() => import('./views/finetune/FinetuneView.vue')),
  },
];
