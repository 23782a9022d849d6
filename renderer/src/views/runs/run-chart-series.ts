// Turns held run metrics into the inputs of the run page's charts: which charts exist (from the
// open run's series keys) and, per chart, one series per (run, key) — the open run first, then
// the overlaid runs, each run in its own colour.
import type { ChartSeriesInput } from '../../charts/chart-series';
import { chartSpecsFor, type MetricChartSpec } from '../../charts/metric-catalog';
import { seriesColor } from '../../charts/palette';
import type { XAxisMode } from '../../charts/x-axis';
import type { RunMetrics } from '../../stores/runs-metrics';

export interface ChartRun {
  metrics: RunMetrics;
  name: string;
  /** The run's iterations per epoch, when known (fractional epochs). */
  iterationsPerEpoch: number | null;
}

export interface RunChart {
  spec: MetricChartSpec;
  series: ChartSeriesInput[];
}

export function buildRunCharts(runs: readonly ChartRun[], mode: XAxisMode): RunChart[] {
  const main = runs[0];
  if (main === undefined) return [];
  const specs = chartSpecsFor(main.metrics.buffer.seriesKeys());
  const overlaid = runs.length > 1;
  return specs.map((spec) => {
    const series: ChartSeriesInput[] = [];
    runs.forEach((run, runIndex) => {
      const { buffer, x, generation, runId } = run.metrics;
      x.setIterationsPerEpoch(run.iterationsPerEpoch);
      const xs = x.get(mode);
      spec.keys.forEach((key, keyIndex) => {
        const column = buffer.series(key);
        if (column === undefined) return;
        const keyLabel = spec.keys.length > 1 ? (spec.keyLabels[key] ?? key) : null;
        const label = overlaid ? [run.name, keyLabel].filter((v) => v !== null).join(' · ') : (keyLabel ?? run.name);
        const stats = column.stats();
        const points = isSparse(stats.finiteCount, column.length)
          ? finiteRows(xs, column.view(), buffer.step.view())
          : { x: xs, y: column.view(), steps: buffer.step.view() };
        series.push({
          id: `${runId}#${generation}:${key}`,
          label,
          color: seriesColor(runIndex * spec.keys.length + keyIndex),
          ...points,
          stats,
        });
      });
    });
    return { spec, series };
  });
}

/**
 * A series logged on few steps (the region score, once per epoch) would be isolated points
 * between gaps, which a line cannot show; such series are plotted through their logged values.
 */
function isSparse(finite: number, rows: number): boolean {
  return finite > 0 && finite < rows / 2;
}

function finiteRows(x: Float64Array, y: Float64Array, steps: Float64Array): { x: Float64Array; y: Float64Array; steps: Float64Array } {
  let count = 0;
  for (let i = 0; i < y.length; i += 1) if (Number.isFinite(y[i]!)) count += 1;
  const out = { x: new Float64Array(count), y: new Float64Array(count), steps: new Float64Array(count) };
  let j = 0;
  for (let i = 0; i < y.length; i += 1) {
    if (!Number.isFinite(y[i]!)) continue;
    out.x[j] = x[i]!;
    out.y[j] = y[i]!;
    out.steps[j] = steps[i]!;
    j += 1;
  }
  return out;
}
