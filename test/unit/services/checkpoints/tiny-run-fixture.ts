/**
 * Test fixture (not a test file): a real, very short FRA pre-training inside a real run folder of
 * a temporary workspace, so the checkpoints and heatmaps services are tested over genuine
 * checkpoints, a genuine ledger (retention policy, markers) and a genuine run manifest.
 *
 * Importable (`makeTinyRun`) and runnable as a script (`node --import tsx tiny-run-fixture.ts
 * <workspace> [name]` prints the TinyRun as JSON), for the renderer specs, whose environment must
 * not load tfjs itself.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RunStore } from '../../../../electron/services/runs/run-store.js';
import { activateWasmBackend } from '../../../../trainer/engine/local-backends.js';
import { validatePretrainConfig, type PretrainConfigInput } from '../../../../trainer/contract/run-config.js';
import { runPretraining } from '../../../../trainer/fra/pretrain-run.js';
import { tinyPretrainConfig as tinyConfig } from '../../../helpers/tiny-pretrain-config.js';

/** The shared tiny configuration, stopped after 3 steps with a checkpoint at every step. */
export function tinyPretrainConfig(overrides: PretrainConfigInput = {}): PretrainConfigInput {
  return tinyConfig({ maxSteps: 3, checkpointEverySteps: 1, ...overrides });
}

export interface TinyRun {
  runId: string;
  runDir: string;
  /** Names of the checkpoints the ledger kept, oldest first. */
  checkpoints: string[];
}

/**
 * Creates a pre-training run (finished, or stopped and so resumable) with three checkpoints
 * (steps 1–3) under a policy that keeps the best two by total loss plus the last, so markers
 * differ between entries.
 */
export async function makeTinyRun(
  workspace: string,
  options: { name?: string; finalState?: 'finished' | 'stopped'; config?: PretrainConfigInput } = {},
): Promise<TinyRun> {
  await activateWasmBackend();
  const store = new RunStore(workspace, { reserveBytes: 0, appVersion: '0.0.0-test' });
  const config = validatePretrainConfig(tinyPretrainConfig(options.config));
  const run = await store.createRun({
    name: options.name ?? 'tiny run',
    kind: 'pretrain',
    config: config as never,
    seed: config.seed,
    checkpointPolicy: { everyNEpochs: 1, saveLast: true, saveTopK: 2, monitor: 'total', mode: 'min' },
  });
  await store.transition(run.id, 'starting');
  await store.transition(run.id, 'running');
  await runPretraining(config, { backend: 'wasm', runDir: run.dir });
  const finalState = options.finalState ?? 'finished';
  if (finalState === 'stopped') await store.transition(run.id, 'stopping', 'max steps reached');
  await store.transition(run.id, finalState, 'max steps reached');
  const ledger = await store.openLedger(run.id);
  return { runId: run.id, runDir: run.dir, checkpoints: ledger.entries.map((e) => e.name) };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const workspace = process.argv[2];
  if (workspace === undefined) {
    process.stderr.write('usage: tiny-run-fixture.ts <workspace> [run name]\n');
    process.exit(2);
  }
  const run = await makeTinyRun(workspace, { name: process.argv[3] ?? 'tiny run' });
  process.stdout.write(JSON.stringify(run) + '\n');
}
