/** Turning what the user typed into a dataset folder the host can use, or an error that says what to fix. */
import { realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { HostKind } from '../../contract/system-api.js';
import { invalidPath } from './service-errors.js';

/** The canonical absolute path of an existing folder or list file; `~` means the host user's home folder. */
export async function resolveDatasetPath(input: string, workspace: string, hostKind: HostKind): Promise<string> {
  let path = input.trim();
  if (path === '~' || path.startsWith('~/') || path.startsWith(`~${sep}`)) path = join(homedir(), path.slice(1));
  if (!isAbsolute(path)) {
    throw invalidPath(`“${input}” is not a full path.`, `Enter the dataset folder's full path, e.g. ${process.platform === 'win32' ? 'D:\\data\\VGG-Face2' : '/data/VGG-Face2'}.`);
  }
  let real: string;
  try {
    real = await realpath(path);
    await stat(real);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw invalidPath(`FRA Workbench may not open ${path} (permission denied).`, 'Give your user read permission on that folder, then try again.');
    }
    const where =
      hostKind === 'server'
        ? 'Paths are looked up on the machine running the FRA Workbench server, not on the computer showing this page.'
        : 'Check that the drive holding it is connected.';
    throw invalidPath(`There is no folder or file at ${path}.`, `Check the spelling. ${where}`);
  }
  if (isInside(real, join(workspace, 'cache'))) {
    throw invalidPath(`${real} is inside FRA Workbench's own cache folder.`, 'Choose the folder that holds your images.');
  }
  return real;
}

export function isInside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Folder names too generic to name a dataset on their own ("images", "train"): the parent is added. */
const GENERIC_NAMES = new Set(['images', 'imgs', 'img', 'data', 'train', 'test', 'val', 'aligned', 'basic', 'image']);

export function defaultDatasetName(root: string): string {
  const name = basename(root) || root;
  if (!GENERIC_NAMES.has(name.toLowerCase())) return name;
  const parent = basename(dirname(root));
  return parent ? `${parent}/${name}` : name;
}
