/**
 * RAF-DB basic (fra-spec §7.1): `<root>/EmoLabel/list_patition_label.txt`
 * (sic — RAF-DB's own spelling) with lines `train_00001.jpg 5`; the image is
 * `<root>/Image/aligned/train_00001_aligned.jpg`; the split is the substring
 * `train`/`test` of the name; label = value − 1.
 */
import { join } from 'node:path';
import { describeListing, isFile, listFolder } from './folder-survey.js';
import { assessListedImages } from './listed-images-check.js';
import { readLines } from './text-lines.js';
import { LayoutError, type DetectorResult, type ListEntry, type RafDbListSource } from './layout-types.js';

/** Index = label value − 1 (standard RAF-DB order). */
export const RAF_DB_CLASS_NAMES = ['Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger', 'Neutral'] as const;

const LIST_FILE = 'EmoLabel/list_patition_label.txt';
const IMAGE_DIR = 'Image/aligned';
const EXPECTED = `<root>/${LIST_FILE} with lines "train_00001.jpg 5" and <root>/${IMAGE_DIR}/train_00001_aligned.jpg`;

export interface RafDbLine {
  name: string;
  split: 'train' | 'test';
  label: number;
}

/** Parses one list line; returns an error text for malformed lines, null for blank ones. */
export function parseRafDbLine(text: string): RafDbLine | string | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 2) return `expected "<name> <label>", got "${trimmed}"`;
  const [name, value] = fields as [string, string];
  const label = Number(value);
  if (!Number.isInteger(label) || label < 1 || label > 7) return `label must be 1..7, got "${value}"`;
  const split = name.includes('train') ? 'train' : name.includes('test') ? 'test' : null;
  if (!split) return `name "${name}" contains neither "train" nor "test", so its split is unknown`;
  return { name, split, label: label - 1 };
}

/** `train_00001.jpg` → `Image/aligned/train_00001_aligned.jpg`. */
export function rafDbAlignedPath(name: string, imageDir = IMAGE_DIR): string {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  return `${imageDir}/${stem}_aligned.jpg`;
}

export async function detectRafDb(root: string): Promise<DetectorResult> {
  if (!(await isFile(join(root, LIST_FILE)))) {
    return { matched: false, expected: EXPECTED, whyNot: `no ${LIST_FILE}` };
  }
  const lines: RafDbLine[] = [];
  const malformed: string[] = [];
  for await (const line of readLines(join(root, LIST_FILE))) {
    const parsed = parseRafDbLine(line.text);
    if (parsed === null) continue;
    if (typeof parsed === 'string') malformed.push(`line ${line.number}: ${parsed}`);
    else lines.push(parsed);
  }
  if (malformed.length > 0 || lines.length === 0) {
    throw new LayoutError(
      `${root} has ${LIST_FILE}, but ${lines.length === 0 && malformed.length === 0 ? 'it is empty' : `${malformed.length} line(s) cannot be read`}.`,
      ['one image per line: "<name containing train or test>.jpg <label 1..7>"'],
      malformed.length > 0 ? malformed.slice(0, 8) : ['an empty list'],
      'restore the list file from the RAF-DB basic archive (EmoLabel/list_patition_label.txt).',
    );
  }

  const aligned = await listFolder(join(root, IMAGE_DIR));
  if (!aligned) {
    const image = await listFolder(join(root, 'Image'));
    throw new LayoutError(
      `${root} has the RAF-DB label list but no ${IMAGE_DIR}/ folder.`,
      [`${IMAGE_DIR}/<name>_aligned.jpg for every listed image (the aligned 100×100 faces)`],
      [image ? `Image/: ${describeListing(image)}` : 'no Image/ folder'],
      'extract Image/aligned.zip from the RAF-DB basic archive so that Image/aligned/ holds the *_aligned.jpg files.',
    );
  }
  const present = new Set(aligned.files);
  const missing = lines.map((l) => rafDbAlignedPath(l.name)).filter((p) => !present.has(p.slice(IMAGE_DIR.length + 1)));
  const warnings = assessListedImages({
    listName: LIST_FILE,
    datasetName: 'RAF-DB',
    root,
    checked: lines.length,
    missing,
    expectedExample: rafDbAlignedPath(lines[0]?.name ?? 'train_00001.jpg'),
    found: [`${IMAGE_DIR}/: ${describeListing(aligned)}`],
    advice: 'make sure Image/aligned/ holds the aligned images that belong to this list (re-extract Image/aligned.zip).',
  });

  const counts = { train: 0, test: 0 };
  for (const l of lines) counts[l.split]++;
  const splits = (['train', 'test'] as const).filter((s) => counts[s] > 0);
  const source: RafDbListSource = { format: 'raf-db', listFile: LIST_FILE, imageDir: IMAGE_DIR };
  return {
    matched: true,
    detection: {
      kind: 'raf-db',
      title: 'RAF-DB (basic)',
      root,
      labelRole: 'class',
      classNames: [...RAF_DB_CLASS_NAMES],
      splits,
      report: [
        `${LIST_FILE} lists ${lines.length} images (${counts.train} train, ${counts.test} test; split from "train"/"test" in the name)`,
        `images are read from ${IMAGE_DIR}/<name>_aligned.jpg`,
        `labels 1..7 → 0..6: ${RAF_DB_CLASS_NAMES.join(', ')} (fra-spec §7.1)`,
      ],
      warnings,
      enumeration: { type: 'list', lists: [source] },
    },
  };
}

export async function* readRafDbEntries(root: string, source: RafDbListSource): AsyncGenerator<ListEntry> {
  for await (const line of readLines(join(root, source.listFile))) {
    const parsed = parseRafDbLine(line.text);
    if (parsed === null) continue;
    if (typeof parsed === 'string') {
      yield { type: 'dropped', item: `${source.listFile}:${line.number}`, split: 'unknown', reason: `malformed line (${parsed})` };
      continue;
    }
    yield { type: 'image', path: rafDbAlignedPath(parsed.name, source.imageDir), split: parsed.split, label: parsed.label };
  }
}

