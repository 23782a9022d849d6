// The `runs.*` slice of the renderer⇄host contract: create, queue, control and watch training runs
// (pre-training and fine-tuning share it; `kind` tells them apart).
//
// Run configurations are validated by the trainer's own schemas (trainer/contract/run-config.ts),
// which are plain zod and shared by the CLI, the trainer, the host and the form: there is one
// definition of what a valid run is. Here they travel as JSON and are checked by the host.
import { z } from 'zod';
import { progressSchema } from '../../trainer/contract/trainer-protocol.js';
import { checkpointPolicySchema, runKindSchema, runStateSchema, runTagSchema, safeNameSchema } from '../../trainer/run/run-format.js';
import { metricsColumnsSchema } from './metrics-columns-schema.js';

export const runIdSchema = safeNameSchema;

/** A problem with one field of a configuration, as the form shows it next to the field. */
export const configProblemSchema = z.object({
  /** Config key (e.g. "lr"), or null for problems not tied to one field. */
  field: z.string().nullable(),
  /** CLI spelling, e.g. "--lr", so the same message reads right in a terminal. */
  flag: z.string(),
  message: z.string(),
});
export type ConfigProblemInfo = z.infer<typeof configProblemSchema>;

export const configNoticeSchema = z.object({ flag: z.string(), level: z.enum(['info', 'warning']), message: z.string() });

/** One row of the runs list: what the list, the run header and the status bar need. */
export const runSummarySchema = z.object({
  id: runIdSchema,
  name: z.string(),
  kind: runKindSchema,
  state: runStateSchema,
  /** Why the run is in this state, when there is a reason (error message, crash cause, "stopped by user"). */
  stateReason: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  tags: z.array(z.string()),
  seed: z.number().int(),
  backend: z.string().optional(),
  device: z.string().optional(),
  parentRunId: z.string().optional(),
  /** Latest progress of a live run, or the last known position of a finished one. */
  progress: progressSchema.nullable(),
  /** 1 = next to start; present only while queued. */
  queuePosition: z.number().int().positive().optional(),
  /** The checkpoint a stopped/failed/crashed run would resume from, when there is one. */
  resumableFrom: z.object({ name: z.string(), step: z.number().int().nonnegative() }).optional(),
  /** Short, human description of the dataset ("VGGFace2 at /data/vgg", "Synthetic faces"). */
  datasetLabel: z.string().optional(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

export const runLogEntrySchema = z.object({
  at: z.string(),
  level: z.enum(['debug', 'info', 'warning', 'error']),
  message: z.string(),
});
export type RunLogEntry = z.infer<typeof runLogEntrySchema>;

export const runDetailSchema = z.object({
  summary: runSummarySchema,
  /** The validated configuration exactly as stored in run.json (read-only in the UI). */
  config: z.json(),
  checkpointPolicy: checkpointPolicySchema.optional(),
  stateHistory: z.array(z.object({ state: runStateSchema, at: z.string(), reason: z.string().optional() })),
  /** Live memory of the trainer process (bytes), when it runs. */
  memory: z.object({ rssBytes: z.number().nullable(), tfjsBytes: z.number().nullable() }).optional(),
  /** The engine report the trainer printed at start (backend, device, why not the GPU). */
  engine: z.record(z.string(), z.json()).optional(),
});
export type RunDetail = z.infer<typeof runDetailSchema>;

// Metrics as columns (every array as long as `step`), checked in linear time: see the module.
export { metricsColumnsSchema, type MetricsColumns } from './metrics-columns-schema.js';

const runRef = z.object({ runId: runIdSchema });

const rate = z.number().min(0).max(1);
const count = z.number().int().nonnegative();

/**
 * One evaluation of a fine-tuning run's test split: trainer/finetune/report.ts
 * `evaluationReportSchema` (evaluation/best.json, last.json), restated here because that module
 * reads files and the renderer shares this contract; the runs service checks at compile time that
 * the two describe the same document.
 */
export const evaluationReportInfoSchema = z.object({
  format: z.string(),
  /** 0-based epoch the evaluation followed. */
  epoch: z.number().int().nonnegative(),
  /** Optimiser steps done when evaluated (the metrics step that carries `val`). */
  step: count,
  /** Split evaluated ('test', or 'val' where the dataset has no test split). */
  split: z.string(),
  dataset: z.string(),
  mode: z.enum(['finetune', 'linear']),
  classNames: z.array(z.string()).min(2),
  samples: count,
  top1: rate,
  top5: rate,
  /** The k of `top5` (less than 5 when there are fewer classes). */
  topK: z.number().int().positive(),
  loss: z.number().nullable(),
  meanClassAccuracy: rate,
  macroPrecision: rate,
  macroRecall: rate,
  macroF1: rate,
  perClass: z.array(z.object({ name: z.string(), support: count, predicted: count, truePositives: count, precision: rate, recall: rate, f1: rate })),
  /** Rows: true class; columns: predicted class. `normalized` divides each row by its support. */
  confusion: z.object({ counts: z.array(z.array(count)), normalized: z.array(z.array(rate)) }),
  createdAt: z.string(),
});
export type EvaluationReportInfo = z.infer<typeof evaluationReportInfoSchema>;

export const configFormSchema = z.object({
  /** trainer/contract/run-config.ts `describePretrainConfigFields()`, as JSON. */
  fields: z.array(z.record(z.string(), z.json())),
  presets: z.array(z.object({ id: z.string(), title: z.string(), description: z.string(), values: z.record(z.string(), z.json()) })),
  /** What "auto" resolves to on this host, and why (e.g. "tfjs-node-gpu not installed"). */
  engine: z.object({ backend: z.string(), device: z.string(), notes: z.array(z.string()) }),
});
export type ConfigForm = z.infer<typeof configFormSchema>;

export const runEstimateSchema = z.object({
  secondsPerStep: z.number().nullable(),
  stepsPerEpoch: z.number().int().nullable(),
  secondsPerEpoch: z.number().nullable(),
  /** Peak memory of the trainer process, bytes. */
  memoryBytes: z.number().nullable(),
  /** How the numbers were obtained ("measured by a 2-step probe on wasm", "from a previous run"). */
  basis: z.string(),
  /** Steps the whole run will take (epochs × steps per epoch, capped by maxSteps), when known. */
  totalSteps: z.number().int().nullable().optional(),
  /** totalSteps × secondsPerStep, when both are known. */
  totalSeconds: z.number().nullable().optional(),
});
export type RunEstimate = z.infer<typeof runEstimateSchema>;

export const runsMethods = {
  'runs.list': {
    input: z.undefined(),
    output: z.object({
      runs: z.array(runSummarySchema),
      /** Folders in runs/ that are not readable runs, with the reason (never hidden, never deleted). */
      damaged: z.array(z.object({ id: z.string(), problem: z.string() })),
    }),
  },
  'runs.get': { input: runRef, output: runDetailSchema },
  /** Everything the New Run form needs: field descriptions, presets, and the engine "auto" means here. */
  'runs.configForm': { input: z.object({ kind: runKindSchema.default('pretrain') }).optional(), output: configFormSchema },
  /** Validates without creating anything: the form calls it as the user types. */
  'runs.validate': {
    input: z.object({ kind: runKindSchema.default('pretrain'), config: z.json() }),
    output: z.object({ ok: z.boolean(), problems: z.array(configProblemSchema), notices: z.array(configNoticeSchema) }),
  },
  'runs.estimate': { input: z.object({ kind: runKindSchema.default('pretrain'), config: z.json() }), output: runEstimateSchema },
  /** Creates the run folder and queues it. An invalid config fails with code 'invalid-config' and the problems in the message. */
  'runs.create': {
    input: z.object({
      kind: runKindSchema.default('pretrain'),
      name: z.string().trim().min(1).max(200),
      config: z.json(),
      tags: z.array(runTagSchema).optional(),
      checkpointPolicy: checkpointPolicySchema.optional(),
      parentRunId: runIdSchema.optional(),
    }),
    output: runSummarySchema,
  },
  'runs.pause': { input: runRef, output: runSummarySchema },
  'runs.resume': { input: runRef, output: runSummarySchema },
  /** Finishes the current step, saves a checkpoint and ends the process. */
  'runs.stop': { input: runRef, output: runSummarySchema },
  /** Re-queues a stopped, failed or crashed run; it continues from its latest valid checkpoint. */
  'runs.restart': { input: runRef, output: runSummarySchema },
  'runs.rename': { input: runRef.extend({ name: z.string().trim().min(1).max(200) }), output: runSummarySchema },
  'runs.setTags': { input: runRef.extend({ tags: z.array(runTagSchema) }), output: runSummarySchema },
  /** Moves the run to the workspace trash (restorable); refused while the run is active. */
  'runs.delete': { input: runRef, output: z.object({ trashId: z.string() }) },
  /** Metrics after `afterStep` (exclusive), at most `limit` rows. */
  'runs.metrics': {
    input: runRef.extend({ afterStep: z.number().int().nonnegative().default(0), limit: z.number().int().positive().max(2_000_000).default(2_000_000) }),
    output: z.object({
      columns: metricsColumnsSchema,
      lastStep: z.number().int().nonnegative(),
      truncated: z.boolean(),
      /** Complete lines in the range that are not metrics records (damaged), skipped; absent when none. */
      invalidLines: z.number().int().positive().optional(),
    }),
  },
  /**
   * A fine-tuning run's evaluation report: `best` (highest top-1 so far) or `last` (most recent);
   * null while the run has not been evaluated yet.
   */
  'runs.evaluation': {
    input: runRef.extend({ which: z.enum(['best', 'last']) }),
    output: z.object({ report: evaluationReportInfoSchema.nullable() }),
  },
  /** The run's log (events.jsonl plus trainer log lines), newest last. */
  'runs.logs': { input: runRef.extend({ limit: z.number().int().positive().max(10_000).default(1000) }), output: z.object({ entries: z.array(runLogEntrySchema) }) },
} as const;

export const runsEvents = {
  /** A run appeared, changed state, moved in the queue, was renamed/tagged or deleted (`deleted: true`). */
  'runs.changed': z.object({ run: runSummarySchema, deleted: z.boolean().optional() }),
  /** New metrics rows of a live run, batched (a few per second at most). */
  'runs.metrics': z.object({ runId: runIdSchema, columns: metricsColumnsSchema }),
  'runs.progress': z.object({
    runId: runIdSchema,
    progress: progressSchema,
    memory: z.object({ rssBytes: z.number().nullable(), tfjsBytes: z.number().nullable() }),
  }),
  'runs.log': z.object({ runId: runIdSchema, entry: runLogEntrySchema }),
} as const;
