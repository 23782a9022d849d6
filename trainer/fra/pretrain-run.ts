/**
 * The pre-training loop: builds FRAB from a validated run configuration,
 * resumes or initialises it, and iterates epochs × iterations with the
 * reference schedules (§4), logging and checkpointing into `saveDir`.
 *
 * Plain Node + tfjs: driven by the CLI now, by the trainer process later.
 * Nothing here prints; callers receive events.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointLedger, checkpointNameFor, checkpointsDirOf } from '../run/checkpoint-ledger.js';
import { MetricsWriter } from '../run/metrics-log.js';
import { osErrorCode, toStorageError, type RunStorageError } from '../run/disk-errors.js';
import type { PretrainConfig } from '../contract/run-config.js';
import { BatchLoader } from '../data/loader/batch-loader.js';
import { randomViewPairBatch } from '../data/random-pairs.js';
import { effectiveWorkerCount, resolveTrainingData, type TrainingData } from '../data/training-data.js';
import { isResNetEncoderName } from '../models/resnet.js';
import { CheckpointError, loadCheckpoint, OPTIMIZER_PREFIX, saveCheckpoint, type CheckpointMeta, type CheckpointPosition } from '../run/checkpoint.js';
import { FraModel, type FraModelOptions } from './fra-model.js';
import { Lars } from './lars.js';
import { emaMomentum, pretrainLearningRate } from './schedules.js';
import type { FraObjectiveWeights } from './objective.js';
import { FraTrainStep, type StepLosses } from './train-step.js';
import { RegionProbe, type RegionProbeResult } from './region-probe.js';

export interface StepRecord {
  /** Optimiser steps done so far (1 after the first step). */
  step: number;
  epoch: number;
  iteration: number;
  iterationsPerEpoch: number;
  losses: StepLosses;
  lr: number;
  emaMomentum: number;
  secondsPerStep: number;
  imagesPerSecond: number;
  tfjsBytes: number;
  rssBytes: number;
  /** Wall-clock time the step finished, ms since the Unix epoch (charts plot by wall time). */
  time: number;
  /** Region-awareness probe, on the last step of each epoch (see region-probe.ts). */
  region?: RegionProbeResult;
}

export type StopReason = 'completed' | 'max-steps' | 'stopped';

/** What happened to a checkpoint saved inside a run directory (the ledger's verdict). */
export interface CheckpointRegistration {
  /** Ledger name (`epoch-0001-step-00000512`). */
  name: string;
  /** False when the retention policy did not keep it. */
  kept: boolean;
  /** Checkpoints the policy deleted to make room. */
  deleted: string[];
  /** Markers the ledger gave it ('last', 'top-k', 'pinned'). */
  markers: string[];
}

export interface PretrainEvents {
  /** Every step (cheap: values already downloaded), after its metrics line is written. */
  onStep?(record: StepRecord): void;
  /** `registration` is present when running inside a run directory. */
  onCheckpoint?(path: string, meta: CheckpointMeta, registration?: CheckpointRegistration): void;
  onNotice?(message: string): void;
}

/** Pause/resume between steps: the loop awaits this after every step. */
export interface PretrainControl {
  /** Resolves at once when not paused; otherwise when resumed or when the stop signal aborts. */
  waitWhilePaused(): Promise<void>;
  /**
   * A checkpoint could not be written because the disk is full (or over quota). The previous
   * checkpoint is still valid. Resolve 'retry' to try again (after the user freed space and
   * resumed), 'give-up' to end the run with the error. Without this, the error is thrown.
   */
  checkpointFailed?(error: RunStorageError): Promise<'retry' | 'give-up'>;
}

const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);

export interface PretrainOptions {
  events?: PretrainEvents;
  /** Aborting finishes the current step, saves a checkpoint and returns 'stopped'. */
  signal?: AbortSignal;
  /** Recorded in checkpoints. */
  backend: string;
  control?: PretrainControl;
  /**
   * Train inside a run directory (docs/run-format.md): metrics go to `<runDir>/metrics.jsonl`,
   * every checkpoint is written as `checkpoints/<epoch-…-step-…>` and registered in the run's
   * checkpoint ledger (retention policy, top-k). `config.saveDir` is then ignored. Without it,
   * the CLI layout in `config.saveDir` (rolling `checkpoint.safetensors`, numbered copies).
   */
  runDir?: string;
  /** MetricsWriter fdatasync interval (ms); default 1000. */
  metricsSyncIntervalMs?: number;
}

export interface PretrainResult {
  reason: StopReason;
  steps: number;
  lastLosses?: StepLosses;
  lastCheckpoint?: string;
}

/** The objective's weights and constants from a run configuration (fra-spec §2). */
export function objectiveWeightsFromConfig(config: PretrainConfig): FraObjectiveWeights {
  return {
    globalWeight: config.lewelLossWeight,
    clusterWeight: config.lossWeightCluster,
    regionDecorrelationWeight: config.regionDecorrelationWeight,
    studentTemperature: config.studentTemp,
    teacherTemperature: config.teacherTemp,
    sinkhornIterations: config.sinkhornIterations,
    meMaxWeight: config.meMaxWeight,
  };
}

/** LARS as the run configuration asks (fra-spec §4). */
export function larsFromConfig(config: PretrainConfig): Lars {
  return new Lars({ momentum: config.momentum, weightDecay: config.weightDecay, trustCoefficient: config.larsTrustCoefficient });
}

export function modelOptionsFromConfig(config: PretrainConfig): FraModelOptions {
  if (!isResNetEncoderName(config.backbone)) throw new Error(`unknown backbone ${config.backbone}`);
  return {
    arch: config.arch,
    backbone: config.backbone,
    projDim: config.projDim,
    hidDim: config.hidDim,
    numProto: config.numProto,
    heatmapTemperature: config.lewelScale,
    protoMomentum: config.protoMomentum,
    heatmapEps: config.heatmapEps,
    decoderLayers: config.decoderLayers,
    decoderHeads: config.decoderHeads,
    decoderFfnDim: config.decoderFfnDim,
    decoderDropout: config.decoderDropout,
    seed: config.seed,
  };
}

interface EpochBatch {
  iteration: number;
  view1: tf.Tensor4D;
  view2: tf.Tensor4D;
}

/**
 * The batches of one epoch, whatever the dataset: `random` pairs are made on
 * the training thread (tfjs); files and synthetic faces come from the loader's
 * worker threads, already augmented (fra-spec §3).
 */
interface BatchSource {
  iterationsPerEpoch: number;
  epoch(epoch: number, fromIteration: number): AsyncGenerator<EpochBatch>;
  close(): Promise<void>;
}

async function openBatchSource(config: PretrainConfig, data: TrainingData, events: PretrainEvents): Promise<BatchSource> {
  const shape: [number, number, number, number] = [config.batchSize, config.imageSize, config.imageSize, 3];
  if (data.kind === 'random') {
    const iterationsPerEpoch = Math.floor((data.size * config.trainPercent) / config.batchSize); // drop_last
    if (iterationsPerEpoch < 1) throw new Error(`batch size ${config.batchSize} is larger than the ${Math.floor(data.size * config.trainPercent)} images per epoch`);
    return {
      iterationsPerEpoch,
      async *epoch(epoch, fromIteration) {
        for (let iteration = fromIteration; iteration < iterationsPerEpoch; iteration++) {
          const { view1, view2 } = randomViewPairBatch({ seed: config.seed, epoch, iterationInEpoch: iteration }, config.batchSize, config.imageSize);
          yield { iteration, view1, view2 };
        }
      },
      close: async () => undefined,
    };
  }
  const workers = effectiveWorkerCount(config.workers);
  if (workers !== config.workers) events.onNotice?.(`-j/--workers ${config.workers}: using ${workers} loader thread(s) on this ${workers + 1}-core machine`);
  events.onNotice?.(`training data: ${data.description}`);
  const loader = await BatchLoader.open({
    dataset: data.spec,
    transform: { kind: 'fra-two-view' },
    datasetSize: data.size,
    batchSize: config.batchSize,
    imageSize: config.imageSize,
    seed: config.seed,
    trainPercent: config.trainPercent,
    workers,
  });
  return {
    iterationsPerEpoch: loader.iterationsPerEpoch,
    async *epoch(epoch, fromIteration) {
      for await (const batch of loader.epoch(epoch, fromIteration)) {
        for (const s of batch.skipped) events.onNotice?.(`skipped unreadable image ${s.item}: ${s.reason} (a substitute was used)`);
        yield { iteration: batch.iteration, view1: tf.tensor4d(batch.view1, shape), view2: tf.tensor4d(batch.view2!, shape) };
      }
    },
    close: () => loader.close(),
  };
}

export async function runPretraining(config: PretrainConfig, options: PretrainOptions): Promise<PretrainResult> {
  const events = options.events ?? {};
  const data = await resolveTrainingData(config, (m) => events.onNotice?.(m));
  const outputDir = options.runDir ?? config.saveDir;
  await mkdir(outputDir, { recursive: true });
  const ledger = options.runDir === undefined ? undefined : await CheckpointLedger.open(options.runDir);
  const batches = await openBatchSource(config, data, events);
  const iterationsPerEpoch = batches.iterationsPerEpoch;
  const totalIterations = iterationsPerEpoch * config.epochs;

  const model = new FraModel(modelOptionsFromConfig(config));
  const optimizer = larsFromConfig(config);
  const probe = new RegionProbe(config.seed, config.imageSize);
  const trainStep = new FraTrainStep(model, optimizer, objectiveWeightsFromConfig(config));

  let metrics: MetricsWriter | undefined;
  try {
    let position: CheckpointPosition = { epoch: config.startEpoch, iterationInEpoch: 0, globalStep: config.startEpoch * iterationsPerEpoch, iterationsPerEpoch };
    if (config.resume) position = await restoreFromCheckpoint(config.resume, model, optimizer, config, iterationsPerEpoch);
    else if (config.pretrained) await initialiseFromCheckpoint(config.pretrained, model, events);

    const schedule = { baseLr: config.lr, epochs: config.epochs, warmupEpochs: config.warmupEpochs, cosine: config.cosine, milestones: config.schedule };
    // Steps after the starting position (trained again on a resume, or a stale file in a reused
    // --save-dir) move to metrics.superseded.jsonl: metrics.jsonl stays one clean history.
    metrics = await MetricsWriter.open(outputDir, {
      resumeAfterStep: position.globalStep,
      ...(options.metricsSyncIntervalMs !== undefined ? { syncIntervalMs: options.metricsSyncIntervalMs } : {}),
    });
    if (metrics.repair.action === 'truncated') events.onNotice?.(`removed an incomplete last metrics line (${metrics.repair.bytes} bytes) left by a crash`);
    if (metrics.rewind !== undefined && metrics.rewind.movedLines > 0) {
      events.onNotice?.(`moved ${metrics.rewind.movedLines} metrics line(s) after step ${position.globalStep} to metrics.superseded.jsonl (they will be trained again)`);
    }
    const metricsWriter = metrics;
    let steps = 0;
    let lastLosses: StepLosses | undefined;
    let lastCheckpoint: string | undefined;
    let lastSavedStep = -1;

    /** Disk full while checkpointing: the run pauses (control.checkpointFailed) and retries; the previous checkpoint stays valid. */
    const retryWhenDiskFull = async <T>(path: string, task: () => Promise<T>): Promise<T> => {
      for (;;) {
        try {
          return await task();
        } catch (error) {
          const failed = options.control?.checkpointFailed;
          if (failed === undefined || !DISK_FULL_CODES.has(osErrorCode(error) ?? '')) throw error;
          const previous = lastCheckpoint?.replace(/^.*[\\/]/, '');
          const storage = toStorageError(error, { path, action: 'save the checkpoint', ...(previous !== undefined ? { lastValidCheckpoint: previous } : {}) });
          if ((await failed(storage)) === 'give-up') throw storage;
        }
      }
    };
    const checkpoint = async (name: string, at: CheckpointPosition): Promise<void> => {
      // The metrics leading up to a checkpoint are on disk before the checkpoint is.
      await metricsWriter.flush();
      const path = join(ledger === undefined ? outputDir : checkpointsDirOf(outputDir), `${name}.safetensors`);
      const meta = await retryWhenDiskFull(path, () => writeCheckpoint(path, model, optimizer, config, at, lastLosses, options.backend));
      lastCheckpoint = path;
      lastSavedStep = at.globalStep;
      events.onCheckpoint?.(path, meta);
    };
    /** Inside a run directory: one uniquely named checkpoint, registered in the ledger (which applies the retention policy). */
    const ledgerCheckpoint = async (at: CheckpointPosition, numbered: boolean): Promise<void> => {
      if (ledger === undefined) return;
      if (at.globalStep === lastSavedStep) return; // already saved at this position
      await metricsWriter.flush();
      const name = checkpointNameFor(at);
      const path = join(checkpointsDirOf(outputDir), `${name}.safetensors`);
      const meta = await retryWhenDiskFull(path, () => writeCheckpoint(path, model, optimizer, config, at, lastLosses, options.backend));
      lastSavedStep = at.globalStep;
      const result = await retryWhenDiskFull(ledger.path, () => ledger.register(name));
      let markers = result.entry.markers as string[];
      // save-freq's numbered copies (§6.1) are kept for good: pinned, so neither 'last' nor top-k evicts them.
      if (numbered && result.kept) markers = ((await ledger.pin(name))?.markers ?? markers) as string[];
      if (result.kept) lastCheckpoint = path;
      events.onCheckpoint?.(path, meta, { name, kept: result.kept, deleted: result.deleted, markers });
    };
    /**
     * The rolling checkpoint at `at`, plus the numbered copy save-freq asks for (§6.1) when `at`
     * closes epoch `epoch`. Used at every epoch end AND when --max-steps or a stop request ends
     * the run on an epoch's last iteration, so such a run still keeps that epoch's numbered copy.
     */
    const checkpointAt = async (at: CheckpointPosition, epoch: number): Promise<void> => {
      const closesEpoch = at.epoch === epoch + 1 && at.iterationInEpoch === 0;
      const numbered = closesEpoch && (epoch + 1) % config.saveFreq === 0;
      if (ledger !== undefined) return ledgerCheckpoint(at, numbered);
      await checkpoint('checkpoint', at);
      if (numbered) await checkpoint(`checkpoint_${String(epoch).padStart(4, '0')}`, at);
    };

    for (let epoch = position.epoch; epoch < config.epochs; epoch++) {
      const firstIteration = epoch === position.epoch ? position.iterationInEpoch : 0;
      let started = performance.now();
      for await (const { iteration, view1, view2 } of batches.epoch(epoch, firstIteration)) {
        const globalIteration = epoch * iterationsPerEpoch + iteration;
        const lr = pretrainLearningRate(schedule, epoch, iteration, iterationsPerEpoch);
        const momentum = emaMomentum(config.encoderMomentum, globalIteration, totalIterations);
        const losses = trainStep.run(view1, view2, { learningRate: lr, emaMomentum: momentum });
        tf.dispose([view1, view2]);
        if (!Number.isFinite(losses.total)) {
          throw new Error(`loss became ${losses.total} at epoch ${epoch}, iteration ${iteration}: lower --lr or check the data`);
        }
        // Wall time per step includes any wait for data, so a starved trainer shows up here.
        const seconds = (performance.now() - started) / 1000;
        started = performance.now();
        steps++;
        lastLosses = losses;
        const record: StepRecord = {
          step: globalIteration + 1,
          epoch,
          iteration,
          iterationsPerEpoch,
          losses,
          lr,
          emaMomentum: momentum,
          secondsPerStep: seconds,
          imagesPerSecond: config.batchSize / seconds,
          tfjsBytes: tf.memory().numBytes,
          rssBytes: process.memoryUsage().rss,
          time: Date.now(),
        };
        if (iteration === iterationsPerEpoch - 1) {
          record.region = probe.measure(model);
          started = performance.now(); // the probe is not training time
        }
        // One write() of the whole line: survives a kill -9 once append returns.
        metricsWriter.append(record as unknown as MetricsRecordLike);
        events.onStep?.(record);
        // The step is otherwise all synchronous work and microtasks: give the event loop one turn,
        // so signals (Ctrl+C), host messages (pause/stop) and sent events are handled between steps.
        await new Promise<void>((resolve) => setImmediate(resolve));

        const next = nextPosition(epoch, iteration, iterationsPerEpoch);
        if (config.maxSteps !== undefined && steps >= config.maxSteps) {
          await checkpointAt(next, epoch);
          return { reason: 'max-steps', steps, lastLosses, lastCheckpoint };
        }
        if (options.signal?.aborted) {
          await checkpointAt(next, epoch);
          return { reason: 'stopped', steps, lastLosses, lastCheckpoint };
        }
        if (config.checkpointEverySteps !== undefined && (globalIteration + 1) % config.checkpointEverySteps === 0) {
          if (ledger !== undefined) await ledgerCheckpoint(next, false);
          else await checkpoint('checkpoint', next);
        } else if (ledger !== undefined && next.iterationInEpoch !== 0 && ledger.isDue({ step: globalIteration + 1, epoch, epochEnded: false })) {
          await ledgerCheckpoint(next, false); // the run's policy: every N steps
        }
        if (options.control !== undefined) {
          await options.control.waitWhilePaused();
          if (options.signal?.aborted) {
            // Stopped while paused: the step before the pause is the last one.
            await checkpointAt(next, epoch);
            return { reason: 'stopped', steps, lastLosses, lastCheckpoint };
          }
        }
      }
      // Reference cadence (§6.1): rolling checkpoint every epoch, a numbered copy every save-freq epochs.
      await checkpointAt(nextPosition(epoch, iterationsPerEpoch - 1, iterationsPerEpoch), epoch);
    }
    return { reason: 'completed', steps, ...(lastLosses ? { lastLosses } : {}), ...(lastCheckpoint ? { lastCheckpoint } : {}) };
  } finally {
    await metrics?.close().catch(() => undefined);
    await batches.close();
    probe.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

type MetricsRecordLike = Parameters<MetricsWriter['append']>[0];

function nextPosition(epoch: number, iteration: number, iterationsPerEpoch: number): CheckpointPosition {
  const done = iteration + 1;
  return done >= iterationsPerEpoch
    ? { epoch: epoch + 1, iterationInEpoch: 0, globalStep: (epoch + 1) * iterationsPerEpoch, iterationsPerEpoch }
    : { epoch, iterationInEpoch: done, globalStep: epoch * iterationsPerEpoch + done, iterationsPerEpoch };
}

async function writeCheckpoint(
  path: string,
  model: FraModel,
  optimizer: Lars,
  config: PretrainConfig,
  position: CheckpointPosition,
  losses: StepLosses | undefined,
  backend: string,
): Promise<CheckpointMeta> {
  const tensors = new Map<string, tf.Tensor>();
  for (const e of model.stateEntries()) tensors.set(e.name, e.variable);
  for (const [name, buffer] of optimizer.getState()) tensors.set(OPTIMIZER_PREFIX + name, buffer);
  return saveCheckpoint(path, tensors, {
    kind: 'fra-pretrain',
    position,
    config: config as unknown as Record<string, unknown>,
    rng: { dropoutSeedPosition: model.dropoutSeeds.position },
    metrics: losses ? { ...losses } : {},
    backend,
  });
}

async function restoreFromCheckpoint(
  path: string,
  model: FraModel,
  optimizer: Lars,
  config: PretrainConfig,
  iterationsPerEpoch: number,
): Promise<CheckpointPosition> {
  const { meta, tensors } = await loadCheckpoint(path);
  try {
    // Checked explicitly, with both values in the message: a changed batch size changes the BN
    // statistics and the lr the run was tuned for (§4: lr ∝ B), so the run would not continue as
    // saved — also when it happens to leave iterations/epoch unchanged (-b and --train-percent both
    // changed), which the iterations check below alone would let through.
    const savedBatchSize = meta.config['batchSize'];
    if (typeof savedBatchSize === 'number' && savedBatchSize !== config.batchSize) {
      throw new CheckpointError(
        `${path} was written with batch size ${savedBatchSize}, this run has batch size ${config.batchSize}: ` +
          `resume with -b ${savedBatchSize}, or start a new run (--pretrained) to train on with another batch size.`,
      );
    }
    if (meta.position.iterationsPerEpoch !== iterationsPerEpoch) {
      throw new CheckpointError(
        `${path} was written with ${meta.position.iterationsPerEpoch} iterations per epoch, this run has ${iterationsPerEpoch}: ` +
          'batch size, dataset or --train-percent changed, so the schedule cannot continue exactly.',
      );
    }
    const state = new Map<string, tf.Tensor>();
    const momentum = new Map<string, tf.Tensor>();
    for (const [name, t] of tensors) {
      if (name.startsWith(OPTIMIZER_PREFIX)) momentum.set(name.slice(OPTIMIZER_PREFIX.length), t);
      else state.set(name, t);
    }
    model.loadState(state, { strict: true });
    optimizer.setState(momentum);
    model.dropoutSeeds.restore(meta.rng.dropoutSeedPosition);
    return meta.position;
  } finally {
    tf.dispose([...tensors.values()]);
  }
}

/** --pretrained: weights only, non-strict (the reference's behaviour), optimiser and position fresh. */
async function initialiseFromCheckpoint(path: string, model: FraModel, events: PretrainEvents): Promise<void> {
  const { tensors } = await loadCheckpoint(path);
  try {
    const state = new Map([...tensors].filter(([name]) => !name.startsWith(OPTIMIZER_PREFIX)));
    const report = model.loadState(state);
    if (report.missing.length > 0) events.onNotice?.(`--pretrained: ${report.missing.length} tensors not in ${path} keep their initial values`);
  } finally {
    tf.dispose([...tensors.values()]);
  }
}
