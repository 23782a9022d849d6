/**
 * The trainer protocol: every message between the host (Electron main / local server / tests)
 * and the trainer process (Electron utilityProcess or child_process.fork). One zod schema per
 * message yields the TypeScript type and the validator; both sides validate every message they
 * receive and drop (and log) what does not parse — an invalid message never crashes either side.
 *
 * Plain Node + zod: importable by the trainer and by electron/services alike.
 *
 * Conversation:
 *   trainer → hello { pid }                        as soon as the process listens
 *   host    → start { runDir, kind?, config, resumeFrom? }
 *   trainer → engine { report } → state running → progress / metrics / checkpoint / log …
 *   host    → pause | resume | stop | ping        at any time
 *   trainer → state paused / running / stopping, pong
 *   trainer → done { reason }, then exits with code 0
 *   trainer → error { message, hint? }, then exits with code 1
 */
import { z } from 'zod';

export const TRAINER_PROTOCOL_VERSION = 1;

const v = z.literal(TRAINER_PROTOCOL_VERSION);
const finite = z.number().refine(Number.isFinite, 'must be finite');

// ---------------------------------------------------------------------------
// host → trainer
// ---------------------------------------------------------------------------

export const startMessageSchema = z.strictObject({
  v,
  type: z.literal('start'),
  /** Absolute path of the run directory (docs/run-format.md); the trainer writes metrics and checkpoints there. */
  runDir: z.string().min(1),
  /** The run's kind (run.json `kind`): which loop to run. Absent means 'pretrain' (hosts from before fine-tuning). */
  kind: z.enum(['pretrain', 'finetune']).optional(),
  /** The run configuration as stored in run.json; validated again by the trainer (validatePretrainConfig / validateFinetuneConfig). */
  config: z.json(),
  /** Absolute path of the checkpoint (.safetensors) to resume from, already verified by the host. */
  resumeFrom: z.string().min(1).optional(),
  /** fdatasync interval of the metrics log (ms). */
  metricsSyncIntervalMs: z.number().int().nonnegative().optional(),
});

export const hostMessageSchema = z.discriminatedUnion('type', [
  startMessageSchema,
  z.strictObject({ v, type: z.literal('pause') }),
  z.strictObject({ v, type: z.literal('resume') }),
  /** Finish the current step, save a checkpoint, send done { reason: 'stopped' }, exit. */
  z.strictObject({ v, type: z.literal('stop') }),
  z.strictObject({ v, type: z.literal('ping'), id: z.number().int() }),
]);
export type HostMessage = z.infer<typeof hostMessageSchema>;
export type StartMessage = z.infer<typeof startMessageSchema>;

// ---------------------------------------------------------------------------
// trainer → host
// ---------------------------------------------------------------------------

/** The states the trainer itself reports; the host maps them onto the run's state machine. */
export const TRAINER_STATES = ['running', 'paused', 'stopping'] as const;
export const trainerStateSchema = z.enum(TRAINER_STATES);
export type TrainerState = z.infer<typeof trainerStateSchema>;

export const DONE_REASONS = ['completed', 'max-steps', 'stopped'] as const;
export type DoneReason = (typeof DONE_REASONS)[number];

export const progressSchema = z.strictObject({
  epoch: z.number().int().nonnegative(),
  /** 0-based iteration within the epoch of the step just done. */
  iteration: z.number().int().nonnegative(),
  iterationsPerEpoch: z.number().int().positive(),
  /** Optimiser steps done (1-based). */
  step: z.number().int().positive(),
  totalSteps: z.number().int().positive(),
  /** null until there is a rate to extrapolate. */
  etaSeconds: finite.nonnegative().nullable(),
  stepsPerSecond: finite.nonnegative().nullable(),
});
export type TrainerProgress = z.infer<typeof progressSchema>;

export const trainerMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ v, type: z.literal('hello'), pid: z.number().int().positive(), node: z.string() }),
  /** The engine report of trainer/engine (backend, device, warnings), as plain JSON. */
  z.strictObject({ v, type: z.literal('engine'), report: z.record(z.string(), z.json()) }),
  z.strictObject({ v, type: z.literal('state'), state: trainerStateSchema, reason: z.string().optional() }),
  z.strictObject({ v, type: z.literal('progress'), progress: progressSchema }),
  /** One metrics.jsonl record (already on disk when this is sent). */
  z.strictObject({ v, type: z.literal('metrics'), record: z.looseObject({ step: z.number().int().positive() }) }),
  z.strictObject({ v, type: z.literal('log'), level: z.enum(['debug', 'info', 'warning', 'error']), message: z.string() }),
  z.strictObject({
    v,
    type: z.literal('checkpoint'),
    name: z.string().min(1),
    step: z.number().int().nonnegative(),
    epoch: z.number().int().nonnegative(),
    path: z.string().min(1),
    kept: z.boolean(),
    markers: z.array(z.string()),
    deleted: z.array(z.string()),
  }),
  z.strictObject({
    v,
    type: z.literal('error'),
    message: z.string(),
    hint: z.string().optional(),
    /** Machine-readable class: 'invalid-config', 'checkpoint', 'storage', 'training'. */
    code: z.string().optional(),
    /** For invalid-config: every bad field, named. */
    problems: z.array(z.strictObject({ flag: z.string(), field: z.string().nullable(), message: z.string() })).optional(),
  }),
  z.strictObject({ v, type: z.literal('pong'), id: z.number().int() }),
  z.strictObject({ v, type: z.literal('done'), reason: z.enum(DONE_REASONS), steps: z.number().int().nonnegative(), lastCheckpoint: z.string().optional() }),
]);
export type TrainerMessage = z.infer<typeof trainerMessageSchema>;

/** Distributive Omit: a message body without the version tag, for senders. */
type WithoutV<T> = T extends unknown ? Omit<T, 'v'> : never;
export type TrainerMessageBody = WithoutV<TrainerMessage>;
export type HostMessageBody = WithoutV<HostMessage>;

export type Parsed<T> = { ok: true; message: T } | { ok: false; reason: string };

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(message)'}: ${issue.message}`)
    .join('; ');
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown): Parsed<T> {
  if (typeof value === 'object' && value !== null && 'v' in value && (value as { v: unknown }).v !== TRAINER_PROTOCOL_VERSION) {
    return { ok: false, reason: `protocol version ${JSON.stringify((value as { v: unknown }).v)} is not ${TRAINER_PROTOCOL_VERSION} (trainer and app are from different versions)` };
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? { ok: true, message: parsed.data } : { ok: false, reason: describe(parsed.error) };
}

export function parseHostMessage(value: unknown): Parsed<HostMessage> {
  return parseWith(hostMessageSchema, value);
}

export function parseTrainerMessage(value: unknown): Parsed<TrainerMessage> {
  return parseWith(trainerMessageSchema, value);
}

export function hostMessage(body: HostMessageBody): HostMessage {
  return { v: TRAINER_PROTOCOL_VERSION, ...body } as HostMessage;
}

export function trainerMessage(body: TrainerMessageBody): TrainerMessage {
  return { v: TRAINER_PROTOCOL_VERSION, ...body } as TrainerMessage;
}

/** A short description of a message that failed validation, for the log (never the whole payload). */
export function abbreviateMessage(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
