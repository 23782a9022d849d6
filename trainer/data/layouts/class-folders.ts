/**
 * The class-folder survey shared by ImageFolder and AffectNet-7:
 * `<root>/<class>/…` or `<root>/{train,val,test}/<class>/…`.
 */
import { join } from 'node:path';
import { containsImages, listFolder, spreadSample, type FolderListing } from './folder-survey.js';
import { isImageFileName } from './image-extensions.js';
import { splitFoldersOf } from './split-folders.js';

export interface ClassFolderSplit {
  split: string;
  /** Relative to the root ('' = the root). */
  dir: string;
  classes: string[];
  /** Class folders of the checked sample that hold no image. */
  emptyClasses: string[];
  /** Image files lying directly in the split folder, outside any class folder. */
  looseImages: number;
  /** Symlinks back to a parent folder, ignored. */
  cycles: string[];
}

/** How many class folders per split are opened to check they hold images. */
const CLASS_SAMPLE = 32;

/**
 * The splits and their class folders, or null when the root is not organised
 * in class folders holding images.
 */
export async function surveyClassFolders(root: string, top: FolderListing): Promise<ClassFolderSplit[] | null> {
  const splitNames = splitFoldersOf(top.folders);
  const candidates = splitNames.length > 0 ? splitNames.map((name) => ({ split: name, dir: name })) : [{ split: 'all', dir: '' }];
  const splits: ClassFolderSplit[] = [];
  for (const candidate of candidates) {
    const listing = candidate.dir === '' ? top : await listFolder(join(root, candidate.dir));
    if (!listing || listing.folders.length === 0) continue;
    const sample = spreadSample(listing.folders, CLASS_SAMPLE);
    const withImages = await Promise.all(sample.map((name) => containsImages(join(root, candidate.dir, name))));
    if (!withImages.some(Boolean)) continue;
    splits.push({
      ...candidate,
      classes: listing.folders,
      emptyClasses: sample.filter((_, i) => !withImages[i]),
      looseImages: listing.files.filter(isImageFileName).length,
      cycles: listing.cycles,
    });
  }
  return splits.length > 0 ? splits : null;
}

export function classFolderWarnings(splits: readonly ClassFolderSplit[]): string[] {
  const warnings: string[] = [];
  for (const s of splits) {
    const where = s.dir === '' ? 'the root' : `${s.dir}/`;
    if (s.emptyClasses.length > 0) warnings.push(`${where}: class folder(s) without images: ${s.emptyClasses.slice(0, 8).join(', ')}`);
    if (s.looseImages > 0) warnings.push(`${where}: ${s.looseImages} image(s) lie outside any class folder and are not indexed`);
    if (s.cycles.length > 0) warnings.push(`${where}: ${s.cycles.join(', ')} link(s) back to a parent folder (a symlink cycle) and are ignored`);
  }
  if (splits.length > 1) {
    const first = splits[0]!;
    for (const other of splits.slice(1)) {
      const missing = first.classes.filter((c) => !other.classes.includes(c));
      const extra = other.classes.filter((c) => !first.classes.includes(c));
      if (missing.length + extra.length > 0) {
        warnings.push(
          `splits "${first.split}" and "${other.split}" have different class folders` +
            (missing.length ? ` (missing in ${other.split}: ${missing.slice(0, 5).join(', ')})` : '') +
            (extra.length ? ` (only in ${other.split}: ${extra.slice(0, 5).join(', ')})` : '') +
            '; labels use the union of class names so they mean the same in every split',
        );
      }
    }
  }
  return warnings;
}
