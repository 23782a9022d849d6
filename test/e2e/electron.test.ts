// The desktop app itself, driven by Playwright's Electron launcher: the real main process, preload
// and sandboxed renderer. Needs an Electron binary, which cannot be downloaded on our CI machines;
// it runs wherever one is provided (ELECTRON_OVERRIDE_DIST_PATH, or an installed node_modules/electron).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { _electron as electron, type ElectronApplication } from 'playwright-core';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function findElectronBinary(): { path: string } | { skip: string } {
  const executableName = process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron';
  const override = process.env['ELECTRON_OVERRIDE_DIST_PATH'];
  if (override) {
    const candidate = path.join(override, executableName);
    return existsSync(candidate) ? { path: candidate } : { skip: `ELECTRON_OVERRIDE_DIST_PATH is set but ${candidate} does not exist` };
  }
  const pathFile = path.join(repoRoot, 'node_modules', 'electron', 'path.txt');
  if (existsSync(pathFile)) {
    const candidate = path.join(repoRoot, 'node_modules', 'electron', 'dist', readFileSync(pathFile, 'utf8').trim());
    if (existsSync(candidate)) return { path: candidate };
  }
  return { skip: 'no Electron binary here (its download is blocked on this machine); set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron 45 to run the desktop end-to-end test' };
}

const binary = findElectronBinary();
const skip = 'skip' in binary ? binary.skip : false;

describe('desktop app (Electron)', { skip }, () => {
  let app: ElectronApplication;
  let workspace: string;

  before(async () => {
    if ('skip' in binary) return;
    const built = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules', 'npm', 'bin', 'npm-cli.js'), 'run', 'build'], { cwd: repoRoot, stdio: 'inherit' });
    if (built.status !== 0) {
      const npm = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' });
      assert.equal(npm.status, 0, 'npm run build failed');
    }
    workspace = await mkdtemp(path.join(os.tmpdir(), 'fra-electron-e2e-'));
    app = await electron.launch({
      executablePath: binary.path,
      args: [repoRoot, '--no-sandbox'],
      env: { ...process.env, FRA_WORKSPACE: workspace, ELECTRON_ENABLE_LOGGING: '1' },
    });
  });

  after(async () => {
    await app?.close();
    if (workspace !== undefined) await rm(workspace, { recursive: true, force: true });
  });

  it('opens one locked-down window whose renderer reaches the host only through window.fraHost', async () => {
    const page = await app.firstWindow();
    await page.locator('[data-testid="status-bar"][data-state="ready"]').waitFor();
    assert.equal(await page.getByTestId('status-host-kind').textContent(), 'electron');
    assert.equal(await page.getByTestId('status-workspace').textContent(), workspace);
    // Evaluated in the page, where globalThis is the window.
    const exposure = await page.evaluate(() => {
      const page = globalThis as unknown as Record<string, unknown>;
      return { fraHost: typeof page['fraHost'], require: typeof page['require'], process: typeof page['process'] };
    });
    assert.deepEqual(exposure, { fraHost: 'object', require: 'undefined', process: 'undefined' });
    const prefs = await app.evaluate(({ BrowserWindow }) => {
      const [window] = BrowserWindow.getAllWindows();
      // getLastWebPreferences exists at runtime but is missing from Electron's published types.
      const contents = window?.webContents as unknown as { getLastWebPreferences(): Record<string, unknown> } | undefined;
      const p = contents?.getLastWebPreferences();
      return { count: BrowserWindow.getAllWindows().length, contextIsolation: p?.['contextIsolation'], nodeIntegration: p?.['nodeIntegration'], sandbox: p?.['sandbox'] };
    });
    assert.deepEqual(prefs, { count: 1, contextIsolation: true, nodeIntegration: false, sandbox: true });
  });
});
