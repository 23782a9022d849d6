/**
 * FER2013 in its original form (fra-spec §7.1: `<root>/fer2013.csv` with
 * emotion, 48×48 pixels inline, Usage). Its images are not files, so the
 * file indexer cannot use it; this module only recognises it, so the user
 * gets a precise explanation instead of "unknown layout".
 */
import { basename, join } from 'node:path';
import { isFile } from './folder-survey.js';
import { readFirstLines } from './text-lines.js';
import { LayoutError } from './layout-types.js';

const FILE_NAME = 'fer2013.csv';

/** Whether `path` (a folder holding fer2013.csv, or the CSV itself) is the FER2013 pixel CSV. */
export async function findFer2013Csv(path: string, isListFile: boolean): Promise<string | null> {
  const csv = isListFile ? path : join(path, FILE_NAME);
  if (!(await isFile(csv))) return null;
  const [header] = await readFirstLines(csv, 1);
  const columns = header?.text.toLowerCase().split(',').map((c) => c.trim()) ?? [];
  return columns.includes('pixels') && columns.includes('emotion') ? csv : null;
}

export function fer2013NotSupported(csv: string): LayoutError {
  return new LayoutError(
    `${csv} is FER2013 in its original CSV form: the 48×48 images are stored as pixel text inside ${basename(csv)}, not as image files.`,
    ['image files on disk (FRA Workbench indexes files, then decodes them with libvips)'],
    [`${basename(csv)} with columns emotion, pixels, Usage`],
    'use FERPlus instead (fra-spec §7.1): run generate_training_data.py from github.com/microsoft/FERPlus on fer2013.csv to write Images/FER2013{Train,Valid,Test}/*.png and put its label.csv files under Labels/; or write the images as PNGs with a CSV list of "path,label".',
  );
}
