// Decides what `npm start` should do before anything is built or spawned, so that on machines
// where the desktop app cannot run (no display, no Electron binary) the person gets a plain
// explanation and a working alternative instead of a stack trace.
// decideStart is pure (its only input from the outside world is the injected probe), so the
// decisions are unit-tested; probeElectronBinary is the real probe start.mjs injects.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const SERVE_FALLBACK_FLAG = '--serve-fallback';

/** @param {string} platform @param {Record<string, string | undefined>} env */
export function hasDisplay(platform, env) {
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY) || Boolean(env.WAYLAND_DISPLAY);
}

/** @param {string} distDir @param {string} platform */
export function electronExecutableIn(distDir, platform) {
  if (platform === 'win32') return path.join(distDir, 'electron.exe');
  if (platform === 'darwin') return path.join(distDir, 'Electron.app', 'Contents', 'MacOS', 'Electron');
  return path.join(distDir, 'electron');
}

/**
 * The most telling line of a failed `require('electron')`: the first error-looking line that is
 * not part of a stack trace (e.g. "TypeError: fetch failed" rather than "Downloading Electron binary...").
 * @param {string} output
 */
export function firstFailureLine(output) {
  const lines = output.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  const telling = lines.find(
    (line) => !line.startsWith('at ') && /\b(error|failed|fail|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT)\b/i.test(line),
  );
  return telling ?? lines[0] ?? 'no output';
}

const BROWSER_ALTERNATIVE = 'npm run serve';

/**
 * @typedef {{ found: true, path: string, source: 'override' | 'npm' }
 *   | { found: false, problem: 'override-missing', path: string }
 *   | { found: false, problem: 'download-failed', detail: string }} ElectronProbe
 * @typedef {{ action: 'launch', electronPath: string, appArgs: string[] }
 *   | { action: 'serve', notice: string, serveArgs: string[] }
 *   | { action: 'exit', exitCode: 1, message: string }} StartDecision
 */

/**
 * @param {{ platform: string, env: Record<string, string | undefined>, args: readonly string[], probeElectron: () => ElectronProbe }} facts
 * @returns {StartDecision}
 */
export function decideStart({ platform, env, args, probeElectron }) {
  const serveFallback = args.includes(SERVE_FALLBACK_FLAG);
  const otherArgs = args.filter((arg) => arg !== SERVE_FALLBACK_FLAG);

  /** @param {string} why @param {string} message */
  const cannotLaunch = (why, message) =>
    serveFallback
      ? { action: /** @type {const} */ ('serve'), notice: `${why}; opening the browser UI instead (${BROWSER_ALTERNATIVE}).`, serveArgs: otherArgs }
      : { action: /** @type {const} */ ('exit'), exitCode: /** @type {const} */ (1), message };

  // Checked first because it needs no probe: without a display Electron cannot open a window at all.
  if (!hasDisplay(platform, env)) {
    return cannotLaunch(
      'No graphical display found',
      [
        'The FRA Workbench desktop app needs a display, and this session has none (DISPLAY and WAYLAND_DISPLAY are not set).',
        `Run the same UI in your browser instead:  ${BROWSER_ALTERNATIVE}`,
        `(or let npm start do that for you:  npm start -- ${SERVE_FALLBACK_FLAG})`,
      ].join('\n'),
    );
  }

  const electron = probeElectron();
  if (electron.found) return { action: 'launch', electronPath: electron.path, appArgs: otherArgs };

  if (electron.problem === 'override-missing') {
    return cannotLaunch(
      'The Electron binary named by ELECTRON_OVERRIDE_DIST_PATH is missing',
      [
        `ELECTRON_OVERRIDE_DIST_PATH is set, but there is no Electron executable at ${electron.path}.`,
        'Point it at the folder of an unpacked Electron, unset it to let Electron download itself,',
        `or use the browser UI:  ${BROWSER_ALTERNATIVE}`,
      ].join('\n'),
    );
  }
  return cannotLaunch(
    'The Electron binary is not available',
    [
      `The Electron binary is not available on this machine (download failed: ${electron.detail}).`,
      'Options:',
      '  - connect to the internet and run npm start again (Electron downloads itself on first use);',
      '  - or set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron (the folder containing the electron executable);',
      `  - or use the browser UI:  ${BROWSER_ALTERNATIVE}`,
    ].join('\n'),
  );
}

/**
 * Finds the Electron executable the way the `electron` package does, without crashing this process:
 * electron ≥ 42 downloads its binary lazily on the first require(), so that require runs in a child.
 * @param {{ platform: string, env: Record<string, string | undefined>, cwd: string }} options
 * @returns {ElectronProbe}
 */
export function probeElectronBinary({ platform, env, cwd }) {
  const overrideDir = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (overrideDir) {
    const executable = electronExecutableIn(overrideDir, platform);
    return existsSync(executable) ? { found: true, path: executable, source: 'override' } : { found: false, problem: 'override-missing', path: executable };
  }
  const child = spawnSync(process.execPath, ['-e', "process.stdout.write('\\n' + require('electron'))"], {
    cwd,
    env,
    encoding: 'utf8',
    timeout: 10 * 60 * 1000,
  });
  const reported = (child.stdout ?? '').trim().split(/\r?\n/).at(-1) ?? '';
  if (child.status === 0 && reported !== '' && existsSync(reported)) return { found: true, path: reported, source: 'npm' };
  const detail = child.error !== undefined ? child.error.message : firstFailureLine(`${child.stderr ?? ''}\n${child.stdout ?? ''}`);
  return { found: false, problem: 'download-failed', detail };
}
