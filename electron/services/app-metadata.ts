// Name and version of the app, read from its package.json, for hosts that are not Electron
// (Electron's app.getVersion() reads the same file).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const APP_DISPLAY_NAME = 'FRA Workbench';
const PACKAGE_NAME = 'fra-workbench';

export interface AppMetadata {
  name: string;
  version: string;
  /** The folder holding package.json: the repository root, or the packaged app's root. */
  rootDir: string;
}

/**
 * Walks up from `startDir` to the app's package.json. Searching (rather than a fixed `../..`) keeps this
 * correct both from source (electron/server/) and from the compiled output (dist/electron/server/).
 */
export function readAppMetadata(startDir: string): AppMetadata {
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') {
        return { name: APP_DISPLAY_NAME, version: pkg.version, rootDir: dir };
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Could not find the ${PACKAGE_NAME} package.json above ${startDir}.`);
    dir = parent;
  }
}
