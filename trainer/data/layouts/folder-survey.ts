/**
 * Cheap looks into folders for layout detection. Detection must stay fast on
 * a 3.3M-image dataset, so nothing here reads a whole tree: it lists one
 * folder's entries (a VGGFace2 split holds ~9k folder names, which is fine)
 * or samples the first few entries of a folder.
 */
import { opendir, readdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { isImageFileName } from './image-extensions.js';

export interface FolderListing {
  /** Sub-folder names (symlinks to folders included), sorted by code point like torchvision's ImageFolder. */
  folders: string[];
  /** Plain file names (symlinks to files included), sorted. */
  files: string[];
  /** Symlinks leading back to this folder or one of its parents (cycles): not listed as folders. */
  cycles: string[];
}

/** One folder's entries, or null if it does not exist or is not a readable folder. */
export async function listFolder(dir: string): Promise<FolderListing | null> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return null;
  }
  const folders: string[] = [];
  const files: string[] = [];
  const cycles: string[] = [];
  let realDir: string | null = null;
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) folders.push(entry.name);
    else if (entry.isFile()) files.push(entry.name);
    else if (entry.isSymbolicLink()) {
      const target = await stat(join(dir, entry.name)).catch(() => null);
      if (!target?.isDirectory()) {
        files.push(entry.name);
        continue;
      }
      realDir ??= await realpath(dir);
      const realTarget = await realpath(join(dir, entry.name));
      if (realDir === realTarget || realDir.startsWith(realTarget + sep)) cycles.push(entry.name);
      else folders.push(entry.name);
    }
  }
  return { folders: folders.sort(byCodePoint), files: files.sort(byCodePoint), cycles };
}

export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}

/**
 * Whether a folder holds at least one image file, looking at no more than
 * `entryBudget` entries in total (the folder itself, then a couple of levels of
 * sub-folders, as ImageFolder accepts nested class folders).
 */
export async function containsImages(dir: string, entryBudget = 256, depth = 2): Promise<boolean> {
  const budget = { left: entryBudget };
  return searchImages(dir, budget, depth);
}

async function searchImages(dir: string, budget: { left: number }, depth: number): Promise<boolean> {
  let handle;
  try {
    handle = await opendir(dir);
  } catch {
    return false;
  }
  const subfolders: string[] = [];
  try {
    for await (const entry of handle) {
      if (budget.left-- <= 0) break;
      if (isImageFileName(entry.name) && !entry.isDirectory()) return true;
      if (entry.isDirectory() || entry.isSymbolicLink()) subfolders.push(entry.name);
    }
  } finally {
    // Breaking out of for-await closes the handle; closing again would throw.
    await handle.close().catch(() => undefined);
  }
  if (depth === 0) return false;
  for (const name of subfolders.slice(0, 4)) {
    if (budget.left <= 0) return false;
    if (await searchImages(join(dir, name), budget, depth - 1)) return true;
  }
  return false;
}

/** A one-line description of a folder's top level, for "what was found" messages. */
export function describeListing(listing: FolderListing, limit = 12): string {
  const shown = [...listing.folders.map((f) => `${f}/`), ...listing.files].slice(0, limit);
  const total = listing.folders.length + listing.files.length;
  const images = listing.files.filter(isImageFileName).length;
  const more = total > shown.length ? `, … (${total - shown.length} more)` : '';
  return `${listing.folders.length} folder(s), ${listing.files.length} file(s) (${images} image(s)): ${shown.join(', ') || '(empty)'}${more}`;
}

/** Up to `count` items spread evenly over `items` (first, last and between) for sampling checks. */
export function spreadSample<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(items[Math.round((i * (items.length - 1)) / (count - 1))] as T);
  return out;
}
