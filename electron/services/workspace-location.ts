// Where datasets, runs and checkpoints live. One rule for every host so the desktop app and
// `npm run serve` open the same workspace unless told otherwise.
import os from 'node:os';
import path from 'node:path';

export const WORKSPACE_ENV_VAR = 'FRA_WORKSPACE';

/** Explicit choice (CLI flag) first, then $FRA_WORKSPACE, then ~/fra-workbench. Always absolute. */
export function resolveWorkspaceDir(
  explicit: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
  homeDir: string = os.homedir(),
): string {
  const chosen = explicit ?? env[WORKSPACE_ENV_VAR];
  if (chosen !== undefined && chosen.trim() !== '') return path.resolve(chosen);
  return path.join(homeDir, 'fra-workbench');
}
