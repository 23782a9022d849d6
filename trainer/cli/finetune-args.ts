/**
 * Reads a fine-tuning command line written for the reference `main_fer.py` (fra-spec §5.2) into
 * a validated FinetuneConfig, with the pre-training parser's conventions (pretrain-args.ts):
 * argparse syntax (`--flag value`, `--flag=value`, `-b256`, bare switches, list flags,
 * unambiguous abbreviations), dashes and underscores interchangeable, `--preset <name>`,
 * `--no-<switch>`, and every problem reported at once in one ConfigValidationError.
 *
 * main_fer.py spellings are translated with a notice: `-a resnet50` → resnet50_encoder,
 * `--finetune` (absent: linear probe) → --mode, `--dataset rafdb|ferplus|affectnet7` → the
 * expected layout. Distributed-training plumbing for one process is accepted and ignored.
 */
import { ConfigValidationError, formatGiven, type Notice } from '../contract/run-config.js';
import {
  canonicalFinetuneFlag,
  describeFinetuneConfigFields,
  FINETUNE_FIELD_KEYS,
  finetuneConfigNotices,
  finetuneFieldFlags,
  finetuneFieldKind,
  isOptionalFinetuneField,
  validateFinetuneConfig,
  type FinetuneConfig,
  type FinetuneConfigProblem,
  type FinetuneFieldKey,
} from '../contract/finetune-config.js';
import { FINETUNE_PRESET_IDS, getFinetunePreset, isFinetunePresetId, type FinetunePresetId } from '../contract/finetune-presets.js';
import { FIELD_GROUPS } from '../contract/run-config.js';
import { isOptionToken, normaliseLong, numberOrRaw, parseBooleanText, parseInteger, suggest, unquote } from './pretrain-args.js';

export interface ParsedFinetuneArgs {
  config: FinetuneConfig;
  notices: Notice[];
}

type Arity = 'none' | 'one' | 'list';

interface ParseState {
  explicit: Partial<Record<FinetuneFieldKey, unknown>>;
  preset: FinetunePresetId | null;
  notices: Notice[];
  problems: FinetuneConfigProblem[];
}

interface FlagRule {
  arity: Arity;
  apply(state: ParseState, flag: string, value: string | string[] | boolean): void;
}

const info = (state: ParseState, flag: string, message: string): void => void state.notices.push({ flag, level: 'info', message });
const refuse = (state: ParseState, flag: string, value: unknown, reason: string): void =>
  void state.problems.push({ flag, field: null, message: `got ${formatGiven(value)}; ${reason}` });

/** main_fer.py `--dataset` names → the layout the folder must have. */
const REFERENCE_DATASETS: Readonly<Record<string, string>> = { rafdb: 'raf-db', ferplus: 'ferplus', affectnet7: 'affectnet-7', affectnet: 'affectnet-7' };
/** torchvision `-a` names → our encoders. */
const REFERENCE_ARCHS: Readonly<Record<string, string>> = { resnet50: 'resnet50_encoder', resnet34: 'resnet34_encoder', resnet18: 'resnet18_encoder' };

function translateReferenceValue(state: ParseState, key: FinetuneFieldKey, flag: string, value: unknown): unknown {
  if (key === 'backbone' && typeof value === 'string' && REFERENCE_ARCHS[value] !== undefined) {
    info(state, flag, `torchvision's ${value} is the ${REFERENCE_ARCHS[value]} backbone here`);
    return REFERENCE_ARCHS[value];
  }
  if (key === 'layout' && typeof value === 'string') {
    if (value === 'fer2013') {
      refuse(state, flag, value, "FER2013's pixel CSV cannot be indexed; use FERPlus images (fra-spec §7.1) or PNGs with a CSV list");
      return undefined;
    }
    const layout = REFERENCE_DATASETS[value];
    if (layout !== undefined) {
      info(state, flag, `the folder given by --data-root must be a ${layout} layout (detected when it is indexed)`);
      return layout;
    }
  }
  if (key === 'scheduler' && value === 'exp') {
    refuse(state, flag, value, "main_fer.py accepts 'exp' but leaves the learning rate constant; use cos or step");
    return undefined;
  }
  return value;
}

function fieldRule(key: FinetuneFieldKey): FlagRule {
  const kind = finetuneFieldKind(key);
  return {
    arity: kind === 'boolean' ? 'none' : kind === 'integerList' ? 'list' : 'one',
    apply(state, flag, raw) {
      if (raw === '' && isOptionalFinetuneField(key)) {
        delete state.explicit[key]; // main_fer.py uses '' for "none"
        return;
      }
      let value: unknown = raw;
      if (Array.isArray(raw)) value = raw.map(numberOrRaw);
      else if (typeof raw === 'string' && (kind === 'number' || kind === 'integer')) value = numberOrRaw(raw);
      const translated = translateReferenceValue(state, key, flag, value);
      if (translated !== undefined) state.explicit[key] = translated;
    },
  };
}

function switchRule(apply: (state: ParseState, flag: string, on: boolean) => void): FlagRule {
  return { arity: 'none', apply: (state, flag, value) => apply(state, flag, value !== false) };
}

function singleProcessRule(harmless: readonly number[], what: string): FlagRule {
  return {
    arity: 'one',
    apply(state, flag, raw) {
      const n = parseInteger(String(raw));
      if (n === null) return refuse(state, flag, raw, 'must be an integer');
      if (harmless.includes(n)) info(state, flag, `one device, one process: ${what} ${n} needs no distributed setup; ignored`);
      else refuse(state, flag, n, 'this trainer runs on one device only; give the whole batch with -b');
    },
  };
}

const ignoredValue = (message: string): FlagRule => ({ arity: 'one', apply: (state, flag) => info(state, flag, message) });

const PLUMBING_RULES: Readonly<Record<string, FlagRule>> = {
  '--finetune': switchRule((state, _flag, on) => void (state.explicit.mode = on ? 'finetune' : 'linear')),
  '--linear-probe': switchRule((state, _flag, on) => void (state.explicit.mode = on ? 'linear' : 'finetune')),
  '--multiprocessing-distributed': switchRule((state, flag) => info(state, flag, 'one device, one process; ignored')),
  '--world-size': singleProcessRule([-1, 1], 'world size'),
  '--rank': singleProcessRule([-1, 0], 'rank'),
  '--gpu': singleProcessRule([0], 'GPU'),
  '--dist-url': ignoredValue('one device: no process group is created; ignored'),
  '--dist-backend': ignoredValue('one device: no process group is created; ignored'),
  '--norm': ignoredValue('one device: batch norm over the whole batch, which is what SyncBN computes across GPUs; ignored'),
  '--cls': ignoredValue('parsed but unused by main_fer.py; ignored'),
  '--trainindex': ignoredValue('parsed but unused by main_fer.py; ignored'),
  '--model-type': {
    arity: 'one',
    apply(state, flag, raw) {
      if (raw === 'ours') info(state, flag, 'the ResNet backbone (ours) is the only model type; ignored');
      else refuse(state, flag, raw, 'only ours (a ResNet backbone) is supported; the FaRL ViT baseline is not');
    },
  },
  '--preset': {
    arity: 'one',
    apply(state, flag, raw) {
      const name = String(raw);
      if (!isFinetunePresetId(name)) {
        const hint = suggest(name, FINETUNE_PRESET_IDS);
        return refuse(state, flag, name, `must be one of ${FINETUNE_PRESET_IDS.join(', ')}${hint ? ` (did you mean ${hint}?)` : ''}`);
      }
      if (state.preset !== null && state.preset !== name) return refuse(state, flag, name, `only one preset per run (already ${state.preset})`);
      state.preset = name;
    },
  },
};

function buildFlagTables(): { long: Map<string, FlagRule>; short: Map<string, FlagRule> } {
  const long = new Map<string, FlagRule>();
  const short = new Map<string, FlagRule>();
  for (const key of FINETUNE_FIELD_KEYS) {
    const rule = fieldRule(key);
    for (const flag of finetuneFieldFlags(key)) (flag.startsWith('--') ? long.set(normaliseLong(flag), rule) : short.set(flag, rule));
    if (finetuneFieldKind(key) === 'boolean') {
      long.set(normaliseLong(`--no-${canonicalFinetuneFlag(key).slice(2)}`), switchRule((state, _flag, on) => void (state.explicit[key] = !on)));
    }
  }
  for (const [flag, rule] of Object.entries(PLUMBING_RULES)) long.set(normaliseLong(flag), rule);
  return { long, short };
}

const FLAGS = buildFlagTables();

function resolve(token: string, state: ParseState): { rule: FlagRule; flag: string; inline: string | undefined } | null {
  const eq = token.indexOf('=');
  const name = eq === -1 ? token : token.slice(0, eq);
  const inline = eq === -1 ? undefined : token.slice(eq + 1);
  if (token.startsWith('--')) {
    const key = normaliseLong(name);
    const exact = FLAGS.long.get(key);
    if (exact) return { rule: exact, flag: name, inline };
    const matches = [...FLAGS.long.keys()].filter((k) => k.startsWith(key) && !k.startsWith('--no-'));
    if (matches.length === 1) {
      info(state, name, `read as ${matches[0]} (unambiguous abbreviation, as argparse allows)`);
      return { rule: FLAGS.long.get(matches[0]!)!, flag: matches[0]!, inline };
    }
    const hint = matches.length > 1 ? null : suggest(key, FLAGS.long.keys());
    state.problems.push({ flag: name, field: null, message: matches.length > 1 ? `ambiguous abbreviation: could be ${matches.sort().join(', ')}` : `unknown flag${hint ? ` (did you mean ${hint}?)` : ''}` });
    return null;
  }
  const exact = FLAGS.short.get(name);
  if (exact) return { rule: exact, flag: name, inline };
  const attached = FLAGS.short.get(token.slice(0, 2));
  if (attached && attached.arity === 'one') return { rule: attached, flag: token.slice(0, 2), inline: token.slice(2) };
  const hint = suggest(name, [...FLAGS.short.keys(), ...FLAGS.long.keys()]);
  state.problems.push({ flag: name, field: null, message: `unknown flag${hint ? ` (did you mean ${hint}?)` : ''}` });
  return null;
}

/** Leading `python3 main_fer.py` of a pasted command. */
const isProgramToken = (token: string): boolean => /(^|[\\/])python[\d.]*(\.exe)?$/.test(token) || /\.py$/.test(token);

/**
 * Parses main_fer.py-style arguments into a validated configuration plus notices. Throws
 * ConfigValidationError listing every problem (unknown or refused flags, bad values) at once.
 */
export function parseFinetuneArgs(argv: readonly string[]): ParsedFinetuneArgs {
  const state: ParseState = { explicit: {}, preset: null, notices: [], problems: [] };
  let i = 0;
  while (i < argv.length && isProgramToken(argv[i] ?? '')) i++;
  while (i < argv.length) {
    const token = argv[i++] ?? '';
    if (!isOptionToken(token)) {
      state.problems.push({ flag: token, field: null, message: 'unexpected argument (every setting is a flag, e.g. --data-root <folder>)' });
      continue;
    }
    const resolved = resolve(token, state);
    if (resolved === null) {
      while (i < argv.length && !isOptionToken(argv[i] ?? '')) i++;
      continue;
    }
    const { rule, flag, inline } = resolved;
    if (rule.arity === 'none') {
      const b = inline === undefined ? true : parseBooleanText(inline);
      if (b === null) state.problems.push({ flag, field: null, message: `got ${formatGiven(inline)}; a switch takes no value (or true/false)` });
      else rule.apply(state, flag, b);
    } else if (rule.arity === 'one') {
      let value = inline;
      if (value === undefined && i < argv.length && !isOptionToken(argv[i] ?? '')) value = argv[i++];
      if (value === undefined) state.problems.push({ flag, field: null, message: 'expects a value' });
      else rule.apply(state, flag, unquote(value));
    } else {
      const values: string[] = [];
      if (inline !== undefined) values.push(...unquote(inline).split(',').filter((v) => v.trim() !== ''));
      else while (i < argv.length && !isOptionToken(argv[i] ?? '')) values.push(unquote(argv[i++] ?? ''));
      rule.apply(state, flag, values);
    }
  }
  const presetValues = state.preset === null ? {} : getFinetunePreset(state.preset).values;
  let config: FinetuneConfig | null = null;
  try {
    config = validateFinetuneConfig({ ...presetValues, ...state.explicit });
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    state.problems.push(...(error.problems as readonly FinetuneConfigProblem[]));
  }
  if (config === null || state.problems.length > 0) throw new ConfigValidationError<FinetuneFieldKey>(state.problems, 'fine-tuning');
  return { config, notices: [...state.notices, ...finetuneConfigNotices(config)] };
}

/** `--help` text generated from the field descriptions, grouped like the form. */
export function formatFinetuneUsage(): string {
  const fields = describeFinetuneConfigFields();
  const lines = [
    'Usage: npm run finetune -- [--preset <name>] --data-root <folder|synthetic-expressions> [--pretrained <checkpoint>] [flags]',
    'Flags follow the reference main_fer.py (dashes and underscores are interchangeable); defaults are the FRA fine-tuning command.',
    `  --preset <name>  apply a preset first (${FINETUNE_PRESET_IDS.join(', ')}); explicit flags override it`,
    '  --finetune / --linear-probe  the same as --mode finetune / --mode linear',
  ];
  for (const group of FIELD_GROUPS) {
    const inGroup = fields.filter((d) => d.group === group);
    if (inGroup.length === 0) continue;
    lines.push('', `${group}:`);
    for (const f of inGroup) {
      const placeholder = f.kind === 'choice' ? 'name' : f.kind === 'text' ? 'path' : f.kind === 'integerList' ? `${f.unit ?? 'integer'} …` : f.kind === 'fixed' ? String(f.default) : (f.unit ?? f.kind);
      const spelling = f.kind === 'boolean' ? f.flags.join(', ') : `${f.flags.join(', ')} <${placeholder}>`;
      lines.push(`  ${spelling}  ${f.label}. Default ${f.optional ? 'unset' : JSON.stringify(f.default)}; ${f.kind === 'boolean' ? `--no-${f.flag.slice(2)} turns it off` : f.allowed}.`);
    }
  }
  return lines.join('\n');
}
