#!/usr/bin/env node
/**
 * `npm test`: type-check every process's code, then run all unit, integration
 * and end-to-end tests with Node's test runner (each file in its own process). Exits non-zero on the first failing
 * stage. Options: --skip-typecheck, or file/folder filters, e.g.
 * `npm test -- test/unit/fra`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('--'));

function run(label, command, commandArgs) {
  const started = Date.now();
  console.log(`\n▶ ${label}`);
  const res = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit', env: process.env });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (res.status !== 0) {
    console.error(`✖ ${label} failed after ${seconds}s`);
    process.exit(res.status ?? 1);
  }
  console.log(`✔ ${label} (${seconds}s)`);
}

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out.sort();
}

const bin = (name) => join(root, 'node_modules', '.bin', name);

if (!args.includes('--skip-typecheck') && filters.length === 0) {
  run('type-check (trainer, electron, tests)', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
  run('type-check (renderer)', bin('vue-tsc'), ['-p', 'renderer/tsconfig.json', '--noEmit']);
  run('type-check (renderer build config)', bin('tsc'), ['-p', 'renderer/tsconfig.node.json', '--noEmit']);
  run('type-check (renderer specs)', bin('vue-tsc'), ['-p', 'test/renderer/tsconfig.json', '--noEmit']);
}

// Component and store tests (Vitest, happy-dom) run as one stage before the Node test runner.
const runVitest = filters.length === 0 || filters.some((f) => f.replace(/^\.\//, '').startsWith('test/renderer'));
if (runVitest) run('renderer component and store tests (vitest)', bin('vitest'), ['run', '--config', 'renderer/vitest.config.ts']);
if (filters.length > 0 && filters.every((f) => f.replace(/^\.\//, '').startsWith('test/renderer'))) process.exit(0);

let files = findTests(join(root, 'test'));
if (filters.length > 0) files = files.filter((f) => filters.some((filter) => f.startsWith(filter.replace(/^\.\//, ''))));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
run(`tests (${files.length} files)`, process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files]);
