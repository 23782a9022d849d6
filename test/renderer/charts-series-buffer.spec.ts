import { describe, expect, it } from 'vitest';
import type { MetricsColumns } from '@contract/api';
import { GrowableColumn } from '../../renderer/src/charts/growable-column.js';
import { SeriesBuffer } from '../../renderer/src/charts/series-buffer.js';
import { XColumns } from '../../renderer/src/charts/x-axis.js';

function columns(steps: number[], series: Record<string, (number | null)[]>, extra: Partial<MetricsColumns> = {}): MetricsColumns {
  return { step: steps, epoch: steps.map(() => 0), time: steps.map((s) => 1_700_000_000_000 + s * 1000), series, ...extra };
}

describe('GrowableColumn', () => {
  it('grows by doubling and keeps every value', () => {
    const column = new GrowableColumn(2);
    for (let i = 0; i < 1000; i += 1) column.push(i);
    expect(column.length).toBe(1000);
    expect(column.capacity).toBe(1024);
    expect(column.at(999)).toBe(999);
    expect(column.view().length).toBe(1000);
  });

  it('keeps running statistics of finite values', () => {
    const column = new GrowableColumn();
    column.push(3);
    column.push(Number.NaN);
    column.push(-2);
    column.push(5);
    column.pushGap(2);
    expect(column.length).toBe(6);
    expect(column.stats()).toEqual({ finiteCount: 3, min: -2, max: 5, last: 5 });
    expect(new GrowableColumn().stats().finiteCount).toBe(0);
  });
});

describe('SeriesBuffer', () => {
  it('appends history then live rows without duplicates or gaps', () => {
    const buffer = new SeriesBuffer();
    expect(buffer.append(columns([1, 2, 3], { 'loss/total': [3, 2.5, 2] }))).toBe(3);
    // A live batch that overlaps the history (it arrived while the history loaded).
    expect(buffer.append(columns([2, 3, 4, 5], { 'loss/total': [9, 9, 1.8, 1.7] }))).toBe(2);
    expect(Array.from(buffer.step.view())).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(buffer.series('loss/total')!.view())).toEqual([3, 2.5, 2, 1.8, 1.7]);
    expect(buffer.lastStep).toBe(5);
    expect(buffer.append(columns([5], { 'loss/total': [0] }))).toBe(0);
  });

  it('drops rows that go backwards inside one batch', () => {
    const buffer = new SeriesBuffer();
    buffer.append(columns([1, 3, 2, 4], { lr: [0.1, 0.3, 0.2, 0.4] }));
    expect(Array.from(buffer.step.view())).toEqual([1, 3, 4]);
    expect(Array.from(buffer.series('lr')!.view())).toEqual([0.1, 0.3, 0.4]);
  });

  it('aligns a series that starts late and one that stops, with gaps', () => {
    const buffer = new SeriesBuffer();
    buffer.append(columns([1, 2], { lr: [0.1, 0.2] }));
    buffer.append(columns([3], { lr: [0.3], regionScore: [0.42] }));
    buffer.append(columns([4], { regionScore: [0.5] }));
    const score = Array.from(buffer.series('regionScore')!.view());
    expect(score.slice(0, 2).every(Number.isNaN)).toBe(true);
    expect(score.slice(2)).toEqual([0.42, 0.5]);
    const lr = Array.from(buffer.series('lr')!.view());
    expect(lr.slice(0, 3)).toEqual([0.1, 0.2, 0.3]);
    expect(Number.isNaN(lr[3]!)).toBe(true);
    expect(buffer.seriesKeys()).toEqual(['lr', 'regionScore']);
  });

  it('stores nulls as NaN', () => {
    const buffer = new SeriesBuffer();
    buffer.append(columns([1, 2], { 'loss/total': [null, 1] }, { epoch: [null, 0], time: [null, 5] }));
    expect(Number.isNaN(buffer.series('loss/total')!.at(0))).toBe(true);
    expect(Number.isNaN(buffer.epoch.at(0))).toBe(true);
    expect(Number.isNaN(buffer.time.at(0))).toBe(true);
  });
});

describe('x-axis columns', () => {
  it('step mode is the step column', () => {
    const buffer = new SeriesBuffer();
    buffer.append(columns([10, 20], { lr: [1, 2] }));
    expect(Array.from(new XColumns(buffer).get('step'))).toEqual([10, 20]);
  });

  it('epoch mode is fractional when the trainer logs the iteration, else the epoch number', () => {
    const fractional = new SeriesBuffer();
    fractional.append(columns([1, 2, 3], { iteration: [0, 1, 0], iterationsPerEpoch: [2, 2, 2] }, { epoch: [0, 0, 1] }));
    expect(Array.from(new XColumns(fractional).get('epoch'))).toEqual([0, 0.5, 1]);

    const whole = new SeriesBuffer();
    whole.append(columns([1, 2, 3], { lr: [1, 1, 1] }, { epoch: [0, 0, 1] }));
    expect(Array.from(new XColumns(whole).get('epoch'))).toEqual([0, 0, 1]);
  });

  it('time mode is seconds since the first timed record, kept non-decreasing', () => {
    const buffer = new SeriesBuffer();
    buffer.append(columns([1, 2, 3, 4], { lr: [1, 1, 1, 1] }, { time: [null, 10_000, 12_500, 11_000] }));
    const x = new XColumns(buffer);
    expect(x.hasTime()).toBe(true);
    // No time on the first record: it sits at 0; the clock stepping back never makes x decrease.
    expect(Array.from(x.get('time'))).toEqual([0, 0, 2.5, 2.5]);
  });

  it('extends cached columns as the buffer grows', () => {
    const buffer = new SeriesBuffer();
    const x = new XColumns(buffer);
    buffer.append(columns([1, 2], { lr: [1, 1] }, { epoch: [0, 0] }));
    expect(x.get('epoch').length).toBe(2);
    buffer.append(columns([3], { lr: [1] }, { epoch: [1] }));
    expect(Array.from(x.get('epoch'))).toEqual([0, 0, 1]);
    expect(new XColumns(new SeriesBuffer()).hasTime()).toBe(false);
  });
});

describe('fractional epochs from the run\'s iterations per epoch', () => {
  it('places steps inside their epoch when the metrics carry no iteration column', () => {
    const buffer = new SeriesBuffer();
    buffer.append(columns([1, 2, 3, 4, 5], { lr: [1, 1, 1, 1, 1] }, { epoch: [0, 0, 0, 0, 1] }));
    const x = new XColumns(buffer);
    x.setIterationsPerEpoch(4);
    expect(Array.from(x.get('epoch'))).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('falls back to the epoch number where the inference does not fit', () => {
    const buffer = new SeriesBuffer();
    // Steps that do not line up with 4 iterations per epoch (e.g. a run with a start epoch).
    buffer.append(columns([50, 51], { lr: [1, 1] }, { epoch: [2, 2] }));
    const x = new XColumns(buffer);
    x.setIterationsPerEpoch(4);
    expect(Array.from(x.get('epoch'))).toEqual([2, 2]);
  });
});
