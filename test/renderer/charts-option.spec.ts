import { describe, expect, it } from 'vitest';
import { dataExtent, nearestIndex, prepareChartSeries, stepWindow, summarizeSeries, windowFromPercent, type ChartSeriesInput } from '../../renderer/src/charts/chart-series.js';
import { formatBytes, formatDuration, formatValue } from '../../renderer/src/format.js';
import { chartSpecsFor } from '../../renderer/src/charts/metric-catalog.js';
import { buildMetricsChartOption, buildMetricsChartUpdate, chartStructureKey, lineDataPairs, RAW_LINE_OPACITY, toLineData, tooltipHtml, tooltipRows } from '../../renderer/src/charts/metrics-chart-option.js';
import { downsampleMinMax } from '../../renderer/src/charts/downsample.js';
import { SmoothingCache } from '../../renderer/src/charts/smoothing.js';
import { debiasedEma } from '../../renderer/src/charts/smoothing.js';

function series(id: string, ys: number[], x0 = 1): ChartSeriesInput {
  return { id, label: id, x: Float64Array.from(ys, (_, i) => x0 + i), y: Float64Array.from(ys) };
}

type LineSeries = { id: string; data: Float64Array; lineStyle: { width: number; opacity?: number } };

describe('preparing series for a chart', () => {
  it('smooths the full data, then downsamples raw and smoothed lines', () => {
    const s = series('a', [4, 2, 3, 1]);
    const [prepared] = prepareChartSeries([s], { window: null, pixelWidth: 600, smoothing: 0.5, logScale: false });
    expect(Array.from(prepared!.raw.y)).toEqual([4, 2, 3, 1]);
    expect(Array.from(prepared!.smoothed!.y)).toEqual(Array.from(debiasedEma([4, 2, 3, 1], 0.5)));
  });

  it('has no smoothed line when smoothing is 0', () => {
    const [prepared] = prepareChartSeries([series('a', [1, 2])], { window: null, pixelWidth: 600, smoothing: 0, logScale: false });
    expect(prepared!.smoothed).toBeNull();
  });

  it('on a log scale hides values ≤ 0 as gaps and says so', () => {
    const [prepared] = prepareChartSeries([series('a', [1, -2, 0, 3])], { window: null, pixelWidth: 600, smoothing: 0, logScale: true });
    expect(prepared!.hidesNonPositive).toBe(true);
    expect(Array.from(prepared!.raw.y).map((v) => (Number.isNaN(v) ? null : v))).toEqual([1, null, null, 3]);
  });

  it('computes the extent over all series and maps zoom percentages onto it', () => {
    const extent = dataExtent([series('a', [1, 1, 1], 10), series('b', [1, 1], 0)]);
    expect(extent).toEqual({ min: 0, max: 12 });
    expect(dataExtent([series('empty', [])])).toBeNull();
    expect(windowFromPercent({ min: 0, max: 200 }, 25, 50)).toEqual({ min: 50, max: 100 });
    expect(windowFromPercent({ min: 0, max: 200 }, 0, 100)).toBeNull();
  });

  it('steps the window by keyboard: zoom around the centre, pan a fifth, stay inside the extent', () => {
    const extent = { min: 0, max: 100 };
    const zoomed = stepWindow(extent, null, 'zoom-in');
    expect(zoomed).toEqual({ min: 25, max: 75 });
    expect(stepWindow(extent, zoomed, 'pan-right')).toEqual({ min: 35, max: 85 });
    expect(stepWindow(extent, { min: 60, max: 100 }, 'pan-right')).toEqual({ min: 60, max: 100 });
    expect(stepWindow(extent, { min: 0, max: 40 }, 'pan-left')).toEqual({ min: 0, max: 40 });
    expect(stepWindow(extent, zoomed, 'zoom-out')).toBeNull();
    expect(stepWindow(extent, zoomed, 'reset')).toBeNull();
  });

  it('summarises last, min and max of the finite values', () => {
    expect(summarizeSeries(series('a', [3, Number.NaN, -1, 7, 2]))).toEqual({ label: 'a', points: 5, last: 2, min: -1, max: 7 });
  });

  it('finds the nearest point for the tooltip', () => {
    const x = new Float64Array([0, 10, 20]);
    expect(nearestIndex(x, 3, 4)).toBe(0);
    expect(nearestIndex(x, 3, 5)).toBe(0);
    expect(nearestIndex(x, 3, 6)).toBe(1);
    expect(nearestIndex(x, 3, 99)).toBe(2);
    expect(nearestIndex(x, 0, 1)).toBe(-1);
  });
});

describe('smoothing across renders', () => {
  it('the cached smoothed line equals smoothing the whole series directly, for every window and as it grows', () => {
    const n = 50_000;
    const ys = Array.from({ length: n }, (_, i) => 3 / (1 + i / 5000) + 0.3 * Math.sin(i / 5) + (i % 4999 === 0 ? Number.NaN : 0));
    const full = series('a', ys);
    const cache = new SmoothingCache();
    for (const [length, window] of [
      [20_000, null],
      [20_000, { min: 5000, max: 9000 }],
      [n, { min: 30_000.5, max: 41_000 }],
      [n, null],
    ] as const) {
      const s = { ...full, x: full.x.subarray(0, length), y: full.y.subarray(0, length) };
      const [prepared] = prepareChartSeries([s], { window, pixelWidth: 700, smoothing: 0.8, logScale: false, cache });
      const direct = downsampleMinMax(s.x, debiasedEma(s.y, 0.8), length, window, 700);
      expect(Array.from(prepared!.smoothed!.y)).toEqual(Array.from(direct.y));
      expect(Array.from(prepared!.smoothed!.x)).toEqual(Array.from(direct.x));
    }
  });
});

describe('the ECharts option', () => {
  const a = { ...series('run-a', [5, 4, 3]), color: '#111111' };
  const b = { ...series('run-b', [6, 5]), color: '#222222' };

  it('draws each run as a faint raw line under a bold smoothed line', () => {
    const prepared = prepareChartSeries([a, b], { window: null, pixelWidth: 600, smoothing: 0.6, logScale: false });
    const option = buildMetricsChartOption({ prepared, extent: dataExtent([a, b]), window: null, xAxisMode: 'step', xAxisName: 'step', logScale: false, valueFormat: 'value' });
    const lines = option.series as LineSeries[];
    expect(lines.map((l) => l.id)).toEqual(['run-a:raw', 'run-a:smoothed', 'run-b:raw', 'run-b:smoothed']);
    expect(lines[0]!.lineStyle.opacity).toBe(RAW_LINE_OPACITY);
    expect(lines[1]!.lineStyle.width).toBeGreaterThan(lines[0]!.lineStyle.width);
    expect(lines[0]!.data).toBeInstanceOf(Float64Array);
    expect(lineDataPairs(lines[0]!.data)).toEqual([[1, 5], [2, 4], [3, 3]]);
    expect((option.legend as { show: boolean }).show).toBe(true);
  });

  it('pins the x-axis to the data extent and zooms by value, with a log y-axis when asked', () => {
    const prepared = prepareChartSeries([a], { window: { min: 1.5, max: 2.5 }, pixelWidth: 600, smoothing: 0, logScale: true });
    const option = buildMetricsChartOption({ prepared, extent: { min: 1, max: 3 }, window: { min: 1.5, max: 2.5 }, xAxisMode: 'step', xAxisName: 'step', logScale: true, valueFormat: 'value' });
    expect(option.xAxis).toMatchObject({ type: 'value', min: 1, max: 3 });
    expect(option.yAxis).toMatchObject({ type: 'log' });
    expect(option.dataZoom).toEqual([expect.objectContaining({ type: 'inside', startValue: 1.5, endValue: 2.5 }), expect.objectContaining({ type: 'slider', startValue: 1.5, endValue: 2.5 })]);
    const raw = (option.series as LineSeries[])[0]!;
    expect(raw.lineStyle.opacity).toBe(1);
    expect(lineDataPairs(raw.data)).toEqual([[1.5, 4.5], [2, 4], [2.5, 3.5]]);
  });

  it('turns gaps into nulls so lines break', () => {
    const gap = series('g', [1, Number.NaN, 3]);
    const prepared = prepareChartSeries([gap], { window: null, pixelWidth: 600, smoothing: 0, logScale: false });
    const option = buildMetricsChartOption({ prepared, extent: dataExtent([gap]), window: null, xAxisMode: 'step', xAxisName: 'step', logScale: false, valueFormat: 'value' });
    expect(lineDataPairs((option.series as LineSeries[])[0]!.data)).toEqual([[1, 1], [2, null], [3, 3]]);
  });

  it('hands ECharts flat typed arrays, NaN marking gaps', () => {
    const data = toLineData({ x: new Float64Array([1, 2, 3]), y: new Float64Array([5, Number.NaN, 7]), length: 3, sourceCount: 3 });
    expect(data).toBeInstanceOf(Float64Array);
    expect(Array.from(data)).toEqual([1, 5, 2, Number.NaN, 3, 7]);
    expect(lineDataPairs(data)).toEqual([[1, 5], [2, null], [3, 7]]);
  });

  it('per-frame updates carry only points, the x extent and the zoom window', () => {
    const prepared = prepareChartSeries([a], { window: { min: 1.5, max: 2.5 }, pixelWidth: 600, smoothing: 0.6, logScale: false });
    const update = buildMetricsChartUpdate({ prepared, extent: { min: 1, max: 3 }, window: { min: 1.5, max: 2.5 } });
    expect(Object.keys(update).sort()).toEqual(['dataZoom', 'series', 'xAxis']);
    expect(update.xAxis).toEqual({ min: 1, max: 3 });
    expect((update.series as LineSeries[]).map((l) => l.id)).toEqual(['run-a:raw', 'run-a:smoothed']);
    expect(lineDataPairs((update.series as LineSeries[])[0]!.data)).toEqual([[1.5, 4.5], [2, 4], [2.5, 3.5]]);
    // While the user drags the zoom, the window is left to ECharts.
    expect(buildMetricsChartUpdate({ prepared, extent: { min: 1, max: 3 }, window: undefined })).not.toHaveProperty('dataZoom');
  });

  it('the structure key changes with what the full option holds, not with the points', () => {
    const base = { xAxisMode: 'step' as const, xAxisName: 'step', logScale: false as boolean, valueFormat: 'value' as const };
    const key = (s: ChartSeriesInput[], smoothing: number, extra: Partial<typeof base> = {}) =>
      chartStructureKey({ ...base, ...extra, prepared: prepareChartSeries(s, { window: null, pixelWidth: 600, smoothing, logScale: false }) });
    expect(key([a], 0.6)).toBe(key([{ ...a, y: new Float64Array([9, 9, 9]) }], 0.9));
    expect(key([a], 0.6)).not.toBe(key([a], 0));
    expect(key([a], 0.6)).not.toBe(key([a, b], 0.6));
    expect(key([a], 0.6)).not.toBe(key([a], 0.6, { logScale: true }));
    expect(key([a], 0.6)).not.toBe(key([{ ...a, color: '#333333' }], 0.6));
  });

  it('the tooltip shows exact full-resolution values at the nearest step', () => {
    const withSteps = { ...a, steps: new Float64Array([100, 200, 300]) };
    const rows = tooltipRows([withSteps], () => new Float64Array([5, 4.5, 3.9]), 2.2);
    expect(rows).toEqual([{ label: 'run-a', color: '#111111', step: 200, x: 2, raw: 4, smoothed: 4.5 }]);
    const html = tooltipHtml(rows, 'epoch', 'value');
    expect(html).toContain('run-a');
    expect(html).toContain('step 200');
    expect(html).toContain('smoothed 4.5');
    expect(tooltipHtml([{ ...rows[0]!, label: '<b>x</b>' }], 'step', 'value')).toContain('&lt;b&gt;x&lt;/b&gt;');
  });
});

describe('chart catalogue and formatting', () => {
  it('orders charts: total loss, other losses, lr, EMA, throughput, memory, region score, the rest', () => {
    const specs = chartSpecsFor(['loss/global', 'lr', 'loss/total', 'rssBytes', 'iteration', 'val/top1', 'regionScore', 'tfjsBytes', 'emaMomentum', 'imagesPerSecond']);
    expect(specs.map((s) => s.id)).toEqual(['loss/total', 'loss/global', 'lr', 'emaMomentum', 'imagesPerSecond', 'memory', 'regionScore', 'val/top1']);
    expect(specs.find((s) => s.id === 'memory')).toMatchObject({ keys: ['rssBytes', 'tfjsBytes'], format: 'bytes' });
    expect(specs[0]!.title).toBe('Total loss');
  });

  it('formats values, sizes and durations', () => {
    expect(formatValue(0.123456)).toBe('0.1235');
    expect(formatValue(0.00001234)).toBe('1.234e-5');
    expect(formatValue(0.0001)).toBe('1e-4');
    expect(formatValue(Number.NaN)).toBe('—');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(3725)).toBe('1 h 2 min');
    expect(formatDuration(null)).toBe('—');
  });
});
