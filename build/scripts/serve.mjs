// `npm run serve [-- --port N --host H --token T --workspace DIR]`: the workbench UI in a browser.
// Builds the renderer when it is missing or stale, then runs the server CLI — from source via tsx
// in a checkout, or from the compiled dist/ when tsx is not installed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { buildRenderer, rendererBuildReason, repoRoot } from './renderer-build.mjs';

const args = process.argv.slice(2);

const reason = rendererBuildReason();
if (reason !== undefined) {
  console.log(`Building the browser UI first (${reason})…`);
  if (!buildRenderer()) {
    console.error('The browser UI failed to build; see the errors above.');
    process.exit(1);
  }
}

const cliSource = path.join(repoRoot, 'electron', 'server', 'cli.ts');
const cliCompiled = path.join(repoRoot, 'dist', 'electron', 'server', 'cli.js');
const command = hasTsx() && existsSync(cliSource)
  ? ['--import', 'tsx', cliSource]
  : existsSync(cliCompiled)
    ? [cliCompiled]
    : undefined;
if (command === undefined) {
  console.error('Cannot find the server: neither tsx (a dev dependency) nor dist/electron/server/cli.js is available. Run: npm run build');
  process.exit(1);
}

const server = spawn(process.execPath, [...command, 'serve', ...args], { cwd: repoRoot, stdio: 'inherit' });
// Ctrl+C reaches the child through the terminal's process group; forward what is sent to us alone.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 0)));

function hasTsx() {
  try {
    createRequire(import.meta.url).resolve('tsx');
    return true;
  } catch {
    return false;
  }
}
