/**
 * FERPlus (fra-spec §7.1): `<root>/Images/FER2013{Train,Valid,Test}/*.png`
 * plus `<root>/Labels/<same>/label.csv` with rows
 * `fer0000000.png,"(0, 0, 48, 48)",<10 vote counts>` in the column order
 * neutral, happiness, surprise, sadness, anger, disgust, fear, contempt,
 * unknown, NF. Labels follow the reference's majority rule; images it drops
 * are counted by reason so the user sees why the dataset shrank.
 */
import { join } from 'node:path';
import { describeListing, isFile, listFolder } from './folder-survey.js';
import { assessListedImages } from './listed-images-check.js';
import { readLines } from './text-lines.js';
import { LayoutError, type DetectorResult, type FerPlusListSource, type ListEntry } from './layout-types.js';

export const FERPLUS_CLASS_NAMES = ['neutral', 'happiness', 'surprise', 'sadness', 'anger', 'disgust', 'fear', 'contempt'] as const;

const VOTE_COLUMNS = 10;
const UNKNOWN_COLUMN = 8;
const NOT_A_FACE_COLUMN = 9;

const SPLIT_FOLDERS = [
  { folder: 'FER2013Train', split: 'train' },
  { folder: 'FER2013Valid', split: 'val' },
  { folder: 'FER2013Test', split: 'test' },
] as const;

const EXPECTED = '<root>/Images/FER2013{Train,Valid,Test}/*.png and <root>/Labels/FER2013{Train,Valid,Test}/label.csv';

export type FerPlusDropReason = 'no majority' | 'majority says unknown' | 'majority says not a face';

/**
 * The majority-vote rule of fra-spec §7.1 (FERPlus reference, mode "majority"):
 * single votes are zeroed as outliers; the label is the arg-max if the top
 * count exceeds half of the remaining votes; otherwise, or when the winner is
 * "unknown" or "NF", the image is dropped.
 */
export function ferPlusMajorityLabel(votes: readonly number[]): { label: number } | { dropped: FerPlusDropReason } {
  const kept = votes.map((v) => (v <= 1 ? 0 : v));
  const total = kept.reduce((a, b) => a + b, 0);
  let best = 0;
  for (let i = 1; i < kept.length; i++) if ((kept[i] ?? 0) > (kept[best] ?? 0)) best = i;
  const top = kept[best] ?? 0;
  if (total <= 0 || top <= total / 2) return { dropped: 'no majority' };
  if (best === UNKNOWN_COLUMN) return { dropped: 'majority says unknown' };
  if (best === NOT_A_FACE_COLUMN) return { dropped: 'majority says not a face' };
  return { label: best };
}

export interface FerPlusRow {
  image: string;
  votes: number[];
}

/** Parses one label.csv row (box quoted or not); an error text for malformed rows, null for blank ones. */
export function parseFerPlusRow(text: string): FerPlusRow | string | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  // The face box "(x, y, w, h)" contains commas; remove it before splitting.
  const withoutBox = trimmed.replace(/"?\([^)]*\)"?/, '');
  const fields = withoutBox.split(',').map((f) => f.trim()).filter((f, i) => i === 0 || f !== '');
  const image = fields[0] ?? '';
  const votes = fields.slice(1).map(Number);
  if (votes.length !== VOTE_COLUMNS || votes.some((v) => !Number.isFinite(v) || v < 0)) {
    return `expected "<image>,<box>,<${VOTE_COLUMNS} vote counts>", got "${trimmed.slice(0, 80)}"`;
  }
  if (image === '') return 'missing image file name';
  return { image, votes };
}

interface SplitSurvey {
  folder: string;
  split: string;
  rows: number;
  kept: number;
  dropped: Map<FerPlusDropReason, number>;
}

export async function detectFerPlus(root: string): Promise<DetectorResult> {
  const images = await listFolder(join(root, 'Images'));
  const labels = await listFolder(join(root, 'Labels'));
  const imageSplits = SPLIT_FOLDERS.filter((s) => images?.folders.includes(s.folder));
  const labelSplits = SPLIT_FOLDERS.filter((s) => labels?.folders.includes(s.folder));
  if (imageSplits.length === 0 && labelSplits.length === 0) {
    return { matched: false, expected: EXPECTED, whyNot: 'no Images/FER2013* or Labels/FER2013* folders' };
  }

  const surveys: SplitSurvey[] = [];
  const warnings: string[] = [];
  for (const { folder, split } of SPLIT_FOLDERS) {
    const hasImages = imageSplits.some((s) => s.folder === folder);
    const labelFile = `Labels/${folder}/label.csv`;
    const hasLabels = await isFile(join(root, labelFile));
    if (!hasImages && !hasLabels) continue;
    if (!hasLabels) {
      const labelFolder = await listFolder(join(root, 'Labels', folder));
      throw new LayoutError(
        `${root} has FERPlus images in Images/${folder}/ but no labels for them.`,
        [`${labelFile} (FERPlus vote counts: image, box, 10 votes)`],
        [labels ? `Labels/: ${describeListing(labels)}` : 'no Labels/ folder', ...(labelFolder ? [`Labels/${folder}/: ${describeListing(labelFolder)}`] : [])],
        `copy data/${folder}/label.csv from the FERPlus repository (github.com/microsoft/FERPlus) to ${labelFile}.`,
      );
    }
    const imageFolder = await listFolder(join(root, 'Images', folder));
    if (!imageFolder) {
      throw new LayoutError(
        `${root} has ${labelFile} but no Images/${folder}/ folder.`,
        [`Images/${folder}/*.png (the FER2013 images, written by FERPlus's generate_training_data.py)`],
        [images ? `Images/: ${describeListing(images)}` : 'no Images/ folder'],
        `generate the ${folder} images from fer2013.csv with the FERPlus script, into Images/${folder}/.`,
      );
    }
    const survey: SplitSurvey = { folder, split, rows: 0, kept: 0, dropped: new Map() };
    const malformed: string[] = [];
    const present = new Set(imageFolder.files);
    const missing: string[] = [];
    for await (const line of readLines(join(root, labelFile))) {
      const row = parseFerPlusRow(line.text);
      if (row === null) continue;
      if (typeof row === 'string') {
        if (line.number === 1) continue; // an optional header row
        malformed.push(`${labelFile} line ${line.number}: ${row}`);
        continue;
      }
      survey.rows++;
      const decision = ferPlusMajorityLabel(row.votes);
      if ('dropped' in decision) {
        survey.dropped.set(decision.dropped, (survey.dropped.get(decision.dropped) ?? 0) + 1);
        continue;
      }
      survey.kept++;
      if (!present.has(row.image)) missing.push(`Images/${folder}/${row.image}`);
    }
    if (malformed.length > 0) {
      throw new LayoutError(
        `${root}: ${malformed.length} row(s) of ${labelFile} cannot be read.`,
        ['rows "fer0000000.png,(0, 0, 48, 48),n1,…,n10" with 10 non-negative vote counts'],
        malformed.slice(0, 8),
        `restore ${labelFile} from the FERPlus repository.`,
      );
    }
    warnings.push(
      ...assessListedImages({
        listName: labelFile,
        datasetName: 'FERPlus',
        root,
        checked: survey.kept,
        missing,
        expectedExample: `Images/${folder}/fer0000000.png`,
        found: [`Images/${folder}/: ${describeListing(imageFolder)}`],
        advice: `regenerate Images/${folder}/ from fer2013.csv with the FERPlus script so the names match ${labelFile}.`,
      }),
    );
    surveys.push(survey);
  }

  const report = surveys.map((s) => {
    const drops = [...s.dropped].map(([reason, n]) => `${n} ${reason}`).join(', ');
    return `Images/${s.folder}/ + Labels/${s.folder}/label.csv: ${s.rows} rows, ${s.kept} kept, ${s.rows - s.kept} dropped${drops ? ` (${drops})` : ''} → split "${s.split}"`;
  });
  report.push(`labels by the FERPlus majority rule (single votes zeroed, winner must exceed half the votes; unknown and NF dropped): ${FERPLUS_CLASS_NAMES.join(', ')} (fra-spec §7.1)`);
  const lists: FerPlusListSource[] = surveys.map((s) => ({ format: 'ferplus', split: s.split, labelFile: `Labels/${s.folder}/label.csv`, imageDir: `Images/${s.folder}` }));
  return {
    matched: true,
    detection: {
      kind: 'ferplus',
      title: 'FERPlus',
      root,
      labelRole: 'class',
      classNames: [...FERPLUS_CLASS_NAMES],
      splits: surveys.map((s) => s.split),
      report,
      warnings,
      enumeration: { type: 'list', lists },
    },
  };
}

export async function* readFerPlusEntries(root: string, source: FerPlusListSource): AsyncGenerator<ListEntry> {
  for await (const line of readLines(join(root, source.labelFile))) {
    const row = parseFerPlusRow(line.text);
    if (row === null || (typeof row === 'string' && line.number === 1)) continue;
    if (typeof row === 'string') {
      yield { type: 'dropped', item: `${source.labelFile}:${line.number}`, split: source.split, reason: `malformed row (${row})` };
      continue;
    }
    const decision = ferPlusMajorityLabel(row.votes);
    const path = `${source.imageDir}/${row.image}`;
    if ('dropped' in decision) yield { type: 'dropped', item: path, split: source.split, reason: decision.dropped };
    else yield { type: 'image', path, split: source.split, label: decision.label };
  }
}
