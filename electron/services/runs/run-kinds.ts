/**
 * What the runs service needs to know about each kind of run, in one entry per kind: how to
 * validate its configuration (every bad field named, for the form and for the error message),
 * the form's field descriptions and presets, the seed to record, and a short label for its
 * dataset. The service itself never looks inside a configuration.
 *
 * Pre-training (trainer/contract/run-config.ts) and fine-tuning / linear probing
 * (trainer/contract/finetune-config.ts) are registered; a kind without an entry answers
 * `unsupported-kind`. The trainer host and the run queue validate through `validate` here too,
 * so what the form accepts is exactly what the trainer is started with.
 */
import { ApiError } from '../../contract/api-error.js';
import { ConfigValidationError, describePretrainConfigFields, pretrainConfigNotices, validatePretrainConfig, type PretrainConfig } from '../../../trainer/contract/run-config.js';
import { listPretrainPresets } from '../../../trainer/contract/presets.js';
import { describeFinetuneConfigFields, finetuneConfigNotices, SYNTHETIC_EXPRESSIONS, validateFinetuneConfig, type FinetuneConfig } from '../../../trainer/contract/finetune-config.js';
import { listFinetunePresets } from '../../../trainer/contract/finetune-presets.js';
import { FINETUNE_CHECKPOINT_POLICY } from '../../../trainer/finetune/checkpointing.js';
import type { CheckpointPolicy } from '../../../trainer/run/run-format.js';
import type { RunKind } from '../../../trainer/run/run-format.js';
import type { ConfigForm, ConfigProblemInfo } from '../../contract/runs-api.js';

type Json = ConfigForm['fields'][number][string];

export interface ConfigNoticeInfo {
  flag: string;
  level: 'info' | 'warning';
  message: string;
}

export type ConfigCheck =
  | { ok: true; config: Record<string, unknown>; notices: ConfigNoticeInfo[] }
  | { ok: false; problems: ConfigProblemInfo[] };

export interface RunKindSpec {
  kind: RunKind;
  /** "pre-training", as in "Invalid pre-training configuration". */
  title: string;
  /** Validates and completes a configuration (defaults filled in); never throws for a bad config. */
  check(config: unknown): ConfigCheck;
  /** The trainer's own validator: throws ConfigValidationError (every bad field named) for a bad config. */
  validate(config: unknown): Record<string, unknown>;
  /** The retention a run of this kind gets when its creator names none; undefined: the store's default. */
  defaultCheckpointPolicy?: CheckpointPolicy;
  fields(): Record<string, Json>[];
  presets(): ConfigForm['presets'];
  /** The seed of a validated configuration, recorded in run.json. */
  seedOf(config: Record<string, unknown>): number;
  /** The backend a validated configuration asks for ('auto', 'wasm', …). */
  backendOf(config: Record<string, unknown>): string | undefined;
  /** "VGGFace2 at /data/vgg", "Synthetic faces (10%)"; undefined when the config is unreadable. */
  datasetLabel(config: unknown): string | undefined;
}

/** `check` from a throwing validator and its notices. */
function checkWith<C>(validate: (config: unknown) => C, notices: (config: C) => ConfigNoticeInfo[]): (config: unknown) => ConfigCheck {
  return (config) => {
    try {
      const valid = validate(config);
      return { ok: true, config: valid as unknown as Record<string, unknown>, notices: notices(valid) };
    } catch (error) {
      if (!(error instanceof ConfigValidationError)) throw error;
      return { ok: false, problems: (error.problems as ConfigProblemInfo[]).map((p) => ({ field: p.field, flag: p.flag, message: p.message })) };
    }
  };
}

const pretrain: RunKindSpec = {
  kind: 'pretrain',
  title: 'pre-training',
  check: checkWith(validatePretrainConfig, pretrainConfigNotices),
  validate: (config) => validatePretrainConfig(config) as unknown as Record<string, unknown>,
  fields: () => describePretrainConfigFields() as unknown as Record<string, Json>[],
  presets: () => listPretrainPresets().map((p) => ({ id: p.id, title: p.title, description: p.description, values: p.values as Record<string, Json> })),
  seedOf: (config) => (config as PretrainConfig).seed,
  backendOf: (config) => (config as PretrainConfig).backend,
  datasetLabel(config) {
    const check = this.check(config);
    if (!check.ok) return undefined;
    const c = check.config as PretrainConfig;
    const share = c.trainPercent < 1 ? `, ${formatPercent(c.trainPercent)} of it` : '';
    switch (c.dataset) {
      case 'vggface2':
        return `VGGFace2 at ${c.dataRoot}${share}`;
      case 'image_folder':
        return `Image folder ${c.dataRoot}${share}`;
      case 'synthetic':
        return `Synthetic faces${share}`;
      case 'random':
        return `Random noise (engine test)${share}`;
    }
  },
};

/** Dataset layouts as a person names them. */
const LAYOUT_LABELS: Record<string, string> = {
  'raf-db': 'RAF-DB',
  ferplus: 'FERPlus',
  'affectnet-7': 'AffectNet-7',
  'image-folder': 'Class folders',
  'csv-list': 'CSV list',
};

const finetune: RunKindSpec = {
  kind: 'finetune',
  title: 'fine-tuning',
  check: checkWith(validateFinetuneConfig, finetuneConfigNotices),
  validate: (config) => validateFinetuneConfig(config) as unknown as Record<string, unknown>,
  defaultCheckpointPolicy: FINETUNE_CHECKPOINT_POLICY,
  fields: () => describeFinetuneConfigFields() as unknown as Record<string, Json>[],
  presets: () => listFinetunePresets().map((p) => ({ id: p.id, title: p.title, description: p.description, values: p.values as Record<string, Json> })),
  seedOf: (config) => (config as FinetuneConfig).seed,
  backendOf: (config) => (config as FinetuneConfig).backend,
  datasetLabel(config) {
    const check = this.check(config);
    if (!check.ok) return undefined;
    const c = check.config as FinetuneConfig;
    const share = c.trainPercent < 1 ? `, ${formatPercent(c.trainPercent)} of it` : '';
    if (c.dataRoot === SYNTHETIC_EXPRESSIONS) return `Synthetic expressions${share}`;
    const layout = LAYOUT_LABELS[c.layout];
    return `${layout ?? 'Labelled folder'} at ${c.dataRoot}${share}`;
  },
};

const RUN_KIND_SPECS: Partial<Record<RunKind, RunKindSpec>> = {
  pretrain,
  finetune,
};

/** The spec of `kind`, or an `unsupported-kind` ApiError that says what this version can do. */
export function runKindSpec(kind: RunKind): RunKindSpec {
  const spec = RUN_KIND_SPECS[kind];
  if (spec !== undefined) return spec;
  const supported = Object.keys(RUN_KIND_SPECS).join(', ');
  throw new ApiError({
    code: 'unsupported-kind',
    message: `This version of FRA Workbench cannot create or check ${kind} runs yet (it supports: ${supported}).`,
    hint: `Create a ${supported} run instead, or update FRA Workbench.`,
  });
}

export function findRunKindSpec(kind: RunKind): RunKindSpec | undefined {
  return RUN_KIND_SPECS[kind];
}

/** The `invalid-config` error of runs.create / runs.restart: one "<flag>: <message>" per problem. */
export function invalidConfigError(spec: Pick<RunKindSpec, 'title'>, problems: readonly ConfigProblemInfo[]): ApiError {
  const lines = problems.map((p) => `${p.flag}: ${p.message}`);
  return new ApiError({
    code: 'invalid-config',
    message: `Invalid ${spec.title} configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${lines.join('; ')}`,
    hint: 'Fix the highlighted fields (each problem names the setting and what it accepts), then try again.',
  });
}

function formatPercent(fraction: number): string {
  const percent = fraction * 100;
  return `${Number.isInteger(percent) ? percent : Number(percent.toPrecision(3))}%`;
}
