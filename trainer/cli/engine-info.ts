/**
 * `tsx trainer/cli/engine-info.ts [--backend auto|node-gpu|node|wasm|cpu] [--json]`
 *
 * Activates the backend exactly as a training run would and prints the engine
 * report, so "why is this not using my GPU?" can be answered without starting
 * a run. Exit code 1 when the request is invalid or the backend is unavailable.
 */
import { parseArgs } from 'node:util';
import { BACKEND_ENV_VAR, BACKEND_REQUESTS, formatEngineReport, initEngine } from '../engine/index.js';

const USAGE =
  `Usage: engine-info [--backend ${BACKEND_REQUESTS.join('|')}] [--json]\n` +
  `  --backend  backend to activate (default: $${BACKEND_ENV_VAR}, else auto)\n` +
  '  --json     print the report as JSON instead of a table';

async function main(argv: string[]): Promise<number> {
  let values: { backend?: string; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        backend: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`engine-info: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const report = await initEngine(values.backend !== undefined ? { backend: values.backend } : {});
    process.stdout.write(`${values.json ? JSON.stringify(report, null, 2) : formatEngineReport(report)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`engine-info: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
