// Shared by the launchers: is dist/renderer up to date with its sources, and how to rebuild it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const rendererIndex = path.join(repoRoot, 'dist', 'renderer', 'index.html');

// Everything that ends up in the renderer bundle.
const sourceRoots = ['renderer', path.join('electron', 'contract')];

/** Why the renderer must be (re)built, or undefined when dist/renderer is current. */
export function rendererBuildReason() {
  if (!existsSync(rendererIndex)) return 'the browser UI has not been built yet';
  const builtAt = statSync(rendererIndex).mtimeMs;
  for (const root of sourceRoots) {
    // An installed package may ship dist/ without sources; then there is nothing to compare.
    if (!existsSync(path.join(repoRoot, root))) continue;
    const changed = newestFile(path.join(repoRoot, root), builtAt);
    if (changed !== undefined) return `${path.relative(repoRoot, changed)} changed since the last build`;
  }
  return undefined;
}

function newestFile(dir, thanMs) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = newestFile(full, thanMs);
      if (found !== undefined) return found;
    } else if (statSync(full).mtimeMs > thanMs) {
      return full;
    }
  }
  return undefined;
}

/** Runs `vite build` for the renderer with inherited output; returns true on success. */
export function buildRenderer() {
  const vite = path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--config', 'renderer/vite.config.ts'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  return result.status === 0;
}
