// `fra-workbench serve [--port N] [--host H] [--token T | --no-token] [--workspace DIR]`
// Starts the local server and tells the person at the terminal exactly what to open.
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { generateToken, isLoopbackHost } from './auth.js';
import { DEFAULT_HOST, DEFAULT_PORT, ServerConfigError, startServer, type RunningServer, type ServerOptions } from './server.js';

export const USAGE = `Usage: fra-workbench serve [options]

Runs the FRA Workbench UI in your browser.

Options:
  --port N          Port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H          Address to bind (default ${DEFAULT_HOST}; other addresses always need a token)
  --token T         Access token to require (default: a fresh random token)
  --no-token        Do not require a token (only allowed on ${DEFAULT_HOST}/localhost)
  --workspace DIR   Workspace folder (default: $FRA_WORKSPACE or ~/fra-workbench)
  --renderer-dir D  Built renderer to serve (default: dist/renderer)
  -h, --help        Show this help`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type CliCommand = { kind: 'help' } | { kind: 'serve'; options: ServerOptions & { port: number; host: string } };

export function parseCliArgs(argv: readonly string[]): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        token: { type: 'string' },
        'no-token': { type: 'boolean' },
        workspace: { type: 'string' },
        'renderer-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { kind: 'help' };

  const [command = 'serve', ...extra] = positionals;
  if (command !== 'serve') throw new UsageError(`Unknown command "${command}". The only command is "serve".`);
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`);

  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, not "${values.port}".`);
  const host = values.host ?? DEFAULT_HOST;

  if (values['no-token'] === true && values.token !== undefined) throw new UsageError('Use either --token or --no-token, not both.');
  if (values['no-token'] === true && !isLoopbackHost(host)) {
    throw new UsageError(`--no-token is only allowed on a loopback address; ${host} can be reached from other machines.`);
  }
  if (values.token !== undefined && values.token.trim() === '') throw new UsageError('--token must not be empty.');
  // A token by default even on loopback: other local users and other local web pages can reach 127.0.0.1 too.
  const token = values['no-token'] === true ? undefined : (values.token ?? generateToken());

  const options: ServerOptions & { port: number; host: string } = { port, host };
  if (token !== undefined) options.token = token;
  if (values.workspace !== undefined) options.workspace = values.workspace;
  if (values['renderer-dir'] !== undefined) options.rendererDir = values['renderer-dir'];
  return { kind: 'serve', options };
}

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const consoleIo: CliIo = { out: (line) => console.log(line), err: (line) => console.error(line) };

/** Starts the server and returns it, or returns an exit code after explaining what went wrong. */
export async function runCli(argv: readonly string[], io: CliIo = consoleIo): Promise<RunningServer | number> {
  let command: CliCommand;
  try {
    command = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (command.kind === 'help') {
    io.out(USAGE);
    return 0;
  }

  const { options } = command;
  let server: RunningServer;
  try {
    server = await startServer(options);
  } catch (error) {
    if (error instanceof ServerConfigError) {
      io.err(error.message);
      return 1;
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      io.err(
        `Port ${options.port} on ${options.host} is already in use (perhaps FRA Workbench is already running).\n` +
          `Choose another port, for example: npm run serve -- --port ${options.port + 1}  (or --port 0 for any free port)`,
      );
      return 1;
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') {
      io.err(`${options.host} is not an address of this machine. Use --host 127.0.0.1, or 0.0.0.0 for every interface.`);
      return 1;
    }
    throw error;
  }

  io.out(`FRA Workbench is running at ${server.url}`);
  if (!isLoopbackHost(options.host)) {
    const remoteUrl = server.url.replace(/^http:\/\/[^/]+/, `http://${os.hostname()}:${server.port}`);
    io.out(`From other machines, open ${remoteUrl} (anyone with this URL can use the workbench).`);
  }
  io.out(`Workspace: ${server.workspace}`);
  io.out('Press Ctrl+C to stop');
  return server;
}

/** Process entry point: runs until Ctrl+C. Also what a `fra-workbench` bin wrapper should call. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const result = await runCli(argv);
  if (typeof result === 'number') {
    process.exitCode = result;
    return;
  }
  const stop = (): void => {
    void result.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
