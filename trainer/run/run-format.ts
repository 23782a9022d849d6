/**
 * The on-disk format of a run directory: one zod schema per document, which yields both the
 * TypeScript type and the validator used whenever the document is read back. Nothing here
 * touches the disk. docs/run-format.md describes the same format for humans and scripts; keep
 * the two in step.
 *
 *   <workspace>/runs/<id>/
 *     run.json                 RunManifest (rewritten atomically on every change)
 *     run.lock                 RunLockInfo (present while a process writes the run)
 *     events.jsonl             RunEvent per line (append-only)
 *     metrics.jsonl            MetricsRecord per line (append-only; steps strictly increase)
 *     metrics.superseded.jsonl lines moved out of metrics.jsonl when a run resumed from an
 *                              earlier checkpoint (kept, never deleted)
 *     checkpoints/ledger.json  CheckpointLedgerDocument (retention policy + kept checkpoints)
 *     checkpoints/<name>.safetensors + <name>.json   written by the trainer (trainer/run/checkpoint.ts)
 *     heatmaps/
 */
import { z } from 'zod';

export const RUN_FORMAT = 'fra-workbench-run/1';
export const RUN_LOCK_FORMAT = 'fra-workbench-run-lock/1';
export const LEDGER_FORMAT = 'fra-workbench-checkpoint-ledger/1';
/** Mirrors CHECKPOINT_FORMAT in trainer/run/checkpoint.ts, which we cannot import (it pulls in tfjs). */
export const CHECKPOINT_SIDECAR_FORMAT = 'fra-workbench-checkpoint/1';

/** File and folder names inside a run directory: the one place that decides the layout. */
export const RUN_FILES = {
  manifest: 'run.json',
  lock: 'run.lock',
  events: 'events.jsonl',
  metrics: 'metrics.jsonl',
  supersededMetrics: 'metrics.superseded.jsonl',
  checkpoints: 'checkpoints',
  ledger: 'ledger.json',
  heatmaps: 'heatmaps',
} as const;

const isoTimestamp = z.iso.datetime({ offset: true });

/**
 * A name that is safe as one path component on every OS we ship to: no separators, no `..`,
 * no leading dot (dot-names are our own temp/hidden files).
 */
export const safeNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._=-]{0,159}$/, 'must be letters, digits, ".", "_", "=" or "-", starting with a letter or digit (at most 160 characters)')
  .refine((name) => !name.includes('..'), 'must not contain ".."');

// ---------------------------------------------------------------------------
// Run states
// ---------------------------------------------------------------------------

export const RUN_STATES = ['queued', 'starting', 'running', 'paused', 'stopping', 'stopped', 'finished', 'failed', 'crashed'] as const;
export const runStateSchema = z.enum(RUN_STATES);
export type RunState = z.infer<typeof runStateSchema>;

/**
 * Allowed transitions. `finished` is final: training past the end is a new run linked by
 * parentRunId (Guild #508/#511: restarts must not overwrite results). Stopped, failed and
 * crashed runs can be queued again to resume from their last checkpoint.
 */
export const RUN_TRANSITIONS: Readonly<Record<RunState, readonly RunState[]>> = {
  queued: ['starting', 'stopped', 'failed'],
  starting: ['running', 'stopping', 'failed', 'crashed'],
  running: ['paused', 'stopping', 'finished', 'failed', 'crashed'],
  paused: ['running', 'stopping', 'failed', 'crashed'],
  stopping: ['stopped', 'finished', 'failed', 'crashed'],
  stopped: ['queued'],
  finished: [],
  failed: ['queued'],
  crashed: ['queued'],
};

/** States in which a live trainer process must exist (and hold the run lock). */
export const ACTIVE_RUN_STATES: readonly RunState[] = ['starting', 'running', 'paused', 'stopping'];

export function isActiveState(state: RunState): boolean {
  return ACTIVE_RUN_STATES.includes(state);
}

export function canTransition(from: RunState, to: RunState): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}

// ---------------------------------------------------------------------------
// run.json
// ---------------------------------------------------------------------------

export const RUN_KINDS = ['pretrain', 'finetune'] as const;
export const runKindSchema = z.enum(RUN_KINDS);
export type RunKind = z.infer<typeof runKindSchema>;

export const stateChangeSchema = z.strictObject({
  state: runStateSchema,
  at: isoTimestamp,
  reason: z.string().optional(),
});
export type StateChange = z.infer<typeof stateChangeSchema>;

export const runTagSchema = z.string().trim().min(1).max(64);

export const runManifestSchema = z
  .object({
    format: z.literal(RUN_FORMAT),
    /** Equals the directory name. */
    id: safeNameSchema,
    name: z.string().trim().min(1).max(200),
    kind: runKindSchema,
    createdAt: isoTimestamp,
    /** The validated run configuration, stored as given (the store does not interpret it). */
    config: z.json(),
    seed: z.number().int(),
    appVersion: z.string().min(1),
    gitCommit: z.string().min(1).optional(),
    backend: z.string().min(1).optional(),
    device: z.string().min(1).optional(),
    /** The run this one continues or was derived from (fine-tune of a pre-training, extension). */
    parentRunId: safeNameSchema.optional(),
    tags: z.array(runTagSchema),
    state: runStateSchema,
    stateHistory: z.array(stateChangeSchema).min(1),
  })
  // Unknown keys survive a read-modify-write, so a newer app's fields are not erased by an older one.
  .loose()
  .superRefine((manifest, ctx) => {
    const last = manifest.stateHistory[manifest.stateHistory.length - 1];
    if (last !== undefined && last.state !== manifest.state) {
      ctx.addIssue({ code: 'custom', path: ['state'], message: `is "${manifest.state}" but the last stateHistory entry says "${last.state}"` });
    }
  });
export type RunManifest = z.infer<typeof runManifestSchema>;

// ---------------------------------------------------------------------------
// events.jsonl
// ---------------------------------------------------------------------------

/**
 * One line of the event log. `type` is open-ended (lower-case words with dashes) so newer
 * writers can add types; the ones this app writes are listed in docs/run-format.md.
 */
export const runEventSchema = z
  .object({
    at: isoTimestamp,
    type: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/),
    message: z.string(),
    data: z.record(z.string(), z.json()).optional(),
  })
  .loose();
export type RunEvent = z.infer<typeof runEventSchema>;

// ---------------------------------------------------------------------------
// metrics.jsonl
// ---------------------------------------------------------------------------

/** JSON has no NaN or ±Infinity: JSON.stringify writes them as null, so readers accept null. */
const metricValue = z.number().nullable();

/**
 * One optimiser step (the trainer's StepRecord in trainer/fra/pretrain-run.ts). Only `step` is
 * required so fine-tuning and future trainers can log their own fields; extra keys are kept.
 */
export const metricsRecordSchema = z
  .object({
    /** 1-based count of optimiser steps done; strictly increasing within metrics.jsonl. */
    step: z.number().int().positive(),
    epoch: z.number().int().nonnegative().optional(),
    iteration: z.number().int().nonnegative().optional(),
    iterationsPerEpoch: z.number().int().positive().optional(),
    losses: z.record(z.string(), metricValue).optional(),
    lr: metricValue.optional(),
    emaMomentum: metricValue.optional(),
    secondsPerStep: metricValue.optional(),
    imagesPerSecond: metricValue.optional(),
    tfjsBytes: metricValue.optional(),
    rssBytes: metricValue.optional(),
    regionScore: metricValue.optional(),
    /** Wall-clock time the step finished, ms since the Unix epoch (absent in older logs). */
    time: metricValue.optional(),
  })
  .loose();
export type MetricsRecord = z.infer<typeof metricsRecordSchema>;

const OPTIONAL_METRIC_NUMBERS = ['lr', 'emaMomentum', 'secondsPerStep', 'imagesPerSecond', 'tfjsBytes', 'rssBytes', 'regionScore', 'time'] as const;

/**
 * A fast pre-check for the hot path of reading millions of lines: true only for values that
 * metricsRecordSchema certainly accepts (a strict subset, checked in the tests). Anything it does
 * not recognise goes through the schema, which gives the verdict and the message. Validating with
 * zod alone costs about twice as much as JSON.parse per line.
 */
export function isPlainMetricsRecord(value: unknown): value is MetricsRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const r = value as Record<string, unknown>;
  if (!isSafeInt(r['step'], 1)) return false;
  if (r['epoch'] !== undefined && !isSafeInt(r['epoch'], 0)) return false;
  if (r['iteration'] !== undefined && !isSafeInt(r['iteration'], 0)) return false;
  if (r['iterationsPerEpoch'] !== undefined && !isSafeInt(r['iterationsPerEpoch'], 1)) return false;
  for (const key of OPTIONAL_METRIC_NUMBERS) {
    const v = r[key];
    if (v !== undefined && v !== null && typeof v !== 'number') return false;
  }
  const losses = r['losses'];
  if (losses !== undefined) {
    if (typeof losses !== 'object' || losses === null || Array.isArray(losses)) return false;
    for (const v of Object.values(losses)) if (v !== null && typeof v !== 'number') return false;
  }
  return true;
}

function isSafeInt(value: unknown, min: number): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

// ---------------------------------------------------------------------------
// run.lock
// ---------------------------------------------------------------------------

export const runLockInfoSchema = z.strictObject({
  format: z.literal(RUN_LOCK_FORMAT),
  /** The process that writes the run (normally the trainer). */
  pid: z.number().int().positive(),
  hostname: z.string().min(1),
  startedAt: isoTimestamp,
  /** Linux /proc/sys/kernel/random/boot_id: a lock from before a reboot is stale whatever its pid. */
  bootId: z.string().min(1).optional(),
  /** Linux start time of `pid` in clock ticks since boot: tells a reused pid from the original. */
  pidStartTicks: z.number().int().nonnegative().optional(),
  /** Who took the lock, for messages ("trainer", "FRA Workbench"). */
  owner: z.string().min(1),
  /** Random; release() only removes a lock file that still carries its own token. */
  token: z.string().min(8),
});
export type RunLockInfo = z.infer<typeof runLockInfoSchema>;

// ---------------------------------------------------------------------------
// checkpoints/<name>.json (written by the trainer) and checkpoints/ledger.json
// ---------------------------------------------------------------------------

/** The part of trainer/run/checkpoint.ts's sidecar the ledger relies on; other keys pass through. */
export const checkpointSidecarSchema = z
  .object({
    format: z.literal(CHECKPOINT_SIDECAR_FORMAT),
    position: z
      .object({
        epoch: z.number().int().nonnegative(),
        iterationInEpoch: z.number().int().nonnegative(),
        globalStep: z.number().int().nonnegative(),
        iterationsPerEpoch: z.number().int().positive(),
      })
      .loose(),
    metrics: z.record(z.string(), metricValue),
    createdAt: isoTimestamp,
    tensorsFile: safeNameSchema,
    tensorsSha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .loose();
export type CheckpointSidecar = z.infer<typeof checkpointSidecarSchema>;

/** Lightning's ModelCheckpoint vocabulary (every_n_epochs, every_n_train_steps, save_last, save_top_k, monitor, mode). */
export const checkpointPolicySchema = z.strictObject({
  everyNEpochs: z.number().int().positive().optional(),
  everyNSteps: z.number().int().positive().optional(),
  saveLast: z.boolean(),
  /** 0 keeps none by rank, -1 keeps all. */
  saveTopK: z.number().int().min(-1),
  /** Key in the sidecar's `metrics`, e.g. "loss". */
  monitor: z.string().min(1),
  mode: z.enum(['min', 'max']),
});
export type CheckpointPolicy = z.infer<typeof checkpointPolicySchema>;

export const CHECKPOINT_MARKERS = ['last', 'top-k', 'pinned'] as const;
export const checkpointMarkerSchema = z.enum(CHECKPOINT_MARKERS);
export type CheckpointMarker = z.infer<typeof checkpointMarkerSchema>;

export const ledgerEntrySchema = z.strictObject({
  /** File stem inside checkpoints/: `<name>.safetensors` + `<name>.json`. Never changes. */
  name: safeNameSchema,
  file: safeNameSchema,
  epoch: z.number().int().nonnegative(),
  /** Optimiser steps done when saved (the sidecar's position.globalStep). */
  step: z.number().int().nonnegative(),
  metrics: z.record(z.string(), metricValue),
  /** metrics[policy.monitor] at registration; null when absent or not finite (ranked last). */
  monitorValue: z.number().nullable(),
  /** 1 = best by the monitored metric; present on top-k entries. Names do not encode rank (Lightning #9944). */
  rank: z.number().int().positive().optional(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: isoTimestamp,
  tags: z.array(runTagSchema),
  markers: z.array(checkpointMarkerSchema),
  userName: z.string().trim().min(1).max(200).optional(),
});
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;

export const ledgerDocumentSchema = z.strictObject({
  format: z.literal(LEDGER_FORMAT),
  policy: checkpointPolicySchema,
  entries: z.array(ledgerEntrySchema),
  /**
   * Files the ledger has decided to delete but may not have deleted yet (an intent log: a crash
   * between deciding and unlinking is finished on the next open, never leaves an unknown file).
   */
  pendingDeletes: z.array(
    z.strictObject({
      name: safeNameSchema,
      /** Absolute folder to move the files to (the workspace trash) instead of deleting them. */
      moveTo: z.string().min(1).optional(),
    }),
  ),
  updatedAt: isoTimestamp,
});
export type LedgerDocument = z.infer<typeof ledgerDocumentSchema>;

// ---------------------------------------------------------------------------
// Error text for documents that fail their schema
// ---------------------------------------------------------------------------

/** "field.path: problem; …" — short enough for a list row, precise enough to fix the file by hand. */
export function describeSchemaProblems(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(document)'}: ${issue.message}`)
    .join('; ');
}
