// The ECharts option of a metrics chart, built from prepared (already downsampled) series.
// Kept apart from the component so it is tested without a canvas: what is drawn, in which
// order, with which axis range, and what the tooltip says are all decided here.
import type { EChartsCoreOption } from 'echarts/core';
import type { DownsampledSeries, XWindow } from './downsample';
import { formatBytes, formatCount, formatDuration, formatValue } from './format';
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

/** [x, y] pairs with null for gaps, the data form ECharts line series take. */
export function toLineData(series: DownsampledSeries): [number, number | null][] {
  const data: [number, number | null][] = new Array(series.length);
  for (let i = 0; i < series.length; i += 1) {
    const y = series.y[i]!;
    data[i] = [series.x[i]!, Number.isFinite(y) ? y : null];
  }
  return data;
}

export function buildMetricsChartOption(input: ChartOptionInput): EChartsCoreOption {
  const theme = input.theme ?? FALLBACK_CHART_THEME;
  const multiple = input.prepared.length > 1;
  const zoom = input.window === null ? { start: 0, end: 100 } : { startValue: input.window.min, endValue: input.window.max };
  const series = input.prepared.flatMap((p) => {
    const marked = p.raw.length <= MARKED_POINTS_LIMIT;
    const common = {
      type: 'line',
      name: p.label,
      color: p.color,
      showSymbol: false,
      symbol: 'none',
      connectNulls: false,
      animation: false,
      // Downsampling already happened (min/max buckets); ECharts' own sampling would drop spikes.
      sampling: undefined,
      emphasis: { disabled: true },
      clip: true,
    };
    const raw = {
      ...common,
      ...(marked && p.smoothed === null ? { showSymbol: true, symbol: 'circle', symbolSize: 4 } : {}),
      id: `${p.id}:raw`,
      data: toLineData(p.raw),
      lineStyle: { width: 1, opacity: p.smoothed === null ? 1 : RAW_LINE_OPACITY },
      z: 1,
    };
    if (p.smoothed === null) return [raw];
    const smoothed = { ...common, ...(marked ? { showSymbol: true, symbol: 'circle', symbolSize: 4 } : {}), id: `${p.id}:smoothed`, data: toLineData(p.smoothed), lineStyle: { width: 2 }, z: 2 };
    return [raw, smoothed];
  });

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
      { type: 'inside', xAxisIndex: 0, filterMode: 'none', ...zoom },
      { type: 'slider', xAxisIndex: 0, filterMode: 'none', height: 16, bottom: 6, showDataShadow: false, labelFormatter: (value: number) => formatX(value, input.xAxisMode), ...zoom },
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
