/**
 * Layout auto-detection: tries each known layout from the most specific
 * (marker files such as RAF-DB's label list) to the most generic (class
 * folders), and returns the first match with a report of why. A folder that
 * is recognisably one layout but broken fails with that layout's specific
 * error; a folder that matches nothing fails with every expectation and what
 * the folder actually holds.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { detectAffectNet7 } from './affectnet.js';
import { detectCsvList, detectCsvListFile } from './csv-list.js';
import { fer2013NotSupported, findFer2013Csv } from './fer2013-csv.js';
import { detectFerPlus } from './ferplus.js';
import { describeListing, listFolder } from './folder-survey.js';
import { detectImageFolder } from './image-folder.js';
import { detectRafDb } from './raf-db.js';
import { detectVggFace2 } from './vggface2.js';
import { LayoutError, type DetectorResult, type LayoutDetection } from './layout-types.js';

const DETECTORS: readonly ((root: string) => Promise<DetectorResult>)[] = [
  detectRafDb,
  detectFerPlus,
  detectCsvList,
  detectAffectNet7,
  detectVggFace2,
  detectImageFolder,
];

/** Detects the layout of the dataset at `path` (a folder, or a CSV/TSV list file). */
export async function detectLayout(path: string): Promise<LayoutDetection> {
  const root = resolve(path);
  const info = await stat(root).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) {
    throw new LayoutError(
      `Cannot open ${root}: ${info.code === 'ENOENT' ? 'it does not exist' : info.code === 'EACCES' ? 'permission denied' : info.message}.`,
      ['a dataset folder, or a CSV/TSV list file'],
      [info.code ?? info.message],
      'check the path (and that this user may read it).',
    );
  }

  if (info.isFile()) {
    const fer2013 = await findFer2013Csv(root, true);
    if (fer2013) throw fer2013NotSupported(fer2013);
    const result = await detectCsvListFile(root);
    if (result.matched) return result.detection;
    throw new LayoutError(`${root} is a file but not an image list.`, [result.expected], [result.whyNot], 'point FRA Workbench at the dataset folder, or at a CSV/TSV list of "path,label" rows.');
  }

  const misses: string[] = [];
  for (const detect of DETECTORS) {
    const result = await detect(root);
    if (result.matched) return result.detection;
    misses.push(`${result.expected} — not found: ${result.whyNot}`);
  }
  const fer2013 = await findFer2013Csv(root, false);
  if (fer2013) throw fer2013NotSupported(fer2013);

  const top = await listFolder(root);
  throw new LayoutError(
    `${root} does not match any dataset layout FRA Workbench knows.`,
    misses,
    [top ? `the folder holds ${describeListing(top, 20)}` : 'the folder cannot be read'],
    'arrange the images as class folders (<root>/<class>/*.jpg, optionally under train/ val/ test/), as VGGFace2 identity folders, or list them in a CSV of "path,label" rows.',
  );
}
