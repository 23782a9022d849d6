/**
 * Classification metrics of the evaluation report (issue 7 §2), from a confusion matrix of
 * counts (rows: true class, columns: predicted class) plus the top-k hits and the loss sum.
 *
 * Edge cases are defined, never NaN (scikit-learn's `zero_division=0` convention):
 *   - precision of a class nothing was predicted as: 0
 *   - recall of a class with no test samples: 0
 *   - F1 when precision + recall = 0: 0
 *   - macro precision / recall / F1 average the classes that occur in the labels or the
 *     predictions (scikit-learn's "labels present"); a class absent from both is left out
 *   - mean-class accuracy (the FER literature's "mean accuracy") averages the recall of the
 *     classes that have test samples
 *   - a row of the normalised matrix with no samples is all zeros
 *   - with no samples at all every rate is 0
 */

export interface ClassMetrics {
  name: string;
  /** Test samples of this class (row sum). */
  support: number;
  /** Samples predicted as this class (column sum). */
  predicted: number;
  truePositives: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface ClassificationMetrics {
  samples: number;
  top1: number;
  /** Fraction whose label is among the `topK` highest logits. */
  top5: number;
  /** The k of `top5`: min(5, number of classes). */
  topK: number;
  /** Mean cross-entropy; null when it was not measured. */
  loss: number | null;
  meanClassAccuracy: number;
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  perClass: ClassMetrics[];
  confusion: {
    /** counts[true][predicted]. */
    counts: number[][];
    /** Each row divided by its sum (its recall distribution). */
    normalized: number[][];
  };
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);
const mean = (values: readonly number[]): number => (values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length);

export interface MetricsInput {
  classNames: readonly string[];
  /** K×K counts, counts[true][predicted]. */
  confusion: readonly (readonly number[])[];
  /** Samples whose label is among the top-k logits (k = min(5, K)); when not given: all samples for K ≤ 5, else the top-1 hits. */
  topKCorrect?: number;
  /** Sum of per-sample cross-entropy; the report shows the mean. */
  lossSum?: number;
}

export function classificationMetrics(input: MetricsInput): ClassificationMetrics {
  const k = input.classNames.length;
  const counts = input.confusion.map((row) => [...row]);
  if (counts.length !== k || counts.some((row) => row.length !== k)) {
    throw new RangeError(`confusion matrix must be ${k}×${k} for ${k} classes`);
  }
  for (const row of counts) for (const v of row) if (!(Number.isInteger(v) && v >= 0)) throw new RangeError(`confusion counts must be non-negative integers, got ${v}`);
  const support = counts.map((row) => row.reduce((s, v) => s + v, 0));
  const predicted = Array.from({ length: k }, (_, j) => counts.reduce((s, row) => s + (row[j] ?? 0), 0));
  const samples = support.reduce((s, v) => s + v, 0);
  const diagonal = counts.map((row, i) => row[i] ?? 0);
  const correct = diagonal.reduce((s, v) => s + v, 0);

  const perClass: ClassMetrics[] = input.classNames.map((name, i) => {
    const tp = diagonal[i]!;
    const precision = ratio(tp, predicted[i]!);
    const recall = ratio(tp, support[i]!);
    return { name, support: support[i]!, predicted: predicted[i]!, truePositives: tp, precision, recall, f1: ratio(2 * precision * recall, precision + recall) };
  });
  const present = perClass.filter((c) => c.support > 0 || c.predicted > 0);
  const withSamples = perClass.filter((c) => c.support > 0);
  // With at most k classes every label is in the top k by definition; otherwise, unmeasured, top-1 is the lower bound.
  const topKCorrect = input.topKCorrect ?? (k <= 5 ? samples : correct);
  if (topKCorrect < correct || topKCorrect > samples) throw new RangeError(`top-k hits ${topKCorrect} must lie between the top-1 hits ${correct} and the ${samples} samples`);

  return {
    samples,
    top1: ratio(correct, samples),
    top5: ratio(topKCorrect, samples),
    topK: Math.min(5, k),
    loss: input.lossSum === undefined || samples === 0 ? null : input.lossSum / samples,
    meanClassAccuracy: mean(withSamples.map((c) => c.recall)),
    macroPrecision: mean(present.map((c) => c.precision)),
    macroRecall: mean(present.map((c) => c.recall)),
    macroF1: mean(present.map((c) => c.f1)),
    perClass,
    confusion: { counts, normalized: counts.map((row, i) => row.map((v) => ratio(v, support[i]!))) },
  };
}

/** Accumulates predictions batch by batch. */
export class ConfusionAccumulator {
  readonly counts: number[][];
  topKCorrect = 0;
  lossSum = 0;
  readonly topK: number;

  constructor(readonly classNames: readonly string[]) {
    const k = classNames.length;
    this.counts = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    this.topK = Math.min(5, k);
  }

  /**
   * `logits` row-major [n, K]; adds each sample's arg-max to the matrix, its top-k hit and its
   * cross-entropy (computed here in float64 from the logits).
   */
  add(logits: Float32Array | readonly number[], labels: Int32Array | readonly number[], n: number): void {
    const k = this.classNames.length;
    if (logits.length < n * k || labels.length < n) throw new RangeError(`expected ${n}×${k} logits and ${n} labels`);
    for (let s = 0; s < n; s++) {
      const label = labels[s]!;
      if (!(label >= 0 && label < k)) throw new RangeError(`test label ${label} is outside the ${k} classes`);
      const row = Array.from({ length: k }, (_, j) => Number(logits[s * k + j]));
      let best = 0;
      for (let j = 1; j < k; j++) if (row[j]! > row[best]!) best = j;
      this.counts[label]![best]! += 1;
      // Top-k: fewer than k logits strictly above the label's (ties count in the label's favour).
      const above = row.filter((v) => v > row[label]!).length;
      if (above < this.topK) this.topKCorrect += 1;
      const max = row[best]!;
      const logSumExp = max + Math.log(row.reduce((acc, v) => acc + Math.exp(v - max), 0));
      this.lossSum += logSumExp - row[label]!;
    }
  }

  metrics(): ClassificationMetrics {
    return classificationMetrics({ classNames: this.classNames, confusion: this.counts, topKCorrect: this.topKCorrect, lossSum: this.lossSum });
  }
}
