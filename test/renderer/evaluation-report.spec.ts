// The evaluation report of a fine-tuning run: the confusion heatmap's ECharts option built by a
// pure function (exact output on a 3×3 case, a class without test images normalising to zeros),
// the accessible summary, and the report component rendering a report made by the trainer's own
// code (per-class rows, headline numbers, the heatmap with its class count, the normalise and
// best/last toggles) — then the same report read back through the real runs service and the
// fine-tune store.
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classificationMetrics } from '../../trainer/finetune/evaluation.js';
import { buildEvaluationReport, saveEvaluation } from '../../trainer/finetune/report.js';
import { installApi } from '../../renderer/src/api/index.js';
import EvaluationReport from '../../renderer/src/components/evaluation/EvaluationReport.vue';
import { confusionCells, confusionHeatmapOption, describeConfusion, rowNormalise } from '../../renderer/src/components/evaluation/confusion-heatmap.js';
import { useFinetuneStore } from '../../renderer/src/stores/finetune.js';
import { startRunsWorkbench, type RunsWorkbench } from './support/runs-workbench.js';

const CLASSES = ['happy', 'sad', 'angry'];
/** counts[true][predicted]; "sad" has no test images. */
const COUNTS = [
  [5, 1, 0],
  [0, 0, 0],
  [2, 2, 4],
];
const PALETTE = { low: '#ffffff', high: '#3b6fd8', text: '#5c6470' };

function report() {
  return buildEvaluationReport(classificationMetrics({ classNames: CLASSES, confusion: COUNTS }), { epoch: 2, step: 30, split: 'test', dataset: 'synthetic expressions', mode: 'finetune' });
}

describe('confusion heatmap option', () => {
  it('row-normalises, a row without images staying zeros (not NaN)', () => {
    expect(rowNormalise(COUNTS)).toEqual([
      [5 / 6, 1 / 6, 0],
      [0, 0, 0],
      [0.25, 0.25, 0.5],
    ]);
    expect(confusionCells(COUNTS, true)).toEqual([
      [0, 0, 83.3],
      [1, 0, 16.7],
      [2, 0, 0],
      [0, 1, 0],
      [1, 1, 0],
      [2, 1, 0],
      [0, 2, 25],
      [1, 2, 25],
      [2, 2, 50],
    ]);
  });

  it('builds the exact ECharts option for counts', () => {
    const axisLabel = { color: PALETTE.text, interval: 0 };
    expect(confusionHeatmapOption(CLASSES, COUNTS, false, PALETTE)).toEqual({
      animation: false,
      tooltip: { position: 'top' },
      grid: { left: 96, right: 16, top: 8, bottom: 48 },
      xAxis: { type: 'category', data: CLASSES, name: 'Predicted class', nameLocation: 'middle', nameGap: 28, nameTextStyle: { color: PALETTE.text }, axisLabel: { ...axisLabel, rotate: 0 }, splitArea: { show: true } },
      yAxis: { type: 'category', data: CLASSES, name: 'True class', inverse: true, nameTextStyle: { color: PALETTE.text }, axisLabel, splitArea: { show: true } },
      visualMap: { show: false, min: 0, max: 5, inRange: { color: [PALETTE.low, PALETTE.high] } },
      series: [
        {
          type: 'heatmap',
          name: 'Images',
          data: [
            [0, 0, 5],
            [1, 0, 1],
            [2, 0, 0],
            [0, 1, 0],
            [1, 1, 0],
            [2, 1, 0],
            [0, 2, 2],
            [1, 2, 2],
            [2, 2, 4],
          ],
          label: { show: true },
          emphasis: { itemStyle: { borderColor: PALETTE.text, borderWidth: 1 } },
        },
      ],
    });
    const normalised = confusionHeatmapOption(CLASSES, COUNTS, true, PALETTE);
    expect(normalised.visualMap.max).toBe(100);
    expect(normalised.series[0]!.name).toBe('Share of the true class (%)');
    expect(normalised.series[0]!.data.every((cell) => Number.isFinite(cell[2]))).toBe(true);
  });

  it('describes the matrix in words', () => {
    expect(describeConfusion(CLASSES, COUNTS)).toBe(
      'Confusion matrix of 3 classes over 14 images: 64.3% on the diagonal (predicted as their true class). Most frequent confusion: angry predicted as happy (2 images).',
    );
    expect(describeConfusion(['a', 'b'], [[3, 0], [0, 2]])).toMatch(/100% on the diagonal.*No image was confused/);
  });
});

describe('EvaluationReport component', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('renders the headline, one row per class and the confusion heatmap; toggles emit and normalise', async () => {
    const view = mount(EvaluationReport, { props: { report: report(), which: 'best', loading: false, error: null } });
    expect(view.get('[data-testid=eval-top1]').text()).toBe('64.3%');
    const rows = view.findAll('[data-testid=eval-class-row]');
    expect(rows.map((r) => r.attributes('data-class'))).toEqual(CLASSES);
    expect(rows[0]!.findAll('td').map((td) => td.text())).toEqual(['71.4%', '83.3%', '76.9%', '6']);
    expect(rows[1]!.findAll('td').map((td) => td.text())).toEqual(['0.0%', '0.0%', '0.0%', '0']);
    const heatmap = view.get('[data-testid=eval-confusion]');
    expect(heatmap.attributes('data-classes')).toBe('3');
    expect(heatmap.attributes('data-normalised')).toBe('false');
    expect(heatmap.get('[role=img]').attributes('aria-label')).toContain('Most frequent confusion: angry predicted as happy');

    await view.get('[data-testid=eval-normalise]').setValue(true);
    expect(view.get('[data-testid=eval-confusion]').attributes('data-normalised')).toBe('true');
    expect(view.findAll('.confusion__table tbody tr')[1]!.findAll('td').map((td) => td.text())).toEqual(['0.0%', '0.0%', '0.0%']);

    await view.get('[data-testid=eval-which] input[value=last]').setValue(true);
    expect(view.emitted('update:which')).toEqual([['last']]);
    view.unmount();
  });

  it('tells the user when there is no evaluation yet', () => {
    const view = mount(EvaluationReport, { props: { report: null, which: 'best', loading: false, error: null } });
    expect(view.get('[data-testid=eval-empty]').text()).toMatch(/No evaluation yet/);
    expect(view.find('[data-testid=eval-confusion]').exists()).toBe(false);
    view.unmount();
  });
});

describe('fine-tune store: evaluation reports from the host', () => {
  let host: RunsWorkbench;
  beforeEach(async () => {
    setActivePinia(createPinia());
    host = await startRunsWorkbench();
    installApi(host.client);
  });
  afterEach(() => host.close());

  it('reads best.json through runs.evaluation; null before the first evaluation', async () => {
    const store = host.workbench.context.runStore;
    const run = await store.createRun({ name: 'evaluated', kind: 'finetune', config: { dataRoot: 'synthetic-expressions' }, seed: 1 });
    const finetune = useFinetuneStore();
    await finetune.loadEvaluation(run.id, 'best');
    expect(finetune.evaluation(run.id, 'best')).toEqual({ report: null, loading: false, error: null });

    await saveEvaluation(run.dir, report(), true);
    await finetune.loadEvaluation(run.id, 'best');
    await flushPromises();
    const loaded = finetune.evaluation(run.id, 'best');
    expect(loaded.error).toBeNull();
    expect(loaded.report?.confusion.counts).toEqual(COUNTS);
    expect(finetune.bestTop1(run.id)).toBeCloseTo(9 / 14, 10);
  });
});
