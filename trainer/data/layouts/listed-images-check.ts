/**
 * Shared policy for label lists that reference image files: a few missing
 * images are a warning (the indexer lists each as a bad file, reason
 * "missing"), but more than 1% means the list and the images do not belong
 * together — a wrong folder, an unextracted archive — and detection fails.
 */
import { LayoutError } from './layout-types.js';

const MAX_MISSING_SHARE = 0.01;

export interface ListedImagesCheck {
  /** Display name of the list, e.g. "EmoLabel/list_patition_label.txt". */
  listName: string;
  /** Dataset name for the error headline. */
  datasetName: string;
  root: string;
  checked: number;
  /** Relative paths of checked entries that do not exist. */
  missing: string[];
  /** What an existing entry looks like, for the "expected" line. */
  expectedExample: string;
  advice: string;
  /** What the image folder holds, for the "found" lines. */
  found: string[];
}

/** Throws a LayoutError when too many listed images are missing; otherwise returns warnings (possibly none). */
export function assessListedImages(check: ListedImagesCheck): string[] {
  const { missing, checked } = check;
  if (missing.length === 0) return [];
  const share = missing.length / Math.max(1, checked);
  const summary = `${missing.length} of ${checked} checked images listed in ${check.listName} are missing`;
  if (share > MAX_MISSING_SHARE) {
    throw new LayoutError(
      `Cannot use ${check.root} as ${check.datasetName}: ${summary}.`,
      [`every list entry has its image, e.g. ${check.expectedExample}`],
      [...missing.slice(0, 5).map((p) => `missing: ${p}`), ...check.found],
      check.advice,
    );
  }
  return [`${summary} (e.g. ${missing.slice(0, 3).join(', ')}); they will be listed as bad files (missing)`];
}
