// Line colours for runs overlaid in one chart. ECharts draws on a canvas and cannot read CSS
// variables, so the categorical palette lives here; it is chosen to stay distinguishable on both
// the light and the dark theme (mid-luminance hues, Tableau-10 order).
export const SERIES_PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#9c755f', '#ff9da7', '#8d8d8d'] as const;

export function seriesColor(index: number): string {
  const n = SERIES_PALETTE.length;
  return SERIES_PALETTE[((index % n) + n) % n]!;
}

/** Axis, grid and text colours of the current theme, read from the design tokens. */
export interface ChartTheme {
  text: string;
  mutedText: string;
  gridLine: string;
  axisLine: string;
  tooltipBackground: string;
}

export const FALLBACK_CHART_THEME: ChartTheme = {
  text: '#1d2128',
  mutedText: '#5c6470',
  gridLine: '#e2e5ea',
  axisLine: '#c9ced6',
  tooltipBackground: '#ffffff',
};

/** Reads the design tokens of theme.css from an element (falls back where one is missing). */
export function readChartTheme(element: Element): ChartTheme {
  const style = getComputedStyle(element);
  const token = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return {
    text: token('--text', FALLBACK_CHART_THEME.text),
    mutedText: token('--text-muted', FALLBACK_CHART_THEME.mutedText),
    gridLine: token('--border', FALLBACK_CHART_THEME.gridLine),
    axisLine: token('--border-strong', FALLBACK_CHART_THEME.axisLine),
    tooltipBackground: token('--surface', FALLBACK_CHART_THEME.tooltipBackground),
  };
}
