/**
 * Evaluation metrics against hand-made confusion matrices: a perfect classifier, a known mixed
 * case worked out by hand, a class nothing is predicted as, a class with no test samples, an
 * empty evaluation; top-k and the cross-entropy of the accumulator. Never NaN.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classificationMetrics, ConfusionAccumulator, type ClassificationMetrics } from '../../../trainer/finetune/evaluation.js';

const close = (a: number, b: number, label: string) => assert.ok(Math.abs(a - b) < 1e-12, `${label}: ${a} vs ${b}`);

function assertNoNaN(m: ClassificationMetrics): void {
  const numbers = JSON.stringify(m, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? 'NOT-FINITE' : v));
  assert.ok(!numbers.includes('NOT-FINITE'), numbers);
}

describe('classification metrics', () => {
  it('a perfect classifier: everything 1, identity confusion', () => {
    const m = classificationMetrics({ classNames: ['a', 'b', 'c'], confusion: [[3, 0, 0], [0, 2, 0], [0, 0, 5]] });
    assert.equal(m.samples, 10);
    for (const key of ['top1', 'top5', 'meanClassAccuracy', 'macroPrecision', 'macroRecall', 'macroF1'] as const) close(m[key], 1, key);
    assert.deepEqual(m.confusion.normalized, [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    assert.equal(m.topK, 3);
  });

  it('a mixed case worked out by hand', () => {
    // rows = true class; a: 4 samples (3 right), b: 4 (2 right), c: 2 (1 right)
    const m = classificationMetrics({ classNames: ['a', 'b', 'c'], confusion: [[3, 1, 0], [1, 2, 1], [0, 1, 1]], topKCorrect: 9, lossSum: 5 });
    close(m.top1, 6 / 10, 'top1');
    close(m.top5, 9 / 10, 'top-k');
    close(m.loss!, 0.5, 'mean loss');
    const [a, b, c] = m.perClass;
    // predicted counts: a 4, b 4, c 2
    close(a!.precision, 3 / 4, 'P(a)'); close(a!.recall, 3 / 4, 'R(a)'); close(a!.f1, 3 / 4, 'F1(a)');
    close(b!.precision, 2 / 4, 'P(b)'); close(b!.recall, 2 / 4, 'R(b)'); close(b!.f1, 1 / 2, 'F1(b)');
    close(c!.precision, 1 / 2, 'P(c)'); close(c!.recall, 1 / 2, 'R(c)'); close(c!.f1, 1 / 2, 'F1(c)');
    close(m.meanClassAccuracy, (3 / 4 + 1 / 2 + 1 / 2) / 3, 'mean class accuracy');
    close(m.macroF1, (3 / 4 + 1 / 2 + 1 / 2) / 3, 'macro F1');
    assert.deepEqual(m.confusion.normalized[1], [0.25, 0.5, 0.25]);
    assert.deepEqual(a, { name: 'a', support: 4, predicted: 4, truePositives: 3, precision: 0.75, recall: 0.75, f1: 0.75 });
  });

  it('a class nothing is predicted as: precision 0, F1 0, counted in the macro averages', () => {
    const m = classificationMetrics({ classNames: ['a', 'b'], confusion: [[2, 0], [2, 0]] });
    const b = m.perClass[1]!;
    assert.deepEqual([b.predicted, b.precision, b.recall, b.f1], [0, 0, 0, 0]);
    close(m.perClass[0]!.precision, 0.5, 'P(a)');
    close(m.perClass[0]!.f1, 2 / 3, 'F1(a)');
    close(m.macroF1, (2 / 3 + 0) / 2, 'macro F1');
    close(m.meanClassAccuracy, (1 + 0) / 2, 'mean class accuracy');
    assertNoNaN(m);
  });

  it('a class with no test samples: recall 0, zero row, left out of mean class accuracy', () => {
    const m = classificationMetrics({ classNames: ['a', 'b', 'c'], confusion: [[2, 0, 0], [1, 1, 0], [0, 0, 0]] });
    const c = m.perClass[2]!;
    assert.deepEqual([c.support, c.predicted, c.recall, c.precision, c.f1], [0, 0, 0, 0, 0]);
    assert.deepEqual(m.confusion.normalized[2], [0, 0, 0]);
    close(m.meanClassAccuracy, (1 + 0.5) / 2, 'mean class accuracy over the classes with samples');
    // c is neither a label nor a prediction: outside the macro averages (scikit-learn's "labels present").
    close(m.macroRecall, (1 + 0.5) / 2, 'macro recall');
    assertNoNaN(m);
  });

  it('a class that is predicted but never true counts in the macro precision with 0', () => {
    const m = classificationMetrics({ classNames: ['a', 'b'], confusion: [[1, 1], [0, 0]] });
    close(m.perClass[1]!.precision, 0, 'P(b)');
    close(m.macroPrecision, (1 + 0) / 2, 'macro precision');
    close(m.meanClassAccuracy, 0.5, 'mean class accuracy (only a has samples)');
  });

  it('no samples at all: every rate 0, loss null', () => {
    const m = classificationMetrics({ classNames: ['a', 'b'], confusion: [[0, 0], [0, 0]], lossSum: 0 });
    assert.equal(m.samples, 0);
    for (const key of ['top1', 'top5', 'meanClassAccuracy', 'macroPrecision', 'macroRecall', 'macroF1'] as const) assert.equal(m[key], 0, key);
    assert.equal(m.loss, null);
    assertNoNaN(m);
  });

  it('refuses a matrix of the wrong size or with non-count entries', () => {
    assert.throws(() => classificationMetrics({ classNames: ['a', 'b'], confusion: [[1, 0, 0], [0, 1, 0]] }), /2×2/);
    assert.throws(() => classificationMetrics({ classNames: ['a', 'b'], confusion: [[1, 0.5], [0, 1]] }), /non-negative integers/);
  });
});

describe('confusion accumulator', () => {
  it('arg-max predictions, top-k with k = min(5, K), float64 cross-entropy', () => {
    const names = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
    const acc = new ConfusionAccumulator(names);
    assert.equal(acc.topK, 5);
    // sample 0: label 2 is the arg-max; sample 1: label 0 is 6th (outside the top 5); sample 2: label 6 is 3rd.
    const logits = [
      [0, 0, 5, 0, 0, 0, 0],
      [-1, 6, 5, 4, 3, 2, 1],
      [0, 9, 0, 0, 0, 0, 8.5].map((v, i) => (i === 2 ? 9.2 : v)),
    ];
    acc.add(logits.flat(), [2, 0, 6], 3);
    const m = acc.metrics();
    close(m.top1, 1 / 3, 'top1');
    close(m.top5, 2 / 3, 'top5');
    assert.equal(m.confusion.counts[0]![1], 1);
    assert.equal(m.confusion.counts[6]![2], 1);
    const ce = (row: number[], label: number) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[label]!;
    close(m.loss!, (ce(logits[0]!, 2) + ce(logits[1]!, 0) + ce(logits[2]!, 6)) / 3, 'loss');
  });

  it('refuses labels outside the classes', () => {
    const acc = new ConfusionAccumulator(['a', 'b']);
    assert.throws(() => acc.add([0, 1], [2], 1), /outside the 2 classes/);
  });
});
