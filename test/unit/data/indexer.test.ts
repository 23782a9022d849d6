/**
 * The streaming indexer on real files: every bad-file kind is counted,
 * listed with its reason and excluded; statistics; persistence (reopening
 * reads no dataset file); incremental refresh counts; cancellation; the
 * exact-duplicate pass; list-based layouts (missing images, label drops).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readdir, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { detectLayout } from '../../../trainer/data/layouts/detect-layout.js';
import { indexDataset } from '../../../trainer/data/indexing/indexer.js';
import { DatasetIndex, IndexUnavailableError } from '../../../trainer/data/indexing/index-reader.js';
import { findExactDuplicates, readDuplicateReport } from '../../../trainer/data/indexing/exact-duplicates.js';
import type { IndexProgress } from '../../../trainer/data/indexing/index-progress.js';
import type { ProblemLine } from '../../../trainer/data/indexing/index-summary.js';
import { probeImageHeader, type ProbeBytes } from '../../../trainer/data/indexing/image-header.js';
import { describeIndex } from '../../../trainer/data/indexing/index-report.js';
import { bmp24, isRoot, jpeg, makeTempDir, noisy, png, removeDir, solid, webp, writeTree } from './dataset-fixtures.js';

let base: string;
let counter = 0;
let small: Buffer;

before(async () => {
  base = await makeTempDir('indexer');
  small = await jpeg(8, 8);
});
after(async () => removeDir(base));

function fresh(name: string): { root: string; cache: string } {
  const id = `${name}-${counter++}`;
  return { root: join(base, id, 'data'), cache: join(base, id, 'cache') };
}

async function problemsOf(index: DatasetIndex): Promise<ProblemLine[]> {
  const out: ProblemLine[] = [];
  for await (const p of index.problems()) out.push(p);
  return out;
}

/** A clean VGGFace2 tree: `identities` folders of `perIdentity` identical small JPEGs. */
async function cleanTree(root: string, identities: number, perIdentity: number): Promise<void> {
  const files: Record<string, Buffer> = {};
  for (let i = 1; i <= identities; i++) for (let k = 1; k <= perIdentity; k++) files[`train/n${String(i).padStart(6, '0')}/${String(k).padStart(4, '0')}_01.jpg`] = small;
  await writeTree(root, files);
}

describe('bad files, statistics and problems', () => {
  let root: string;
  let cache: string;
  let index: DatasetIndex;
  let problems: ProblemLine[];
  const usableSizes: number[] = [];

  before(async () => {
    ({ root, cache } = fresh('bad'));
    const noisyJpeg = await noisy(64, 64).jpeg({ quality: 90 }).toBuffer();
    const noisyPng = await noisy(32, 32).png().toBuffer();
    const pngNamedJpg = await png(8, 8);
    await writeTree(root, {
      'train/n000001/a.jpg': await jpeg(24, 16),
      'train/n000001/b.jpg': await jpeg(40, 30),
      'train/n000001/c.png': await png(10, 10),
      'train/n000001/d.webp': await webp(12, 12),
      'train/n000001/e.bmp': bmp24(5, 3, new Array(45).fill(128)),
      'train/n000001/f.jpg': pngNamedJpg,
      'train/n000002/empty.jpg': '',
      'train/n000002/trunc.jpg': noisyJpeg.subarray(0, noisyJpeg.length >> 1),
      'train/n000002/trunc.png': noisyPng.subarray(0, noisyPng.length >> 1),
      'train/n000002/text.jpg': '<html><body>404 Not Found</body></html>',
      'train/n000002/huge.jpg': await jpeg(100, 100),
      'train/n000003/ok.jpg': small,
      'test/n000009/t.jpg': small,
    });
    await symlink('loop.jpg', join(root, 'train/n000002/loop.jpg'));
    await symlink('nowhere.jpg', join(root, 'train/n000002/broken.jpg'));
    assert.equal(spawnSync('mkfifo', [join(root, 'train/n000002/pipe.jpg')]).status, 0);
    await symlink('..', join(root, 'train/n000003/cycle'));
    await symlink('../n000001', join(root, 'train/n000003/dup'));
    for (const name of ['a.jpg', 'b.jpg', 'c.png', 'd.webp', 'e.bmp', 'f.jpg']) usableSizes.push((await stat(join(root, 'train/n000001', name))).size);
    usableSizes.push((await stat(join(root, 'train/n000003/ok.jpg'))).size, (await stat(join(root, 'test/n000009/t.jpg'))).size);
    // 5,000 px: the 100×100 image is "huge" without writing a real 50 MP file.
    index = await indexDataset({ root, cacheDir: cache, maxPixels: 5000 });
    problems = await problemsOf(index);
  });

  it('counts each bad file once, by reason, and keeps the good ones usable', () => {
    const overall = index.summary.statistics.overall;
    assert.equal(index.summary.recordCount, 16);
    assert.equal(overall.images, 16);
    assert.equal(overall.usable, 8);
    assert.equal(overall.bad, 8);
    assert.deepEqual(overall.badByReason, {
      empty: 1,
      truncated: 2,
      'not-an-image': 1,
      'too-large': 1,
      'symlink-loop': 1,
      'broken-symlink': 1,
      'not-a-regular-file': 1,
    });
  });

  it('lists every bad file with its reason and a specific explanation', () => {
    const bad = new Map(problems.filter((p) => p.kind === 'bad-file').map((p) => [p.path, p]));
    const expect = (path: string, reason: string, detail: RegExp) => {
      const p = bad.get(path);
      assert.ok(p && p.kind === 'bad-file', `${path} is listed`);
      assert.equal(p.reason, reason, path);
      assert.match(p.detail, detail, path);
    };
    expect('train/n000002/empty.jpg', 'empty', /zero bytes/);
    expect('train/n000002/trunc.jpg', 'truncated', /end-of-image marker/);
    expect('train/n000002/trunc.png', 'truncated', /IEND/);
    expect('train/n000002/text.jpg', 'not-an-image', /text \("<html><body>404 Not Found/);
    expect('train/n000002/huge.jpg', 'too-large', /100×100 = 0\.0 MP exceeds the 0\.0 MP limit/);
    expect('train/n000002/loop.jpg', 'symlink-loop', /symbolic links/);
    expect('train/n000002/broken.jpg', 'broken-symlink', /does not exist/);
    expect('train/n000002/pipe.jpg', 'not-a-regular-file', /pipe/);
    assert.equal(bad.size, 8);
    assert.deepEqual(index.summary.badFileExamples.truncated?.map((e) => e.path), ['train/n000002/trunc.jpg', 'train/n000002/trunc.png']);
  });

  it('counts a PNG named .jpg as usable with a wrong extension', () => {
    assert.equal(index.summary.statistics.overall.wrongExtension, 1);
    const note = problems.find((p) => p.kind === 'wrong-extension');
    assert.deepEqual(note, {
      kind: 'wrong-extension',
      path: 'train/n000001/f.jpg',
      split: 'train',
      detail: 'the content is PNG but the name ends in .jpg; usable, as the decoder reads the content',
    });
  });

  it('skips symlink cycles and second links to a folder, and says so', () => {
    assert.deepEqual(index.summary.folderProblems.counts, { 'symlink-cycle': 1, 'duplicate-folder-link': 1 });
    const folders = problems.filter((p) => p.kind === 'folder');
    assert.deepEqual(
      folders.map((p) => [p.path, p.kind === 'folder' ? p.reason : '']),
      [
        ['train/n000003/cycle', 'symlink-cycle'],
        ['train/n000003/dup', 'duplicate-folder-link'],
      ],
    );
    assert.match(folders[1]!.kind === 'folder' ? folders[1]!.detail : '', /same folder as train\/n000001/);
  });

  it('computes the statistics of the usable images, overall and per split', () => {
    const { overall, splits } = index.summary.statistics;
    assert.deepEqual(index.summary.layout.classNames, ['n000001', 'n000002', 'n000003', 'n000009']);
    assert.deepEqual(overall.labelCounts, [6, 0, 1, 1]);
    assert.equal(overall.labelsWithImages, 3);
    assert.deepEqual(splits.train!.labelCounts, [6, 0, 1, 0]);
    assert.deepEqual(splits.test!.labelCounts, [0, 0, 0, 1]);
    assert.equal(splits.train!.images, 15, 'n000003/dup is skipped, so n000001 is not counted twice');
    assert.equal(splits.test!.usable, 1);
    assert.deepEqual(overall.formats, { jpeg: 4, png: 2, webp: 1, bmp: 1 });
    // Widths 24, 40, 10, 12, 5, 8, 8, 8 and heights 16, 30, 10, 12, 3, 8, 8, 8 in buckets [0, 32), [32, 48), …
    assert.deepEqual(overall.width.counts.slice(0, 3), [7, 1, 0]);
    assert.equal(overall.width.min, 5);
    assert.equal(overall.width.max, 40);
    assert.equal(overall.width.mean, (24 + 40 + 10 + 12 + 5 + 8 + 8 + 8) / 8);
    assert.deepEqual(overall.height.counts.slice(0, 2), [8, 0]);
    assert.equal(overall.height.max, 30);
    assert.equal(overall.fileSize.total, 8);
    assert.equal(overall.bytes, usableSizes.reduce((a, b) => a + b, 0));
    assert.equal(overall.fileSize.max, Math.max(...usableSizes));
  });

  it('explains the index in a human report, one finding per line with what to do', () => {
    const report = describeIndex(index.summary);
    assert.match(report[0]!, /^VGGFace2 identity folders at .*: 16 images, 3 identities \(usable per split: train 7, test 1\)$/);
    assert.equal(report[1], 'usable: 8 (50.00%)');
    assert.ok(report.includes('2 truncated: the image data ends early (an interrupted copy or download); re-copy it — e.g. train/n000002/trunc.jpg (JPEG has no end-of-image marker (FF D9) at its end: the file is cut short)'));
    assert.ok(report.some((l) => /^1 with a wrong extension \(still usable\) — e\.g\. train\/n000001\/f\.jpg/.test(l)));
    assert.ok(report.some((l) => /^1 folder\(s\) skipped, symlink-cycle — e\.g\. train\/n000003\/cycle leads back/.test(l)));
  });

  it('reuses records on refresh but re-checks link and pipe problems (chmod and re-linking keep mtime)', async () => {
    const again = await indexDataset({ root, cacheDir: cache, maxPixels: 5000 });
    assert.deepEqual(again.summary.changes, { added: 0, removed: 0, changed: 0, unchanged: 16, probed: 3 });
    assert.deepEqual(again.summary.statistics, index.summary.statistics);
    const detail = (await problemsOf(again)).find((p) => p.path === 'train/n000002/trunc.jpg');
    assert.match(detail && 'detail' in detail ? detail.detail : '', /end-of-image marker/, 'reused records keep their explanation');
  });

  it('re-applies a changed pixel limit from stored sizes, without opening files', async () => {
    const strict = await indexDataset({ root, cacheDir: cache, maxPixels: 500 });
    assert.equal(strict.summary.changes.probed, 3);
    assert.equal(strict.summary.statistics.overall.badByReason['too-large'], 2); // 100×100 and 40×30
    const relaxed = await indexDataset({ root, cacheDir: cache });
    assert.equal(relaxed.summary.statistics.overall.badByReason['too-large'], undefined);
    assert.equal(relaxed.summary.statistics.overall.usable, 9);
  });
});

describe('unreadable files and folders', () => {
  it('reports a file and a folder without read permission (as an unprivileged user)', async () => {
    const { root, cache } = fresh('perm');
    await writeTree(root, { 'train/n000001/ok.jpg': small, 'train/n000001/secret.jpg': small, 'train/n000002/ok.jpg': small, 'train/n000003/hidden.jpg': small });
    await chmod(join(root, 'train/n000001/secret.jpg'), 0o000);
    await chmod(join(root, 'train/n000003'), 0o000);

    let overall;
    let problems: ProblemLine[];
    if (isRoot) {
      // Root bypasses permission bits (CAP_DAC_OVERRIDE), so as root nothing is unreadable: check that honestly…
      const asRoot = await indexDataset({ root, cacheDir: join(cache, 'root') });
      assert.equal(asRoot.summary.statistics.overall.usable, 4);
      // …then run the same indexing as "nobody" in a child process, where the permissions apply.
      for (const dir of [base, join(base, root.split('/').at(-2)!), root, join(root, 'train'), join(root, 'train/n000001'), join(root, 'train/n000002')]) await chmod(dir, 0o755);
      await mkdir(cache, { recursive: true });
      await chmod(cache, 0o777);
      const script = join(base, `as-nobody-${counter++}.mts`);
      const indexer = pathToFileURL(fileURLToPath(new URL('../../../trainer/data/indexing/indexer.ts', import.meta.url))).href;
      await writeFile(
        script,
        `import { indexDataset } from ${JSON.stringify(indexer)};
const index = await indexDataset({ root: process.argv[2], cacheDir: process.argv[3] });
const problems = [];
for await (const p of index.problems()) problems.push(p);
console.log(JSON.stringify({ overall: index.summary.statistics.overall, problems }));`,
      );
      await chmod(script, 0o644);
      const child = spawnSync(process.execPath, ['--import', 'tsx', script, root, join(cache, 'nobody')], { uid: 65534, gid: 65534, encoding: 'utf8', cwd: fileURLToPath(new URL('../../..', import.meta.url)) });
      assert.equal(child.status, 0, child.stderr);
      ({ overall, problems } = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { overall: typeof asRoot.summary.statistics.overall; problems: ProblemLine[] });
    } else {
      const index = await indexDataset({ root, cacheDir: cache });
      overall = index.summary.statistics.overall;
      problems = await problemsOf(index);
    }
    assert.equal(overall.usable, 2);
    assert.deepEqual(overall.badByReason, { unreadable: 1 });
    assert.deepEqual(
      problems.map((p) => [p.kind, p.path, 'reason' in p ? p.reason : '']),
      [
        ['bad-file', 'train/n000001/secret.jpg', 'unreadable'],
        ['folder', 'train/n000003', 'unreadable-folder'],
      ],
    );
    assert.match(JSON.stringify(problems), /permission denied/);
  });
});

describe('persistence and incremental refresh', () => {
  it('reopens without touching the dataset (it can even be gone)', async () => {
    const { root, cache } = fresh('reopen');
    await cleanTree(root, 3, 4);
    const built = await indexDataset({ root, cacheDir: cache });
    const moved = `${root}-moved`;
    await rename(root, moved);
    try {
      const reopened = await DatasetIndex.open(cache);
      assert.deepEqual(reopened.summary, built.summary);
      const table = await reopened.loadRecords();
      assert.equal(table.size, 12);
      assert.equal(table.path(11), 'train/n000003/0004_01.jpg');
      assert.deepEqual(await reopened.readRecords(4, 2).then((r) => r.map((x) => [x.path, x.label, x.width])), [
        ['train/n000002/0001_01.jpg', 1, 8],
        ['train/n000002/0002_01.jpg', 1, 8],
      ]);
    } finally {
      await rename(moved, root);
    }
  });

  it('says clearly when there is no index yet', async () => {
    const { cache } = fresh('none');
    await assert.rejects(DatasetIndex.open(cache), (error: Error) => error instanceof IndexUnavailableError && /has not been indexed yet\. Index the dataset/.test(error.message));
  });

  it('reuses unchanged files and reports added, removed and changed ones', async () => {
    const { root, cache } = fresh('refresh');
    await cleanTree(root, 2, 3);
    await indexDataset({ root, cacheDir: cache });

    const quiet: IndexProgress[] = [];
    const same = await indexDataset({ root, cacheDir: cache, onProgress: (p) => quiet.push(p) });
    assert.deepEqual(same.summary.changes, { added: 0, removed: 0, changed: 0, unchanged: 6, probed: 0 });
    assert.equal(same.summary.refreshed, true);
    const last = quiet.at(-1)!;
    assert.equal(last.phase, 'done');
    assert.deepEqual([last.filesSeen, last.filesProbed, last.filesReused], [6, 0, 6]);

    await writeFile(join(root, 'train/n000001/0004_01.jpg'), small);
    await rm(join(root, 'train/n000002/0001_01.jpg'));
    await writeFile(join(root, 'train/n000001/0002_01.jpg'), await jpeg(30, 20));
    const later = new Date(Date.now() + 60_000);
    await utimes(join(root, 'train/n000002/0003_01.jpg'), later, later); // same bytes, new mtime
    const events: IndexProgress[] = [];
    const refreshed = await indexDataset({ root, cacheDir: cache, onProgress: (p) => events.push(p) });
    assert.deepEqual(refreshed.summary.changes, { added: 1, removed: 1, changed: 2, unchanged: 3, probed: 3 });
    assert.deepEqual([events.at(-1)!.filesProbed, events.at(-1)!.filesReused], [3, 3]);
    const table = await refreshed.loadRecords();
    const paths = Array.from({ length: table.size }, (_, i) => table.path(i));
    assert.deepEqual(paths, [
      'train/n000001/0001_01.jpg',
      'train/n000001/0002_01.jpg',
      'train/n000001/0003_01.jpg',
      'train/n000001/0004_01.jpg',
      'train/n000002/0002_01.jpg',
      'train/n000002/0003_01.jpg',
    ]);
    assert.equal(table.record(1).width, 30, 'the changed file was probed again');
  });

  it('reports progress with growing counts and a final "done" event', async () => {
    const { root, cache } = fresh('progress');
    await cleanTree(root, 4, 2);
    const events: IndexProgress[] = [];
    await indexDataset({ root, cacheDir: cache, progressIntervalMs: 0, onProgress: (p) => events.push(p) });
    assert.ok(events.length >= 5, `one event per folder plus the final one, got ${events.length}`);
    for (let i = 1; i < events.length; i++) assert.ok(events[i]!.filesSeen >= events[i - 1]!.filesSeen);
    assert.equal(events[0]!.currentFolder, 'train/n000001');
    assert.deepEqual([events.at(-1)!.phase, events.at(-1)!.filesSeen, events.at(-1)!.foldersDone], ['done', 8, 4]);
  });
});

describe('cancellation', () => {
  it('stops on abort and leaves the previous index untouched', async () => {
    const { root, cache } = fresh('cancel');
    await cleanTree(root, 5, 2);
    const first = await indexDataset({ root, cacheDir: cache });
    await writeFile(join(root, 'train/n000001/0009_01.jpg'), small);

    const controller = new AbortController();
    let seenAtAbort = 0;
    await assert.rejects(
      indexDataset({
        root,
        cacheDir: cache,
        signal: controller.signal,
        progressIntervalMs: 0,
        onProgress: (p) => {
          seenAtAbort = p.filesSeen;
          controller.abort();
        },
      }),
      { name: 'AbortError' },
    );
    assert.equal(seenAtAbort, 3, 'aborted after the first folder');
    const reopened = await DatasetIndex.open(cache);
    assert.equal(reopened.summary.generation, first.summary.generation);
    assert.equal(reopened.size, 10);
    assert.deepEqual((await readdir(cache)).filter((f) => f.includes('.partial')), []);
  });

  it('a cancelled first run leaves no index', async () => {
    const { root, cache } = fresh('cancel-cold');
    await cleanTree(root, 2, 2);
    await assert.rejects(indexDataset({ root, cacheDir: cache, signal: AbortSignal.abort() }), { name: 'AbortError' });
    await assert.rejects(DatasetIndex.open(cache), IndexUnavailableError);
  });
});

describe('exact duplicates', () => {
  it('groups identical files, hashing only files that share a size', async () => {
    const { root, cache } = fresh('dups');
    const x = await jpeg(8, 8, { r: 10, g: 20, b: 30 });
    const y = await jpeg(16, 16, { r: 90, g: 20, b: 30 });
    const z = await jpeg(32, 20, { r: 10, g: 200, b: 30 });
    const xTwin = Buffer.from(x);
    xTwin[x.length >> 1] = (xTwin[x.length >> 1]! + 1) & 0xff; // same size, different bytes
    assert.equal(new Set([x.length, y.length, z.length]).size, 3, 'precondition: distinct sizes');
    await writeTree(root, {
      'train/n000001/a.jpg': x,
      'train/n000001/b.jpg': x,
      'train/n000002/c.jpg': x,
      'train/n000002/d.jpg': y,
      'train/n000003/e.jpg': y,
      'train/n000003/f.jpg': xTwin,
      'train/n000003/g.jpg': z,
    });
    const index = await indexDataset({ root, cacheDir: cache });
    const events: number[] = [];
    const report = await findExactDuplicates(index, { progressIntervalMs: 0, onProgress: (p) => events.push(p.filesHashed) });
    assert.deepEqual(
      report.groups.map((g) => g.paths),
      [['train/n000001/a.jpg', 'train/n000001/b.jpg', 'train/n000002/c.jpg'], ['train/n000002/d.jpg', 'train/n000003/e.jpg']],
    );
    assert.equal(report.filesHashed, 6);
    assert.equal(report.duplicateFiles, 3);
    assert.equal(report.redundantBytes, 2 * x.length + y.length);
    assert.equal(events.at(-1), 6);
    assert.deepEqual(await readDuplicateReport(index), report);

    await assert.rejects(findExactDuplicates(index, { signal: AbortSignal.abort() }), { name: 'AbortError' });
    const rebuilt = await indexDataset({ root, cacheDir: cache, incremental: false });
    assert.equal(await readDuplicateReport(rebuilt), null, 'a report describes one index generation only');
  });
});

describe('list-based layouts', () => {
  it('indexes RAF-DB, listing a missing image as a bad file', async () => {
    const { root, cache } = fresh('raf');
    const lines: string[] = [];
    const files: Record<string, Buffer> = {};
    for (let i = 1; i <= 101; i++) {
      const name = `${i <= 80 ? 'train' : 'test'}_${String(i).padStart(5, '0')}.jpg`;
      lines.push(`${name} ${(i % 7) + 1}`);
      if (i !== 50) files[`Image/aligned/${name.replace('.jpg', '_aligned.jpg')}`] = small;
    }
    await writeTree(root, { ...files, 'EmoLabel/list_patition_label.txt': lines.join('\n') });
    const detection = await detectLayout(root);
    assert.match(detection.warnings.join('\n'), /1 of 101 checked images .* are missing/);
    const index = await indexDataset({ detection, cacheDir: cache });
    const { overall, splits } = index.summary.statistics;
    assert.equal(overall.images, 101);
    assert.deepEqual(overall.badByReason, { missing: 1 });
    assert.deepEqual(index.summary.badFileExamples.missing, [{ path: 'Image/aligned/train_00050_aligned.jpg', detail: 'no such file' }]);
    assert.deepEqual([splits.train!.usable, splits.test!.usable], [79, 21]);
    // Label = value − 1 = i mod 7: image 7 (value 1) is Surprise (0).
    assert.equal((await index.readRecords(6, 1))[0]!.label, 0);
  });

  it('indexes FERPlus and reports images dropped by the majority rule', async () => {
    const { root, cache } = fresh('ferplus');
    const tiny = await png(6, 6);
    await writeTree(root, {
      'Images/FER2013Train/fer0.png': tiny,
      'Images/FER2013Train/fer1.png': tiny,
      'Images/FER2013Train/fer2.png': tiny,
      'Images/FER2013Valid/fer3.png': tiny,
      'Labels/FER2013Train/label.csv': 'fer0.png,"(0, 0, 48, 48)",0,9,1,0,0,0,0,0,0,0\nfer1.png,"(0, 0, 48, 48)",3,3,0,0,0,0,0,0,0,0\nfer2.png,"(0, 0, 48, 48)",0,0,0,0,0,0,0,0,8,0\n',
      'Labels/FER2013Valid/label.csv': 'fer3.png,"(0, 0, 48, 48)",0,0,0,0,0,0,0,10,0,0\n',
    });
    const index = await indexDataset({ root, cacheDir: cache });
    assert.deepEqual(index.summary.layout.splits, ['train', 'val']);
    assert.equal(index.summary.recordCount, 2);
    assert.deepEqual(index.summary.statistics.overall.labelCounts, [0, 1, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(index.summary.labelDrops, [
      { reason: 'no majority', split: 'train', count: 1, examples: ['Images/FER2013Train/fer1.png'] },
      { reason: 'majority says unknown', split: 'train', count: 1, examples: ['Images/FER2013Train/fer2.png'] },
    ]);
    assert.deepEqual((await problemsOf(index)).map((p) => p.kind), ['dropped', 'dropped']);
  });
});

describe('header probing', () => {
  /** The probe's view of a file held in memory, with the indexer's head/tail sizes. */
  function bytesOf(file: Buffer): ProbeBytes {
    return { size: file.length, head: file.subarray(0, 16384), tail: file.subarray(Math.max(0, file.length - 1024)), read: (offset, length) => file.subarray(offset, offset + length) };
  }

  it('finds the JPEG frame header past a large metadata segment', async () => {
    const plain = await noisy(30, 20).jpeg().toBuffer();
    const app1 = Buffer.alloc(4 + 40000);
    app1.writeUInt16BE(0xffe1, 0);
    app1.writeUInt16BE(2 + 40000, 2);
    const withMetadata = Buffer.concat([plain.subarray(0, 2), app1, plain.subarray(2)]);
    assert.deepEqual(probeImageHeader(bytesOf(withMetadata)), { status: 'ok', format: 'jpeg', width: 30, height: 20, detail: '', needsDecoderMetadata: false });
  });

  it('accepts data appended after the end marker but not a cut-short body', async () => {
    const plain = await noisy(64, 64).jpeg().toBuffer();
    const trailer = Buffer.concat([plain, Buffer.alloc(200_000, 0x55)]);
    assert.equal(probeImageHeader(bytesOf(trailer)).status, 'ok');
    const cut = probeImageHeader(bytesOf(plain.subarray(0, plain.length - 10)));
    assert.deepEqual([cut.status, cut.width], ['truncated', 64]);
    const pngFile = await noisy(40, 40).png().toBuffer();
    assert.equal(probeImageHeader(bytesOf(Buffer.concat([pngFile, Buffer.alloc(5000)]))).status, 'ok');
  });

  it('reads WebP (lossy, lossless, extended), BMP and GIF sizes and detects their truncation', async () => {
    const lossy = await solid(33, 17).webp().toBuffer();
    const lossless = await solid(33, 17).webp({ lossless: true }).toBuffer();
    const extended = await sharp(Buffer.alloc(33 * 17 * 4, 128), { raw: { width: 33, height: 17, channels: 4 } }).webp().toBuffer();
    for (const file of [lossy, lossless, extended]) assert.deepEqual([probeImageHeader(bytesOf(file)).width, probeImageHeader(bytesOf(file)).height], [33, 17]);
    assert.match(probeImageHeader(bytesOf(lossy.subarray(0, lossy.length - 5))).detail, /WebP declares \d+ bytes but the file has/);
    const bmp = bmp24(7, 5, new Array(105).fill(1));
    assert.deepEqual([probeImageHeader(bytesOf(bmp)).status, probeImageHeader(bytesOf(bmp)).width], ['ok', 7]);
    assert.equal(probeImageHeader(bytesOf(bmp.subarray(0, 80))).status, 'truncated');
    const gif = await solid(9, 4).gif().toBuffer();
    assert.deepEqual([probeImageHeader(bytesOf(gif)).format, probeImageHeader(bytesOf(gif)).width], ['gif', 9]);
    assert.equal(probeImageHeader(bytesOf(gif.subarray(0, gif.length - 1))).status, 'truncated');
  });

  it('names what a non-image or undecodable file is', () => {
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic'), Buffer.alloc(16)]);
    assert.deepEqual([probeImageHeader(bytesOf(heic)).status, probeImageHeader(bytesOf(heic)).format], ['unsupported-format', 'heif']);
    assert.match(probeImageHeader(bytesOf(Buffer.from('%PDF-1.7 …'))).detail, /PDF document/);
    assert.match(probeImageHeader(bytesOf(Buffer.from([0, 1, 2, 3, 4, 5]))).detail, /bytes 00 01 02 03, which is no known image format/);
    const tiff = Buffer.concat([Buffer.from('II*\0'), Buffer.alloc(10)]);
    assert.equal(probeImageHeader(bytesOf(tiff)).needsDecoderMetadata, true);
  });
});
