/**
 * Every backend registers its kernels on the engine of the tfjs-core copy it
 * resolves. A second copy anywhere in node_modules means kernels land on an
 * engine the trainer never uses (platform.md §3), so exactly one must exist.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CORE = '@tensorflow/tfjs-core';
const BACKENDS = ['@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-layers'];

interface PackageJson {
  version?: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

function readPackageJson(file: string): PackageJson {
  return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory(); // follows symlinks (npm link, workspaces)
  } catch {
    return false;
  }
}

/** Every installed package directory, including those in nested node_modules folders. */
function packageDirectories(nodeModules: string, seen = new Set<string>()): string[] {
  const real = realpathSync(nodeModules);
  if (seen.has(real)) return [];
  seen.add(real);
  const found: string[] = [];
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue; // .bin, .package-lock.json, .cache
    const entryPath = path.join(nodeModules, entry);
    if (!isDirectory(entryPath)) continue;
    const packages = entry.startsWith('@')
      ? readdirSync(entryPath).map((name) => path.join(entryPath, name)).filter(isDirectory)
      : [entryPath];
    for (const pkg of packages) {
      found.push(pkg);
      const nested = path.join(pkg, 'node_modules');
      if (isDirectory(nested)) found.push(...packageDirectories(nested, seen));
    }
  }
  return found;
}

describe('single @tensorflow/tfjs-core', () => {
  let corePackageJsons: string[] = [];

  before(() => {
    const suffix = path.join('node_modules', ...CORE.split('/'));
    corePackageJsons = packageDirectories(path.join(REPO_ROOT, 'node_modules'))
      .filter((dir) => dir.endsWith(suffix))
      .map((dir) => path.join(dir, 'package.json'))
      .filter((file) => existsSync(file));
  });

  it('exists exactly once in node_modules', () => {
    assert.deepEqual(
      corePackageJsons.map((file) => path.relative(REPO_ROOT, file)),
      [path.join('node_modules', '@tensorflow', 'tfjs-core', 'package.json')],
    );
  });

  it('has the version that the backends and the project depend on', () => {
    const [only] = corePackageJsons;
    assert.ok(only !== undefined);
    const installed = readPackageJson(only).version;
    assert.equal(readPackageJson(path.join(REPO_ROOT, 'package.json')).dependencies?.[CORE], installed);
    for (const backend of BACKENDS) {
      const manifest = readPackageJson(path.join(REPO_ROOT, 'node_modules', backend, 'package.json'));
      const wanted = manifest.peerDependencies?.[CORE] ?? manifest.dependencies?.[CORE];
      assert.equal(wanted, installed, `${backend} depends on ${CORE}@${wanted ?? '(nothing)'}`);
    }
  });
});
