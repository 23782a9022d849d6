/**
 * The run-configuration contract for fine-tuning and linear probing (fra-spec §5.2, §7.1), in
 * the same shape as the pre-training contract (run-config.ts): one zod schema built from the
 * field table (finetune-fields.ts), a validator that reports every problem against the flag a
 * user would type, the defaults, and plain-JSON field descriptions for the New Run form.
 *
 * Hosts register the 'finetune' run kind with `validateFinetuneConfig`,
 * `describeFinetuneConfigFields`, `finetuneConfigDefaults` and `listFinetunePresets`
 * (finetune-presets.ts); invalid input throws the shared ConfigValidationError.
 */
import { z } from 'zod';
import {
  ConfigValidationError,
  describeAllowed,
  formatGiven,
  type ConfigProblem,
  type FieldKind,
  type FieldSpec,
  type Notice,
  type PretrainFieldDescription,
} from './run-config.js';
import { FINETUNE_FIELDS, type FinetuneFieldKey, type FinetuneFields } from './finetune-fields.js';

export { FINETUNE_FIELDS, FINETUNE_LAYOUTS, SYNTHETIC_EXPRESSIONS, type FinetuneFieldKey } from './finetune-fields.js';

type Shape = { [K in FinetuneFieldKey]: FinetuneFields[K]['schema'] };

const fieldEntries = Object.entries(FINETUNE_FIELDS) as [FinetuneFieldKey, FieldSpec<z.ZodType>][];
export const FINETUNE_FIELD_KEYS: readonly FinetuneFieldKey[] = fieldEntries.map(([key]) => key);
const shape = Object.fromEntries(fieldEntries.map(([key, spec]) => [key, spec.schema])) as Shape;

/** Strict: an unknown key is a typo or a stale form, never something to drop silently. */
export const FinetuneConfigSchema = z.strictObject(shape).superRefine((config, ctx) => {
  for (const problem of crossFieldProblems(config)) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
});

/** A complete, validated fine-tuning configuration. */
export type FinetuneConfig = z.infer<typeof FinetuneConfigSchema>;
/** What callers may supply: every defaulted field is optional. */
export type FinetuneConfigInput = z.input<typeof FinetuneConfigSchema>;
export type FinetuneConfigProblem = ConfigProblem<FinetuneFieldKey>;

/** Rules over several fields; each runs only when the fields it reads are individually valid. */
function crossFieldProblems(c: Partial<FinetuneConfig>): { field: FinetuneFieldKey; message: string }[] {
  const out: { field: FinetuneFieldKey; message: string }[] = [];
  if (c.warmupEpochs !== undefined && c.epochs !== undefined && c.warmupEpochs >= c.epochs && c.warmupEpochs > 0) {
    out.push({ field: 'warmupEpochs', message: `must be < --epochs (${c.epochs}), or the learning rate never leaves the warm-up` });
  }
  if (c.decayEpochs !== undefined && c.decayEpochs.some((m, i) => i > 0 && m <= (c.decayEpochs?.[i - 1] ?? 0))) {
    out.push({ field: 'decayEpochs', message: 'milestones must be strictly increasing' });
  }
  if (c.evaluate === true && c.resume === undefined) {
    out.push({ field: 'evaluate', message: 'needs --resume <fine-tuning checkpoint>: the model to evaluate (a pre-trained backbone alone has no trained classifier)' });
  }
  return out;
}

/** The flag used to name a field in messages: its first long spelling. */
export function canonicalFinetuneFlag(key: FinetuneFieldKey): string {
  const flags = FINETUNE_FIELDS[key].docs.flags as readonly string[];
  return flags.find((f) => f.startsWith('--')) ?? flags[0] ?? `--${key}`;
}

function isFieldKey(key: string): key is FinetuneFieldKey {
  return Object.hasOwn(FINETUNE_FIELDS, key);
}

function fieldProblemMessage(key: FinetuneFieldKey, given: unknown): string {
  const value = (FINETUNE_FIELDS[key] as FieldSpec<z.ZodType>).value;
  const got = `got ${formatGiven(given)}`;
  return value.kind === 'fixed' ? `${got}; ${value.reason}` : `${got}; must be ${describeAllowed(value)}`;
}

/**
 * Validates and completes a configuration (missing fields take the FRA fine-tuning defaults).
 * Every problem is collected before throwing ConfigValidationError, so a form or a command line
 * can be fixed in one pass.
 */
export function validateFinetuneConfig(input: unknown): FinetuneConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigValidationError<FinetuneFieldKey>([{ flag: '(config)', field: null, message: `got ${formatGiven(input)}; must be an object of fine-tuning settings` }], 'fine-tuning');
  }
  const record = input as Record<string, unknown>;
  const problems: FinetuneConfigProblem[] = [];
  for (const key of Object.keys(record)) if (!isFieldKey(key)) problems.push({ flag: key, field: null, message: 'not a fine-tuning setting' });
  const valid: Partial<Record<FinetuneFieldKey, unknown>> = {};
  for (const key of FINETUNE_FIELD_KEYS) {
    const result = (FINETUNE_FIELDS[key].schema as z.ZodType).safeParse(record[key]);
    if (result.success) valid[key] = result.data;
    else problems.push({ flag: canonicalFinetuneFlag(key), field: key, message: fieldProblemMessage(key, record[key]) });
  }
  for (const p of crossFieldProblems(valid as Partial<FinetuneConfig>)) {
    problems.push({ flag: canonicalFinetuneFlag(p.field), field: p.field, message: `got ${formatGiven(valid[p.field])}; ${p.message}` });
  }
  if (problems.length > 0) throw new ConfigValidationError<FinetuneFieldKey>(problems, 'fine-tuning');
  return FinetuneConfigSchema.parse(record);
}

/** The defaults of every field (optional fields absent): a valid configuration on its own (synthetic expressions). */
export function finetuneConfigDefaults(): FinetuneConfig {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of fieldEntries) if (spec.default !== undefined) out[key] = structuredClone(spec.default);
  return out as FinetuneConfig;
}

/** Everything a form renderer needs about one field; the same JSON shape as the pre-training fields. */
export type FinetuneFieldDescription = Omit<PretrainFieldDescription, 'key'> & { key: FinetuneFieldKey };

function describeField(key: FinetuneFieldKey): FinetuneFieldDescription {
  const spec = FINETUNE_FIELDS[key] as FieldSpec<z.ZodType>;
  const { docs, value } = spec;
  const range =
    value.kind === 'number' || value.kind === 'integer' || value.kind === 'integerList'
      ? {
          min: value.range.min ?? null,
          minExclusive: value.range.minExclusive ?? false,
          max: value.range.max ?? null,
          maxExclusive: value.range.maxExclusive ?? false,
          multipleOf: value.range.multipleOf ?? null,
        }
      : null;
  return {
    key,
    label: docs.label,
    help: docs.help,
    group: docs.group,
    kind: value.kind,
    unit: docs.unit ?? null,
    advanced: docs.advanced,
    default: spec.default === undefined ? null : structuredClone(spec.default),
    optional: spec.default === undefined,
    range,
    choices: value.kind === 'choice' ? value.choices.map((c) => ({ value: c, label: docs.choiceLabels?.[c] ?? c })) : null,
    allowed: value.kind === 'fixed' ? value.reason : describeAllowed(value),
    flag: canonicalFinetuneFlag(key),
    flags: [...docs.flags],
    referenceFlag: docs.referenceFlag,
    mainPyDefault: docs.mainPyDefault ?? null,
    referenceConstant: docs.referenceConstant ?? false,
    deviation: docs.deviation ?? null,
  };
}

/** All fields in display order, as plain JSON for the New Run form. */
export function describeFinetuneConfigFields(): FinetuneFieldDescription[] {
  return FINETUNE_FIELD_KEYS.map(describeField);
}

/** The value kind of a field, so a text front end (the CLI) knows how to convert strings. */
export function finetuneFieldKind(key: FinetuneFieldKey): FieldKind {
  return (FINETUNE_FIELDS[key] as FieldSpec<z.ZodType>).value.kind;
}

/** Accepted CLI spellings of a field. */
export function finetuneFieldFlags(key: FinetuneFieldKey): readonly string[] {
  return FINETUNE_FIELDS[key].docs.flags;
}

/** True for optional fields (unset unless given), e.g. --pretrained, --resume. */
export function isOptionalFinetuneField(key: FinetuneFieldKey): boolean {
  return (FINETUNE_FIELDS[key] as FieldSpec<z.ZodType>).default === undefined;
}

/** Notes that follow from a valid configuration itself, whoever produced it (GUI or CLI). */
export function finetuneConfigNotices(config: FinetuneConfig): Notice[] {
  const notices: Notice[] = [];
  if (config.pretrained === undefined && config.resume === undefined) {
    notices.push({ flag: '--pretrained', level: 'warning', message: 'no checkpoint to start from: the backbone is randomly initialised (a from-scratch baseline, not a transfer result)' });
  }
  if (config.mode === 'linear' && config.lrHead !== FINETUNE_FIELDS.lrHead.default) {
    notices.push({ flag: '--lr_head', level: 'info', message: 'a linear probe trains only the classifier, at --lr; --lr_head is unused' });
  }
  if (config.optimizer === 'adamw' && config.momentum !== FINETUNE_FIELDS.momentum.default) {
    notices.push({ flag: '--momentum', level: 'info', message: 'AdamW has no momentum setting (its betas are 0.9/0.999); --momentum is unused' });
  }
  if (config.amp) notices.push({ flag: '--amp', level: 'warning', message: 'tfjs has no float16: this run trains in fp32 (the reference used fp16 autocast)' });
  return notices;
}
