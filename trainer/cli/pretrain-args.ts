/**
 * Reads a pre-training command line written for the reference `main.py`
 * (fra-spec §5.1) — including the README command pasted with its
 * `python3 launch.py --device=… --launch main.py` prefix — into a validated
 * PretrainConfig.
 *
 * Syntax follows argparse as main.py uses it: `--flag value`, `--flag=value`,
 * short `-b 512` / `-b512`, bare booleans, list flags (`--schedule 120 160`),
 * unambiguous abbreviations of long flags. Dashes and underscores are
 * interchangeable in every long flag (main.py mixes `--mask_type` and
 * `--warmup-epoch`). Our extensions: `--no-<flag>` for booleans whose FRA
 * default is on, `--preset <name>`, and the flags of fields main.py lacks.
 *
 * Nothing is ignored silently: a flag the engine cannot honour either becomes
 * a Notice (accepted, and the user is told how it is realised) or a problem
 * (refused, with the reason). All problems — syntax and values — are reported
 * together in one ConfigValidationError.
 */
import {
  ConfigValidationError,
  FIELD_GROUPS,
  PRETRAIN_FIELD_KEYS,
  describePretrainConfigFields,
  canonicalFlag,
  formatGiven,
  isOptionalPretrainField,
  pretrainConfigNotices,
  pretrainFieldFlags,
  pretrainFieldKind,
  validatePretrainConfig,
} from '../contract/run-config.js';
import type { ConfigProblem, Notice, PretrainConfig, PretrainFieldDescription, PretrainFieldKey } from '../contract/run-config.js';
import { PRETRAIN_PRESET_IDS, getPretrainPreset, isPretrainPresetId } from '../contract/presets.js';
import type { PretrainPresetId } from '../contract/presets.js';

export type { Notice } from '../contract/run-config.js';

export interface ParsedPretrainArgs {
  config: PretrainConfig;
  notices: Notice[];
}

// ---------------------------------------------------------------------------
// Flag table
// ---------------------------------------------------------------------------

type Arity = 'none' | 'one' | 'list';

/** What a flag did, collected while walking argv. */
interface ParseState {
  explicit: Partial<Record<PretrainFieldKey, unknown>>;
  /** Fields set explicitly on the command line, for flag-level notices. */
  given: Set<PretrainFieldKey>;
  preset: PretrainPresetId | null;
  notices: Notice[];
  problems: ConfigProblem[];
}

interface FlagRule {
  arity: Arity;
  /** `flag` is the spelling the user typed; `value` is '' / [] / true according to arity. */
  apply(state: ParseState, flag: string, value: string | string[] | boolean): void;
}

/** Dash/underscore-insensitive key for long flags: `--mask_type` → `--mask-type`. */
export function normaliseLong(flag: string): string {
  return `--${flag.replace(/^--/, '').replace(/_/g, '-')}`;
}

/** Why multi-process settings are refused, and what to do instead (fra-spec §4 "SyncBN", "Batch"). */
const ONE_DEVICE =
  'this trainer runs on one device only; give the whole global batch with -b instead (batch norm over the whole batch on one device is what SyncBN computes across GPUs)';

function info(state: ParseState, flag: string, message: string): void {
  state.notices.push({ flag, level: 'info', message });
}

function refuse(state: ParseState, flag: string, value: unknown, reason: string): void {
  state.problems.push({ flag, field: null, message: `got ${formatGiven(value)}; ${reason}` });
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A number when the text is one; otherwise the raw text, so validation can quote it back. */
export function numberOrRaw(text: string): number | string {
  return DECIMAL.test(text.trim()) ? Number(text) : text;
}

export function parseInteger(text: string): number | null {
  const n = numberOrRaw(text);
  return typeof n === 'number' && Number.isInteger(n) ? n : null;
}

/** Convert argv text to the value type of a field. */
function coerceForField(key: PretrainFieldKey, value: string | string[] | boolean): unknown {
  const kind = pretrainFieldKind(key);
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(numberOrRaw);
  if (kind === 'number' || kind === 'integer' || kind === 'fixed') return numberOrRaw(value);
  return value;
}

/**
 * Reference spellings whose meaning differs from ours, translated with a
 * notice instead of being refused (fra-spec §5.1 `--norm`, `--dataset`).
 */
function translateReferenceValue(state: ParseState, key: PretrainFieldKey, flag: string, value: unknown): unknown {
  if (key === 'norm' && value === 'None') {
    info(state, flag, "--norm None is the reference's plain batch norm; recorded as BN");
    return 'BN';
  }
  if (key === 'norm' && value === 'BN') {
    info(state, flag, "BN here is plain batch norm everywhere (the reference's --norm None); the reference's --norm BN crashes on the 3-D head inputs");
  }
  if (key === 'dataset' && value === 'im_folder') {
    info(state, flag, 'the reference im_folder dataset is read as image_folder (<root>/train/<identity>/*)');
    return 'image_folder';
  }
  return value;
}

function fieldRule(key: PretrainFieldKey): FlagRule {
  const kind = pretrainFieldKind(key);
  const arity: Arity = kind === 'boolean' ? 'none' : kind === 'integerList' ? 'list' : 'one';
  return {
    arity,
    apply(state, flag, raw) {
      // main.py uses '' as "none" for paths; here an unset optional field means none.
      if (raw === '' && isOptionalPretrainField(key)) {
        delete state.explicit[key];
        state.given.delete(key);
        return;
      }
      if (kind === 'text' && typeof raw === 'string' && /\$\{?[A-Za-z_]\w*\}?/.test(raw)) {
        // A README command pasted without its shell: ${DATA_ROOT} was never expanded.
        state.notices.push({ flag, level: 'warning', message: `${formatGiven(raw)} looks like an unexpanded shell variable; it is used literally as a path` });
      }
      state.explicit[key] = translateReferenceValue(state, key, flag, coerceForField(key, raw));
      state.given.add(key);
    },
  };
}

function negatedBooleanRule(key: PretrainFieldKey): FlagRule {
  return {
    arity: 'none',
    apply(state, _flag, value) {
      // `--no-cos=false` double negative: on.
      state.explicit[key] = value === false;
      state.given.add(key);
    },
  };
}

/** DDP plumbing that is harmless when it describes a single process on a single device. */
function singleProcessIntegerRule(harmless: readonly number[], what: string): FlagRule {
  return {
    arity: 'one',
    apply(state, flag, raw) {
      const value = String(raw);
      const n = parseInteger(value);
      if (n === null) return refuse(state, flag, value, 'must be an integer');
      if (harmless.includes(n)) info(state, flag, `one device, one process: ${what} ${n} needs no distributed setup; ignored`);
      else refuse(state, flag, n, ONE_DEVICE);
    },
  };
}

function ignoredValueRule(message: string, numeric = false): FlagRule {
  return {
    arity: 'one',
    apply(state, flag, raw) {
      const value = String(raw);
      if (numeric && typeof numberOrRaw(value) !== 'number') return refuse(state, flag, value, 'must be a number');
      info(state, flag, message);
    },
  };
}

function ignoredSwitchRule(message: string): FlagRule {
  return { arity: 'none', apply: (state, flag) => info(state, flag, message) };
}

const UNUSED_FOR_VGGFACE2 = 'unused by the reference for vggface2; ignored';
const NO_PROCESS_GROUP = 'one device: no process group is created; ignored';

/** Flags of main.py (and its launch.py wrapper) that do not map to a config field. */
const PLUMBING_RULES: Readonly<Record<string, FlagRule>> = {
  // main.py DDP flags (fra-spec §5.1, last row).
  '--world-size': singleProcessIntegerRule([-1, 1], 'world size'),
  '--rank': singleProcessIntegerRule([-1, 0], 'rank'),
  '--local-rank': singleProcessIntegerRule([0], 'local rank'),
  '--gpu': {
    arity: 'one',
    apply(state, flag, raw) {
      const n = parseInteger(String(raw));
      if (n === null) return refuse(state, flag, raw, 'must be an integer');
      if (n === 0) return info(state, flag, 'one device: the trainer uses the first visible device of the chosen --backend');
      refuse(state, flag, n, `one device: pick that GPU with CUDA_VISIBLE_DEVICES=${n} and --backend node-gpu instead`);
    },
  },
  '--dist-backend': ignoredValueRule(NO_PROCESS_GROUP),
  '--dist-url': ignoredValueRule(NO_PROCESS_GROUP),
  '--multiprocessing-distributed': ignoredSwitchRule('one device, one process (main.py forces this on anyway); ignored'),

  // launch.py wrapper flags, so the README command can be pasted whole.
  '--launch': {
    arity: 'one',
    apply(state, flag, raw) {
      const script = String(raw);
      if (/(^|[\\/])main\.py$/.test(script)) return info(state, flag, 'launcher flag: the trainer runs the pre-training of main.py directly');
      refuse(state, flag, script, 'this is the pre-training command parser (main.py); other scripts such as main_fer.py take different flags');
    },
  },
  '--device': {
    arity: 'one',
    apply(state, flag, raw) {
      const devices = String(raw).split(',').filter((d) => d.trim() !== '');
      // Only lists visible GPUs; the command's meaning (global batch -b) is
      // kept whole on one device, so this is accepted with a warning rather
      // than refused like an explicit --world_size.
      if (devices.length > 1) {
        state.notices.push({
          flag,
          level: 'warning',
          message: `${devices.length} GPUs listed, but this trainer runs on one device: the whole global batch (-b) trains there, and batch norm over it is what SyncBN computes across GPUs. Choose the device with --backend (and CUDA_VISIBLE_DEVICES)`,
        });
      } else {
        info(state, flag, 'launcher GPU list: the device is chosen by --backend (and CUDA_VISIBLE_DEVICES); ignored');
      }
    },
  },
  '--dist': ignoredValueRule('launcher flag: one process, no torch.distributed.launch; ignored', true),
  '--np': singleProcessIntegerRule([-1, 1], 'processes per node'),
  '--nn': singleProcessIntegerRule([1], 'node count'),
  '--nr': singleProcessIntegerRule([0], 'node rank'),
  '--port': ignoredValueRule(NO_PROCESS_GROUP, true),
  '--master-address': ignoredValueRule(NO_PROCESS_GROUP),

  // ImageNet kNN monitor and an unused MoCo path (fra-spec §5.1).
  '--num-nn': ignoredValueRule(UNUSED_FOR_VGGFACE2, true),
  '--nn-mem-percent': ignoredValueRule(UNUSED_FOR_VGGFACE2, true),
  '--nn-query-percent': ignoredValueRule(UNUSED_FOR_VGGFACE2, true),
  '--super-pretrained': ignoredValueRule(UNUSED_FOR_VGGFACE2),
};

const PRESET_RULE: FlagRule = {
  arity: 'one',
  apply(state, flag, raw) {
    const name = String(raw);
    if (!isPretrainPresetId(name)) {
      const hint = suggest(name, PRETRAIN_PRESET_IDS);
      return refuse(state, flag, name, `must be one of ${PRETRAIN_PRESET_IDS.join(', ')}${hint ? ` (did you mean ${hint}?)` : ''}`);
    }
    if (state.preset !== null && state.preset !== name) {
      return refuse(state, flag, name, `only one preset per run (already ${state.preset})`);
    }
    state.preset = name;
  },
};

/** Long flags keyed by normalised spelling; short flags keyed exactly. */
function buildFlagTables(): { long: Map<string, FlagRule>; short: Map<string, FlagRule> } {
  const long = new Map<string, FlagRule>();
  const short = new Map<string, FlagRule>();
  for (const key of PRETRAIN_FIELD_KEYS) {
    const rule = fieldRule(key);
    for (const flag of pretrainFieldFlags(key)) {
      if (flag.startsWith('--')) long.set(normaliseLong(flag), rule);
      else short.set(flag, rule);
    }
    if (pretrainFieldKind(key) === 'boolean') long.set(normaliseLong(`--no-${canonicalFlag(key).slice(2)}`), negatedBooleanRule(key));
  }
  for (const [flag, rule] of Object.entries(PLUMBING_RULES)) long.set(flag, rule);
  short.set('-ma', PLUMBING_RULES['--master-address'] as FlagRule);
  long.set('--preset', PRESET_RULE);
  return { long, short };
}

const FLAGS = buildFlagTables();

// ---------------------------------------------------------------------------
// "Did you mean"
// ---------------------------------------------------------------------------

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, substitution));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** The closest candidate when it is plausibly a typo of `given`. */
export function suggest(given: string, candidates: Iterable<string>): string | null {
  // One or two letters carry too little to guess from (-x is not a typo of -b).
  if (given.replace(/^-+/, '').length < 3) return null;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(given, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(given.length / 4)) ? best : null;
}

// ---------------------------------------------------------------------------
// argv walking
// ---------------------------------------------------------------------------

const NEGATIVE_NUMBER = /^-(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** argparse treats "-1" as a value, not an option, when no option looks like a number. */
export function isOptionToken(token: string): boolean {
  return token.startsWith('-') && token !== '-' && !NEGATIVE_NUMBER.test(token);
}

/** `"attn"` → `attn`, for argv split naively from a shell line. */
export function unquote(value: string): string {
  const m = /^(["'])(.*)\1$/s.exec(value);
  return m ? (m[2] ?? '') : value;
}

export function parseBooleanText(text: string): boolean | null {
  const t = text.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(t)) return true;
  if (['false', '0', 'no', 'off'].includes(t)) return false;
  return null;
}

interface ResolvedFlag {
  rule: FlagRule;
  /** Spelling reported back to the user. */
  flag: string;
  inline: string | undefined;
}

function resolveLong(token: string, state: ParseState): ResolvedFlag | null {
  const eq = token.indexOf('=');
  const name = eq === -1 ? token : token.slice(0, eq);
  const inline = eq === -1 ? undefined : token.slice(eq + 1);
  const key = normaliseLong(name);
  const exact = FLAGS.long.get(key);
  if (exact) return { rule: exact, flag: name, inline };

  // argparse accepts any unambiguous prefix of a long option.
  const matches = [...FLAGS.long.keys()].filter((k) => k.startsWith(key) && !k.startsWith('--no-'));
  const only = matches.length === 1 ? matches[0] : undefined;
  if (only !== undefined) {
    info(state, name, `read as ${only} (unambiguous abbreviation, as argparse allows)`);
    return { rule: FLAGS.long.get(only) as FlagRule, flag: only, inline };
  }
  if (matches.length > 1) {
    state.problems.push({ flag: name, field: null, message: `ambiguous abbreviation: could be ${matches.sort().join(', ')}` });
    return null;
  }
  const hint = suggest(key, FLAGS.long.keys());
  state.problems.push({ flag: name, field: null, message: `unknown flag${hint ? ` (did you mean ${hint}?)` : ''}` });
  return null;
}

function resolveShort(token: string, state: ParseState): ResolvedFlag | null {
  const eq = token.indexOf('=');
  const name = eq === -1 ? token : token.slice(0, eq);
  const exact = FLAGS.short.get(name);
  if (exact) return { rule: exact, flag: name, inline: eq === -1 ? undefined : token.slice(eq + 1) };
  // Attached value, e.g. -b512 (argparse allows it for one-letter options).
  const letter = token.slice(0, 2);
  const attached = FLAGS.short.get(letter);
  if (attached && attached.arity === 'one') return { rule: attached, flag: letter, inline: token.slice(2) };
  const hint = suggest(name, [...FLAGS.short.keys(), ...FLAGS.long.keys()]);
  state.problems.push({ flag: name, field: null, message: `unknown flag${hint ? ` (did you mean ${hint}?)` : ''}` });
  return null;
}

/** Leading `python3 launch.py` / `main.py` of a pasted command. */
function isProgramToken(token: string): boolean {
  return /(^|[\\/])python[\d.]*(\.exe)?$/.test(token) || /\.py$/.test(token);
}

/**
 * Parse main.py-style arguments into a validated configuration plus notices
 * about how the engine realises them. Throws ConfigValidationError listing
 * every problem (unknown or refused flags, bad values) at once.
 */
export function parsePretrainArgs(argv: readonly string[]): ParsedPretrainArgs {
  const state: ParseState = { explicit: {}, given: new Set(), preset: null, notices: [], problems: [] };
  let i = 0;
  while (i < argv.length && isProgramToken(argv[i] ?? '')) i++;

  while (i < argv.length) {
    const token = argv[i++] ?? '';
    if (!isOptionToken(token)) {
      state.problems.push({ flag: token, field: null, message: 'unexpected argument (main.py takes no positional arguments)' });
      continue;
    }
    const resolved = token.startsWith('--') ? resolveLong(token, state) : resolveShort(token, state);
    if (resolved === null) {
      // Skip the unknown flag's values so they are not reported twice.
      while (i < argv.length && !isOptionToken(argv[i] ?? '')) i++;
      continue;
    }
    const { rule, flag, inline } = resolved;

    if (rule.arity === 'none') {
      if (inline === undefined) {
        rule.apply(state, flag, true);
      } else {
        const b = parseBooleanText(inline);
        if (b === null) state.problems.push({ flag, field: null, message: `got ${formatGiven(inline)}; a switch takes no value (or true/false)` });
        else rule.apply(state, flag, b);
      }
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

  const presetValues = state.preset === null ? {} : getPretrainPreset(state.preset).values;
  const candidate = { ...presetValues, ...state.explicit };
  let config: PretrainConfig | null = null;
  try {
    config = validatePretrainConfig(candidate);
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    state.problems.push(...error.problems);
  }
  if (config === null || state.problems.length > 0) throw new ConfigValidationError(state.problems);

  return { config, notices: [...state.notices, ...flagNotices(state.given, config), ...pretrainConfigNotices(config)] };
}

/** Notes owed to the user because of a flag they passed explicitly. */
function flagNotices(given: ReadonlySet<PretrainFieldKey>, config: PretrainConfig): Notice[] {
  const notices: Notice[] = [];
  if (given.has('lewelL2Norm')) {
    notices.push({ flag: '--lewel-l2-norm', level: 'info', message: 'no effect in attn mode; the reference only asserts it is set (its README command omits it and fails at model build)' });
  }
  if (given.has('lewelNumHeads')) {
    notices.push({ flag: '--lewel-num-heads', level: 'info', message: 'unused in attn mode (a LEWEL option); recorded only' });
  }
  if (given.has('schedule') && config.cosine) {
    notices.push({ flag: '--schedule', level: 'info', message: 'milestones apply only without --cos; this run uses the cosine schedule, as the reference would' });
  }
  if (given.has('seed')) {
    notices.push({ flag: '--seed', level: 'info', message: 'deviation from the reference, which parses --seed but never uses it: this trainer seeds initialisation, data order and augmentation with it' });
  }
  return notices;
}

// ---------------------------------------------------------------------------
// Pasted command lines
// ---------------------------------------------------------------------------

/**
 * Split a shell command line into argv the way a POSIX shell would for the
 * README command: quotes, backslash escapes and backslash-newline
 * continuations. Variables such as ${DATA_ROOT} are left as written.
 */
export function tokenizeCommandLine(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (quote === "'") {
      if (c === "'") quote = null;
      else current += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < text.length && '"\\$`\n'.includes(text[i + 1] ?? '')) {
        const next = text[++i] ?? '';
        if (next !== '\n') current += next;
      } else current += c;
    } else if (c === '\\' && i + 1 < text.length) {
      const next = text[++i] ?? '';
      if (next === '\n' || next === '\r') {
        if (next === '\r' && text[i + 1] === '\n') i++;
        continue;
      }
      current += next;
      inToken = true;
    } else if (c === '"' || c === "'") {
      quote = c;
      inToken = true;
    } else if (/\s/.test(c)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else {
      current += c;
      inToken = true;
    }
  }
  if (quote !== null) throw new ConfigValidationError([{ flag: '(command line)', field: null, message: `unterminated ${quote} quote` }]);
  if (inToken) tokens.push(current);
  return tokens;
}

// ---------------------------------------------------------------------------
// Help text
// ---------------------------------------------------------------------------

function valuePlaceholder(f: PretrainFieldDescription): string {
  if (f.kind === 'fixed') return String(f.default);
  if (f.kind === 'choice') return 'name';
  if (f.kind === 'text') return 'path';
  if (f.kind === 'integerList') return `${f.unit ?? 'integer'} …`;
  return f.unit ?? f.kind;
}

/** `--help` text generated from the field descriptions, grouped like the GUI form. */
export function formatPretrainUsage(): string {
  const fields = describePretrainConfigFields();
  const lines = [
    'Usage: fra-train [--preset <name>] [flags]',
    'Flags follow the reference main.py (dashes and underscores are interchangeable); defaults are the FRA paper values.',
    `  --preset <name>  apply a preset first (${PRETRAIN_PRESET_IDS.join(', ')}); explicit flags override it`,
  ];
  for (const group of FIELD_GROUPS) {
    lines.push('', `${group}:`);
    for (const f of fields.filter((d) => d.group === group)) {
      const spelling = f.kind === 'boolean' ? f.flags.join(', ') : `${f.flags.join(', ')} <${valuePlaceholder(f)}>`;
      const fallback = f.optional ? 'unset' : JSON.stringify(f.default);
      lines.push(`  ${spelling}  ${f.label}. Default ${fallback}; ${f.kind === 'boolean' ? `--no-${f.flag.slice(2)} turns it off` : f.allowed}.`);
    }
  }
  return lines.join('\n');
}
