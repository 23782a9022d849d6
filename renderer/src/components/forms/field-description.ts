// What a generated form knows about one field: the JSON the host sends for each configuration
// field (trainer/contract/run-config.ts `describePretrainConfigFields()`), read defensively — a
// field this renderer cannot interpret is reported, never silently dropped or guessed at.
import { z } from 'zod';

export const FIELD_KINDS = ['number', 'integer', 'choice', 'boolean', 'text', 'integerList', 'fixed'] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

const rangeSchema = z.object({
  min: z.number().nullable(),
  minExclusive: z.boolean().default(false),
  max: z.number().nullable(),
  maxExclusive: z.boolean().default(false),
  multipleOf: z.number().nullable().default(null),
});

export const fieldDescriptionSchema = z.object({
  key: z.string().min(1),
  label: z.string().min(1),
  help: z.string().default(''),
  group: z.string().default('Other'),
  kind: z.enum(FIELD_KINDS),
  unit: z.string().nullable().default(null),
  advanced: z.boolean().default(false),
  default: z.json().nullable().default(null),
  optional: z.boolean().default(false),
  range: rangeSchema.nullable().default(null),
  choices: z.array(z.object({ value: z.string(), label: z.string() })).nullable().default(null),
  /** Human phrase for what is accepted, e.g. "> 0 and ≤ 100". */
  allowed: z.string().default(''),
  flag: z.string().default(''),
  mainPyDefault: z.json().nullable().default(null),
  referenceConstant: z.boolean().default(false),
  deviation: z.string().nullable().default(null),
});
export type FieldDescription = z.infer<typeof fieldDescriptionSchema>;

export interface ParsedFields {
  fields: FieldDescription[];
  /** Entries that could not be read, with why (shown to the user: the form is incomplete). */
  unreadable: string[];
}

export function parseFieldDescriptions(raw: readonly unknown[]): ParsedFields {
  const fields: FieldDescription[] = [];
  const unreadable: string[] = [];
  raw.forEach((entry, index) => {
    const parsed = fieldDescriptionSchema.safeParse(entry);
    if (parsed.success) fields.push(parsed.data);
    else {
      const key = typeof entry === 'object' && entry !== null && 'key' in entry ? String((entry as { key: unknown }).key) : `#${index + 1}`;
      unreadable.push(`${key}: ${z.prettifyError(parsed.error).split('\n')[0] ?? 'unreadable description'}`);
    }
  });
  return { fields, unreadable };
}

export interface FieldGroup {
  name: string;
  basic: FieldDescription[];
  advanced: FieldDescription[];
}

/** Fields by group, groups in first-appearance order, field order kept. */
export function groupFields(fields: readonly FieldDescription[]): FieldGroup[] {
  const groups = new Map<string, FieldGroup>();
  for (const field of fields) {
    let group = groups.get(field.group);
    if (group === undefined) {
      group = { name: field.group, basic: [], advanced: [] };
      groups.set(field.group, group);
    }
    (field.advanced ? group.advanced : group.basic).push(field);
  }
  return [...groups.values()];
}

/** A value as a person reads it in a form: lists comma-separated, "unset" for nothing. */
export function displayValue(value: JsonValue | undefined): string {
  if (value === undefined || value === null || value === '') return 'unset';
  if (Array.isArray(value)) return value.map((v) => displayValue(v)).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
