/**
 * IndexedImageSource: serves the usable images of an index (bad files
 * excluded), filters splits, labels by class (identities only on request),
 * and decodes every supported format to 8-bit RGB HWC — EXIF orientation
 * applied, alpha dropped, greyscale and 16-bit converted — with decode
 * failures as ImageReadError.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { indexDataset } from '../../../trainer/data/indexing/indexer.js';
import { IndexedImageSource } from '../../../trainer/data/indexed-source.js';
import { ImageReadError, type RgbImage } from '../../../trainer/data/image-source.js';
import { decodeBmp } from '../../../trainer/data/decode/bmp-decoder.js';
import { bmp24, bmp8, jpeg, makeTempDir, png, pngFromPixels, removeDir, solid, webp, writeTree } from './dataset-fixtures.js';

let base: string;
let root: string;
let cache: string;

/** 2×2 pixels, distinct per channel, for exact lossless checks. */
const PIXELS = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];

function pixel(image: RgbImage, x: number, y: number): number[] {
  const o = (y * image.width + x) * 3;
  return Array.from(image.data.subarray(o, o + 3));
}

before(async () => {
  base = await makeTempDir('source');
  root = join(base, 'data');
  cache = join(base, 'cache');
  await writeTree(root, {
    'train/cat/exact.png': await pngFromPixels(2, 2, PIXELS),
    'train/cat/exact.bmp': bmp24(2, 2, PIXELS),
    'train/cat/palette.bmp': bmp8(3, 1, [[0, 0, 0], [250, 5, 7]], [1, 0, 1]),
    // 4×2 stored, EXIF orientation 6 (rotate 90° clockwise to display) → 2×4.
    'train/cat/rotated.jpg': await solid(4, 2).jpeg().withMetadata({ orientation: 6 }).toBuffer(),
    'train/dog/grey.png': await sharp(Buffer.from([0, 100, 200, 255]), { raw: { width: 2, height: 2, channels: 1 } }).toColourspace('b-w').png().toBuffer(),
    'train/dog/alpha.png': await sharp(Buffer.from([10, 20, 30, 0, 40, 50, 60, 255]), { raw: { width: 2, height: 1, channels: 4 } }).png().toBuffer(),
    'train/dog/deep.png': await solid(3, 2, { r: 10, g: 200, b: 30 }).toColourspace('rgb16').png().toBuffer(),
    'train/dog/lossless.webp': await webp(5, 4),
    'train/dog/png-named.jpg': await pngFromPixels(2, 2, PIXELS),
    'train/dog/empty.jpg': '',
    'train/dog/text.jpg': 'not an image',
    'val/cat/v.jpg': await jpeg(6, 6),
    'val/dog/later-broken.png': await png(4, 4),
  });
  await indexDataset({ root, cacheDir: cache });
});
after(async () => removeDir(base));

describe('IndexedImageSource', () => {
  it('serves only usable images, with class labels and relative paths', async () => {
    const source = await IndexedImageSource.open(cache);
    assert.equal(source.size, 11, '13 files minus the empty and the text file');
    assert.deepEqual(source.classNames, ['cat', 'dog']);
    const described = Array.from({ length: source.size }, (_, i) => source.describe(i));
    assert.ok(!described.includes('train/dog/empty.jpg') && !described.includes('train/dog/text.jpg'));
    assert.equal(source.describe(0), 'train/cat/exact.bmp');
    assert.equal(source.label(0), 0);
    assert.equal(source.label(described.indexOf('train/dog/grey.png')), 1);
    assert.throws(() => source.describe(11), RangeError);
  });

  it('filters splits and rejects unknown ones clearly', async () => {
    const val = await IndexedImageSource.open(cache, { splits: ['val'] });
    assert.deepEqual([val.size, val.describe(0), val.splitOf(0)], [2, 'val/cat/v.jpg', 'val']);
    await assert.rejects(IndexedImageSource.open(cache, { splits: ['test'] }), /no split "test"; its splits are "train", "val"/);
  });

  it('decodes PNG, BMP and a PNG named .jpg exactly', async () => {
    const source = await IndexedImageSource.open(cache);
    for (const path of ['train/cat/exact.png', 'train/cat/exact.bmp', 'train/dog/png-named.jpg']) {
      const image = await source.read(indexOf(source, path));
      assert.deepEqual([image.width, image.height, image.data.length], [2, 2, 12], path);
      assert.deepEqual(Array.from(image.data), PIXELS, path);
    }
    const palette = await source.read(indexOf(source, 'train/cat/palette.bmp'));
    assert.deepEqual(Array.from(palette.data), [250, 5, 7, 0, 0, 0, 250, 5, 7]);
  });

  it('applies EXIF orientation, drops alpha, expands greyscale and reduces 16-bit to 8-bit', async () => {
    const source = await IndexedImageSource.open(cache);
    const rotated = await source.read(indexOf(source, 'train/cat/rotated.jpg'));
    assert.deepEqual([rotated.width, rotated.height], [2, 4]);
    const grey = await source.read(indexOf(source, 'train/dog/grey.png'));
    assert.deepEqual(Array.from(grey.data), [0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255]);
    const alpha = await source.read(indexOf(source, 'train/dog/alpha.png'));
    assert.deepEqual(Array.from(alpha.data), [10, 20, 30, 40, 50, 60]);
    const deep = await source.read(indexOf(source, 'train/dog/deep.png'));
    assert.deepEqual([deep.width, deep.height, ...pixel(deep, 2, 1)], [3, 2, 10, 200, 30]);
    const lossless = await source.read(indexOf(source, 'train/dog/lossless.webp'));
    assert.deepEqual([lossless.width, lossless.height, lossless.data.length], [5, 4, 60]);
  });

  it('rejects with ImageReadError when a file went bad after indexing', async () => {
    const source = await IndexedImageSource.open(cache);
    const broken = indexOf(source, 'val/dog/later-broken.png');
    await writeFile(join(root, 'val/dog/later-broken.png'), 'overwritten with text');
    await assert.rejects(source.read(broken), (error: Error) => {
      assert.ok(error instanceof ImageReadError);
      assert.equal(error.item, 'val/dog/later-broken.png');
      assert.match(error.reason, /not an image format/);
      return true;
    });
  });

  it('refuses images over the pixel limit when decoding', async () => {
    const source = await IndexedImageSource.open(cache, { maxPixels: 2 });
    await assert.rejects(source.read(indexOf(source, 'val/cat/v.jpg')), /val\/cat\/v\.jpg: the image exceeds the 0\.0 MP pixel limit/);
    await assert.rejects(source.read(indexOf(source, 'train/cat/palette.bmp')), /palette\.bmp: 3×1 exceeds the 2-pixel limit/);
  });
});

describe('identity datasets', () => {
  it('hide VGGFace2 identities unless asked for them', async () => {
    const vggRoot = join(base, 'vgg');
    const vggCache = join(base, 'vgg-cache');
    const face = await jpeg(4, 4);
    await writeTree(vggRoot, { 'train/n000001/1.jpg': face, 'train/n000002/1.jpg': face });
    await indexDataset({ root: vggRoot, cacheDir: vggCache });
    const plain = await IndexedImageSource.open(vggCache);
    assert.deepEqual([plain.size, plain.classNames.length, plain.label(1)], [2, 0, null]);
    const identities = await IndexedImageSource.open(vggCache, { identityLabels: true });
    assert.deepEqual([identities.classNames, identities.label(1)], [['n000001', 'n000002'], 1]);
  });
});

describe('BMP decoder', () => {
  it('refuses truncated pixel data and oversized images with a reason', () => {
    const full = bmp24(4, 4, new Array(48).fill(7));
    assert.throws(() => decodeBmp(full.subarray(0, 60), 1e6), /cut short/);
    assert.throws(() => decodeBmp(full, 10), /exceeds the 10-pixel limit/);
    assert.deepEqual(Array.from(decodeBmp(full, 1e6).data.subarray(0, 3)), [7, 7, 7]);
  });
});

function indexOf(source: IndexedImageSource, path: string): number {
  for (let i = 0; i < source.size; i++) if (source.describe(i) === path) return i;
  throw new Error(`${path} is not in the source`);
}
