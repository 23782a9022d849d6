// Which charts a run page shows and what each plots, from held metrics (pure: no host, no canvas).
import { describe, expect, it } from 'vitest';
import { SeriesBuffer } from '../../renderer/src/charts/series-buffer.js';
import { XColumns } from '../../renderer/src/charts/x-axis.js';
import { buildRunCharts } from '../../renderer/src/views/runs/run-chart-series.js';

describe('run charts from held metrics', () => {
  it('plots a series logged once per epoch through its values, and skips smoothing for schedules', () => {
    const buffer = new SeriesBuffer();
    buffer.append({
      step: [1, 2, 3, 4, 5, 6],
      epoch: [0, 0, 0, 1, 1, 1],
      time: [null, null, null, null, null, null],
      series: { 'loss/total': [6, 5, 4, 3, 2, 1], lr: [0.1, 0.1, 0.1, 0.05, 0.05, 0.05], regionScore: [null, null, 0.2, null, null, 0.4] },
    });
    const charts = buildRunCharts([{ metrics: { runId: 'r', generation: 1, buffer, x: new XColumns(buffer) }, name: 'run r', iterationsPerEpoch: 3 }], 'epoch');
    expect(charts.map((c) => c.spec.id)).toEqual(['loss/total', 'lr', 'regionScore']);
    const score = charts.find((c) => c.spec.id === 'regionScore')!.series[0]!;
    expect(Array.from(score.y)).toEqual([0.2, 0.4]);
    expect(Array.from(score.steps!)).toEqual([3, 6]);
    expect(score.x[0]).toBeCloseTo(2 / 3, 12);
    expect(score.x[1]).toBeCloseTo(5 / 3, 12);
    expect(charts.find((c) => c.spec.id === 'lr')!.spec.smooth).toBe(false);
    expect(charts[0]!.series[0]!.label).toBe('run r');
  });
});

describe('overlaid runs', () => {
  it('gives each run its colour and names runs and keys in the legend', () => {
    const held = (runId: string, generation: number) => {
      const buffer = new SeriesBuffer();
      buffer.append({ step: [1, 2], epoch: [0, 0], time: [1, 2], series: { 'loss/total': [2, 1], rssBytes: [10, 11], tfjsBytes: [5, 5] } });
      return { metrics: { runId, generation, buffer, x: new XColumns(buffer) }, name: `run ${runId}`, iterationsPerEpoch: null };
    };
    const charts = buildRunCharts([held('a', 1), held('b', 2)], 'step');
    const loss = charts.find((c) => c.spec.id === 'loss/total')!;
    expect(loss.series.map((s) => [s.id, s.label])).toEqual([
      ['a#1:loss/total', 'run a'],
      ['b#2:loss/total', 'run b'],
    ]);
    expect(loss.series[0]!.color).not.toBe(loss.series[1]!.color);
    const memory = charts.find((c) => c.spec.id === 'memory')!;
    expect(memory.series.map((s) => s.label)).toEqual(['run a · process RSS', 'run a · tfjs tensors', 'run b · process RSS', 'run b · tfjs tensors']);
    expect(new Set(memory.series.map((s) => s.color)).size).toBe(4);
  });
});
