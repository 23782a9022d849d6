/**
 * Split folders as datasets name them on disk. The folder name is kept as the
 * split name (so "valid" stays "valid" and the user recognises it), but the
 * order is always train → validation → test.
 */
import { byCodePoint } from './folder-survey.js';

const SPLIT_ORDER = ['train', 'training', 'val', 'valid', 'validation', 'test', 'testing'] as const;

export function isSplitFolderName(name: string): boolean {
  return (SPLIT_ORDER as readonly string[]).includes(name.toLowerCase());
}

/** The split folders among `folders`, in train → val → test order. */
export function splitFoldersOf(folders: readonly string[]): string[] {
  const rank = (name: string) => SPLIT_ORDER.indexOf(name.toLowerCase() as (typeof SPLIT_ORDER)[number]);
  return folders.filter(isSplitFolderName).sort((a, b) => rank(a) - rank(b) || byCodePoint(a, b));
}
