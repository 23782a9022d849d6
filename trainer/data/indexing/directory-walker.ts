/**
 * Streaming, folder-by-folder directory walk. Memory stays bounded at any
 * dataset size: only the current folder's entries are held (VGGFace2's
 * biggest identity folder has under a thousand files), plus the names of
 * folders still to visit. Entries are visited in sorted order so records keep
 * a stable order between refreshes.
 *
 * Folders reached through symlinks are walked, but each real folder once:
 * folders are identified by (device, inode), so a link back to an ancestor
 * (a cycle) or a second link to an already indexed folder is reported and
 * skipped instead of looping forever or indexing images twice.
 */
import { readdirSync, statSync } from 'node:fs';
import { imageExtensionOf, type ImageExtension } from '../layouts/image-extensions.js';
import { statusOfError } from './probe-file.js';

export interface WalkedFile {
  /** '/'-separated, relative to the dataset root. */
  path: string;
  extension: ImageExtension;
  viaSymlink: boolean;
}

export interface WalkedFolder {
  /** '/'-separated, relative to the dataset root ('' = the root). */
  dir: string;
  files: WalkedFile[];
}

export type FolderProblemReason = 'unreadable-folder' | 'symlink-cycle' | 'duplicate-folder-link' | 'symlink-loop' | 'broken-symlink';

export interface FolderProblem {
  path: string;
  reason: FolderProblemReason;
  detail: string;
}

/**
 * Identity of every folder already claimed, shared across all walks of one
 * indexing run: the dataset root and its group folders are claimed before
 * walking, so a link into any of them is caught too.
 */
export class VisitedFolders {
  private readonly owners = new Map<string, string>();

  /** Claims the folder for `path`; returns the path that already owns it, or null. */
  claim(absolutePath: string, path: string): string | null {
    const key = folderKey(absolutePath);
    if (key === null) return null;
    const owner = this.owners.get(key);
    if (owner !== undefined) return owner;
    this.owners.set(key, path);
    return null;
  }
}

function folderKey(absolutePath: string): string | null {
  try {
    const info = statSync(absolutePath, { bigint: true });
    return `${info.dev}:${info.ino}`;
  } catch {
    return null;
  }
}

export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

function isInside(path: string, ancestor: string): boolean {
  return ancestor === '' || path === ancestor || path.startsWith(`${ancestor}/`);
}

/**
 * Walks `startDir` (relative to `root`, already claimed in `visited`)
 * recursively, yielding one folder of image files at a time. Hidden entries
 * (".DS_Store", macOS "._name.jpg" resource forks) are skipped.
 */
export function* walkImageFolders(root: string, startDir: string, visited: VisitedFolders, onProblem: (problem: FolderProblem) => void): Generator<WalkedFolder> {
  const pending: string[] = [startDir];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    const absoluteDir = dir === '' ? root : `${root}/${dir}`;
    let entries;
    try {
      entries = readdirSync(absoluteDir, { withFileTypes: true });
    } catch (error) {
      onProblem({ path: dir, reason: 'unreadable-folder', detail: `the folder cannot be listed (${statusOfError(error).detail}); its images are not indexed` });
      continue;
    }
    const files: WalkedFile[] = [];
    const subfolders: string[] = [];
    for (const entry of entries) {
      const name = entry.name;
      if (name.charCodeAt(0) === 46 /* '.' */) continue;
      const extension = imageExtensionOf(name);
      if (entry.isFile()) {
        if (extension) files.push({ path: joinPath(dir, name), extension, viaSymlink: false });
      } else if (entry.isDirectory()) {
        subfolders.push(name);
      } else if (entry.isSymbolicLink()) {
        // An image-named link is indexed as a file (a loop or dangling link becomes a bad file);
        // any other link may lead to a folder.
        if (extension) files.push({ path: joinPath(dir, name), extension, viaSymlink: true });
        else if (linkLeadsToFolder(absoluteDir, dir, name, onProblem)) subfolders.push(name);
      } else if (extension) {
        files.push({ path: joinPath(dir, name), extension, viaSymlink: false }); // a FIFO/device: the probe reports it
      }
    }
    files.sort(byPath);
    yield { dir, files };

    subfolders.sort();
    const next: string[] = [];
    for (const name of subfolders) {
      const sub = joinPath(dir, name);
      const owner = visited.claim(`${absoluteDir}/${name}`, sub);
      if (owner === null) next.push(sub);
      else if (isInside(sub, owner)) {
        onProblem({ path: sub, reason: 'symlink-cycle', detail: `leads back to ${owner || 'the dataset root'}, which contains it (a symlink cycle); skipped` });
      } else {
        onProblem({ path: sub, reason: 'duplicate-folder-link', detail: `is the same folder as ${owner} (reached twice through symlinks); indexed once, as ${owner}` });
      }
    }
    // Reversed onto the stack so they are visited in sorted order.
    for (let i = next.length - 1; i >= 0; i--) pending.push(next[i]!);
  }
}

function linkLeadsToFolder(absoluteDir: string, dir: string, name: string, onProblem: (problem: FolderProblem) => void): boolean {
  try {
    const target = statSync(`${absoluteDir}/${name}`, { throwIfNoEntry: false });
    if (!target) {
      onProblem({ path: joinPath(dir, name), reason: 'broken-symlink', detail: 'a symbolic link to something that does not exist; skipped' });
      return false;
    }
    return target.isDirectory();
  } catch (error) {
    const { status, detail } = statusOfError(error);
    onProblem({ path: joinPath(dir, name), reason: status === 'symlink-loop' ? 'symlink-loop' : 'unreadable-folder', detail: `${detail}; skipped` });
    return false;
  }
}

function byPath(a: WalkedFile, b: WalkedFile): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
