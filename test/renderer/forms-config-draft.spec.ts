import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { describePretrainConfigFields } from '../../trainer/contract/run-config.js';
import { configFromDrafts, differsFromDefault, draftFromValue, draftsFor, valueFromDraft } from '../../renderer/src/components/forms/config-draft.js';
import ConfigField from '../../renderer/src/components/forms/ConfigField.vue';
import { fieldDescriptionSchema, groupFields, parseFieldDescriptions, type FieldDescription } from '../../renderer/src/components/forms/field-description.js';

const field = (overrides: Partial<FieldDescription> & Pick<FieldDescription, 'key' | 'kind'>): FieldDescription =>
  fieldDescriptionSchema.parse({ label: overrides.key, ...overrides });

describe('field descriptions', () => {
  it('reads every field the trainer describes', () => {
    const described = describePretrainConfigFields();
    const parsed = parseFieldDescriptions(described as unknown[]);
    expect(parsed.unreadable).toEqual([]);
    expect(parsed.fields.map((f) => f.key)).toEqual(described.map((f) => f.key));
  });

  it('reports a description it cannot read instead of dropping it silently', () => {
    const parsed = parseFieldDescriptions([{ key: 'lr', label: 'Learning rate', kind: 'number' }, { key: 'weird', label: 'Weird', kind: 'colour' }]);
    expect(parsed.fields.map((f) => f.key)).toEqual(['lr']);
    expect(parsed.unreadable).toHaveLength(1);
    expect(parsed.unreadable[0]).toMatch(/^weird: /);
  });

  it('groups fields in order, advanced ones apart', () => {
    const groups = groupFields([
      field({ key: 'a', kind: 'number', group: 'Model' }),
      field({ key: 'b', kind: 'number', group: 'Data' }),
      field({ key: 'c', kind: 'number', group: 'Model', advanced: true }),
    ]);
    expect(groups.map((g) => [g.name, g.basic.map((f) => f.key), g.advanced.map((f) => f.key)])).toEqual([
      ['Model', ['a'], ['c']],
      ['Data', ['b'], []],
    ]);
  });
});

describe('drafts and values', () => {
  const lr = field({ key: 'lr', kind: 'number', default: 0.9 });
  const maxSteps = field({ key: 'maxSteps', kind: 'integer', optional: true });
  const schedule = field({ key: 'schedule', kind: 'integerList', default: [120, 160] });
  const cosine = field({ key: 'cosine', kind: 'boolean', default: true });
  const resume = field({ key: 'resume', kind: 'text', optional: true });
  const maskType = field({ key: 'maskType', kind: 'fixed', default: 'attn' });

  it('turns typed text into values', () => {
    expect(valueFromDraft(lr, '0.5')).toEqual({ value: 0.5, problem: null });
    expect(valueFromDraft(lr, ' 1e-3 ')).toEqual({ value: 0.001, problem: null });
    expect(valueFromDraft(schedule, '30, 60 90')).toEqual({ value: [30, 60, 90], problem: null });
    expect(valueFromDraft(cosine, false)).toEqual({ value: false, problem: null });
    expect(valueFromDraft(maskType, 'anything')).toEqual({ value: 'attn', problem: null });
  });

  it('says what is not a value yet, and still sends what was typed for the host to judge', () => {
    expect(valueFromDraft(lr, 'abc')).toEqual({ value: 'abc', problem: '"abc" is not a number' });
    expect(valueFromDraft(lr, '1e')).toMatchObject({ problem: '"1e" is not a number' });
    expect(valueFromDraft(lr, '')).toEqual({ value: undefined, problem: 'enter a value (FRA default: 0.9)' });
    expect(valueFromDraft(schedule, '30, x')).toMatchObject({ problem: expect.stringMatching(/"x" is not a number/) });
  });

  it('leaves empty optional fields out of the configuration', () => {
    const { config, problems } = configFromDrafts([lr, maxSteps, resume], { lr: '0.5', maxSteps: '', resume: '' });
    expect(config).toEqual({ lr: 0.5 });
    expect(problems).toEqual({});
  });

  it('fills drafts from a preset over the defaults and notices changes', () => {
    const drafts = draftsFor([lr, schedule, cosine, maxSteps], { lr: 0.028125 });
    expect(drafts).toEqual({ lr: '0.028125', schedule: '120, 160', cosine: true, maxSteps: '' });
    expect(differsFromDefault(lr, drafts['lr'])).toBe(true);
    expect(differsFromDefault(schedule, drafts['schedule'])).toBe(false);
    expect(draftFromValue(cosine, undefined)).toBe(false);
  });
});

describe('ConfigField', () => {
  const batch = field({
    key: 'batchSize',
    kind: 'integer',
    label: 'Batch size',
    help: 'Images per view per step.',
    unit: 'images',
    default: 512,
    allowed: 'an integer from 2 to 65536',
    mainPyDefault: 256,
    flag: '--batch-size',
  });

  it('shows label, unit, allowed range, FRA default and the problem, wired for assistive technology', () => {
    const wrapper = mount(ConfigField, {
      props: { field: batch, id: 'f-batch', modelValue: '1', problem: 'got 1; must be an integer from 2 to 65536', inputTestId: 'in-batch', problemTestId: 'problem-batch' },
    });
    const input = wrapper.get('[data-testid="in-batch"]');
    expect(input.attributes('id')).toBe('f-batch');
    expect(wrapper.get('label[for="f-batch"]').text()).toContain('Batch size');
    expect(wrapper.text()).toContain('images');
    expect(wrapper.text()).toContain('Allowed: an integer from 2 to 65536');
    expect(wrapper.text()).toContain('FRA default: 512 (reference main.py: 256)');
    expect(wrapper.get('[data-testid="problem-batch"]').text()).toBe('got 1; must be an integer from 2 to 65536');
    expect(input.attributes('aria-invalid')).toBe('true');
    expect(input.attributes('aria-describedby')).toContain('f-batch-problem');
    expect(wrapper.text()).toContain('changed');
  });

  it('emits the typed text and picks a control per kind', async () => {
    const wrapper = mount(ConfigField, { props: { field: batch, id: 'f', modelValue: '512', inputTestId: 'in' } });
    await wrapper.get('[data-testid="in"]').setValue('64');
    expect(wrapper.emitted('update:modelValue')?.at(-1)).toEqual(['64']);

    const choice = mount(ConfigField, {
      props: { field: field({ key: 'norm', kind: 'choice', choices: [{ value: 'SyncBN', label: 'SyncBN (paper)' }, { value: 'BN', label: 'Plain' }] }), id: 'c', modelValue: 'BN', inputTestId: 'in' },
    });
    expect(choice.get('[data-testid="in"]').element.tagName).toBe('SELECT');
    expect((choice.get('[data-testid="in"]').element as HTMLSelectElement).value).toBe('BN');

    const check = mount(ConfigField, { props: { field: field({ key: 'cos', kind: 'boolean', default: true }), id: 'b', modelValue: true, inputTestId: 'in' } });
    expect((check.get('[data-testid="in"]').element as HTMLInputElement).checked).toBe(true);

    const fixed = mount(ConfigField, { props: { field: field({ key: 'maskType', kind: 'fixed', default: 'attn', allowed: 'FRAB only runs with attn' }), id: 'x', modelValue: '', inputTestId: 'in' } });
    expect(fixed.get('[data-testid="in"]').element.tagName).toBe('OUTPUT');
    expect(fixed.text()).toContain('Fixed: FRAB only runs with attn');
  });
});
