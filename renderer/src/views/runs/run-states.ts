// What each run state means to a person, and which controls it allows. Mirrors the transitions
// of trainer/run/run-format.ts (RUN_TRANSITIONS): a button is enabled only when the host would
// accept the action in this state.
import type { RunSummary } from '@contract/api';

type RunState = RunSummary['state'];

export const STATE_LABELS: Readonly<Record<RunState, string>> = {
  queued: 'Queued',
  starting: 'Starting',
  running: 'Running',
  paused: 'Paused',
  stopping: 'Stopping',
  stopped: 'Stopped',
  finished: 'Finished',
  failed: 'Failed',
  crashed: 'Crashed',
};

/** Colour family of the state badge. */
export type StateTone = 'neutral' | 'active' | 'paused' | 'ok' | 'danger';

export const STATE_TONES: Readonly<Record<RunState, StateTone>> = {
  queued: 'neutral',
  starting: 'active',
  running: 'active',
  paused: 'paused',
  stopping: 'paused',
  stopped: 'neutral',
  finished: 'ok',
  failed: 'danger',
  crashed: 'danger',
};

export const canPause = (state: RunState): boolean => state === 'running';
export const canResume = (state: RunState): boolean => state === 'paused';
export const canStop = (state: RunState): boolean => state === 'queued' || state === 'starting' || state === 'running' || state === 'paused';
export const canRestart = (state: RunState): boolean => state === 'stopped' || state === 'failed' || state === 'crashed';
/** The host refuses to trash a run while a trainer process holds it. */
export const canDelete = (state: RunState): boolean => !['starting', 'running', 'paused', 'stopping'].includes(state);

/** Fraction of the run done, from its progress; null when unknown. */
export function progressFraction(run: Pick<RunSummary, 'progress' | 'state'>): number | null {
  if (run.state === 'finished') return 1;
  const p = run.progress;
  if (p === null || p.totalSteps <= 0) return null;
  return Math.min(1, p.step / p.totalSteps);
}
