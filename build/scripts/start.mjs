// `npm start`: the desktop app. When it cannot run here (no display, no Electron binary) it says
// why and what to do instead — see start-preflight.mjs — rather than failing with a stack trace.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { decideStart, probeElectronBinary } from './start-preflight.mjs';
import { buildRenderer, rendererBuildReason, repoRoot } from './renderer-build.mjs';

const decision = decideStart({
  platform: process.platform,
  env: process.env,
  args: process.argv.slice(2),
  probeElectron: () => {
    if (!process.env.ELECTRON_OVERRIDE_DIST_PATH) console.log('Looking for the Electron binary (the first run downloads it, about 100 MB)…');
    return probeElectronBinary({ platform: process.platform, env: process.env, cwd: repoRoot });
  },
});

switch (decision.action) {
  case 'exit':
    console.error(decision.message);
    process.exit(decision.exitCode);
    break;
  case 'serve':
    console.log(decision.notice);
    runToCompletion(process.execPath, [path.join(repoRoot, 'build', 'scripts', 'serve.mjs'), ...decision.serveArgs], process.env);
    break;
  case 'launch': {
    buildDesktopApp();
    // ELECTRON_RUN_AS_NODE (set by some tools) would turn Electron into plain Node and ignore the app.
    const { ELECTRON_RUN_AS_NODE: _ignored, ...env } = process.env;
    runToCompletion(decision.electronPath, [repoRoot, ...decision.appArgs], env);
    break;
  }
}

/** `npm run build:node` (kept in package.json, so this never drifts from it), then the renderer if stale. */
function buildDesktopApp() {
  console.log('Building the main process and preload (npm run build:node)…');
  if (runNpm(['run', 'build:node']) !== 0) {
    console.error('The build failed; see the errors above.');
    process.exit(1);
  }
  const reason = rendererBuildReason();
  if (reason !== undefined) {
    console.log(`Building the renderer (${reason})…`);
    if (!buildRenderer()) {
      console.error('The renderer failed to build; see the errors above.');
      process.exit(1);
    }
  }
}

function runNpm(args) {
  // Under `npm start`, npm_execpath names the npm that launched us; use the same one.
  const npmCli = process.env.npm_execpath;
  const result = npmCli
    ? spawnSync(process.execPath, [npmCli, ...args], { cwd: repoRoot, stdio: 'inherit' })
    : spawnSync('npm', args, { cwd: repoRoot, stdio: 'inherit', shell: process.platform === 'win32' });
  return result.status ?? 1;
}

function runToCompletion(command, args, env) {
  const child = spawn(command, args, { cwd: repoRoot, stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    console.error(`Could not start ${command}: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 0)));
}
