/**
 * runs.metrics over real metrics.jsonl files: a 200,000-step log read whole and from a step on
 * (afterStep, found by binary search), the row limit, and damaged files — a torn last line and
 * invalid lines in the middle are skipped, not fatal, and counted.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryMetricsColumns } from '../../../electron/services/runs/metrics-query.js';

const ROWS = 200_000;

function line(step: number): string {
  return JSON.stringify({ step, epoch: Math.floor((step - 1) / 1000), losses: { total: 1 / step }, lr: 0.1, time: 1_700_000_000_000 + step * 250 }) + '\n';
}

describe('metrics query', () => {
  let dir: string;
  let big: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fra-metrics-query-'));
    big = join(dir, 'big');
    await mkdir(big);
    const chunks: string[] = [];
    for (let step = 1; step <= ROWS; step++) chunks.push(line(step));
    await writeFile(join(big, 'metrics.jsonl'), chunks.join(''));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads 200,000 steps as columns', async () => {
    const result = await queryMetricsColumns(big, { afterStep: 0, limit: 2_000_000 });
    assert.equal(result.columns.step.length, ROWS);
    assert.equal(result.lastStep, ROWS);
    assert.equal(result.truncated, false);
    assert.equal(result.invalidLines, 0);
    assert.equal(result.columns.step[12_345], 12_346);
    assert.equal(result.columns.series['loss/total']![ROWS - 1], 1 / ROWS);
    assert.equal(result.columns.epoch[ROWS - 1], 199);
    assert.equal(result.columns.time[0], 1_700_000_000_250);
    for (const values of Object.values(result.columns.series)) assert.equal(values.length, ROWS);
  });

  it('answers from a step on, and honours the limit', async () => {
    const tail = await queryMetricsColumns(big, { afterStep: 150_000, limit: 2_000_000 });
    assert.equal(tail.columns.step.length, 50_000);
    assert.equal(tail.columns.step[0], 150_001);
    assert.equal(tail.lastStep, ROWS);

    const page = await queryMetricsColumns(big, { afterStep: 199_990, limit: 4 });
    assert.deepEqual(page.columns.step, [199_991, 199_992, 199_993, 199_994]);
    assert.equal(page.truncated, true);
    assert.equal(page.lastStep, 199_994);

    const none = await queryMetricsColumns(big, { afterStep: ROWS, limit: 10 });
    assert.deepEqual(none.columns.step, []);
    assert.equal(none.lastStep, ROWS, 'nothing new: lastStep stays where the caller was');
    assert.equal(none.truncated, false);
  });

  it('skips invalid lines and a torn last line, and counts the invalid ones', async () => {
    const damaged = join(dir, 'damaged');
    await mkdir(damaged);
    const path = join(damaged, 'metrics.jsonl');
    await writeFile(path, line(1) + line(2) + '\0\0\0\0\n' + 'not json\n' + line(3) + line(4));
    await appendFile(path, '{"step":5,"losses":{"tot');
    const all = await queryMetricsColumns(damaged, { afterStep: 0, limit: 100 });
    assert.deepEqual(all.columns.step, [1, 2, 3, 4]);
    assert.equal(all.invalidLines, 2);
    assert.equal(all.lastStep, 4);
    const after2 = await queryMetricsColumns(damaged, { afterStep: 2, limit: 100 });
    assert.deepEqual(after2.columns.step, [3, 4]);
  });

  it('answers an empty or missing log with no rows', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    assert.deepEqual((await queryMetricsColumns(empty, { afterStep: 0, limit: 10 })).columns, { step: [], epoch: [], time: [], series: {} });
    await writeFile(join(empty, 'metrics.jsonl'), '');
    assert.equal((await queryMetricsColumns(empty, { afterStep: 5, limit: 10 })).lastStep, 5);
  });
});
