// Fixed-bucket histograms (trainer/data/indexing/histogram.ts) as labelled bars, trimmed to the
// buckets that hold values; and per-label counts, capped for datasets with thousands of identities.
import type { HistogramData } from '@contract/api';
import { formatBytes, formatCount } from '../../format';

export interface Bar {
  label: string;
  value: number;
  /** Shown instead of the plain count. */
  detail?: string;
}

export function histogramBars(histogram: HistogramData, unit: 'px' | 'bytes'): Bar[] {
  const show = (value: number): string => (unit === 'bytes' ? formatBytes(value) : `${formatCount(value)} px`);
  const first = histogram.counts.findIndex((count) => count > 0);
  if (first < 0) return [];
  let last = histogram.counts.length - 1;
  while (last > first && histogram.counts[last] === 0) last--;
  const bars: Bar[] = [];
  for (let i = first; i <= last; i++) {
    const low = histogram.edges[i] ?? 0;
    const high = histogram.edges[i + 1];
    const label = high === undefined ? `≥ ${show(low)}` : i === 0 ? `< ${show(high)}` : `${show(low)} – ${show(high)}`;
    bars.push({ label, value: histogram.counts[i] ?? 0 });
  }
  return bars;
}

export interface LabelBars {
  bars: Bar[];
  /** Labels not shown as bars (many identities). */
  hidden: number;
  median: number;
  min: number;
  max: number;
}

/** All labels when there are few; otherwise the largest `limit`, with a summary of the rest. */
export function labelBars(classNames: readonly string[], counts: readonly number[], limit = 40): LabelBars {
  const all = classNames.map((label, i) => ({ label, value: counts[i] ?? 0 }));
  const sorted = [...all].map((bar) => bar.value).sort((a, b) => a - b);
  const median = sorted.length === 0 ? 0 : (sorted[Math.floor((sorted.length - 1) / 2)] ?? 0);
  const bars = all.length <= limit ? all : [...all].sort((a, b) => b.value - a.value).slice(0, limit);
  return { bars, hidden: all.length - bars.length, median, min: sorted[0] ?? 0, max: sorted.at(-1) ?? 0 };
}
