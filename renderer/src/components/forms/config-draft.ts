// Between what a person types and the configuration sent to the host. Every control keeps the
// text as typed (so "0." or "1e-" can be finished), and converting to a value reports what cannot
// be a value yet. Values that parse are sent even when out of range: the host's validator is the
// one authority on ranges, and its message is the one shown.
import type { FieldDescription, JsonValue } from './field-description';

/** What a control holds: text for numbers, lists and text; a boolean for checkboxes. */
export type DraftValue = string | boolean;
export type Drafts = Record<string, DraftValue>;

export function draftFromValue(field: FieldDescription, value: JsonValue | undefined): DraftValue {
  if (field.kind === 'boolean') return value === true;
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((v) => String(v)).join(', ');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export interface FieldConversion {
  /** undefined: leave the key out (an optional field left empty). */
  value: JsonValue | undefined;
  /** Why the text is not a value yet; null when it converted. */
  problem: string | null;
}

/** Numbers as people type them; "" and lone signs/dots are not numbers. */
function parseNumber(text: string): number | null {
  const trimmed = text.trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}

export function valueFromDraft(field: FieldDescription, draft: DraftValue | undefined): FieldConversion {
  switch (field.kind) {
    case 'fixed':
      return { value: field.default ?? undefined, problem: null };
    case 'boolean':
      return { value: draft === true, problem: null };
    case 'choice':
    case 'text': {
      const text = typeof draft === 'string' ? draft : '';
      if (text === '' && field.optional) return { value: undefined, problem: null };
      return { value: text, problem: null };
    }
    case 'number':
    case 'integer': {
      const text = typeof draft === 'string' ? draft.trim() : '';
      if (text === '') return field.optional ? { value: undefined, problem: null } : { value: undefined, problem: `enter a value (FRA default: ${String(field.default)})` };
      const value = parseNumber(text);
      if (value === null) return { value: text, problem: `"${text}" is not a number` };
      return { value, problem: null };
    }
    case 'integerList': {
      const text = typeof draft === 'string' ? draft.trim() : '';
      if (text === '') return { value: [], problem: null };
      const items = text.split(/[\s,;]+/).filter((t) => t !== '');
      const values: number[] = [];
      for (const item of items) {
        const value = parseNumber(item);
        if (value === null) return { value: text, problem: `"${item}" is not a number; separate numbers with commas` };
        values.push(value);
      }
      return { value: values, problem: null };
    }
  }
}

export interface DraftConfig {
  config: Record<string, JsonValue>;
  /** Per field key: text that is not a value yet. */
  problems: Record<string, string>;
}

export function configFromDrafts(fields: readonly FieldDescription[], drafts: Drafts): DraftConfig {
  const config: Record<string, JsonValue> = {};
  const problems: Record<string, string> = {};
  for (const field of fields) {
    const { value, problem } = valueFromDraft(field, drafts[field.key]);
    if (problem !== null) problems[field.key] = problem;
    if (value !== undefined) config[field.key] = value;
  }
  return { config, problems };
}

/** Drafts for `values` on top of each field's default (what a preset or a reset produces). */
export function draftsFor(fields: readonly FieldDescription[], values: Readonly<Record<string, JsonValue>> = {}): Drafts {
  const drafts: Drafts = {};
  for (const field of fields) {
    const value = Object.hasOwn(values, field.key) ? values[field.key] : (field.default ?? undefined);
    drafts[field.key] = draftFromValue(field, value);
  }
  return drafts;
}

/** True when the draft differs from the field's FRA default. */
export function differsFromDefault(field: FieldDescription, draft: DraftValue | undefined): boolean {
  if (field.kind === 'fixed') return false;
  return JSON.stringify(valueFromDraft(field, draft).value ?? null) !== JSON.stringify(field.default ?? null);
}
