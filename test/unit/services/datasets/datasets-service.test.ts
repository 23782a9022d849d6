// The datasets service end to end over real folders, through the real dispatcher: add → progress →
// ready, statistics and problems, paging/filter/search, thumbnails and images, persistence,
// refresh, missing folders and removal that never touches the images.
import assert from 'node:assert/strict';
import { access, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp, { type Metadata } from 'sharp';
import { jpeg, makeTempDir, nextEvent, recordEvents, removeDir, settled, startDatasetsHost, writeClassFolders, writeFiles, type DatasetsHost } from './datasets-fixture.js';

const CLASSES = ['cat-a', 'cat-b', 'cat-c'];
const PER_CLASS = 10;

async function decodeDataUrl(dataUrl: string): Promise<Metadata> {
  const match = /^data:image\/(png|webp|jpeg);base64,(.+)$/.exec(dataUrl);
  assert.ok(match, `not an image data URL: ${dataUrl.slice(0, 40)}…`);
  return sharp(Buffer.from(match[2]!, 'base64')).metadata();
}

describe('datasets service', () => {
  let temp: string;
  let workspace: string;
  let root: string;
  let host: DatasetsHost;
  let datasetId: string;

  before(async () => {
    temp = await makeTempDir('service');
    workspace = join(temp, 'workspace');
    root = join(temp, 'My Faces');
    await writeClassFolders(root, CLASSES, PER_CLASS);
    host = await startDatasetsHost(workspace);
  });

  after(async () => {
    await host.close();
    await removeDir(temp);
  });

  it('adds a folder: detects the layout, reports progress events and ends ready with the right counts', async () => {
    const progress = recordEvents(host.events, 'datasets.indexProgress');
    const changes = recordEvents(host.events, 'datasets.changed');
    const added = await host.call('datasets.add', { path: root });
    datasetId = added.dataset.id;
    const ready = await settled(host.events, datasetId);
    progress.stop();
    changes.stop();

    assert.equal(added.layout.kind, 'image-folder');
    assert.deepEqual(added.layout.classNames, CLASSES);
    assert.ok(added.layout.report.some((line) => /3 class folder/.test(line)), added.layout.report.join('\n'));
    assert.equal(added.dataset.state, 'indexing');
    assert.equal(added.dataset.name, 'My Faces');

    assert.equal(ready.state, 'ready');
    assert.equal(ready.imageCount, CLASSES.length * PER_CLASS);
    assert.equal(ready.fileCount, CLASSES.length * PER_CLASS + 2);
    assert.equal(ready.problemCount, 2);
    assert.equal(ready.layoutKind, 'image-folder');
    assert.equal(ready.layoutDescription, 'Class folders (ImageFolder)');
    assert.deepEqual(ready.classNames, CLASSES);
    assert.equal(ready.synthetic, false);
    assert.ok(ready.indexGeneration);

    assert.ok(progress.list.length >= 1, 'progress events arrive');
    assert.ok(progress.list.every((p) => p.datasetId === datasetId));
    const last = progress.list.at(-1)!;
    assert.equal(last.phase, 'done');
    assert.equal(last.filesSeen, CLASSES.length * PER_CLASS + 2);
    assert.equal(last.badFiles, 2);
    assert.deepEqual(
      changes.list.map((c) => c.dataset.state),
      ['indexing', 'ready'],
    );

    const { datasets } = await host.call('datasets.list', undefined);
    assert.deepEqual(
      datasets.map((d) => [d.id, d.state, d.imageCount]),
      [[datasetId, 'ready', 30]],
    );
  });

  it('gives statistics: class histogram, image-size and file-size histograms, unusable files by reason', async () => {
    const detail = await host.call('datasets.get', { datasetId });
    assert.equal(detail.layout?.kind, 'image-folder');
    const stats = detail.statistics!;
    assert.equal(stats.usable, 30);
    assert.equal(stats.bad, 2);
    assert.deepEqual(stats.labelCounts, [10, 10, 10]);
    assert.deepEqual(stats.splits, [{ name: 'all', images: 32, usable: 30, bad: 2 }]);
    for (const histogram of [stats.width, stats.height, stats.fileSize]) {
      assert.equal(histogram.total, 30);
      assert.equal(histogram.counts.reduce((a, b) => a + b, 0), 30);
      assert.equal(histogram.edges.length, histogram.counts.length);
    }
    assert.ok(stats.width.min >= 40 && stats.width.max < 100);
    assert.deepEqual(
      stats.badByReason.map((r) => [r.reason, r.count]),
      [
        ['empty', 1],
        ['truncated', 1],
      ],
    );
    assert.ok(stats.badByReason.every((r) => r.explanation.length > 10));
  });

  it('lists broken files with their reasons, paged', async () => {
    const all = await host.call('datasets.problems', { datasetId, offset: 0, limit: 100 });
    assert.equal(all.total, 2);
    assert.equal(all.counts['bad-file'], 2);
    const byPath = Object.fromEntries(all.items.map((p) => [p.path, p]));
    assert.equal(byPath['cat-a/broken-empty.jpg']?.reason, 'empty');
    assert.equal(byPath['cat-a/broken-truncated.jpg']?.reason, 'truncated');
    assert.match(byPath['cat-a/broken-truncated.jpg']!.detail, /JPEG ends|end-of-image marker/);
    assert.match(byPath['cat-a/broken-empty.jpg']!.explanation ?? '', /zero bytes/);
    const second = await host.call('datasets.problems', { datasetId, offset: 1, limit: 1 });
    assert.equal(second.total, 2);
    assert.equal(second.items.length, 1);
    assert.equal(second.items[0]!.path, all.items[1]!.path);
  });

  it('pages images by offset/limit, filters by label and split, and searches paths on the host', async () => {
    const first = await host.call('datasets.images', { datasetId, offset: 0, limit: 7 });
    assert.equal(first.total, 30, 'only usable images by default');
    assert.equal(first.items.length, 7);
    const tail = await host.call('datasets.images', { datasetId, offset: 28, limit: 7 });
    assert.equal(tail.items.length, 2);
    const everything = await host.call('datasets.images', { datasetId, offset: 0, limit: 1000 });
    const indices = everything.items.map((item) => item.index);
    assert.equal(new Set(indices).size, 30, 'indices are unique');
    assert.ok(everything.items.every((item) => item.status === 'ok' && item.width !== null && item.bytes > 0));
    assert.deepEqual(
      first.items.map((i) => i.index),
      indices.slice(0, 7),
      'pages are slices of one order',
    );

    const classB = await host.call('datasets.images', { datasetId, offset: 0, limit: 100, label: 1 });
    assert.equal(classB.total, 10);
    assert.ok(classB.items.every((item) => item.label === 1 && item.labelName === 'cat-b' && item.path.startsWith('cat-b/')));

    const search = await host.call('datasets.images', { datasetId, offset: 0, limit: 100, search: 'CAT-C/cat-c-1' });
    assert.deepEqual(
      search.items.map((i) => i.path),
      ['cat-c/cat-c-1.jpg'],
      'case-insensitive substring',
    );
    const combined = await host.call('datasets.images', { datasetId, offset: 0, limit: 100, label: 0, search: '-c-' });
    assert.equal(combined.total, 0);

    const unusable = await host.call('datasets.images', { datasetId, offset: 0, limit: 100, status: 'unusable' });
    assert.deepEqual(unusable.items.map((i) => i.status).sort(), ['empty', 'truncated']);
    const all = await host.call('datasets.images', { datasetId, offset: 0, limit: 100, status: 'all' });
    assert.equal(all.total, 32);
    const split = await host.call('datasets.images', { datasetId, offset: 0, limit: 1, split: 'all' });
    assert.equal(split.total, 30);

    const badSplit = await host.failure('datasets.images', { datasetId, offset: 0, limit: 1, split: 'nope' });
    assert.equal(badSplit.code, 'not-found');
    assert.match(badSplit.hint ?? '', /all/);
    const tooMany = await host.failure('datasets.images', { datasetId, offset: 0, limit: 1001 });
    assert.equal(tooMany.code, 'invalid-input');
  });

  it('returns thumbnails as image data URLs, with an error for files that cannot be shown', async () => {
    const page = await host.call('datasets.images', { datasetId, offset: 0, limit: 3 });
    const broken = await host.call('datasets.images', { datasetId, offset: 0, limit: 1, status: 'unusable' });
    const indices = [...page.items.map((i) => i.index), broken.items[0]!.index];
    const { items } = await host.call('datasets.thumbnails', { datasetId, indices });
    assert.deepEqual(
      items.map((i) => i.index),
      indices,
    );
    for (const item of items.slice(0, 3)) {
      const meta = await decodeDataUrl(item.dataUrl!);
      assert.equal(meta.format, 'webp');
      assert.equal(meta.width, 128);
      assert.equal(meta.height, 128);
    }
    assert.equal(items[3]!.dataUrl, null);
    assert.ok(items[3]!.error && items[3]!.error.length > 10);

    const outside = await host.call('datasets.thumbnails', { datasetId, indices: [10_000] });
    assert.equal(outside.items[0]!.dataUrl, null);
    assert.match(outside.items[0]!.error ?? '', /no image 10000/);
  });

  it('returns one image scaled to fit, with its record, and a clear error for a broken one', async () => {
    const page = await host.call('datasets.images', { datasetId, offset: 0, limit: 1 });
    const item = page.items[0]!;
    const image = await host.call('datasets.image', { datasetId, index: item.index, maxSide: 32 });
    assert.equal(image.path, item.path);
    assert.equal(image.absolutePath, join(root, item.path));
    assert.equal(image.width, item.width);
    assert.equal(image.labelName, item.labelName);
    assert.equal(image.status, 'ok');
    assert.equal(image.statusExplanation, null);
    assert.equal(Math.max(image.displayWidth, image.displayHeight), 32);
    const meta = await decodeDataUrl(image.dataUrl);
    assert.equal(meta.width, image.displayWidth);

    const broken = await host.call('datasets.images', { datasetId, offset: 0, limit: 10, status: 'unusable' });
    const empty = broken.items.find((i) => i.status === 'empty')!;
    const error = await host.failure('datasets.image', { datasetId, index: empty.index });
    assert.equal(error.code, 'unreadable-image');
    assert.match(error.hint ?? '', /zero bytes/);

    const resolved = await host.service.resolveImage(datasetId, item.index);
    assert.equal(resolved.path, join(root, item.path));
    assert.equal(resolved.label, item.labelName);
    await assert.rejects(host.service.resolveImage(datasetId, 5000), (e: Error & { code?: string }) => e.code === 'not-found');
    await assert.rejects(host.service.resolveImage('nope', 0), (e: Error & { code?: string }) => e.code === 'not-found');
  });

  it('previews the two FRA views: the same seed gives the same views, another seed different ones', async () => {
    const page = await host.call('datasets.images', { datasetId, offset: 0, limit: 1 });
    const index = page.items[0]!.index;
    const a = await host.call('datasets.augmentationPreview', { datasetId, index, seed: 1234, size: 112 });
    const again = await host.call('datasets.augmentationPreview', { datasetId, index, seed: 1234, size: 112 });
    const other = await host.call('datasets.augmentationPreview', { datasetId, index, seed: 98765, size: 112 });
    assert.equal(a.seed, 1234);
    assert.deepEqual(again, a, 'deterministic for a seed');
    assert.notDeepEqual(other.params, a.params);
    assert.notEqual(other.views[0] + other.views[1], a.views[0] + a.views[1]);
    for (const view of a.views) {
      const meta = await decodeDataUrl(view);
      assert.equal(meta.width, 112);
      assert.equal(meta.height, 112);
    }
    assert.equal(typeof a.params[0].flip, 'boolean');
    assert.ok(a.params[0].blurSigma !== null, 'view 1 is always blurred (fra-spec §3)');
    assert.equal(a.params[0].solarize, false, 'view 1 is never solarized (fra-spec §3)');

    const unseeded = await host.call('datasets.augmentationPreview', { datasetId, index });
    assert.ok(Number.isInteger(unseeded.seed));
    assert.equal(unseeded.size, 224);
    const replay = await host.call('datasets.augmentationPreview', { datasetId, index, seed: unseeded.seed });
    assert.deepEqual(replay.views, unseeded.views, 'the returned seed reproduces the views');
  });

  it('refuses a path that does not exist, and a folder of no known layout, with the fix', async () => {
    const missing = await host.failure('datasets.add', { path: join(temp, 'no-such-folder') });
    assert.equal(missing.code, 'invalid-path');
    assert.match(missing.message, /no-such-folder/);
    assert.ok(missing.hint);
    const relative = await host.failure('datasets.add', { path: 'faces/train' });
    assert.equal(relative.code, 'invalid-path');
    assert.match(relative.hint ?? '', /full path/);

    const notImages = join(temp, 'notes');
    await writeFiles(notImages, { 'readme.txt': 'hello', 'more/notes.txt': 'x' });
    const layout = await host.failure('datasets.add', { path: notImages });
    assert.equal(layout.code, 'layout-error');
    assert.match(layout.message, /does not match any dataset layout/);
    assert.match(layout.message, /Expected:/);
    assert.match(layout.hint ?? '', /class folders/);
    const detect = await host.failure('datasets.detectLayout', { path: notImages });
    assert.equal(detect.code, 'layout-error');

    const duplicate = await host.failure('datasets.add', { path: root });
    assert.equal(duplicate.code, 'already-added');

    const { datasets } = await host.call('datasets.list', undefined);
    assert.equal(datasets.length, 1, 'nothing was registered by the failed attempts');
  });

  it('refreshes incrementally: a new file is added, unchanged ones are reused', async () => {
    await writeFiles(root, { 'cat-b/cat-b-new.jpg': await jpeg(50, 50, 4242) });
    const done = settled(host.events, datasetId);
    const refreshed = await host.call('datasets.refresh', { datasetId });
    assert.equal(refreshed.dataset.state, 'indexing');
    const ready = await done;
    assert.equal(ready.imageCount, 31);
    const detail = await host.call('datasets.get', { datasetId });
    assert.equal(detail.changes?.refreshed, true);
    assert.equal(detail.changes?.added, 1);
    assert.equal(detail.changes?.unchanged, 32);
  });

  it('shows a moved folder as missing with a hint, and ready again when it is back', async () => {
    const moved = `${root}-moved`;
    await rename(root, moved);
    try {
      const { datasets } = await host.call('datasets.list', undefined);
      const entry = datasets.find((d) => d.id === datasetId)!;
      assert.equal(entry.state, 'missing');
      assert.match(entry.stateReason ?? '', /not there any more/);
      assert.match(entry.stateHint ?? '', /Refresh/);
      const refresh = await host.failure('datasets.refresh', { datasetId });
      assert.equal(refresh.code, 'missing');
    } finally {
      await rename(moved, root);
    }
    const { datasets } = await host.call('datasets.list', undefined);
    assert.equal(datasets.find((d) => d.id === datasetId)?.state, 'ready');
  });

  it('keeps the registry and index across restarts, without re-indexing', async () => {
    const before = (await host.call('datasets.list', undefined)).datasets[0]!;
    const registry = JSON.parse(await readFile(join(workspace, 'datasets', 'registry.json'), 'utf8')) as { datasets: { id: string; root: string }[] };
    assert.deepEqual(
      registry.datasets.map((d) => [d.id, d.root]),
      [[datasetId, root]],
    );
    await host.close();
    host = await startDatasetsHost(workspace);
    const progress = recordEvents(host.events, 'datasets.indexProgress');
    const after = (await host.call('datasets.list', undefined)).datasets[0]!;
    assert.equal(after.state, 'ready');
    assert.equal(after.indexGeneration, before.indexGeneration, 'the persisted index is reused');
    assert.equal(after.imageCount, before.imageCount);
    const page = await host.call('datasets.images', { datasetId, offset: 0, limit: 5, label: 2 });
    assert.equal(page.total, 10);
    progress.stop();
    assert.equal(progress.list.length, 0, 'no re-walk on reopening');
  });

  it('removes a dataset: unregistered, cache dropped, images untouched', async () => {
    const cacheDir = join(workspace, 'cache', 'datasets', datasetId);
    await access(join(cacheDir, 'index'));
    const removedEvent = nextEvent(host.events, 'datasets.changed', (data) => data.removed === true);
    assert.deepEqual(await host.call('datasets.remove', { datasetId }), { datasetId });
    assert.equal((await removedEvent).dataset.id, datasetId);
    await assert.rejects(stat(cacheDir), { code: 'ENOENT' });
    assert.ok((await stat(join(root, 'cat-a', 'cat-a-0.jpg'))).isFile());
    assert.ok((await stat(join(root, 'cat-a', 'broken-empty.jpg'))).isFile(), 'even broken files stay');
    assert.deepEqual((await host.call('datasets.list', undefined)).datasets, []);
    const gone = await host.failure('datasets.get', { datasetId });
    assert.equal(gone.code, 'not-found');
    await host.close();
    host = await startDatasetsHost(workspace);
    assert.deepEqual((await host.call('datasets.list', undefined)).datasets, [], 'the removal is persisted');
  });
});
