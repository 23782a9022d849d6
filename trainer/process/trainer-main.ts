/**
 * Entry point of the trainer process (Electron utilityProcess or child_process.fork).
 *
 * Says hello, waits for `start`, validates the configuration, initialises the engine and runs
 * the run's kind — pre-training (trainer/fra) or fine-tuning / linear probe (trainer/finetune) —
 * inside the run directory, streaming state, progress, metrics, checkpoints and logs to the host
 * (trainer-protocol.ts). Handles pause/resume/stop between steps. Exits 0 after
 * `done`; any error sends `error` and exits 1. Signals and out-of-memory deaths are classified by
 * the host (the process cannot report its own kill -9).
 *
 * Plain Node + tfjs: no electron import.
 */
import { validateFinetuneConfig } from '../contract/finetune-config.js';
import { ConfigValidationError, validatePretrainConfig, type PretrainConfig } from '../contract/run-config.js';
import {
  TRAINER_PROTOCOL_VERSION,
  abbreviateMessage,
  parseHostMessage,
  trainerMessage,
  type StartMessage,
  type TrainerMessageBody,
} from '../contract/trainer-protocol.js';
import { formatEngineReport, initEngine } from '../engine/index.js';
import { runPretraining, type PretrainControl } from '../fra/pretrain-run.js';
import { runFinetuning } from '../finetune/finetune-run.js';
import { FrozenBackboneChangedError } from '../finetune/backbone-fingerprint.js';
import { CheckpointError, type CheckpointMeta } from '../run/checkpoint.js';
import { RunStorageError } from '../run/disk-errors.js';
import { createTransport, type TrainerTransport } from './transport.js';

const transport: TrainerTransport = createTransport();
const send = (body: TrainerMessageBody): Promise<void> => transport.send(trainerMessage(body));
const log = (level: 'debug' | 'info' | 'warning' | 'error', message: string): void => void send({ type: 'log', level, message });

const controller = new AbortController();
let started = false;
let finishing = false;
let paused = false;
let pauseWaiters: (() => void)[] = [];

function wakePaused(): void {
  const waiters = pauseWaiters;
  pauseWaiters = [];
  for (const wake of waiters) wake();
}

const control: PretrainControl = {
  async waitWhilePaused() {
    if (!paused || controller.signal.aborted) return;
    await send({ type: 'state', state: 'paused', reason: 'paused at the user’s request after finishing the step' });
    await new Promise<void>((resolve) => pauseWaiters.push(resolve));
    if (!controller.signal.aborted) await send({ type: 'state', state: 'running', reason: 'resumed' });
  },
  async checkpointFailed(error) {
    // Disk full: pause with the reason; the user frees space and resumes (retry) or stops (give up).
    await send({ type: 'log', level: 'error', message: `${error.summary} ${error.hint}` });
    if (controller.signal.aborted) return 'give-up';
    paused = true;
    await send({ type: 'state', state: 'paused', reason: `${error.summary} ${error.hint}` });
    await new Promise<void>((resolve) => pauseWaiters.push(resolve));
    if (controller.signal.aborted) return 'give-up';
    await send({ type: 'state', state: 'running', reason: 'resumed: retrying the checkpoint' });
    return 'retry';
  },
};

transport.onMessage((value) => {
  const parsed = parseHostMessage(value);
  if (!parsed.ok) {
    log('warning', `ignored an invalid message from the host (${parsed.reason}): ${abbreviateMessage(value)}`);
    return;
  }
  const message = parsed.message;
  switch (message.type) {
    case 'start':
      if (started) {
        log('warning', 'ignored a second start message: this process already trains a run');
        return;
      }
      started = true;
      void train(message).then(
        (code) => finish(code),
        (error: unknown) => fail(error),
      );
      return;
    case 'pause':
      paused = true;
      return;
    case 'resume':
      paused = false;
      wakePaused();
      return;
    case 'stop':
      if (!started) {
        void send({ type: 'done', reason: 'stopped', steps: 0 }).then(() => finish(0));
        return;
      }
      if (!controller.signal.aborted) {
        controller.abort();
        void send({ type: 'state', state: 'stopping', reason: 'stop requested: finishing the step and saving a checkpoint' });
      }
      wakePaused();
      return;
    case 'ping':
      void send({ type: 'pong', id: message.id });
      return;
  }
});

process.on('uncaughtException', (error) => fail(error));
process.on('unhandledRejection', (error) => fail(error));

void send({ type: 'hello', pid: process.pid, node: process.version });

async function train(start: StartMessage): Promise<number> {
  return (start.kind ?? 'pretrain') === 'finetune' ? trainFinetune(start) : trainPretrain(start);
}

/** Engine up, reported to the host and the log; then the run is running. */
async function startEngine(backend: string, start: StartMessage): Promise<string> {
  const engine = await initEngine({ backend });
  await send({ type: 'engine', report: JSON.parse(JSON.stringify(engine)) as Record<string, never> });
  log('info', formatEngineReport(engine));
  for (const warning of engine.warnings) log('warning', warning);
  await send({ type: 'state', state: 'running', ...(start.resumeFrom !== undefined ? { reason: `resuming from ${start.resumeFrom}` } : {}) });
  return engine.active;
}

function sendCheckpoint(path: string, meta: CheckpointMeta, registration?: { name: string; kept: boolean; markers: string[]; deleted: string[] }): void {
  void send({
    type: 'checkpoint',
    name: registration?.name ?? path.replace(/^.*[\\/]/, '').replace(/\.safetensors$/, ''),
    step: meta.position.globalStep,
    epoch: meta.position.epoch,
    path,
    kept: registration?.kept ?? true,
    markers: registration?.markers ?? [],
    deleted: registration?.deleted ?? [],
  });
}

async function trainPretrain(start: StartMessage): Promise<number> {
  const config: PretrainConfig = validatePretrainConfig({
    ...(start.config as Record<string, unknown>),
    saveDir: start.runDir,
    ...(start.resumeFrom !== undefined ? { resume: start.resumeFrom } : {}),
  });
  const backend = await startEngine(config.backend, start);
  const rate = new StepRate();
  const result = await runPretraining(config, {
    backend,
    signal: controller.signal,
    control,
    runDir: start.runDir,
    ...(start.metricsSyncIntervalMs !== undefined ? { metricsSyncIntervalMs: start.metricsSyncIntervalMs } : {}),
    events: {
      onStep(record) {
        void send({ type: 'metrics', record: record as unknown as { step: number } });
        void send({ type: 'progress', progress: progressOf(record, config, rate) });
      },
      onCheckpoint: sendCheckpoint,
      onNotice(message) {
        log('info', message);
      },
    },
  });
  await send({ type: 'done', reason: result.reason, steps: result.steps, ...(result.lastCheckpoint !== undefined ? { lastCheckpoint: result.lastCheckpoint } : {}) });
  return 0;
}

async function trainFinetune(start: StartMessage): Promise<number> {
  const config = validateFinetuneConfig({
    ...(start.config as Record<string, unknown>),
    saveDir: start.runDir,
    ...(start.resumeFrom !== undefined ? { resume: start.resumeFrom } : {}),
  });
  const backend = await startEngine(config.backend, start);
  const rate = new StepRate();
  const result = await runFinetuning(config, {
    runDir: start.runDir,
    backend,
    signal: controller.signal,
    control,
    ...(start.metricsSyncIntervalMs !== undefined ? { metricsSyncIntervalMs: start.metricsSyncIntervalMs } : {}),
    events: {
      onStep(record) {
        void send({ type: 'metrics', record: record as unknown as { step: number } });
        void send({ type: 'progress', progress: progressOf(record, config, rate) });
      },
      onCheckpoint: sendCheckpoint,
      onEvaluation(report, isBest) {
        log(
          'info',
          `evaluation after epoch ${report.epoch} (step ${report.step}): top-1 ${(100 * report.top1).toFixed(2)}%, top-${report.topK} ${(100 * report.top5).toFixed(2)}%, ` +
            `mean class accuracy ${(100 * report.meanClassAccuracy).toFixed(2)}%${isBest ? ' (best so far; evaluation/best.json)' : ''}`,
        );
      },
      onNotice(message) {
        log('info', message);
      },
    },
  });
  await send({ type: 'done', reason: result.reason, steps: result.steps, ...(result.lastCheckpoint !== undefined ? { lastCheckpoint: result.lastCheckpoint } : {}) });
  return 0;
}

/** Steps per second over a sliding window of recent steps (pauses excluded: they are not steps). */
class StepRate {
  private readonly seconds: number[] = [];
  add(secondsPerStep: number): number | null {
    if (Number.isFinite(secondsPerStep) && secondsPerStep > 0) this.seconds.push(secondsPerStep);
    if (this.seconds.length > 50) this.seconds.shift();
    const total = this.seconds.reduce((a, b) => a + b, 0);
    return total > 0 ? this.seconds.length / total : null;
  }
}

/** What progress needs from a metrics record, whatever the run kind. */
interface ProgressRecord {
  step: number;
  epoch: number;
  iteration: number;
  iterationsPerEpoch: number;
  secondsPerStep: number;
}

function progressOf(record: ProgressRecord, config: { epochs: number; maxSteps?: number | undefined }, rate: StepRate) {
  const planned = record.iterationsPerEpoch * config.epochs;
  // --max-steps counts steps of this process; the run's step count continues across resumes.
  const totalSteps = config.maxSteps !== undefined ? Math.min(planned, stepsAtStart(record) + config.maxSteps) : planned;
  const stepsPerSecond = rate.add(record.secondsPerStep);
  const remaining = Math.max(0, totalSteps - record.step);
  return {
    epoch: record.epoch,
    iteration: record.iteration,
    iterationsPerEpoch: record.iterationsPerEpoch,
    step: record.step,
    totalSteps: Math.max(totalSteps, record.step),
    etaSeconds: stepsPerSecond === null ? null : remaining / stepsPerSecond,
    stepsPerSecond,
  };
}

let startStep: number | undefined;
function stepsAtStart(record: ProgressRecord): number {
  startStep ??= record.step - 1;
  return startStep;
}

function describeError(error: unknown): TrainerMessageBody {
  if (error instanceof ConfigValidationError) {
    return {
      type: 'error',
      code: 'invalid-config',
      message: error.message,
      problems: error.problems.map((p) => ({ flag: p.flag, field: p.field, message: p.message })),
    };
  }
  if (error instanceof RunStorageError) return { type: 'error', code: 'storage', message: error.summary, ...(error.hint !== undefined ? { hint: error.hint } : {}) };
  if (error instanceof CheckpointError) return { type: 'error', code: 'checkpoint', message: error.message };
  if (error instanceof FrozenBackboneChangedError) return { type: 'error', code: 'training', message: error.message, hint: 'Report this with the run folder; resume to retry from the last checkpoint.' };
  const message = error instanceof Error ? error.message : String(error);
  return { type: 'error', code: 'training', message };
}

let exiting = false;
function fail(error: unknown): void {
  if (exiting) return;
  exiting = true;
  const body = describeError(error);
  if (error instanceof Error && error.stack !== undefined) process.stderr.write(`${error.stack}\n`);
  void send(body).finally(() => process.exit(1));
}

function finish(code: number): void {
  if (exiting || finishing) return;
  finishing = true;
  exiting = true;
  transport.close();
  process.exit(code);
}

export const TRAINER_ENTRY_PROTOCOL = TRAINER_PROTOCOL_VERSION;
