/**
 * The batch loader over real sources (synthetic faces, an indexed folder of
 * real files) and real worker threads: order and completeness, determinism
 * independent of threading, bounded prefetch, bad files substituted.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { BatchLoader } from '../../../trainer/data/loader/batch-loader.js';
import { EpochOrder } from '../../../trainer/data/loader/epoch-order.js';
import { indexDataset } from '../../../trainer/data/indexing/indexer.js';

const synthetic = { kind: 'synthetic' as const, count: 40, seed: 3, labelled: true, renderSize: 64 };

async function collect(loader: BatchLoader, epoch: number, from = 0) {
  const out = [];
  for await (const b of loader.epoch(epoch, from)) out.push(b);
  return out;
}

describe('EpochOrder', () => {
  it('visits each subset index at most once per epoch, drops the last partial batch, reshuffles per epoch', () => {
    const order = new EpochOrder(103, 10, 7);
    assert.equal(order.iterationsPerEpoch, 10);
    const p0 = order.epochPermutation(0);
    const seen = new Set<number>();
    for (let i = 0; i < order.iterationsPerEpoch; i++) for (const v of order.batch(p0, i)) seen.add(v);
    assert.equal(seen.size, 100);
    assert.deepEqual([...p0].sort((a, b) => a - b), Array.from({ length: 103 }, (_, i) => i));
    assert.deepEqual(order.epochPermutation(0), p0, 'deterministic for (seed, epoch)');
    assert.notDeepEqual(order.epochPermutation(1), p0, 'a new order each epoch');
  });

  it('draws a fixed --train-percent subset from the seed', () => {
    const a = new EpochOrder(1000, 8, 5, 0.25);
    assert.equal(a.subset.length, 250);
    assert.deepEqual(new EpochOrder(1000, 8, 5, 0.25).subset, a.subset);
    assert.notDeepEqual(new EpochOrder(1000, 8, 6, 0.25).subset, a.subset);
  });
});

describe('BatchLoader on synthetic faces', () => {
  it('produces NHWC two-view batches with labels, identical with 0 and 2 worker threads', async () => {
    const options = { dataset: synthetic, transform: { kind: 'fra-two-view' as const }, datasetSize: 40, batchSize: 8, imageSize: 32, seed: 11 };
    const inProcess = await BatchLoader.open({ ...options, workers: 0 });
    const threaded = await BatchLoader.open({ ...options, workers: 2 });
    try {
      const a = await collect(inProcess, 1);
      const b = await collect(threaded, 1);
      assert.equal(a.length, 5);
      assert.deepEqual(a.map((x) => x.iteration), [0, 1, 2, 3, 4]);
      for (let i = 0; i < a.length; i++) {
        assert.equal(a[i]!.view1.length, 8 * 32 * 32 * 3);
        assert.ok(a[i]!.view2);
        assert.deepEqual(b[i]!.view1, a[i]!.view1);
        assert.deepEqual(b[i]!.view2, a[i]!.view2);
        assert.deepEqual(b[i]!.labels, a[i]!.labels);
        for (const label of a[i]!.labels) assert.ok(label >= 0 && label < 5);
      }
      assert.notDeepEqual(a[0]!.view1, a[0]!.view2, 'the two views differ');
      const resumed = await collect(threaded, 1, 3);
      assert.deepEqual(resumed.map((x) => x.iteration), [3, 4]);
      assert.deepEqual(resumed[0]!.view1, a[3]!.view1, 'resuming mid-epoch gives the same batches');
    } finally {
      await inProcess.close();
      await threaded.close();
    }
  });

  it('keeps at most `prefetch` batches ahead of the consumer', async () => {
    const loader = await BatchLoader.open({ dataset: synthetic, transform: { kind: 'finetune-test' }, datasetSize: 40, batchSize: 4, imageSize: 32, seed: 1, workers: 1, prefetch: 2 });
    try {
      const iterator = loader.epoch(0);
      await iterator.next();
      assert.ok(loader.batchesRequested <= 3, `requested ${loader.batchesRequested} after one batch`);
      await iterator.return(undefined);
    } finally {
      await loader.close();
    }
  });

  it('refuses a batch larger than the training subset with a clear message', async () => {
    await assert.rejects(
      BatchLoader.open({ dataset: synthetic, transform: { kind: 'fra-two-view' }, datasetSize: 40, batchSize: 64, imageSize: 32, seed: 1, workers: 0 }),
      /batch size 64 is larger than the 40 usable images/,
    );
  });
});

describe('BatchLoader on an indexed folder with a file broken after indexing', () => {
  let root: string;
  let cache: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fra-loader-'));
    cache = join(root, '.index');
    for (const cls of ['a', 'b']) {
      await mkdir(join(root, cls), { recursive: true });
      for (let i = 0; i < 6; i++) {
        const png = await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: 20 * i, g: cls === 'a' ? 200 : 50, b: 90 } } }).png().toBuffer();
        await writeFile(join(root, cls, `${i}.png`), png);
      }
    }
    await indexDataset({ root, cacheDir: cache });
    await writeFile(join(root, 'a', '2.png'), 'no longer an image');
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('substitutes the unreadable image deterministically and reports it', async () => {
    const loader = await BatchLoader.open({
      dataset: { kind: 'indexed', indexDir: cache },
      transform: { kind: 'finetune-test' },
      datasetSize: 12,
      batchSize: 12,
      imageSize: 16,
      seed: 2,
      workers: 1,
    });
    try {
      const [batch] = await collect(loader, 0);
      assert.equal(batch!.skipped.length, 1);
      assert.match(batch!.skipped[0]!.item, /a[\\/]2\.png/);
      assert.equal(batch!.view1.length, 12 * 16 * 16 * 3);
      assert.ok(batch!.view1.every(Number.isFinite));
    } finally {
      await loader.close();
    }
  });
});
