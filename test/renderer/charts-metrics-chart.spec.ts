// MetricsChart mounted for real: ECharts renders with its SVG renderer (happy-dom has no 2-D
// canvas context; the component picks SVG by itself there).
import { mount } from '@vue/test-utils';
import type { ECharts } from 'echarts/core';
import { describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import type { ChartSeriesInput } from '../../renderer/src/charts/chart-series.js';
import { lineDataPairs } from '../../renderer/src/charts/metrics-chart-option.js';
import MetricsChart from '../../renderer/src/components/charts/MetricsChart.vue';

function ramp(id: string, n: number, spikeAt = -1): ChartSeriesInput {
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    x[i] = i + 1;
    y[i] = 10 / (1 + i / 1000) + 0.05 * Math.sin(i);
  }
  if (spikeAt >= 0) y[spikeAt] = 500;
  return { id, label: id, x, y };
}

/** One animation frame: the chart coalesces renders to frames. */
const nextFrame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => resolve()));

type Lines = { id: string; data: [number, number | null][] }[];
/** The lines ECharts holds, their flat [x0, y0, x1, y1, …] data read back as [x, y] pairs. */
const linesOf = (chart: ECharts): Lines =>
  (chart.getOption() as { series: { id: string; data: ArrayLike<number> }[] }).series.map((line) => ({ id: line.id, data: lineDataPairs(line.data) }));

describe('MetricsChart', () => {
  it('renders a downsampled line, labelled for assistive technology', async () => {
    const wrapper = mount(MetricsChart, {
      attachTo: document.body,
      props: { chartId: 'loss/total', title: 'Total loss', series: [ramp('run-a', 200_000, 77_777)], smoothing: 0 },
    });
    await nextTick();
    const figure = wrapper.get('[data-testid="chart-loss/total"]');
    expect(figure.attributes('data-points')).toBe('200000');
    const rendered = Number(figure.attributes('data-rendered-points'));
    expect(rendered).toBeGreaterThan(0);
    expect(rendered).toBeLessThan(20_000);
    expect(wrapper.get('[role="img"]').attributes('aria-label')).toBe('Line chart of Total loss against step, 1 series.');
    const summary = wrapper.get('[data-testid="chart-summary"]').text();
    expect(summary).toContain('run-a: last');
    expect(summary).toContain('maximum 500');
    expect(summary).toContain('200,000 points');

    const chart = (wrapper.vm as unknown as { instance: () => ECharts }).instance();
    const raw = linesOf(chart)[0]!;
    expect(raw.data.some(([, y]) => y === 500)).toBe(true);
    wrapper.unmount();
  });

  it('re-downsamples the visible window when the user zooms', async () => {
    const wrapper = mount(MetricsChart, {
      attachTo: document.body,
      props: { chartId: 'lr', title: 'Learning rate', series: [ramp('run-a', 100_000)], smoothing: 0 },
    });
    const chart = (wrapper.vm as unknown as { instance: () => ECharts }).instance();
    chart.dispatchAction({ type: 'dataZoom', dataZoomIndex: 0, start: 50, end: 50.05 });
    await nextFrame();
    await nextTick();
    const data = linesOf(chart)[0]!.data;
    // Full resolution inside the window [50000.5, 50050.5]: every step there, nothing outside.
    expect(data.length).toBeGreaterThanOrEqual(50);
    expect(data.length).toBeLessThanOrEqual(53);
    for (const [x] of data) {
      expect(x).toBeGreaterThanOrEqual(50_000.5 - 1e-6);
      expect(x).toBeLessThanOrEqual(50_050.5 + 1e-6);
    }
    const window = wrapper.emitted('window-change')?.at(-1)?.[0] as { min: number; max: number };
    expect(window.min).toBeCloseTo(50_000.5, 1);
    expect(window.max).toBeCloseTo(50_050.5, 1);
    wrapper.unmount();
  });

  it('zooms and pans with the keyboard', async () => {
    const wrapper = mount(MetricsChart, {
      attachTo: document.body,
      props: { chartId: 'lr', title: 'Learning rate', series: [ramp('run-a', 101)], smoothing: 0 },
    });
    const host = wrapper.get('[role="img"]');
    expect(host.attributes('tabindex')).toBe('0');
    await host.trigger('keydown', { key: '+' });
    await host.trigger('keydown', { key: 'ArrowRight' });
    expect(wrapper.emitted('window-change')?.map(([w]) => w)).toEqual([
      { min: 26, max: 76 },
      { min: 36, max: 86 },
    ]);
    await nextFrame();
    const chart = (wrapper.vm as unknown as { instance: () => ECharts }).instance();
    const xs = linesOf(chart)[0]!.data.map(([x]) => x);
    expect(Math.min(...xs)).toBe(36);
    expect(Math.max(...xs)).toBe(86);
    await host.trigger('keydown', { key: '0' });
    expect(wrapper.emitted('window-change')?.at(-1)).toEqual([null]);
    wrapper.unmount();
  });

  it('overlays runs with raw and smoothed lines and grows as live points arrive', async () => {
    const a = ramp('run-a', 100);
    const b = ramp('run-b', 50);
    const wrapper = mount(MetricsChart, {
      attachTo: document.body,
      props: { chartId: 'loss/total', title: 'Total loss', series: [a, b], smoothing: 0.9, logScale: true },
    });
    const chart = (wrapper.vm as unknown as { instance: () => ECharts }).instance();
    expect(linesOf(chart).map((l) => l.id)).toEqual(['run-a:raw', 'run-a:smoothed', 'run-b:raw', 'run-b:smoothed']);
    expect(wrapper.get('[role="img"]').attributes('aria-label')).toContain('2 series, logarithmic y-axis');

    await wrapper.setProps({ series: [ramp('run-a', 150), b] });
    await nextFrame();
    expect(wrapper.get('[data-testid="chart-loss/total"]').attributes('data-points')).toBe('150');
    expect(linesOf(chart)[0]!.data.length).toBe(150);
    wrapper.unmount();
  });

  it('pans by sending only the lines, and keeps tooltips reading the current data', async () => {
    const wrapper = mount(MetricsChart, {
      attachTo: document.body,
      props: { chartId: 'loss/total', title: 'Total loss', series: [ramp('run-a', 10_000)], smoothing: 0.6 },
    });
    const chart = (wrapper.vm as unknown as { instance: () => ECharts }).instance();
    const setOption = vi.spyOn(chart, 'setOption');
    const exposed = wrapper.vm as unknown as { setWindow: (w: { min: number; max: number } | null) => void };
    exposed.setWindow({ min: 2000, max: 3000 });
    await nextFrame();
    const update = setOption.mock.calls.at(-1)![0] as Record<string, unknown>;
    expect(Object.keys(update).sort()).toEqual(['dataZoom', 'series', 'xAxis']);
    const xs = linesOf(chart)[0]!.data.map(([x]) => x);
    expect(Math.min(...xs)).toBe(2000);
    expect(Math.max(...xs)).toBe(3000);

    // New values under the same id: the tooltip (built with the first full option) tells the new truth.
    const replaced = ramp('run-a', 10_000);
    replaced.y[4] = 123.5;
    await wrapper.setProps({ series: [replaced] });
    await nextFrame();
    const formatter = (chart.getOption() as { tooltip: { formatter: (p: unknown) => string }[] }).tooltip[0]!.formatter;
    expect(formatter([{ axisValue: 5 }])).toContain('123.5');

    // Lines are drawn without recording their points for hit-testing (releaseLinePathRecords).
    const zr = chart.getZr() as unknown as { storage: { getDisplayList: () => { type?: string; silent?: boolean }[] } };
    const lines = zr.storage.getDisplayList().filter((el) => el.type === 'ec-polyline');
    expect(lines.length).toBe(2);
    expect(lines.every((el) => el.silent === true)).toBe(true);
    expect(wrapper.findAll('path').some((path) => (path.attributes('d') ?? '').length > 1000)).toBe(true);

    // A log scale changes the axes: the full option is sent again.
    await wrapper.setProps({ logScale: true });
    await nextFrame();
    expect((setOption.mock.calls.at(-1)![0] as { yAxis?: { type: string } }).yAxis?.type).toBe('log');
    wrapper.unmount();
  });

  it('says when there is nothing to show yet', () => {
    const wrapper = mount(MetricsChart, { props: { chartId: 'lr', title: 'Learning rate', series: [ramp('run-a', 0)] } });
    expect(wrapper.text()).toContain('No values logged yet.');
    expect(wrapper.get('[data-testid="chart-lr"]').attributes('data-points')).toBe('0');
    wrapper.unmount();
  });
});
