/**
 * The metrics log: appends are whole lines, steps strictly increase, readers tolerate (and
 * report) a torn last line and invalid lines, seek by step, stream in bounded chunks, rewind for
 * a resume without losing lines, and a follower returns only new complete lines.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsWriter, parseMetricsLine, readAllMetrics, readLastMetricsRecord, readMetrics, rewindMetrics } from '../../../trainer/run/metrics-log.js';
import { MetricsFollower, type MetricsUpdate } from '../../../trainer/run/metrics-follow.js';
import { RunStorageError } from '../../../trainer/run/disk-errors.js';
import { isPlainMetricsRecord, metricsRecordSchema, type MetricsRecord } from '../../../trainer/run/run-format.js';

function record(step: number): MetricsRecord {
  return {
    step,
    epoch: Math.floor((step - 1) / 100),
    iteration: (step - 1) % 100,
    iterationsPerEpoch: 100,
    losses: { total: (500 + step) / 1000, global: (250 + step) / 1000 },
    lr: 0.1,
    emaMomentum: 0.996,
    secondsPerStep: 0.25,
    imagesPerSecond: 512,
    tfjsBytes: 1000 + step,
    rssBytes: 2000 + step,
  };
}

function linesOf(from: number, to: number): string {
  let text = '';
  for (let step = from; step <= to; step++) text += JSON.stringify(record(step)) + '\n';
  return text;
}

describe('metrics log', () => {
  let root: string;
  let n = 0;
  const freshRun = async (): Promise<string> => {
    const dir = join(root, `run-${n++}`);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    return dir;
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fra-metrics-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('appends one parseable line per step and reads them back', async () => {
    const dir = await freshRun();
    const writer = await MetricsWriter.open(dir);
    for (let step = 1; step <= 50; step++) writer.append(record(step));
    await writer.close();
    const text = await readFile(join(dir, 'metrics.jsonl'), 'utf8');
    const lines = text.split('\n');
    assert.equal(lines.pop(), '', 'the file ends with a newline');
    assert.equal(lines.length, 50);
    assert.deepEqual(JSON.parse(lines[9]!), record(10));
    const { records, report } = await readAllMetrics(dir);
    assert.deepEqual(records, Array.from({ length: 50 }, (_, i) => record(i + 1)));
    assert.equal(report.lastStep, 50);
    assert.equal(report.invalidLines, 0);
    assert.equal(report.incompleteLastLine, undefined);
    assert.equal(report.endOffset, Buffer.byteLength(text));
  });

  it('stores non-integers with 9 significant digits: exact for float32 values, integers untouched', async () => {
    const dir = await freshRun();
    const writer = await MetricsWriter.open(dir);
    const loss = Math.fround(Math.PI / 7); // a float32 value, as tfjs returns it
    writer.append({ step: 1, losses: { total: loss }, lr: 1 / 3, tfjsBytes: 12_345_678_901, secondsPerStep: 0.25 });
    await writer.close();
    const line = (await readFile(join(dir, 'metrics.jsonl'), 'utf8')).trim();
    assert.equal(line, `{"step":1,"losses":{"total":${Number(loss.toPrecision(9))}},"lr":0.333333333,"tfjsBytes":12345678901,"secondsPerStep":0.25}`);
    const [read] = (await readAllMetrics(dir)).records;
    assert.equal(Math.fround(read!.losses!['total']!), loss, 'the float32 value round-trips exactly');
  });

  it('accepts on its fast path only what the schema accepts', () => {
    const samples: unknown[] = [
      record(1),
      { step: 1 },
      { step: 1, extra: 'kept', losses: {} },
      { step: 1, losses: { total: null }, lr: null },
      { step: 0 },
      { step: 1.5 },
      { step: 2 ** 60 },
      { step: '1' },
      { step: 1, epoch: -1 },
      { step: 1, iterationsPerEpoch: 0 },
      { step: 1, losses: [] },
      { step: 1, losses: { total: '1' } },
      { step: 1, lr: '0.1' },
      [],
      null,
      'x',
    ];
    for (const sample of samples) {
      const fast = isPlainMetricsRecord(sample);
      const schema = metricsRecordSchema.safeParse(sample).success;
      if (fast) assert.ok(schema, `fast path accepted ${JSON.stringify(sample)} but the schema does not`);
      assert.equal(parseMetricsLine(JSON.stringify(sample)).ok, schema, JSON.stringify(sample));
    }
  });

  it('writes NaN and Infinity as null (JSON has neither) and reads them back', async () => {
    const dir = await freshRun();
    const writer = await MetricsWriter.open(dir, { syncIntervalMs: 0 });
    writer.append({ step: 1, losses: { total: Number.NaN, global: Number.POSITIVE_INFINITY }, lr: 0.1 });
    await writer.close();
    const { records } = await readAllMetrics(dir);
    assert.deepEqual(records, [{ step: 1, losses: { total: null, global: null }, lr: 0.1 }]);
  });

  it('refuses a step that does not follow the last one, also across reopen', async () => {
    const dir = await freshRun();
    const writer = await MetricsWriter.open(dir);
    writer.append(record(1));
    writer.append(record(2));
    assert.throws(() => writer.append(record(2)), /step 2 does not follow step 2/);
    await writer.close();
    const again = await MetricsWriter.open(dir);
    assert.equal(again.lastStep, 2);
    assert.throws(() => again.append(record(1)), /strictly increase/);
    again.append(record(3));
    await again.close();
    assert.throws(() => again.append(record(4)), /closed/);
  });

  it('ignores and reports a torn last line; the next writer cuts it off before appending', async () => {
    const dir = await freshRun();
    const complete = linesOf(1, 20);
    const torn = JSON.stringify(record(21)).slice(0, 37);
    await writeFile(join(dir, 'metrics.jsonl'), complete + torn);

    const { records, report } = await readAllMetrics(dir);
    assert.equal(records.length, 20);
    assert.deepEqual(report.incompleteLastLine, { offset: Buffer.byteLength(complete), bytes: Buffer.byteLength(torn) });
    assert.equal(report.invalidLines, 0);
    assert.equal((await readLastMetricsRecord(dir))?.step, 20);

    const writer = await MetricsWriter.open(dir);
    assert.deepEqual(writer.repair, { action: 'truncated', offset: Buffer.byteLength(complete), bytes: Buffer.byteLength(torn) });
    assert.equal(writer.lastStep, 20);
    writer.append(record(21));
    await writer.close();
    assert.equal(await readFile(join(dir, 'metrics.jsonl'), 'utf8'), linesOf(1, 21));
  });

  it('keeps a complete last record that only lacks its newline (a hand-edited file)', async () => {
    const dir = await freshRun();
    await writeFile(join(dir, 'metrics.jsonl'), linesOf(1, 3) + JSON.stringify(record(4)));
    const { records, report } = await readAllMetrics(dir);
    assert.deepEqual(records.map((r) => r.step), [1, 2, 3, 4]);
    assert.equal(report.incompleteLastLine, undefined);
    const writer = await MetricsWriter.open(dir);
    assert.equal(writer.repair.action, 'terminated');
    writer.append(record(5));
    await writer.close();
    assert.equal(await readFile(join(dir, 'metrics.jsonl'), 'utf8'), linesOf(1, 5));
  });

  it('skips and reports complete lines that are not records (e.g. zero-filled blocks after a power cut)', async () => {
    const dir = await freshRun();
    await writeFile(join(dir, 'metrics.jsonl'), linesOf(1, 2) + '\0\0\0\0\n' + '{"step":"three"}\n' + '\n' + linesOf(3, 4));
    const { records, report } = await readAllMetrics(dir);
    assert.deepEqual(records.map((r) => r.step), [1, 2, 3, 4]);
    assert.equal(report.invalidLines, 3);
    assert.match(report.invalidExamples[0]!.reason, /not JSON: "\\\\0\\\\0\\\\0\\\\0"/);
    assert.match(report.invalidExamples[1]!.reason, /step/);
    assert.equal(report.invalidExamples[2]!.reason, 'empty line');
  });

  it('reads identically with tiny chunks (lines spanning chunk boundaries)', async () => {
    const dir = await freshRun();
    await writeFile(join(dir, 'metrics.jsonl'), linesOf(1, 300) + '{"step":301,"lo');
    const big = await readAllMetrics(dir);
    const tiny = await readAllMetrics(dir, { chunkBytes: 7 });
    assert.deepEqual(tiny.records, big.records);
    assert.equal(tiny.records.length, 300);
    assert.deepEqual(tiny.report, big.report);
  });

  it('seeks to fromStep by binary search and stops at toStep', async () => {
    const dir = await freshRun();
    // Invalid lines sprinkled in must not derail the search.
    let text = '';
    for (let step = 1; step <= 5000; step++) {
      text += JSON.stringify(record(step)) + '\n';
      if (step % 997 === 0) text += 'garbage\n';
    }
    await writeFile(join(dir, 'metrics.jsonl'), text);
    for (const from of [1, 2, 996, 997, 998, 2500, 4999, 5000]) {
      const { records } = await readAllMetrics(dir, { fromStep: from, toStep: from + 3 });
      assert.deepEqual(
        records.map((r) => r.step),
        [from, from + 1, from + 2, from + 3].filter((s) => s <= 5000),
        `fromStep ${from}`,
      );
    }
    assert.equal((await readAllMetrics(dir, { fromStep: 5001 })).records.length, 0);
    assert.equal((await readAllMetrics(dir, { fromStep: 0 })).records.length, 5000);
    // Reading from the middle never touches the first part: of the five garbage lines only the one after step 4985 is seen.
    const tail = readMetrics(dir, { fromStep: 4500 });
    let count = 0;
    for await (const r of tail) {
      assert.ok(r.step >= 4500);
      count++;
    }
    assert.equal(count, 501);
    assert.equal(tail.report.invalidLines, 1);
  });

  it('reads a file that does not exist as empty', async () => {
    const dir = await freshRun();
    const { records, report } = await readAllMetrics(dir);
    assert.deepEqual(records, []);
    assert.equal(report.lastStep, undefined);
    assert.equal(await readLastMetricsRecord(dir), undefined);
  });

  it('rewinds for a resume: later steps move to metrics.superseded.jsonl, nothing is lost', async () => {
    const dir = await freshRun();
    await writeFile(join(dir, 'metrics.jsonl'), linesOf(1, 40) + '{"step":41,');
    const writer = await MetricsWriter.open(dir, { resumeAfterStep: 30 });
    assert.equal(writer.lastStep, 30);
    assert.deepEqual(writer.rewind, { movedLines: 10, movedBytes: Buffer.byteLength(linesOf(31, 40)), firstMovedStep: 31, lastMovedStep: 40 });
    for (let step = 31; step <= 35; step++) writer.append(record(step));
    await writer.close();
    assert.equal(await readFile(join(dir, 'metrics.jsonl'), 'utf8'), linesOf(1, 35));
    assert.equal(await readFile(join(dir, 'metrics.superseded.jsonl'), 'utf8'), linesOf(31, 40));
    const superseded = await readAllMetrics(dir, { file: 'metrics.superseded.jsonl' });
    assert.deepEqual(superseded.records.map((r) => r.step), [31, 32, 33, 34, 35, 36, 37, 38, 39, 40]);
    // Nothing after the checkpoint: nothing moves.
    assert.deepEqual(await rewindMetrics(dir, 35), { movedLines: 0, movedBytes: 0, firstMovedStep: undefined, lastMovedStep: undefined });
  });

  it('turns a full disk into a clear error, not a crash (append to /dev/full)', async () => {
    const dir = await freshRun();
    await symlink('/dev/full', join(dir, 'metrics.jsonl'));
    const writer = await MetricsWriter.open(dir);
    assert.throws(
      () => writer.append(record(1)),
      (error: unknown) => {
        assert.ok(error instanceof RunStorageError);
        assert.equal(error.code, 'disk-full');
        assert.match(error.message, /The disk holding .*metrics\.jsonl is full\. Free space or move the workspace/);
        return true;
      },
    );
    assert.equal(writer.lastStep, 0, 'a failed append does not count');
  });

  it('flushes on demand and with syncIntervalMs 0 after every line', async () => {
    const dir = await freshRun();
    const writer = await MetricsWriter.open(dir, { syncIntervalMs: 0 });
    for (let step = 1; step <= 5; step++) writer.append(record(step));
    await writer.flush();
    await writer.flush();
    assert.equal((await readLastMetricsRecord(dir))?.step, 5);
    await writer.close();
    await writer.close();
  });
});

describe('metrics follower', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fra-follow-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('returns history, then only new complete lines; holds back a line still being written', async () => {
    const dir = join(root, 'a');
    await mkdir(dir);
    const follower = new MetricsFollower(dir);
    assert.deepEqual((await follower.poll()).records, [], 'no file yet');
    await writeFile(join(dir, 'metrics.jsonl'), linesOf(1, 10));
    assert.deepEqual((await follower.poll()).records.map((r) => r.step), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual((await follower.poll()).records, []);
    const line11 = JSON.stringify(record(11)) + '\n';
    await appendFile(join(dir, 'metrics.jsonl'), line11.slice(0, 20));
    assert.deepEqual((await follower.poll()).records, [], 'half a line is not returned');
    await appendFile(join(dir, 'metrics.jsonl'), line11.slice(20) + linesOf(12, 12));
    assert.deepEqual((await follower.poll()).records.map((r) => r.step), [11, 12]);
  });

  it('caps a poll at maxRecords and says there is more', async () => {
    const dir = join(root, 'b');
    await mkdir(dir);
    await writeFile(join(dir, 'metrics.jsonl'), linesOf(1, 25));
    const follower = new MetricsFollower(dir, { maxRecords: 10, fromStep: 3 });
    const steps: number[] = [];
    let update: MetricsUpdate;
    do {
      update = await follower.poll();
      steps.push(...update.records.map((r) => r.step));
    } while (update.more);
    assert.deepEqual(steps, Array.from({ length: 23 }, (_, i) => i + 3));
  });

  it('resets when a resume rewound the file under it', async () => {
    const dir = join(root, 'c');
    await mkdir(dir);
    await writeFile(join(dir, 'metrics.jsonl'), linesOf(1, 20));
    const follower = new MetricsFollower(dir);
    assert.equal((await follower.poll()).records.length, 20);
    const writer = await MetricsWriter.open(dir, { resumeAfterStep: 15 });
    for (let step = 16; step <= 30; step++) writer.append({ ...record(step), lr: 0.2 });
    await writer.close();
    const update = await follower.poll();
    assert.equal(update.reset, true);
    assert.deepEqual(update.records.map((r) => r.step), Array.from({ length: 30 }, (_, i) => i + 1));
    assert.equal(update.records[20]!.lr, 0.2, 'the re-trained steps are the new ones');
    assert.equal((await follower.poll()).reset, false);
  });

  it('start() delivers appended lines without being polled by hand', async () => {
    const dir = join(root, 'd');
    await mkdir(dir);
    await writeFile(join(dir, 'metrics.jsonl'), linesOf(1, 2));
    const follower = new MetricsFollower(dir, { minIntervalMs: 20, maxIntervalMs: 100 });
    const seen: number[] = [];
    const reached = new Promise<void>((resolve, reject) => {
      follower.start((update) => {
        seen.push(...update.records.map((r) => r.step));
        if (seen.includes(2) && !seen.includes(3)) void appendFile(join(dir, 'metrics.jsonl'), linesOf(3, 4)).catch(reject);
        if (seen.includes(4)) resolve();
      }, reject);
    });
    await reached;
    follower.stop();
    assert.deepEqual(seen, [1, 2, 3, 4]);
  });
});
