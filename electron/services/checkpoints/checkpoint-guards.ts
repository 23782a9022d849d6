/**
 * When a checkpoint may not be changed or removed, and why — in words a user can act on.
 *
 * - A run a trainer process holds (its lock is live) has ONE ledger writer: the trainer. Any edit
 *   from here would be overwritten by its next save (the ledger is rewritten whole), so every
 *   change is refused until the run stops.
 * - A checkpoint a run still needs — the one a queued run resumes from, or one a live/queued run
 *   was configured to start from — cannot be deleted.
 * - Retention: tags, pin and a user name are reasons to keep a checkpoint outside the policy.
 *   Taking away the last reason would make the ledger delete the files for good, so the service
 *   asks first (`wouldBeRemoved`) and, with consent, moves them to the trash instead.
 */
import { join } from 'node:path';
import { ApiError } from '../../contract/api-error.js';
import { applyPolicy } from '../../../trainer/run/checkpoint-ledger.js';
import { RUN_FILES, isActiveState, type CheckpointPolicy, type LedgerEntry } from '../../../trainer/run/run-format.js';
import type { RunCheckpoints } from './checkpoint-catalog.js';
import { newestEntry } from './checkpoint-catalog.js';

export function refuseWhileLive(run: RunCheckpoints, action: string): void {
  if (!run.group.live) return;
  throw new ApiError({
    code: 'run-active',
    message: `Cannot ${action}: run "${run.manifest.name}" is training, and while it runs its trainer is the only one allowed to change its checkpoint list.`,
    hint: 'Stop the run (it saves a checkpoint first), then try again.',
  });
}

/**
 * Refuses to delete a checkpoint that a run depends on: the resume point of a queued run, or a
 * checkpoint file named in the configuration of a run that is queued or running (resume,
 * initialise-from, fine-tune-from).
 */
export function refuseIfNeeded(run: RunCheckpoints, entry: LedgerEntry, allRuns: readonly RunCheckpoints[]): void {
  const label = entry.userName !== undefined ? `"${entry.userName}" (${entry.name})` : entry.name;
  refuseWhileLive(run, `delete checkpoint ${label}`);
  if (run.manifest.state === 'queued' && run.ledger !== undefined && newestEntry(run.ledger.entries)?.name === entry.name) {
    throw new ApiError({
      code: 'checkpoint-in-use',
      message: `Checkpoint ${label} is the one run "${run.manifest.name}" will resume from: the run is queued.`,
      hint: 'Stop the queued run first, or delete an older checkpoint.',
    });
  }
  const file = join(run.dir, RUN_FILES.checkpoints, entry.file);
  for (const other of allRuns) {
    if (!(other.manifest.state === 'queued' || isActiveState(other.manifest.state))) continue;
    if (other.group.runId === run.group.runId) continue;
    if (!referencesCheckpoint(other.manifest.config, file, run.group.runId, entry.name, other.manifest.parentRunId)) continue;
    throw new ApiError({
      code: 'checkpoint-in-use',
      message: `Checkpoint ${label} is used by run "${other.manifest.name}", which is ${other.manifest.state}.`,
      hint: 'Wait for that run to end, or stop it, before deleting the checkpoint.',
    });
  }
}

/** A configuration names a checkpoint by its file path, or by name in a run derived from its run. */
function referencesCheckpoint(config: unknown, file: string, runId: string, name: string, parentRunId: string | undefined): boolean {
  const text = JSON.stringify(config ?? null);
  if (text.includes(JSON.stringify(file).slice(1, -1))) return true;
  return parentRunId === runId && text.includes(`"${name}"`);
}

/** True when `changed` (an edit of entry `name`) leaves it outside the retention policy. */
export function wouldBeRemoved(entries: readonly LedgerEntry[], policy: CheckpointPolicy, name: string, change: (entry: LedgerEntry) => LedgerEntry): boolean {
  const next = entries.map((entry) => (entry.name === name ? change(entry) : entry));
  return applyPolicy(next, policy).evict.some((entry) => entry.name === name);
}

export function removalNeedsConsent(entry: LedgerEntry, policy: CheckpointPolicy, action: string): ApiError {
  const label = entry.userName !== undefined ? `"${entry.userName}" (${entry.name})` : entry.name;
  const keeps = [policy.saveLast ? 'the last one' : undefined, policy.saveTopK !== 0 ? `the best ${policy.saveTopK === -1 ? 'all' : policy.saveTopK} by ${policy.monitor}` : undefined]
    .filter((part) => part !== undefined)
    .join(' and ');
  return new ApiError({
    code: 'would-remove',
    message: `${action} would remove checkpoint ${label}: the run keeps ${keeps || 'no checkpoints by itself'}, and nothing else (pin, tag or name) would keep this one.`,
    hint: 'Confirm to go ahead: its files will be moved to the workspace trash. Or pin or tag it to keep it.',
  });
}
