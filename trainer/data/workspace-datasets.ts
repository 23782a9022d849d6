/**
 * The datasets the user registered in the app (Datasets view), as the trainer sees them: a run on a
 * folder that is already indexed there uses that index instead of walking 3.3M files again.
 *
 * Workspace layout (written by electron/services/datasets): <workspace>/datasets/registry.json lists
 * { id, root }; the index of dataset <id> is <workspace>/cache/datasets/<id>/index. This reader is
 * deliberately lenient — a registry it cannot read simply means "no registered index", and the
 * trainer falls back to its own index.
 */
import { readFile, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The workspace the trainer works in: $FRA_WORKSPACE, else ~/fra-workbench (the app's default). */
export function workspaceDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FRA_WORKSPACE?.trim() || join(homedir(), 'fra-workbench');
}

/** Index folder of the registered dataset whose folder is `root` (compared after realpath), if any. */
export async function registeredIndexDir(root: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const workspace = workspaceDir(env);
  let entries: unknown;
  try {
    entries = (JSON.parse(await readFile(join(workspace, 'datasets', 'registry.json'), 'utf8')) as { datasets?: unknown }).datasets;
  } catch {
    return undefined;
  }
  if (!Array.isArray(entries)) return undefined;
  const wanted = await realpath(root).catch(() => root);
  for (const entry of entries as { id?: unknown; root?: unknown }[]) {
    if (typeof entry?.id !== 'string' || typeof entry.root !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(entry.id)) continue;
    const entryRoot = await realpath(entry.root).catch(() => entry.root as string);
    if (entryRoot === wanted) return join(workspace, 'cache', 'datasets', entry.id, 'index');
  }
  return undefined;
}
