import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  decideStart,
  firstFailureLine,
  hasDisplay,
  probeElectronBinary,
  type ElectronProbe,
} from '../../../build/scripts/start-preflight.mjs';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

function neverProbe(): ElectronProbe {
  throw new Error('the Electron probe must not run here');
}

const found: ElectronProbe = { found: true, path: '/opt/electron/electron', source: 'override' };
const downloadFailed: ElectronProbe = { found: false, problem: 'download-failed', detail: 'TypeError: fetch failed' };

describe('npm start preflight: display', () => {
  it('needs DISPLAY or WAYLAND_DISPLAY on Linux only', () => {
    assert.equal(hasDisplay('linux', {}), false);
    assert.equal(hasDisplay('linux', { DISPLAY: '' }), false);
    assert.equal(hasDisplay('linux', { DISPLAY: ':0' }), true);
    assert.equal(hasDisplay('linux', { WAYLAND_DISPLAY: 'wayland-0' }), true);
    assert.equal(hasDisplay('darwin', {}), true);
    assert.equal(hasDisplay('win32', {}), true);
  });

  it('without a display, explains and points to the browser UI without probing Electron', () => {
    const decision = decideStart({ platform: 'linux', env: {}, args: [], probeElectron: neverProbe });
    assert.equal(decision.action, 'exit');
    if (decision.action !== 'exit') return;
    assert.equal(decision.exitCode, 1);
    assert.match(decision.message, /needs a display/);
    assert.match(decision.message, /npm run serve/);
    assert.match(decision.message, /--serve-fallback/);
  });

  it('without a display and with --serve-fallback, serves instead and passes the other arguments on', () => {
    const decision = decideStart({ platform: 'linux', env: {}, args: ['--serve-fallback', '--port', '0'], probeElectron: neverProbe });
    assert.equal(decision.action, 'serve');
    if (decision.action !== 'serve') return;
    assert.deepEqual(decision.serveArgs, ['--port', '0']);
    assert.match(decision.notice, /No graphical display/);
  });
});

describe('npm start preflight: Electron binary', () => {
  it('launches when the binary is found', () => {
    const decision = decideStart({ platform: 'linux', env: { DISPLAY: ':0' }, args: ['--inspect'], probeElectron: () => found });
    assert.deepEqual(decision, { action: 'launch', electronPath: '/opt/electron/electron', appArgs: ['--inspect'] });
  });

  it('explains a failed download with its first telling line and three ways forward', () => {
    const decision = decideStart({ platform: 'darwin', env: {}, args: [], probeElectron: () => downloadFailed });
    assert.equal(decision.action, 'exit');
    if (decision.action !== 'exit') return;
    assert.match(decision.message, /The Electron binary is not available on this machine \(download failed: TypeError: fetch failed\)/);
    assert.match(decision.message, /connect to the internet and run npm start again/);
    assert.match(decision.message, /ELECTRON_OVERRIDE_DIST_PATH/);
    assert.match(decision.message, /npm run serve/);
  });

  it('explains an ELECTRON_OVERRIDE_DIST_PATH that points nowhere', () => {
    const decision = decideStart({
      platform: 'linux',
      env: { DISPLAY: ':0' },
      args: [],
      probeElectron: () => ({ found: false, problem: 'override-missing', path: '/nowhere/electron' }),
    });
    assert.equal(decision.action, 'exit');
    if (decision.action === 'exit') assert.match(decision.message, /no Electron executable at \/nowhere\/electron/);
  });

  it('falls back to serving when Electron is missing and --serve-fallback is given', () => {
    const decision = decideStart({ platform: 'linux', env: { DISPLAY: ':0' }, args: ['--serve-fallback'], probeElectron: () => downloadFailed });
    assert.equal(decision.action, 'serve');
  });

  it('picks the telling line out of a failed require("electron")', () => {
    const output = [
      'Downloading Electron binary...',
      'TypeError: fetch failed',
      '    at node:internal/deps/undici/undici:14976:13',
      "Error: Electron failed to install correctly. Please delete `node_modules/electron`",
    ].join('\n');
    assert.equal(firstFailureLine(output), 'TypeError: fetch failed');
    assert.equal(firstFailureLine(''), 'no output');
  });

  describe('probe', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'fra-electron-probe-'));
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it('honours ELECTRON_OVERRIDE_DIST_PATH and checks the executable exists', async () => {
      assert.deepEqual(probeElectronBinary({ platform: 'linux', env: { ELECTRON_OVERRIDE_DIST_PATH: dir }, cwd: repoRoot }), {
        found: false,
        problem: 'override-missing',
        path: path.join(dir, 'electron'),
      });
      await writeFile(path.join(dir, 'electron'), '#!/bin/sh\n');
      await chmod(path.join(dir, 'electron'), 0o755);
      assert.deepEqual(probeElectronBinary({ platform: 'linux', env: { ELECTRON_OVERRIDE_DIST_PATH: dir }, cwd: repoRoot }), {
        found: true,
        path: path.join(dir, 'electron'),
        source: 'override',
      });
    });
  });
});

describe('npm start on a machine without a display', () => {
  it('prints the explanation and exits 1 without a stack trace', async () => {
    const { DISPLAY: _display, WAYLAND_DISPLAY: _wayland, ...env } = process.env;
    const child = spawn(process.execPath, [path.join(repoRoot, 'build', 'scripts', 'start.mjs')], { cwd: repoRoot, env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(exitCode, 1);
    assert.match(output, /needs a display/);
    assert.match(output, /npm run serve/);
    assert.doesNotMatch(output, /\n\s+at /, 'no stack trace');
  });
});
