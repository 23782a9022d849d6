import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { ImageReadError } from '../../../trainer/data/image-source.js';
import { ThumbnailCache } from '../../../trainer/data/thumbnails.js';

let root = '';

async function jpeg(name: string, width: number, height: number, colour: [number, number, number]): Promise<string> {
  const path = join(root, name);
  await sharp({ create: { width, height, channels: 3, background: { r: colour[0], g: colour[1], b: colour[2] } } })
    .jpeg()
    .toFile(path);
  return path;
}

async function countFiles(dir: string): Promise<number> {
  let n = 0;
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) if (entry.isFile()) n++;
  return n;
}

describe('ThumbnailCache', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fra-thumbnails-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('generates a size × size thumbnail once and reuses it (file untouched on the second call)', async () => {
    const source = await jpeg('wide.jpg', 300, 150, [200, 40, 40]);
    const cache = new ThumbnailCache(join(root, 'cache-a'));
    const first = await cache.get(source);
    const meta = await sharp(first).metadata();
    assert.deepEqual([meta.width, meta.height, meta.format], [128, 128, 'webp']);
    const before = await stat(first);
    const second = await cache.get(source);
    assert.equal(second, first);
    assert.equal((await stat(second)).mtimeMs, before.mtimeMs);
    assert.deepEqual([cache.stats().generated, cache.stats().reused], [1, 1]);
    // A new cache over the same directory reuses the file too.
    const again = new ThumbnailCache(join(root, 'cache-a'));
    assert.equal(await again.get(source), first);
    assert.equal(again.stats().generated, 0);
    // Other sizes are separate thumbnails.
    const small = await cache.get(source, 32);
    assert.notEqual(small, first);
    assert.equal((await sharp(small).metadata()).width, 32);
  });

  it('makes a new thumbnail when the source changes (mtime / size in the key)', async () => {
    const source = await jpeg('edited.jpg', 64, 64, [10, 200, 10]);
    const cache = new ThumbnailCache(join(root, 'cache-b'), { format: 'jpeg' });
    const first = await cache.get(source, 16);
    assert.ok(first.endsWith('.jpg'));
    await utimes(source, new Date(2001, 1, 1), new Date(2001, 1, 1));
    const second = await cache.get(source, 16);
    assert.notEqual(second, first);
    assert.equal(cache.stats().generated, 2);
  });

  it('concurrent requests for one image share a single generation', async () => {
    const source = await jpeg('shared.jpg', 120, 90, [1, 2, 3]);
    const cache = new ThumbnailCache(join(root, 'cache-c'));
    const paths = await Promise.all([cache.get(source), cache.get(source), cache.get(source)]);
    assert.equal(new Set(paths).size, 1);
    assert.equal(cache.stats().generated, 1);
  });

  it('rejects unreadable images with an ImageReadError naming the file, and remembers it', async () => {
    const garbage = join(root, 'not-an-image.jpg');
    await writeFile(garbage, Buffer.from('this is not a jpeg'));
    const cache = new ThumbnailCache(join(root, 'cache-d'));
    await assert.rejects(cache.get(garbage), (error: unknown) => {
      assert.ok(error instanceof ImageReadError);
      assert.equal(error.item, garbage);
      assert.match(error.reason, /not a readable image/);
      return true;
    });
    await assert.rejects(cache.get(garbage), ImageReadError);
    assert.equal(cache.stats().failed, 1, 'the second request does not decode again');
    await assert.rejects(cache.get(join(root, 'missing.jpg')), (error: unknown) => error instanceof ImageReadError && error.reason === 'file not found');
    // Truncated JPEG.
    const whole = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#884422' } }).jpeg().toBuffer();
    const truncated = join(root, 'truncated.jpg');
    await writeFile(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
    await assert.rejects(cache.get(truncated), ImageReadError);
    assert.equal(await countFiles(join(root, 'cache-d')), 0, 'no partial files are left behind');
  });

  it('prefetches in the background with bounded concurrency', async () => {
    const sources = await Promise.all(Array.from({ length: 6 }, (_, i) => jpeg(`p${i}.jpg`, 80 + i, 60, [i * 40, 100, 50])));
    const cache = new ThumbnailCache(join(root, 'cache-e'), { concurrency: 2 });
    cache.prefetch(sources, 24);
    await cache.idle();
    const stats = cache.stats();
    assert.equal(stats.generated, 6);
    assert.ok(stats.maxActive <= 2, `max concurrent ${stats.maxActive}`);
    assert.equal(await countFiles(join(root, 'cache-e')), 6);
    for (const source of sources) await cache.get(source, 24);
    assert.equal(cache.stats().reused, 6);
  });

  it('a new prefetch drops the waiting part of the old one; get still answers', async () => {
    const sources = await Promise.all(Array.from({ length: 8 }, (_, i) => jpeg(`q${i}.jpg`, 70, 50 + i, [90, i * 30, 10])));
    const cache = new ThumbnailCache(join(root, 'cache-g'), { concurrency: 1 });
    cache.prefetch(sources.slice(0, 6), 20);
    cache.prefetch(sources.slice(6), 20);
    const direct = await cache.get(sources[0]!, 20);
    assert.ok((await stat(direct)).isFile());
    await cache.idle();
    // The first prefetch's requests were still checking the disk when the second replaced
    // them, so none were generated: only the second prefetch's two and the direct get.
    assert.equal(cache.stats().generated, 3);
    for (const source of sources.slice(6)) assert.ok((await stat(await cache.thumbnailPath(source, 20))).isFile());
    assert.equal(cache.stats().queued, 0);
  });

  it('rejects invalid sizes', async () => {
    const source = await jpeg('sized.jpg', 10, 10, [0, 0, 0]);
    await assert.rejects(new ThumbnailCache(join(root, 'cache-f')).get(source, 0), RangeError);
  });
});
