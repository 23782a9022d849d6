/**
 * Layout detection on generated trees of every supported layout, the label
 * rules of fra-spec §7.1 (RAF-DB 1..7 → 0..6, FERPlus majority vote), and
 * malformed variants, each of which must fail with a message saying what was
 * expected, what was found and what to do.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { detectLayout } from '../../../trainer/data/layouts/detect-layout.js';
import { LayoutError, type LayoutDetection, type ListEntry } from '../../../trainer/data/layouts/layout-types.js';
import { readListEntries } from '../../../trainer/data/layouts/list-entries.js';
import { ferPlusMajorityLabel, parseFerPlusRow } from '../../../trainer/data/layouts/ferplus.js';
import { parseRafDbLine } from '../../../trainer/data/layouts/raf-db.js';
import { sniffDelimiter, splitDelimited } from '../../../trainer/data/layouts/delimited-text.js';
import { imageExtensionOf } from '../../../trainer/data/layouts/image-extensions.js';
import { jpeg, makeTempDir, png, removeDir, writeTree } from './dataset-fixtures.js';

let base: string;
let jpg: Buffer;
let pngBytes: Buffer;
let counter = 0;

before(async () => {
  base = await makeTempDir('layouts');
  jpg = await jpeg(8, 8);
  pngBytes = await png(8, 8);
});
after(async () => removeDir(base));

async function tree(files: Record<string, Uint8Array | string>): Promise<string> {
  const root = join(base, `t${counter++}`);
  await mkdir(root, { recursive: true });
  await writeTree(root, files);
  return root;
}

async function entriesOf(detection: LayoutDetection): Promise<ListEntry[]> {
  assert.equal(detection.enumeration.type, 'list');
  const out: ListEntry[] = [];
  if (detection.enumeration.type !== 'list') return out;
  for (const source of detection.enumeration.lists) for await (const e of readListEntries(detection, source)) out.push(e);
  return out;
}

async function layoutError(path: string): Promise<LayoutError> {
  try {
    await detectLayout(path);
  } catch (error) {
    assert.ok(error instanceof LayoutError, `expected a LayoutError, got ${String(error)}`);
    // Every layout error follows the same three-part shape.
    assert.match(error.message, /\nExpected:\n/);
    assert.match(error.message, /\nFound:\n/);
    assert.match(error.message, /\nWhat to do: /);
    return error;
  }
  assert.fail(`detectLayout(${path}) should have failed`);
}

describe('image extensions', () => {
  it('accepts the five formats case-insensitively and nothing else', () => {
    assert.equal(imageExtensionOf('a.JPG'), '.jpg');
    assert.equal(imageExtensionOf('a.Jpeg'), '.jpeg');
    assert.equal(imageExtensionOf('x.png'), '.png');
    assert.equal(imageExtensionOf('x.WEBP'), '.webp');
    assert.equal(imageExtensionOf('x.bmp'), '.bmp');
    assert.equal(imageExtensionOf('x.gif'), null);
    assert.equal(imageExtensionOf('.jpg'), null);
    assert.equal(imageExtensionOf('readme'), null);
  });
});

describe('VGGFace2 identity folders', () => {
  it('detects train/ and test/ identity folders, with identities as labels', async () => {
    const root = await tree({
      'train/n000002/0001_01.jpg': jpg,
      'train/n000002/0002_01.jpg': jpg,
      'train/n000010/0001_01.jpg': jpg,
      'test/n000001/0001_01.jpg': jpg,
      'identity_meta.csv': 'Class_ID, Name, Sample_Num, Flag, Gender\nn000001, "A", 1, 0, m\n',
    });
    const d = await detectLayout(root);
    assert.equal(d.kind, 'vggface2');
    assert.equal(d.labelRole, 'identity');
    assert.deepEqual(d.splits, ['train', 'test']);
    assert.deepEqual(d.classNames, ['n000001', 'n000002', 'n000010']);
    assert.deepEqual(d.enumeration, {
      type: 'folders',
      groups: [
        { split: 'train', dir: 'train/n000002', label: 1 },
        { split: 'train', dir: 'train/n000010', label: 2 },
        { split: 'test', dir: 'test/n000001', label: 0 },
      ],
    });
    assert.match(d.report.join('\n'), /train\/ holds 2 identity folders/);
    assert.match(d.report.join('\n'), /ignores them/);
  });

  it('takes a root holding identity folders directly as the train split, and reports stray folders', async () => {
    const root = await tree({ 'n000001/a.jpg': jpg, 'n000002/a.jpg': jpg, 'n000003/a.jpg': jpg, 'n000004/a.jpg': jpg, 'n000005/a.jpg': jpg, 'n000006/a.jpg': jpg, 'n000007/a.jpg': jpg, 'n000008/a.jpg': jpg, 'n000009/a.jpg': jpg, 'n000010/a.jpg': jpg, 'extras/a.jpg': jpg });
    const d = await detectLayout(root);
    assert.equal(d.kind, 'vggface2');
    assert.deepEqual(d.splits, ['train']);
    assert.equal(d.classNames.length, 10);
    assert.match(d.report.join('\n'), /root itself is taken as the train split/);
    assert.match(d.warnings.join('\n'), /extras/);
  });

  it('fails clearly when the identity folders are empty', async () => {
    const root = await tree({});
    for (const id of ['n000001', 'n000002']) await mkdir(join(root, 'train', id), { recursive: true });
    const error = await layoutError(root);
    assert.match(error.message, /looks like VGGFace2 \(2 identity folders/);
    assert.match(error.message, /fully extracted/);
  });
});

describe('ImageFolder class folders', () => {
  it('detects class folders at the root as a single "all" split, classes in sorted order', async () => {
    const root = await tree({ 'dog/1.jpg': jpg, 'cat/1.png': pngBytes, 'cat/sub/2.jpg': jpg, '10/x.jpg': jpg, 'stray.jpg': jpg });
    const d = await detectLayout(root);
    assert.equal(d.kind, 'image-folder');
    assert.deepEqual(d.splits, ['all']);
    assert.deepEqual(d.classNames, ['10', 'cat', 'dog']);
    assert.match(d.warnings.join('\n'), /1 image\(s\) lie outside any class folder/);
  });

  it('detects train/val/test split folders and uses the union of classes', async () => {
    const root = await tree({ 'train/happy/1.jpg': jpg, 'train/sad/1.jpg': jpg, 'val/happy/1.jpg': jpg, 'test/happy/1.jpg': jpg, 'test/angry/1.jpg': jpg });
    const d = await detectLayout(root);
    assert.equal(d.kind, 'image-folder');
    assert.deepEqual(d.splits, ['train', 'val', 'test']);
    assert.deepEqual(d.classNames, ['angry', 'happy', 'sad']);
    assert.ok(d.enumeration.type === 'folders');
    assert.deepEqual(
      d.enumeration.groups.filter((g) => g.split === 'test'),
      [
        { split: 'test', dir: 'test/angry', label: 0 },
        { split: 'test', dir: 'test/happy', label: 1 },
      ],
    );
    assert.match(d.warnings.join('\n'), /different class folders/);
  });
});

describe('AffectNet-7', () => {
  it('maps expression folders 0..6 to the AffectNet class names', async () => {
    const files: Record<string, Buffer> = {};
    for (let c = 0; c < 7; c++) files[`train/${c}/a.jpg`] = jpg;
    files['val/0/a.jpg'] = jpg;
    files['val/6/a.jpg'] = jpg;
    const d = await detectLayout(await tree(files));
    assert.equal(d.kind, 'affectnet-7');
    assert.deepEqual(d.classNames, ['Neutral', 'Happiness', 'Sadness', 'Surprise', 'Fear', 'Disgust', 'Anger']);
    assert.deepEqual(d.splits, ['train', 'val']);
    assert.ok(d.enumeration.type === 'folders');
    assert.deepEqual(d.enumeration.groups.slice(-2), [
      { split: 'val', dir: 'val/0', label: 0 },
      { split: 'val', dir: 'val/6', label: 6 },
    ]);
  });

  it('treats a folder 7 (contempt, AffectNet-8) as plain class folders', async () => {
    const files: Record<string, Buffer> = {};
    for (let c = 0; c < 8; c++) files[`train/${c}/a.jpg`] = jpg;
    const d = await detectLayout(await tree(files));
    assert.equal(d.kind, 'image-folder');
    assert.equal(d.classNames.length, 8);
  });
});

describe('RAF-DB basic', () => {
  it('parses list lines: label value − 1, split from the name', () => {
    assert.deepEqual(parseRafDbLine('train_00001.jpg 5'), { name: 'train_00001.jpg', split: 'train', label: 4 });
    assert.deepEqual(parseRafDbLine('test_0001.jpg 1\r'), { name: 'test_0001.jpg', split: 'test', label: 0 });
    assert.equal(parseRafDbLine('   '), null);
    assert.match(String(parseRafDbLine('train_1.jpg 8')), /1\.\.7/);
    assert.match(String(parseRafDbLine('val_1.jpg 3')), /neither "train" nor "test"/);
  });

  it('detects the list and aligned images and yields labels 0..6 with splits', async () => {
    const root = await tree({
      'EmoLabel/list_patition_label.txt': 'train_00001.jpg 5\ntrain_00002.jpg 1\ntest_0001.jpg 7\n',
      'Image/aligned/train_00001_aligned.jpg': jpg,
      'Image/aligned/train_00002_aligned.jpg': jpg,
      'Image/aligned/test_0001_aligned.jpg': jpg,
    });
    const d = await detectLayout(root);
    assert.equal(d.kind, 'raf-db');
    assert.deepEqual(d.classNames, ['Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger', 'Neutral']);
    assert.deepEqual(d.splits, ['train', 'test']);
    assert.deepEqual(await entriesOf(d), [
      { type: 'image', path: 'Image/aligned/train_00001_aligned.jpg', split: 'train', label: 4 },
      { type: 'image', path: 'Image/aligned/train_00002_aligned.jpg', split: 'train', label: 0 },
      { type: 'image', path: 'Image/aligned/test_0001_aligned.jpg', split: 'test', label: 6 },
    ]);
  });

  it('fails when the list references images that are not there', async () => {
    const root = await tree({
      'EmoLabel/list_patition_label.txt': 'train_00001.jpg 5\ntrain_00002.jpg 1\ntest_0001.jpg 7\n',
      'Image/aligned/train_00001_aligned.jpg': jpg,
    });
    const error = await layoutError(root);
    assert.match(error.message, /2 of 3 checked images listed in EmoLabel\/list_patition_label\.txt are missing/);
    assert.match(error.message, /missing: Image\/aligned\/train_00002_aligned\.jpg/);
  });

  it('fails when the aligned images were never extracted', async () => {
    const root = await tree({ 'EmoLabel/list_patition_label.txt': 'train_00001.jpg 5\n', 'Image/aligned.zip': 'PK' });
    const error = await layoutError(root);
    assert.match(error.message, /no Image\/aligned\/ folder/);
    assert.match(error.message, /aligned\.zip/);
  });

  it('fails on malformed list lines, naming the line', async () => {
    const root = await tree({ 'EmoLabel/list_patition_label.txt': 'train_00001.jpg 5\ntrain_00002.jpg 9\n', 'Image/aligned/train_00001_aligned.jpg': jpg });
    const error = await layoutError(root);
    assert.match(error.message, /line 2: label must be 1\.\.7, got "9"/);
  });
});

describe('FERPlus', () => {
  it('applies the majority-vote rule of fra-spec §7.1', () => {
    // Single votes are zeroed: 8 happiness of 8 counted votes.
    assert.deepEqual(ferPlusMajorityLabel([0, 8, 1, 0, 0, 0, 0, 0, 1, 0]), { label: 1 });
    // 6 of 10 is a majority for neutral.
    assert.deepEqual(ferPlusMajorityLabel([6, 0, 4, 0, 0, 0, 0, 0, 0, 0]), { label: 0 });
    // Exactly half is not a majority.
    assert.deepEqual(ferPlusMajorityLabel([5, 5, 0, 0, 0, 0, 0, 0, 0, 0]), { dropped: 'no majority' });
    // 4 of 9 after zeroing the single vote: not more than half.
    assert.deepEqual(ferPlusMajorityLabel([4, 3, 2, 1, 0, 0, 0, 0, 0, 0]), { dropped: 'no majority' });
    // All single votes: nothing left.
    assert.deepEqual(ferPlusMajorityLabel([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]), { dropped: 'no majority' });
    assert.deepEqual(ferPlusMajorityLabel([0, 0, 0, 0, 0, 0, 0, 2, 8, 0]), { dropped: 'majority says unknown' });
    assert.deepEqual(ferPlusMajorityLabel([0, 0, 0, 0, 0, 0, 0, 0, 0, 10]), { dropped: 'majority says not a face' });
    assert.deepEqual(ferPlusMajorityLabel([0, 0, 0, 0, 0, 0, 0, 7, 1, 2]), { label: 7 });
  });

  it('parses rows with the face box quoted or not', () => {
    assert.deepEqual(parseFerPlusRow('fer0000000.png,"(0, 0, 48, 48)",4,0,0,1,3,2,0,0,0,0'), { image: 'fer0000000.png', votes: [4, 0, 0, 1, 3, 2, 0, 0, 0, 0] });
    assert.deepEqual(parseFerPlusRow('fer0000001.png,(0, 0, 48, 48),0,10,0,0,0,0,0,0,0,0'), { image: 'fer0000001.png', votes: [0, 10, 0, 0, 0, 0, 0, 0, 0, 0] });
    assert.match(String(parseFerPlusRow('fer0000002.png,(0, 0, 48, 48),1,2,3')), /10 vote counts/);
  });

  it('detects Images/ + Labels/ splits and reports dropped images by reason', async () => {
    const root = await tree({
      'Images/FER2013Train/fer0000000.png': pngBytes,
      'Images/FER2013Train/fer0000001.png': pngBytes,
      'Images/FER2013Train/fer0000002.png': pngBytes,
      'Images/FER2013Test/fer0000100.png': pngBytes,
      'Labels/FER2013Train/label.csv': [
        'fer0000000.png,"(0, 0, 48, 48)",0,10,0,0,0,0,0,0,0,0',
        'fer0000001.png,"(0, 0, 48, 48)",5,5,0,0,0,0,0,0,0,0',
        'fer0000002.png,"(0, 0, 48, 48)",0,0,0,0,0,0,0,0,0,10',
      ].join('\n'),
      'Labels/FER2013Test/label.csv': 'fer0000100.png,"(0, 0, 48, 48)",0,0,9,1,0,0,0,0,0,0\n',
    });
    const d = await detectLayout(root);
    assert.equal(d.kind, 'ferplus');
    assert.deepEqual(d.splits, ['train', 'test']);
    assert.deepEqual(d.classNames, ['neutral', 'happiness', 'surprise', 'sadness', 'anger', 'disgust', 'fear', 'contempt']);
    const report = d.report.join('\n');
    assert.match(report, /FER2013Train.*3 rows, 1 kept, 2 dropped \(1 no majority, 1 majority says not a face\)/);
    assert.deepEqual(await entriesOf(d), [
      { type: 'image', path: 'Images/FER2013Train/fer0000000.png', split: 'train', label: 1 },
      { type: 'dropped', item: 'Images/FER2013Train/fer0000001.png', split: 'train', reason: 'no majority' },
      { type: 'dropped', item: 'Images/FER2013Train/fer0000002.png', split: 'train', reason: 'majority says not a face' },
      { type: 'image', path: 'Images/FER2013Test/fer0000100.png', split: 'test', label: 2 },
    ]);
  });

  it('fails when the images have no labels', async () => {
    const root = await tree({ 'Images/FER2013Train/fer0000000.png': pngBytes });
    const error = await layoutError(root);
    assert.match(error.message, /FERPlus images in Images\/FER2013Train\/ but no labels/);
    assert.match(error.message, /Labels\/FER2013Train\/label\.csv/);
    assert.match(error.message, /microsoft\/FERPlus/);
  });
});

describe('CSV/TSV lists', () => {
  it('sniffs the delimiter and honours quoting', () => {
    assert.equal(sniffDelimiter(['a.jpg\t1', 'b.jpg\t2']), '\t');
    assert.equal(sniffDelimiter(['a.jpg;happy', 'b.jpg;sad']), ';');
    assert.equal(sniffDelimiter(['path,label', 'a.jpg,1']), ',');
    assert.equal(sniffDelimiter(['a.jpg', 'b.jpg']), null);
    assert.deepEqual(splitDelimited('"x, y.jpg",happy', ','), ['x, y.jpg', 'happy']);
  });

  it('detects per-split lists with a header and class names, paths relative to the root', async () => {
    const root = await tree({
      'images/a.jpg': jpg,
      'images/b.jpg': jpg,
      'images/c d.jpg': jpg,
      'lists/train.csv': 'label,path\nhappy,images/a.jpg\nsad,images/b.jpg\n',
      'lists/test.csv': 'label,path\nangry,"images/c d.jpg"\n',
    });
    const d = await detectLayout(root);
    assert.equal(d.kind, 'csv-list');
    assert.deepEqual(d.splits.sort(), ['test', 'train']);
    assert.deepEqual(d.classNames, ['angry', 'happy', 'sad']);
    assert.match(d.report.join('\n'), /header row, paths in column 2 relative to the root, labels in column 1/);
    const entries = await entriesOf(d);
    assert.deepEqual(
      entries.filter((e) => e.type === 'image' && e.split === 'train'),
      [
        { type: 'image', path: 'images/a.jpg', split: 'train', label: 1 },
        { type: 'image', path: 'images/b.jpg', split: 'train', label: 2 },
      ],
    );
    assert.deepEqual(entries.find((e) => e.split === 'test'), { type: 'image', path: 'images/c d.jpg', split: 'test', label: 0 });
  });

  it('accepts a TSV list file given directly, no header, integer labels relative to the list', async () => {
    const root = await tree({ 'faces/x.png': pngBytes, 'faces/y.png': pngBytes, 'all.tsv': 'faces/x.png\t2\nfaces/y.png\t0\n' });
    const d = await detectLayout(join(root, 'all.tsv'));
    assert.equal(d.kind, 'csv-list');
    assert.equal(d.root, root);
    assert.deepEqual(d.classNames, ['0', '1', '2']);
    assert.match(d.warnings.join('\n'), /class\(es\) 1 without images/);
    assert.deepEqual(await entriesOf(d), [
      { type: 'image', path: 'faces/x.png', split: 'all', label: 2 },
      { type: 'image', path: 'faces/y.png', split: 'all', label: 0 },
    ]);
  });

  it('fails when most listed paths do not exist', async () => {
    const root = await tree({ 'train.csv': 'a.jpg,1\nb.jpg,2\n', 'a.jpg': jpg });
    const error = await layoutError(root);
    assert.match(error.message, /1 of 2 checked images listed in train\.csv are missing/);
  });
});

describe('no match and unsupported inputs', () => {
  it('lists every expected layout and what the folder holds', async () => {
    const root = await tree({ 'notes.txt': 'hello', 'photo.jpg': jpg });
    const error = await layoutError(root);
    assert.match(error.message, /does not match any dataset layout/);
    for (const expected of [/list_patition_label/, /FER2013/, /\.csv or \*\.tsv/, /AffectNet/, /n000002/, /<class>/]) assert.match(error.message, expected);
    assert.match(error.message, /0 folder\(s\), 2 file\(s\) \(1 image\(s\)\): notes\.txt, photo\.jpg/);
  });

  it('says when the path does not exist', async () => {
    const error = await layoutError(join(base, 'nowhere'));
    assert.match(error.message, /does not exist/);
  });

  it('explains that FER2013 pixel CSVs are not image files', async () => {
    const root = await tree({ 'fer2013.csv': 'emotion,pixels,Usage\n0,1 2 3,Training\n' });
    const error = await layoutError(root);
    assert.match(error.message, /FER2013 in its original CSV form/);
    assert.match(error.message, /generate_training_data\.py/);
  });

  it('does not follow a symlink cycle while detecting', async () => {
    const root = await tree({ 'train/happy/1.jpg': jpg });
    await symlink('..', join(root, 'train', 'loop'));
    const d = await detectLayout(root);
    assert.equal(d.kind, 'image-folder');
    assert.deepEqual(d.classNames, ['happy']);
    assert.match(d.warnings.join('\n'), /train\/: loop link\(s\) back to a parent folder/);
  });
});
