/**
 * CSV/TSV image lists: rows `path,label` (header optional, delimiter sniffed,
 * quoting honoured), paths relative to the list file's folder or to the
 * dataset root, labels as class names or as integers taken as given. The
 * root may be a folder holding `*.csv`/`*.tsv` lists (one split per list,
 * named from "train"/"val"/"test" in the file name) — also inside a lists/,
 * labels/, annotations/, splits/ or meta/ sub-folder — or one list file.
 */
import { access } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, posix, relative, sep } from 'node:path';
import { byCodePoint, listFolder } from './folder-survey.js';
import { isImageFileName } from './image-extensions.js';
import { assessListedImages } from './listed-images-check.js';
import { readFirstLines, readLines } from './text-lines.js';
import { describeDelimiter, sniffDelimiter, splitDelimited, type Delimiter } from './delimited-text.js';
import { LayoutError, type CsvListSource, type DetectorResult, type ListEntry } from './layout-types.js';

const LIST_EXTENSIONS = ['.csv', '.tsv'];
const LIST_FOLDERS = ['lists', 'labels', 'annotations', 'splits', 'meta', 'metadata'];
const PATH_HEADERS = ['path', 'file', 'filename', 'file_name', 'filepath', 'file_path', 'image', 'img', 'image_path', 'image_name', 'name'];
const LABEL_HEADERS = ['label', 'class', 'class_name', 'classname', 'emotion', 'expression', 'target', 'category', 'y', 'identity', 'id'];
const SNIFF_LINES = 20;
const EXISTENCE_SAMPLE = 200;
/** More distinct label names than this means the column is not a class label (e.g. unique ids). */
const MAX_CLASS_NAMES = 100_000;
const EXPECTED = 'a *.csv or *.tsv list of "path,label" rows (header optional) whose paths name image files';

interface ListShape {
  delimiter: Delimiter;
  hasHeader: boolean;
  pathColumn: number;
  labelColumn: number | null;
}

/** Works out delimiter, header and columns from the first lines; a reason text if this is not an image list. */
export function sniffListShape(lines: readonly string[]): ListShape | string {
  const sample = lines.filter((l) => l.trim() !== '');
  if (sample.length === 0) return 'the file is empty';
  const delimiter = sniffDelimiter(sample) ?? ',';
  const rows = sample.map((l) => splitDelimited(l, delimiter));
  const width = rows[0]?.length ?? 0;
  const dataRows = rows.slice(1);
  const looksLikeImage = (row: string[] | undefined, col: number) => isImageFileName(row?.[col] ?? '');
  // The path column: the first column whose data values name image files.
  let pathColumn = -1;
  for (let col = 0; col < width && pathColumn < 0; col++) {
    const hits = rows.filter((r) => looksLikeImage(r, col)).length;
    if (hits > 0 && hits >= dataRows.length * 0.8) pathColumn = col;
  }
  if (pathColumn < 0) return `no column of image file names (delimiter ${describeDelimiter(delimiter)}, first row "${sample[0]?.slice(0, 60)}")`;
  const header = rows[0] ?? [];
  const hasHeader = !looksLikeImage(header, pathColumn);
  if (hasHeader) {
    const names = header.map((h) => h.toLowerCase());
    const byName = names.findIndex((h) => PATH_HEADERS.includes(h));
    if (byName >= 0 && dataRows.some((r) => looksLikeImage(r, byName))) pathColumn = byName;
  }
  let labelColumn: number | null = null;
  if (width >= 2) {
    const named = hasHeader ? header.findIndex((h, i) => i !== pathColumn && LABEL_HEADERS.includes(h.toLowerCase())) : -1;
    labelColumn = named >= 0 ? named : pathColumn === 0 ? 1 : 0;
  }
  return { delimiter, hasHeader, pathColumn, labelColumn };
}

function isListFileName(name: string): boolean {
  return LIST_EXTENSIONS.includes(extname(name).toLowerCase());
}

export function splitNameFromListFile(fileName: string, listCount: number): string {
  const stem = basename(fileName, extname(fileName));
  const lower = stem.toLowerCase();
  if (/train/.test(lower)) return 'train';
  if (/(^|[^a-z])(val|valid|validation)([^a-z]|$)/.test(lower)) return 'val';
  if (/test/.test(lower)) return 'test';
  return listCount === 1 ? 'all' : stem;
}

/** '/'-separated path relative to the root, for a listed path that may be absolute or relative to `baseDir`. */
export function resolveListedPath(root: string, baseDir: string, listed: string): string {
  const native = listed.replace(/\\/g, '/');
  if (isAbsolute(native)) return relative(root, native).split(sep).join('/');
  return posix.normalize(baseDir === '' ? native : `${baseDir}/${native}`);
}

interface ListSurvey {
  source: CsvListSource;
  rows: number;
  labelValues: Set<string>;
  allIntegers: boolean;
  unlabelled: number;
  firstPaths: string[];
  warnings: string[];
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function surveyList(root: string, listFile: string, split: string): Promise<ListSurvey | string> {
  const absolute = join(root, listFile);
  const head = await readFirstLines(absolute, SNIFF_LINES);
  const shape = sniffListShape(head.map((l) => l.text));
  if (typeof shape === 'string') return shape;

  const survey: ListSurvey = {
    source: { format: 'csv', split, listFile, baseDir: '', labelMode: 'none', ...shape },
    rows: 0,
    labelValues: new Set(),
    allIntegers: true,
    unlabelled: 0,
    firstPaths: [],
    warnings: [],
  };
  for await (const line of readLines(absolute)) {
    if (line.text.trim() === '' || (shape.hasHeader && line.number === 1)) continue;
    const fields = splitDelimited(line.text, shape.delimiter);
    survey.rows++;
    if (survey.firstPaths.length < EXISTENCE_SAMPLE) survey.firstPaths.push(fields[shape.pathColumn] ?? '');
    if (shape.labelColumn === null) continue;
    const label = fields[shape.labelColumn] ?? '';
    if (label === '') {
      survey.unlabelled++;
      continue;
    }
    if (survey.labelValues.size < MAX_CLASS_NAMES) survey.labelValues.add(label);
    if (!/^\d+$/.test(label)) survey.allIntegers = false;
  }
  if (survey.labelValues.size >= MAX_CLASS_NAMES) {
    throw new LayoutError(
      `${listFile}: the label column (${shape.labelColumn! + 1}) has over ${MAX_CLASS_NAMES} distinct values, so it is not a class label.`,
      ['"path,label" rows where label is a class name or class number'],
      [`first row: ${head[0]?.text.slice(0, 80)}`],
      'put the class label in the column after the path (or name the columns "path" and "label" in a header row).',
    );
  }

  // Paths relative to the list's folder, or to the root: pick whichever finds the sampled files.
  const listDir = posix.dirname(listFile) === '.' ? '' : posix.dirname(listFile);
  const bases = [...new Set([listDir, ''])];
  let best = { baseDir: listDir, found: -1, missing: [] as string[] };
  for (const baseDir of bases) {
    const resolved = survey.firstPaths.map((p) => resolveListedPath(root, baseDir, p));
    const present = await Promise.all(resolved.map((p) => exists(join(root, p))));
    const found = present.filter(Boolean).length;
    if (found > best.found) best = { baseDir, found, missing: resolved.filter((_, i) => !present[i]) };
  }
  survey.source.baseDir = best.baseDir;
  survey.warnings = assessListedImages({
    listName: listFile,
    datasetName: 'an image list',
    root,
    checked: survey.firstPaths.length,
    missing: best.missing,
    expectedExample: `${resolveListedPath(root, best.baseDir, survey.firstPaths[0] ?? 'image.jpg')} (the first listed path)`,
    found: [`paths were tried relative to ${bases.map((b) => (b === '' ? 'the root' : `${b}/`)).join(' and to ')}`],
    advice: 'make the listed paths relative to the list file or to the dataset root (or absolute), and check the images exist.',
  });
  return survey;
}

export async function detectCsvList(root: string, listFile?: string): Promise<DetectorResult> {
  let candidates: string[];
  if (listFile !== undefined) candidates = [listFile];
  else {
    const top = await listFolder(root);
    if (!top) return { matched: false, expected: EXPECTED, whyNot: 'the root is not a readable folder' };
    candidates = top.files.filter(isListFileName);
    // Lists are also looked for one level down, in folders conventionally holding them.
    for (const folder of top.folders.filter((f) => LIST_FOLDERS.includes(f.toLowerCase()))) {
      const listing = await listFolder(join(root, folder));
      candidates.push(...(listing?.files.filter(isListFileName).map((f) => `${folder}/${f}`) ?? []));
    }
    if (candidates.length === 0) return { matched: false, expected: EXPECTED, whyNot: `no .csv or .tsv file in the root or in ${LIST_FOLDERS.map((f) => `${f}/`).join(', ')}` };
  }

  const surveys: ListSurvey[] = [];
  const notLists: string[] = [];
  for (const file of candidates) {
    const survey = await surveyList(root, file, splitNameFromListFile(file, candidates.length));
    if (typeof survey === 'string') notLists.push(`${file}: ${survey}`);
    else surveys.push(survey);
  }
  if (surveys.length === 0) {
    if (listFile !== undefined) {
      throw new LayoutError(`${join(root, listFile)} is not an image list.`, [EXPECTED], notLists, 'check the file, or point FRA Workbench at the dataset folder instead.');
    }
    return { matched: false, expected: EXPECTED, whyNot: notLists.join('; ') };
  }
  const splitNames = surveys.map((s) => s.source.split);
  if (new Set(splitNames).size !== splitNames.length) {
    throw new LayoutError(
      `${root}: several lists map to the same split (${splitNames.join(', ')}).`,
      ['one list per split, named with train / val / test (e.g. train.csv, test.csv)'],
      surveys.map((s) => `${s.source.listFile} → split "${s.source.split}"`),
      'rename the lists so each split has one, or point FRA Workbench at a single list file.',
    );
  }

  const labelled = surveys.some((s) => s.source.labelColumn !== null);
  const integers = labelled && surveys.every((s) => s.allIntegers);
  let classNames: string[] = [];
  if (labelled && integers) {
    const max = Math.max(...surveys.flatMap((s) => [...s.labelValues].map(Number)));
    classNames = Array.from({ length: max + 1 }, (_, i) => String(i));
  } else if (labelled) {
    classNames = [...new Set(surveys.flatMap((s) => [...s.labelValues]))].sort(byCodePoint);
  }
  const labelMode = !labelled ? 'none' : integers ? 'integers' : 'names';
  for (const s of surveys) s.source.labelMode = s.source.labelColumn === null ? 'none' : labelMode;

  const report = surveys.map(
    (s) =>
      `${s.source.listFile}: ${s.rows} rows, delimiter ${describeDelimiter(s.source.delimiter)}, ${s.source.hasHeader ? 'header row' : 'no header'}, ` +
      `paths in column ${s.source.pathColumn + 1} relative to ${s.source.baseDir === '' ? 'the root' : `${s.source.baseDir}/`}` +
      (s.source.labelColumn !== null ? `, labels in column ${s.source.labelColumn + 1}` : ', no labels') +
      ` → split "${s.source.split}"`,
  );
  if (labelMode === 'integers') report.push(`labels are integers used as given: ${classNames.length} classes 0..${classNames.length - 1}`);
  if (labelMode === 'names') report.push(`labels are names: ${classNames.length} classes in sorted order (${classNames.slice(0, 8).join(', ')}${classNames.length > 8 ? ', …' : ''})`);
  for (const n of notLists) report.push(`ignored ${n}`);

  const warnings = surveys.flatMap((s) => s.warnings);
  if (labelMode === 'integers') {
    const used = new Set(surveys.flatMap((s) => [...s.labelValues].map(Number)));
    const unused = classNames.filter((_, i) => !used.has(i));
    if (unused.length > 0) warnings.push(`integer labels leave class(es) ${unused.slice(0, 8).join(', ')} without images; if your labels start at 1, renumber them from 0`);
  }
  for (const s of surveys) if (s.unlabelled > 0) warnings.push(`${s.source.listFile}: ${s.unlabelled} row(s) have an empty label and are dropped`);

  return {
    matched: true,
    detection: {
      kind: 'csv-list',
      title: 'Image list (CSV/TSV)',
      root,
      labelRole: labelled ? 'class' : 'none',
      classNames,
      splits: splitNames,
      report,
      warnings,
      enumeration: { type: 'list', lists: surveys.map((s) => s.source) },
    },
  };
}

/** Detection for a root given as a list file: the dataset root becomes the list's folder. */
export async function detectCsvListFile(listPath: string): Promise<DetectorResult> {
  return detectCsvList(dirname(listPath), basename(listPath));
}

export async function* readCsvListEntries(root: string, source: CsvListSource, classNames: readonly string[]): AsyncGenerator<ListEntry> {
  const labelOf = new Map(classNames.map((name, index) => [name, index]));
  for await (const line of readLines(join(root, source.listFile))) {
    if (line.text.trim() === '' || (source.hasHeader && line.number === 1)) continue;
    const fields = splitDelimited(line.text, source.delimiter);
    const listed = fields[source.pathColumn] ?? '';
    const item = `${source.listFile}:${line.number}`;
    if (listed === '') {
      yield { type: 'dropped', item, split: source.split, reason: 'row without a path' };
      continue;
    }
    const path = resolveListedPath(root, source.baseDir, listed);
    if (source.labelColumn === null || source.labelMode === 'none') {
      yield { type: 'image', path, split: source.split, label: null };
      continue;
    }
    const text = fields[source.labelColumn] ?? '';
    const label = source.labelMode === 'integers' && /^\d+$/.test(text) ? Number(text) : labelOf.get(text);
    if (label === undefined || label >= classNames.length) {
      yield { type: 'dropped', item: path, split: source.split, reason: text === '' ? 'empty label' : `label "${text}" not seen at detection (re-detect the layout)` };
      continue;
    }
    yield { type: 'image', path, split: source.split, label };
  }
}
