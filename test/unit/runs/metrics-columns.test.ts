/**
 * Metrics records → columns: the series names of the contract (loss/<term>, lr, …, regionScore
 * from the region probe), nested numbers flattened with "/", nulls for missing or non-finite
 * values, series that appear late back-filled, and live rounding equal to the metrics log's.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { columnsFromRecords, MetricsColumnsBuilder } from '../../../electron/services/runs/metrics-columns.js';
import type { MetricsRecord } from '../../../trainer/run/run-format.js';

const pretrainStep = (step: number, extra: Record<string, unknown> = {}): MetricsRecord =>
  ({
    step,
    epoch: 0,
    iteration: step - 1,
    iterationsPerEpoch: 10,
    losses: { total: 4 - step / 10, global: 2, region: 1.5 },
    lr: 0.5,
    emaMomentum: 0.996,
    secondsPerStep: 0.25,
    imagesPerSecond: 16,
    tfjsBytes: 1000,
    rssBytes: 2000,
    time: 1_700_000_000_000 + step,
    ...extra,
  }) as MetricsRecord;

describe('metrics columns', () => {
  it('names the series as the contract does, loss terms first, positions left out', () => {
    const columns = columnsFromRecords([pretrainStep(1), pretrainStep(2)]);
    assert.deepEqual(columns.step, [1, 2]);
    assert.deepEqual(columns.epoch, [0, 0]);
    assert.deepEqual(columns.time, [1_700_000_000_001, 1_700_000_000_002]);
    assert.deepEqual(Object.keys(columns.series), ['loss/total', 'loss/global', 'loss/region', 'lr', 'emaMomentum', 'imagesPerSecond', 'secondsPerStep', 'rssBytes', 'tfjsBytes']);
    assert.deepEqual(columns.series['loss/total'], [3.9, 3.8]);
    assert.ok(!('iteration' in columns.series) && !('iterationsPerEpoch' in columns.series));
  });

  it('takes regionScore from the region probe (nmi) and keeps its other scores, back-filling rows before it', () => {
    const region = { nmi: 0.4, foregroundNmi: 0.3, meanBestIoU: 0.2, imageSize: 112, gridSize: 4 };
    const columns = columnsFromRecords([pretrainStep(1), pretrainStep(2, { region }), pretrainStep(3)]);
    assert.deepEqual(columns.series['regionScore'], [null, 0.4, null]);
    assert.deepEqual(columns.series['region/foregroundNmi'], [null, 0.3, null]);
    assert.deepEqual(columns.series['region/meanBestIoU'], [null, 0.2, null]);
    assert.ok(!('region/imageSize' in columns.series), 'probe settings are not series');
    assert.deepEqual(columnsFromRecords([pretrainStep(1, { regionScore: 0.7 })]).series['regionScore'], [0.7]);
  });

  it('flattens nested numbers (fine-tuning) and turns missing, null and non-numeric values into null', () => {
    const records = [
      { step: 1, train: { loss: 1.2, accuracy: 0.5 }, phase: 'train' },
      { step: 2, val: { top1: 0.61, top5: 0.9, perClass: [1, 2] }, lr: null },
      { step: 3, train: { loss: 0.9, accuracy: Number.NaN } },
    ] as unknown as MetricsRecord[];
    const columns = columnsFromRecords(records);
    assert.deepEqual(columns.epoch, [null, null, null]);
    assert.deepEqual(columns.time, [null, null, null]);
    assert.deepEqual(columns.series['train/loss'], [1.2, null, 0.9]);
    assert.deepEqual(columns.series['train/accuracy'], [0.5, null, null]);
    assert.deepEqual(columns.series['val/top1'], [null, 0.61, null]);
    assert.deepEqual(columns.series['lr'], [null, null, null]);
    assert.ok(!('phase' in columns.series) && !('val/perClass' in columns.series));
    for (const values of Object.values(columns.series)) assert.equal(values.length, 3);
  });

  it('rounds live values exactly as metrics.jsonl stores them (9 significant digits)', () => {
    const builder = new MetricsColumnsBuilder({ roundLikeMetricsLog: true });
    builder.add(pretrainStep(1, { losses: { total: 4.123456789123 }, rssBytes: 123456789012 }));
    const columns = builder.build();
    assert.deepEqual(columns.series['loss/total'], [4.12345679]);
    assert.deepEqual(columns.series['rssBytes'], [123456789012], 'integers are exact');
    const stored = JSON.parse(JSON.stringify({ v: Number((4.123456789123).toPrecision(9)) })) as { v: number };
    assert.equal(columns.series['loss/total']![0], stored.v);
  });

  it('keeps the first value when two keys name the same series, and pads every series every row', () => {
    const records = [
      { step: 1, losses: { total: 1 }, 'loss/total': 99, val: { top1: 0.5 } },
      { step: 2, 'loss/total': 7, lr: 0.1 },
      { step: 3, losses: { total: 3 }, 'val/top1': 0.7, val: { top1: 0.6 } },
    ] as unknown as MetricsRecord[];
    const columns = columnsFromRecords(records);
    assert.deepEqual(columns.series['loss/total'], [1, 7, 3]);
    assert.deepEqual(columns.series['val/top1'], [0.5, null, 0.7]);
    assert.deepEqual(columns.series['lr'], [null, 0.1, null]);
    assert.deepEqual(Object.keys(columns.series), ['loss/total', 'lr', 'val/top1']);
  });
});
