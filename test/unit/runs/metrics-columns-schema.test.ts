/**
 * The contract's check of metrics columns (electron/contract/metrics-columns-schema.ts): the same
 * meaning as z.array(z.number().nullable()) — finite numbers, null where allowed — plus equal
 * lengths, checked in one loop per column, with messages that point at the bad element; valid
 * columns pass through without being copied. Also checked end to end through the dispatcher.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { createApiDispatcher, type ApiHandlers } from '../../../electron/contract/api-dispatcher.js';
import { firstInvalidIndex, metricsColumnsSchema } from '../../../electron/contract/metrics-columns-schema.js';
import { runsMethods } from '../../../electron/contract/runs-api.js';

const valid = () => ({ step: [1, 2, 3], epoch: [0, 0, null], time: [null, 5, 6], series: { 'loss/total': [3, null, 2.5], lr: [0.1, 0.1, 0.1] } });

function problem(value: unknown): string {
  const parsed = metricsColumnsSchema.safeParse(value);
  assert.equal(parsed.success, false, 'expected the columns to be rejected');
  return parsed.success ? '' : z.prettifyError(parsed.error);
}

describe('metrics columns schema', () => {
  it('accepts valid columns and passes the arrays through uncopied', () => {
    const columns = valid();
    const parsed = metricsColumnsSchema.parse(columns);
    assert.equal(parsed.step, columns.step);
    assert.equal(parsed.series['loss/total'], columns.series['loss/total']);
    assert.deepEqual(parsed, columns);
    assert.ok(metricsColumnsSchema.safeParse({ step: [], epoch: [], time: [], series: {} }).success);
  });

  it('rejects a value of the wrong type, naming the column and the element', () => {
    assert.match(problem({ ...valid(), series: { lr: [0.1, '0.2', 0.3] } }), /element 1 is the string "0\.2", expected a finite number or null[\s\S]*series\.lr/);
    assert.match(problem({ ...valid(), step: [1, null, 3] }), /element 1 is null, expected a finite number[\s\S]*step/);
    assert.match(problem({ ...valid(), epoch: [0, Number.NaN, 0] }), /element 1 is NaN/);
    assert.match(problem({ ...valid(), time: [1, 2, Number.POSITIVE_INFINITY] }), /element 2 is Infinity/);
    assert.match(problem({ ...valid(), series: { lr: 'all of them' } }), /expected an array of numbers, got the string/);
    assert.match(problem({ ...valid(), series: { lr: [[1], 2, 3] } }), /element 0 is an array/);
  });

  it('rejects columns that are not as long as step', () => {
    assert.match(problem({ ...valid(), series: { lr: [0.1, 0.2] } }), /has 2 values but step has 3[\s\S]*series\.lr/);
    assert.match(problem({ ...valid(), epoch: [0, 0, 0, 0] }), /has 4 values but step has 3[\s\S]*epoch/);
  });

  it('finds the first invalid element of a long column', () => {
    const column: (number | null)[] = Array.from({ length: 1_000_000 }, (_, i) => (i % 3 === 0 ? null : i));
    assert.equal(firstInvalidIndex(column, true), -1);
    assert.equal(firstInvalidIndex(column, false), 0);
    column[765_432] = Number.NaN;
    assert.equal(firstInvalidIndex(column, true), 765_432);
  });

  it('the dispatcher refuses a handler answer whose columns disagree in length', async () => {
    const handlers = {
      'runs.metrics': () => ({ columns: { ...valid(), time: [1] }, lastStep: 3, truncated: false }),
    } as unknown as ApiHandlers;
    const response = await createApiDispatcher(handlers).dispatch('runs.metrics', { runId: 'run-1' });
    assert.equal(response.ok, false);
    assert.match(response.ok ? '' : response.error.message, /does not match the contract[\s\S]*has 1 values but step has 3[\s\S]*time/);
    assert.ok(runsMethods['runs.metrics'].output.safeParse({ columns: valid(), lastStep: 3, truncated: false }).success);
  });
});
