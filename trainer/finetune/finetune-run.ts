/**
 * The fine-tuning / linear-probe loop (fra-spec §5.2, §7.1): a ResNet backbone from a
 * checkpoint (or random) plus a new classifier, trained with the §7.1 augmentation and the
 * per-iteration warm-up + cosine (or step) schedule, evaluated on the test split every
 * `evalFreq` epochs, with the best epoch tracked by top-1.
 *
 * It runs inside a run directory (docs/run-format.md) and honours the host's control exactly
 * like pre-training (trainer/fra/pretrain-run.ts): metrics.jsonl one line per step (the step
 * that closes an evaluated epoch carries `val`), checkpoints registered in the ledger, pause
 * between steps, a stop finishes the step and saves a checkpoint, resume continues exactly.
 * The evaluation reports go to `<runDir>/evaluation/` (report.ts).
 *
 * Plain Node + tfjs; nothing here prints: callers receive events.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdir } from 'node:fs/promises';
import type { FinetuneConfig } from '../contract/finetune-config.js';
import { BatchLoader } from '../data/loader/batch-loader.js';
import { effectiveWorkerCount } from '../data/training-data.js';
import type { CheckpointMeta, CheckpointPosition } from '../run/checkpoint.js';
import { MetricsWriter } from '../run/metrics-log.js';
import type { PretrainControl, StopReason } from '../fra/pretrain-run.js';
import { BackboneFingerprint } from './backbone-fingerprint.js';
import { FinetuneModel } from './classifier-model.js';
import { restoreFinetuneCheckpoint, loadFinetuneModel, VAL_TOP1_METRIC, writeFinetuneCheckpoint } from './checkpointing.js';
import { evaluateClassifier } from './evaluate-model.js';
import { resolveFinetuneData, type FinetuneData } from './finetune-data.js';
import { initialiseBackbone } from './init-backbone.js';
import { createFinetuneOptimizer } from './optim/create-optimizer.js';
import { buildEvaluationReport, isBetterEvaluation, rewindEvaluations, saveEvaluation, type EvaluationReport } from './report.js';
import { RunCheckpointer, type CheckpointRegistration } from './run-checkpointer.js';
import { finetuneLearningRate, type FinetuneLrSchedule } from './schedule.js';
import { TestBatches } from './test-batches.js';
import { FinetuneTrainStep } from './train-step.js';

export type { CheckpointRegistration } from './run-checkpointer.js';

/** The headline numbers of an evaluation, nested under `val` in the metrics record. */
export interface ValMetrics {
  top1: number;
  top5: number;
  loss: number | null;
  meanClassAccuracy: number;
  macroF1: number;
}

/** One metrics.jsonl line. */
export interface FinetuneStepRecord {
  step: number;
  epoch: number;
  iteration: number;
  iterationsPerEpoch: number;
  /** Wall-clock time the step finished, ms since the Unix epoch. */
  time: number;
  losses: { ce: number };
  /** Fraction of the batch classified correctly (before the update, augmented images). */
  trainAccuracy: number;
  /** Learning rate of the trainable trunk (fine-tune) or of the classifier (linear probe). */
  lr: number;
  /** Learning rate of the classifier when fine-tuning (equals `lr` for a linear probe). */
  lrHead: number;
  secondsPerStep: number;
  imagesPerSecond: number;
  tfjsBytes: number;
  rssBytes: number;
  /** Test-split evaluation, on the step that closes an evaluated epoch. */
  val?: ValMetrics;
}

export interface FinetuneEvents {
  onStep?(record: FinetuneStepRecord): void;
  onCheckpoint?(path: string, meta: CheckpointMeta, registration: CheckpointRegistration): void;
  /** After each evaluation; `isBest` when it is the new best.json. */
  onEvaluation?(report: EvaluationReport, isBest: boolean): void;
  onNotice?(message: string): void;
}

export interface FinetuneOptions {
  /** The run directory: metrics.jsonl, checkpoints/ (ledger) and evaluation/ are written here. */
  runDir: string;
  /** Recorded in checkpoints. */
  backend: string;
  events?: FinetuneEvents;
  /** Aborting finishes the current step, saves a checkpoint and returns 'stopped'. */
  signal?: AbortSignal;
  /** Pause between steps and the disk-full pause, as for pre-training. */
  control?: PretrainControl;
  /** MetricsWriter fdatasync interval (ms); default 1000. */
  metricsSyncIntervalMs?: number;
}

export interface FinetuneResult {
  reason: StopReason;
  /** Steps trained by this call. */
  steps: number;
  best?: EvaluationReport;
  last?: EvaluationReport;
  lastCheckpoint?: string;
  classNames: string[];
}

function scheduleOf(config: FinetuneConfig): FinetuneLrSchedule {
  return { scheduler: config.scheduler, epochs: config.epochs, warmupEpochs: config.warmupEpochs, minLr: config.minLr, milestones: config.decayEpochs, gamma: config.gamma };
}

function nextPosition(epoch: number, iteration: number, iterationsPerEpoch: number): CheckpointPosition {
  const done = iteration + 1;
  return done >= iterationsPerEpoch
    ? { epoch: epoch + 1, iterationInEpoch: 0, globalStep: (epoch + 1) * iterationsPerEpoch, iterationsPerEpoch }
    : { epoch, iterationInEpoch: done, globalStep: epoch * iterationsPerEpoch + done, iterationsPerEpoch };
}

export function isEvaluationEpoch(config: Pick<FinetuneConfig, 'evalFreq' | 'epochs'>, epoch: number): boolean {
  return (epoch + 1) % config.evalFreq === 0 || epoch === config.epochs - 1;
}

function valMetricsOf(report: EvaluationReport): ValMetrics {
  return { top1: report.top1, top5: report.top5, loss: report.loss, meanClassAccuracy: report.meanClassAccuracy, macroF1: report.macroF1 };
}

export async function runFinetuning(config: FinetuneConfig, options: FinetuneOptions): Promise<FinetuneResult> {
  const events = options.events ?? {};
  const notice = (message: string) => events.onNotice?.(message);
  const data = await resolveFinetuneData(config, notice);
  notice(`data: ${data.description}`);
  await mkdir(options.runDir, { recursive: true });
  const workers = effectiveWorkerCount(config.workers);
  if (workers !== config.workers) notice(`-j/--workers ${config.workers}: using ${workers} loader thread(s) on this ${workers + 1}-core machine`);

  const model = new FinetuneModel(config.backbone, data.classNames.length, config.seed);
  const optimizer = createFinetuneOptimizer(config);
  const opened: { close(): Promise<void> }[] = [];
  let metrics: MetricsWriter | undefined;
  try {
    const test = await TestBatches.open({ split: data.test, batchSize: config.batchSize, imageSize: config.imageSize, workers });
    opened.push(test);
    const evaluate = async (epoch: number, step: number): Promise<EvaluationReport> => {
      const result = await evaluateClassifier(model, test, data.classNames, config.imageSize, (item, reason) => notice(`skipped unreadable test image ${item}: ${reason}`));
      return buildEvaluationReport(result, { epoch, step, split: data.test.name, dataset: data.description, mode: config.mode });
    };

    if (config.evaluate) return await evaluateOnly(config, options, model, data, evaluate);

    const train = await BatchLoader.open({
      dataset: data.train.spec,
      transform: { kind: 'finetune-train' },
      datasetSize: data.train.size,
      batchSize: config.batchSize,
      imageSize: config.imageSize,
      seed: config.seed,
      trainPercent: config.trainPercent,
      workers,
    });
    opened.push(train);
    const iterationsPerEpoch = train.iterationsPerEpoch;
    if (config.trainPercent < 1) notice(`--train-percent ${config.trainPercent}: training on ${train.order.subset.length} of ${data.train.size} ${data.train.name} images`);

    let position: CheckpointPosition = { epoch: 0, iterationInEpoch: 0, globalStep: 0, iterationsPerEpoch };
    if (config.resume !== undefined) {
      const meta = await restoreFinetuneCheckpoint(config.resume, model, optimizer, config, data.classNames, iterationsPerEpoch);
      position = meta.position;
      notice(`resumed from ${config.resume} at epoch ${position.epoch}, step ${position.globalStep}`);
    } else if (config.pretrained !== undefined) {
      const report = await initialiseBackbone(model.backbone, config.pretrained, { backbone: config.backbone, ...(config.modelPrefix !== undefined ? { modelPrefix: config.modelPrefix } : {}) });
      notice(`backbone initialised from ${report.description}; classifier ${model.featureDim} → ${model.numClasses} initialised N(0, 0.01)`);
    } else {
      notice('no --pretrained checkpoint: the backbone starts from random weights (a from-scratch baseline)');
    }

    metrics = await MetricsWriter.open(options.runDir, {
      resumeAfterStep: position.globalStep,
      ...(options.metricsSyncIntervalMs !== undefined ? { syncIntervalMs: options.metricsSyncIntervalMs } : {}),
    });
    if (metrics.repair.action === 'truncated') notice(`removed an incomplete last metrics line (${metrics.repair.bytes} bytes) left by a crash`);
    if (metrics.rewind !== undefined && metrics.rewind.movedLines > 0) {
      notice(`moved ${metrics.rewind.movedLines} metrics line(s) after step ${position.globalStep} to metrics.superseded.jsonl (they will be trained again)`);
    }
    const rewound = await rewindEvaluations(options.runDir, position.globalStep);
    if (rewound.moved > 0) notice(`moved ${rewound.moved} evaluation report(s) after step ${position.globalStep} to evaluation/superseded/`);
    let best = rewound.best;
    let last: EvaluationReport | undefined;

    const checkpointFailed = options.control?.checkpointFailed?.bind(options.control);
    const checkpointer = await RunCheckpointer.open(options.runDir, metrics, { ...(checkpointFailed !== undefined ? { checkpointFailed } : {}), onNotice: notice });
    const fingerprint = config.mode === 'linear' ? BackboneFingerprint.take(() => model.backbone.stateEntries()) : undefined;
    const trainStep = new FinetuneTrainStep(model, optimizer, config.mode);
    const schedule = scheduleOf(config);
    const headBaseLr = config.mode === 'linear' ? config.lr : config.lrHead;
    const metricsWriter = metrics;
    let steps = 0;
    let lastRecord: FinetuneStepRecord | undefined;

    const checkpoint = async (at: CheckpointPosition, evaluation: EvaluationReport | undefined): Promise<void> => {
      const values: Record<string, number> = lastRecord ? { loss: lastRecord.losses.ce, trainAccuracy: lastRecord.trainAccuracy } : {};
      // Only a checkpoint taken right after an evaluation carries its numbers, so the ledger ranks fresh results only.
      if (evaluation !== undefined) Object.assign(values, { [VAL_TOP1_METRIC]: evaluation.top1, valTop5: evaluation.top5, valMeanClassAccuracy: evaluation.meanClassAccuracy, ...(evaluation.loss !== null ? { valLoss: evaluation.loss } : {}) });
      const saved = await checkpointer.save(at, (path) =>
        writeFinetuneCheckpoint(path, { model, optimizer, config, position: at, metrics: values, classNames: data.classNames, backend: options.backend }),
      );
      if (saved !== undefined) events.onCheckpoint?.(saved.path, saved.meta, saved.registration);
    };
    const result = (reason: StopReason): FinetuneResult => ({
      reason,
      steps,
      classNames: data.classNames,
      ...(best !== undefined ? { best } : {}),
      ...(last !== undefined ? { last } : {}),
      ...(checkpointer.lastCheckpoint !== undefined ? { lastCheckpoint: checkpointer.lastCheckpoint } : {}),
    });
    const recordEvaluation = async (report: EvaluationReport): Promise<void> => {
      const isBest = isBetterEvaluation(report, best);
      await saveEvaluation(options.runDir, report, isBest);
      if (isBest) best = report;
      last = report;
      events.onEvaluation?.(report, isBest);
    };

    for (let epoch = position.epoch; epoch < config.epochs; epoch++) {
      const firstIteration = epoch === position.epoch ? position.iterationInEpoch : 0;
      let started = performance.now();
      for await (const batch of train.epoch(epoch, firstIteration)) {
        for (const s of batch.skipped) notice(`skipped unreadable image ${s.item}: ${s.reason} (a substitute was used)`);
        const { iteration } = batch;
        const lr = finetuneLearningRate(schedule, config.lr, epoch, iteration, iterationsPerEpoch);
        const lrHead = finetuneLearningRate(schedule, headBaseLr, epoch, iteration, iterationsPerEpoch);
        const images = tf.tensor4d(batch.view1, [batch.labels.length, config.imageSize, config.imageSize, 3]);
        let outcome;
        try {
          outcome = trainStep.run(images, batch.labels, { backbone: lr, head: lrHead });
        } finally {
          images.dispose();
        }
        if (!Number.isFinite(outcome.loss)) {
          throw new Error(`the loss became ${outcome.loss} at epoch ${epoch}, iteration ${iteration}: lower --lr${config.mode === 'finetune' ? ' / --lr_head' : ''} or check the data`);
        }
        const seconds = (performance.now() - started) / 1000;
        steps++;
        const next = nextPosition(epoch, iteration, iterationsPerEpoch);
        const stopForMaxSteps = config.maxSteps !== undefined && steps >= config.maxSteps;
        const record: FinetuneStepRecord = {
          step: epoch * iterationsPerEpoch + iteration + 1,
          epoch,
          iteration,
          iterationsPerEpoch,
          time: Date.now(),
          losses: { ce: outcome.loss },
          trainAccuracy: outcome.accuracy,
          lr: config.mode === 'linear' ? lrHead : lr,
          lrHead,
          secondsPerStep: seconds,
          imagesPerSecond: batch.labels.length / seconds,
          tfjsBytes: tf.memory().numBytes,
          rssBytes: process.memoryUsage().rss,
        };
        const closesEpoch = next.iterationInEpoch === 0;
        let evaluation: EvaluationReport | undefined;
        // Linear probe: the backbone is checked before anything is reported from it.
        if (closesEpoch || stopForMaxSteps) fingerprint?.verify(`in epoch ${epoch}`);
        if ((closesEpoch && isEvaluationEpoch(config, epoch)) || stopForMaxSteps) {
          evaluation = await evaluate(epoch, record.step);
          record.val = valMetricsOf(evaluation);
        }
        // One write() of the whole line: survives a kill -9 once append returns.
        metricsWriter.append(record as unknown as Parameters<MetricsWriter['append']>[0]);
        lastRecord = record;
        events.onStep?.(record);
        if (evaluation !== undefined) await recordEvaluation(evaluation);
        // Give the event loop a turn: host messages (pause/stop) and signals are handled between steps.
        await new Promise<void>((resolve) => setImmediate(resolve));

        if (stopForMaxSteps) {
          await checkpoint(next, evaluation);
          return result('max-steps');
        }
        if (options.signal?.aborted) {
          await checkpoint(next, evaluation);
          return result('stopped');
        }
        if (closesEpoch) {
          if (evaluation !== undefined || epoch === config.epochs - 1 || checkpointer.ledger.isDue({ step: record.step, epoch, epochEnded: true })) {
            await checkpoint(next, evaluation);
          }
        } else if (checkpointer.ledger.isDue({ step: record.step, epoch, epochEnded: false })) {
          await checkpoint(next, undefined);
        }
        if (options.control !== undefined) {
          await options.control.waitWhilePaused();
          if (options.signal?.aborted) {
            await checkpoint(next, undefined);
            return result('stopped');
          }
        }
        started = performance.now();
      }
    }
    return result('completed');
  } finally {
    await metrics?.close().catch(() => undefined);
    for (const resource of opened.reverse()) await resource.close().catch(() => undefined);
    optimizer.dispose();
    model.dispose();
  }
}

/** -e/--evaluate: the model of a fine-tuning checkpoint on the test split, reported like an evaluation of the run. */
async function evaluateOnly(
  config: FinetuneConfig,
  options: FinetuneOptions,
  model: FinetuneModel,
  data: FinetuneData,
  evaluate: (epoch: number, step: number) => Promise<EvaluationReport>,
): Promise<FinetuneResult> {
  const { meta, optimizerState } = await loadFinetuneModel(config.resume!, model, config, data.classNames);
  tf.dispose([...optimizerState.values()]);
  const step = meta.position.globalStep;
  const report = await evaluate(Math.max(0, meta.position.epoch - 1), step);
  const { best } = await rewindEvaluations(options.runDir, Number.MAX_SAFE_INTEGER);
  const isBest = isBetterEvaluation(report, best);
  await saveEvaluation(options.runDir, report, isBest);
  options.events?.onEvaluation?.(report, isBest);
  return { reason: 'completed', steps: 0, classNames: data.classNames, last: report, best: isBest ? report : (best ?? report) };
}
