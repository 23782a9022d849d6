/**
 * The errors of the run store, the trainer host and the config validator, as the ApiErrors the
 * UI shows (code + one-sentence message + what to do), and the `invalid-transition` message that
 * says what state a run is in and what can be done with it from there.
 */
import { ApiError } from '../../contract/api-error.js';
import { ConfigValidationError } from '../../../trainer/contract/run-config.js';
import { RunStorageError } from '../../../trainer/run/disk-errors.js';
import { RunLockedError } from '../../../trainer/run/run-lock.js';
import type { RunState } from '../../../trainer/run/run-format.js';
import { RunStoreError } from './run-store.js';

export function toApiError(error: unknown): unknown {
  if (error instanceof ApiError) return error;
  if (error instanceof RunStoreError) return new ApiError(error.toInfo());
  if (error instanceof RunStorageError) return new ApiError(error.toInfo());
  if (error instanceof RunLockedError) {
    const message = error.message.endsWith(` ${error.hint}`) ? error.message.slice(0, -error.hint.length - 1) : error.message;
    return new ApiError({ code: 'run-active', message, hint: error.hint });
  }
  if (error instanceof ConfigValidationError) {
    return new ApiError({
      code: 'invalid-config',
      message: error.problems.length === 0 ? error.message : `Invalid configuration: ${error.problems.map((p) => `${p.flag}: ${p.message}`).join('; ')}`,
      hint: 'Fix the highlighted fields (each problem names the setting and what it accepts), then try again.',
    });
  }
  return error;
}

/** What each state allows, in the words of the run view's buttons. */
const ACTIONS: Readonly<Record<RunState, readonly string[]>> = {
  queued: ['stop (remove it from the queue)', 'rename', 'tag', 'delete'],
  starting: ['stop', 'rename', 'tag'],
  running: ['pause', 'stop', 'rename', 'tag'],
  paused: ['resume', 'stop', 'rename', 'tag'],
  stopping: ['rename', 'tag (it is saving a checkpoint and will be stopped shortly)'],
  stopped: ['restart (it continues from its latest checkpoint)', 'rename', 'tag', 'delete'],
  finished: ['rename', 'tag', 'delete (a finished run is final: to train further, start a new run)'],
  failed: ['restart (it continues from its latest checkpoint)', 'rename', 'tag', 'delete'],
  crashed: ['restart (it continues from its latest checkpoint)', 'rename', 'tag', 'delete'],
};

/** `Cannot pause run "x": it is stopped.` + `A stopped run can be: restart …`. */
export function invalidTransition(name: string, state: RunState, action: string, why?: string): ApiError {
  return new ApiError({
    code: 'invalid-transition',
    message: `Cannot ${action} run "${name}": it is ${state}${why !== undefined ? ` (${why})` : ''}.`,
    hint: `A ${state} run can be: ${ACTIONS[state].join(', ')}.`,
  });
}
