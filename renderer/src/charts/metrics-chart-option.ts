// The ECharts option of a metrics chart, built from prepared (already downsampled) series.
// Kept apart from the component so it is tested without a canvas: what is drawn, in which
// order, with which axis range, and what the tooltip says are all decided here.
import type { EChartsCoreOption } from 'echarts/core';
import type { DownsampledSeries, XWindow } from './downsample';
import { formatBytes, formatCount, formatDuration, formatValue } from '../format';
import { nearestIndex, seriesLength, type ChartSeriesInput, type PreparedSeries } from './chart-series';
import type { ValueFormat } from './metric-catalog';
import { FALLBACK_CHART_THEME, type ChartTheme } from './palette';
import type { XAxisMode } from './x-axis';

/** Opacity of the raw line under its smoothed line: visible context, not competing with it. */
export const RAW_LINE_OPACITY = 0.25;

/** Plot margins inside the chart box; the plot's pixel width (what downsampling targets) is what is left. */
export const PLOT_MARGIN = { left: 64, right: 20 } as const;

/** Up to this many drawn points a line also marks each point, so a lone value is visible. */
export const MARKED_POINTS_LIMIT = 60;

export interface ChartOptionInput {
  prepared: readonly PreparedSeries[];
  /** Full x-range of the data; the axis is pinned to it so zoom percentages stay meaningful. */
  extent: XWindow | null;
  /** Current zoom window (null: everything). */
  window: XWindow | null;
  xAxisMode: XAxisMode;
  xAxisName: string;
  logScale: boolean;
  valueFormat: ValueFormat;
  theme?: ChartTheme;
  /** Renders the tooltip for an x value (exact values from the full-resolution data). */
  tooltip?: (x: number) => string;
}

export function formatY(value: number, format: ValueFormat): string {
  return format === 'bytes' ? formatBytes(value) : formatValue(value);
}

export function formatX(value: number, mode: XAxisMode): string {
  if (mode === 'time') return formatDuration(value);
  if (mode === 'step') return formatCount(value);
  return formatValue(value, 4);
}

/**
 * ECharts line data as one flat typed array [x0, y0, x1, y1, …], NaN for gaps. ECharts reads a
 * typed array straight into its column store: no [x, y] pair object per point to allocate, deep
 * clone and walk on every frame of a pan.
 */
export function toLineData(series: DownsampledSeries): Float64Array {
  const data = new Float64Array(series.length * 2);
  for (let i = 0; i < series.length; i += 1) {
    data[2 * i] = series.x[i]!;
    data[2 * i + 1] = series.y[i]!;
  }
  return data;
}

/** [x, y] pairs back from flat line data (null for gaps): what tests and debugging read. */
export function lineDataPairs(data: ArrayLike<number>): [number, number | null][] {
  const pairs: [number, number | null][] = [];
  for (let i = 0; i + 1 < data.length; i += 2) {
    const y = data[i + 1]!;
    pairs.push([data[i]!, Number.isFinite(y) ? y : null]);
  }
  return pairs;
}

/** What changes from frame to frame of one line: its points and whether they are marked. */
interface LineSeriesData {
  id: string;
  data: Float64Array;
  showSymbol: boolean;
  symbol: string;
  symbolSize?: number;
  lineStyle: { width: number; opacity: number };
}

/** The lines of the prepared series, raw under smoothed, with only what varies per frame. */
function lineSeriesData(prepared: readonly PreparedSeries[]): { line: LineSeriesData; series: PreparedSeries; role: 'raw' | 'smoothed' }[] {
  return prepared.flatMap((p) => {
    const marked = p.raw.length <= MARKED_POINTS_LIMIT;
    const marks = (on: boolean) => (on ? { showSymbol: true, symbol: 'circle', symbolSize: 4 } : { showSymbol: false, symbol: 'none' });
    const rawStyle = { width: 1, opacity: p.smoothed === null ? 1 : RAW_LINE_OPACITY };
    const raw = { line: { id: `${p.id}:raw`, data: toLineData(p.raw), ...marks(marked && p.smoothed === null), lineStyle: rawStyle }, series: p, role: 'raw' as const };
    if (p.smoothed === null) return [raw];
    const smoothedStyle = { width: p.smoothedWidth, opacity: 1 };
    return [raw, { line: { id: `${p.id}:smoothed`, data: toLineData(p.smoothed), ...marks(marked), lineStyle: smoothedStyle }, series: p, role: 'smoothed' as const }];
  });
}

/**
 * Everything of the option except the lines' points, the axis extent and the zoom window: when
 * this key is unchanged, a render only sends `buildMetricsChartUpdate` and ECharts keeps its
 * axes, legend, tooltip and styles as they are.
 */
export function chartStructureKey(input: Omit<ChartOptionInput, 'extent' | 'window' | 'tooltip'>): string {
  return JSON.stringify([
    input.prepared.map((p) => [p.id, p.label, p.color ?? null, p.smoothed !== null]),
    input.xAxisMode,
    input.xAxisName,
    input.logScale,
    input.valueFormat,
    input.theme ?? null,
  ]);
}

/**
 * The per-frame part of the option (a pan or a live update): the lines' points, the x extent and,
 * unless `window` is undefined (the user is dragging the zoom: leave it alone), the zoom window.
 * Merged into an option built by buildMetricsChartOption with the same structure key.
 */
export function buildMetricsChartUpdate(input: { prepared: readonly PreparedSeries[]; extent: XWindow | null; window: XWindow | null | undefined }): EChartsCoreOption {
  const update: EChartsCoreOption = {
    xAxis: { min: input.extent?.min, max: input.extent?.max },
    series: lineSeriesData(input.prepared).map(({ line }) => line),
  };
  if (input.window !== undefined) update['dataZoom'] = zoomOption(input.window);
  return update;
}

function zoomOption(window: XWindow | null): { start?: number; end?: number; startValue?: number; endValue?: number }[] {
  const zoom = window === null ? { start: 0, end: 100 } : { startValue: window.min, endValue: window.max };
  return [zoom, zoom];
}

export function buildMetricsChartOption(input: ChartOptionInput): EChartsCoreOption {
  const theme = input.theme ?? FALLBACK_CHART_THEME;
  const multiple = input.prepared.length > 1;
  const [insideZoom, sliderZoom] = zoomOption(input.window);
  const series = lineSeriesData(input.prepared).map(({ line, series: p, role }) => ({
    type: 'line',
    name: p.label,
    color: p.color,
    // Flat typed-array data needs its row width: x then y.
    dimensions: ['x', 'y'],
    connectNulls: false,
    animation: false,
    // Downsampling already happened (min/max buckets); ECharts' own sampling would drop spikes.
    sampling: undefined,
    // The tooltip follows the axis pointer, not the lines: no hit-testing of thousands of segments.
    silent: true,
    emphasis: { disabled: true },
    clip: true,
    ...line,
    z: role === 'raw' ? 1 : 2,
  }));

  return {
    animation: false,
    textStyle: { color: theme.text },
    grid: { left: PLOT_MARGIN.left, right: PLOT_MARGIN.right, top: multiple ? 36 : 16, bottom: 64 },
    legend: multiple
      ? { show: true, type: 'scroll', top: 4, left: 8, right: 8, textStyle: { color: theme.mutedText }, data: input.prepared.map((p) => p.label) }
      : { show: false },
    tooltip: {
      trigger: 'axis',
      confine: true,
      axisPointer: { type: 'line', animation: false },
      backgroundColor: theme.tooltipBackground,
      borderColor: theme.axisLine,
      textStyle: { color: theme.text, fontSize: 12 },
      formatter: (params: unknown) => {
        const x = axisValueOf(params);
        return x === null || input.tooltip === undefined ? '' : input.tooltip(x);
      },
    },
    xAxis: {
      type: 'value',
      name: input.xAxisName,
      nameLocation: 'middle',
      nameGap: 26,
      nameTextStyle: { color: theme.mutedText },
      min: input.extent?.min,
      max: input.extent?.max,
      axisLine: { lineStyle: { color: theme.axisLine } },
      axisLabel: { color: theme.mutedText, hideOverlap: true, formatter: (value: number) => formatX(value, input.xAxisMode) },
      splitLine: { show: false },
    },
    yAxis: {
      type: input.logScale ? 'log' : 'value',
      scale: true,
      axisLine: { show: false },
      axisLabel: { color: theme.mutedText, formatter: (value: number) => formatY(value, input.valueFormat) },
      splitLine: { lineStyle: { color: theme.gridLine } },
    },
    dataZoom: [
      { type: 'inside', xAxisIndex: 0, filterMode: 'none', ...insideZoom },
      { type: 'slider', xAxisIndex: 0, filterMode: 'none', height: 16, bottom: 6, showDataShadow: false, labelFormatter: (value: number) => formatX(value, input.xAxisMode), ...sliderZoom },
    ],
    series,
  };
}

function axisValueOf(params: unknown): number | null {
  const first = Array.isArray(params) ? params[0] : params;
  if (typeof first !== 'object' || first === null) return null;
  const value = (first as { axisValue?: unknown }).axisValue;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export interface TooltipRow {
  label: string;
  color: string | undefined;
  /** Step of the nearest point, when known. */
  step: number | null;
  x: number;
  raw: number;
  smoothed: number | null;
}

/**
 * The exact values of each series at the point nearest to `x`, from the full-resolution data
 * (never from the downsampled line): hovering always tells the truth about a step.
 */
export function tooltipRows(series: readonly ChartSeriesInput[], smoothedOf: (s: ChartSeriesInput) => Float64Array | null, x: number): TooltipRow[] {
  const rows: TooltipRow[] = [];
  for (const s of series) {
    const length = seriesLength(s);
    const i = nearestIndex(s.x, length, x);
    if (i < 0) continue;
    const smoothed = smoothedOf(s);
    rows.push({
      label: s.label,
      color: s.color,
      step: s.steps === undefined ? null : (s.steps[i] ?? null),
      x: s.x[i]!,
      raw: s.y[i]!,
      smoothed: smoothed === null ? null : (smoothed[i] ?? null),
    });
  }
  return rows;
}

/**
 * Tooltip markup. Classes only, no inline styles: the app's Content-Security-Policy
 * (style-src 'self') blocks style attributes in injected HTML; MetricsChart styles the classes.
 */
export function tooltipHtml(rows: readonly TooltipRow[], mode: XAxisMode, format: ValueFormat): string {
  if (rows.length === 0) return '';
  const lines = rows.map((row) => {
    const where = mode === 'step' || row.step === null ? `step ${formatCount(row.step ?? row.x)}` : `step ${formatCount(row.step)} · ${formatX(row.x, mode)}`;
    const smoothed = row.smoothed === null ? '' : ` <span class="mc-tip__muted">(smoothed ${escapeHtml(formatY(row.smoothed, format))})</span>`;
    return `<div class="mc-tip__row"><strong>${escapeHtml(row.label)}</strong> ${escapeHtml(formatY(row.raw, format))}${smoothed}<br><span class="mc-tip__muted">${escapeHtml(where)}</span></div>`;
  });
  return lines.join('');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}
