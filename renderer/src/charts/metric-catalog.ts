// Which charts a run's metrics make, in which order and with which names: one chart per loss
// term (total first), then learning rate, EMA momentum, throughput, memory and the region score,
// then anything else the trainer logged (fine-tuning accuracies, …). Keys come from the contract's
// metrics columns (electron/contract/runs-api.ts).

export type ValueFormat = 'value' | 'bytes';

export interface MetricChartSpec {
  /** Stable id, also the chart's test id suffix (`chart-<id>`). */
  id: string;
  title: string;
  /** Series keys plotted together (memory plots RSS and tfjs in one chart). */
  keys: string[];
  /** Label of each key inside the chart when there is more than one. */
  keyLabels: Record<string, string>;
  unit: string | null;
  format: ValueFormat;
  /**
   * False for exact schedules (learning rate, EMA momentum): there is no noise to smooth, and an
   * EMA would only make the curve lag the true value.
   */
  smooth: boolean;
}

const LOSS_PREFIX = 'loss/';

/** Readable names of FRA's loss terms (fra-spec §3). */
const LOSS_LABELS: Readonly<Record<string, string>> = {
  total: 'Total loss',
  global: 'Global (BYOL) loss',
  region: 'Region consistency loss',
  regionPositive: 'Region loss: positive pairs',
  regionDecorrelation: 'Region decorrelation penalty',
  cluster: 'Clustering loss',
  clusterCrossEntropy: 'Clustering: cross-entropy',
  clusterMeMax: 'Clustering: ME-MAX',
};

/** Columns that position a step (used for the x-axis), never charted on their own. */
const POSITION_KEYS: ReadonlySet<string> = new Set(['iteration', 'iterationsPerEpoch', 'epoch', 'step', 'time']);

const MEMORY_KEYS = ['rssBytes', 'tfjsBytes'] as const;

const FIXED_CHARTS: readonly MetricChartSpec[] = [
  { id: 'lr', title: 'Learning rate', keys: ['lr'], keyLabels: {}, unit: null, format: 'value', smooth: false },
  { id: 'emaMomentum', title: 'EMA momentum', keys: ['emaMomentum'], keyLabels: {}, unit: null, format: 'value', smooth: false },
  { id: 'imagesPerSecond', title: 'Throughput', keys: ['imagesPerSecond'], keyLabels: {}, unit: 'img/s', format: 'value', smooth: true },
  { id: 'secondsPerStep', title: 'Time per step', keys: ['secondsPerStep'], keyLabels: {}, unit: 's', format: 'value', smooth: true },
  { id: 'memory', title: 'Memory', keys: [...MEMORY_KEYS], keyLabels: { rssBytes: 'process RSS', tfjsBytes: 'tfjs tensors' }, unit: null, format: 'bytes', smooth: true },
  { id: 'regionScore', title: 'Region-awareness score (NMI)', keys: ['regionScore'], keyLabels: {}, unit: null, format: 'value', smooth: true },
  { id: 'region/foregroundNmi', title: 'Region score: foreground NMI', keys: ['region/foregroundNmi'], keyLabels: {}, unit: null, format: 'value', smooth: true },
  { id: 'region/meanBestIoU', title: 'Region score: mean best IoU', keys: ['region/meanBestIoU'], keyLabels: {}, unit: null, format: 'value', smooth: true },
];

export function lossLabel(component: string): string {
  return LOSS_LABELS[component] ?? `Loss: ${component}`;
}

/** The charts for the series keys present, in display order; keys without data make no chart. */
export function chartSpecsFor(keys: readonly string[]): MetricChartSpec[] {
  const present = new Set(keys);
  const specs: MetricChartSpec[] = [];
  const losses = keys.filter((k) => k.startsWith(LOSS_PREFIX));
  const total = `${LOSS_PREFIX}total`;
  for (const key of [...losses.filter((k) => k === total), ...losses.filter((k) => k !== total)]) {
    specs.push({ id: key, title: lossLabel(key.slice(LOSS_PREFIX.length)), keys: [key], keyLabels: {}, unit: null, format: 'value', smooth: true });
  }
  const covered = new Set<string>(losses);
  for (const spec of FIXED_CHARTS) {
    const shown = spec.keys.filter((k) => present.has(k));
    for (const k of spec.keys) covered.add(k);
    if (shown.length > 0) specs.push({ ...spec, keys: shown });
  }
  for (const key of keys) {
    if (covered.has(key) || POSITION_KEYS.has(key)) continue;
    specs.push({ id: key, title: key, keys: [key], keyLabels: {}, unit: null, format: 'value', smooth: true });
  }
  return specs;
}
