/**
 * Start-up truthfulness. A run whose manifest says starting/running/paused/stopping but whose
 * writer is gone (no lock, or a lock whose process is dead or from before a reboot) did not
 * finish: the app or the machine died with it. Such runs are marked `crashed` right away, so no
 * run stays "running" forever (MLflow #10510, Lightning #10397, W&B #1526).
 *
 * Nothing of the run is thrown away: a metrics line torn by the crash is cut off (it was
 * unreadable anyway; the count is recorded), interrupted checkpoint writes are cleaned up or
 * adopted (checkpoint-ledger reconcile), and the event log says where the run can resume from.
 */
import { repairIncompleteTail, type TailRepair } from '../../../trainer/run/json-lines.js';
import { metricsPathOf, readLastMetricsRecord } from '../../../trainer/run/metrics-log.js';
import { inspectRunLock, type LockInspection } from '../../../trainer/run/run-lock.js';
import { isActiveState, type RunLockInfo, type RunState } from '../../../trainer/run/run-format.js';
import type { ReconcileReport } from '../../../trainer/run/checkpoint-ledger.js';
import type { RunStore } from './run-store.js';

export const CRASH_REASON = 'the trainer process ended without saying goodbye (the app or machine may have crashed)';

export interface RecoveredRun {
  id: string;
  previousState: RunState;
  /** How we know the writer is gone. */
  evidence: string;
  lastMetricsStep: number | undefined;
  /** The checkpoint a resume would start from, if any is kept. */
  resumeFrom: { name: string; step: number; epoch: number } | undefined;
  metricsRepair: TailRepair;
  checkpoints: ReconcileReport | undefined;
}

export interface RecoveryReport {
  recovered: RecoveredRun[];
  /** Active runs whose writer is alive on this machine (e.g. a trainer that outlived a previous app instance). */
  stillRunning: { id: string; holder: RunLockInfo }[];
  /** Active runs locked by a process on another machine: left as they are. */
  elsewhere: { id: string; holder: RunLockInfo }[];
  /** Runs that could not be recovered (e.g. a read-only disk); start-up carries on without them. */
  failures: { id: string; error: string }[];
}

export async function recoverStaleRuns(store: RunStore): Promise<RecoveryReport> {
  const report: RecoveryReport = { recovered: [], stillRunning: [], elsewhere: [], failures: [] };
  await store.removeAbandonedCreations().catch(() => undefined);
  for (const listing of await store.listRuns()) {
    if (listing.status !== 'ok' || !isActiveState(listing.manifest.state)) continue;
    const { id } = listing;
    try {
      const lock = await inspectRunLock(listing.dir);
      if (lock.status === 'held') {
        report.stillRunning.push({ id, holder: lock.info });
        continue;
      }
      if (lock.status === 'held-elsewhere') {
        report.elsewhere.push({ id, holder: lock.info });
        continue;
      }
      report.recovered.push(await recoverOne(store, id, listing.dir, listing.manifest.state, lock));
    } catch (error) {
      report.failures.push({ id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return report;
}

async function recoverOne(store: RunStore, id: string, dir: string, previousState: RunState, lock: Extract<LockInspection, { status: 'free' | 'stale' }>): Promise<RecoveredRun> {
  const evidence = lock.status === 'stale' ? lock.reason : 'no process holds the run lock';
  // Cut a torn last line before anyone appends after it (a resumed trainer, for instance).
  const metricsRepair = await repairIncompleteTail(metricsPathOf(dir));
  const lastMetrics = await readLastMetricsRecord(dir);
  let checkpoints: ReconcileReport | undefined;
  let resumeFrom: RecoveredRun['resumeFrom'];
  try {
    const ledger = await store.openLedger(id);
    checkpoints = await ledger.reconcile();
    const latest = ledger.latest();
    if (latest !== undefined) resumeFrom = { name: latest.name, step: latest.step, epoch: latest.epoch };
  } catch {
    // A damaged ledger must not keep the run "running"; the checkpoint files are untouched.
  }
  await store.transition(id, 'crashed', CRASH_REASON);
  const progress = lastMetrics === undefined ? 'No metrics were logged.' : `Metrics are intact up to step ${lastMetrics.step}.`;
  const resume = resumeFrom === undefined ? 'No checkpoint was saved, so it cannot be resumed.' : `It can be resumed from checkpoint ${resumeFrom.name} (step ${resumeFrom.step}).`;
  const torn = metricsRepair.action === 'truncated' ? ` An incomplete last metrics line (${metricsRepair.bytes} bytes) was removed.` : '';
  await store
    .appendEvent(id, {
      type: 'recovered',
      message: `Marked crashed on start-up: ${evidence}. ${progress} ${resume}${torn}`,
      data: {
        evidence,
        previousState,
        lastMetricsStep: lastMetrics?.step ?? null,
        resumeFrom: resumeFrom === undefined ? null : { ...resumeFrom },
        adoptedCheckpoints: checkpoints?.adopted ?? [],
        removedIncompleteCheckpoints: checkpoints?.removedIncomplete ?? [],
      },
    })
    .catch(() => undefined);
  return { id, previousState, evidence, lastMetricsStep: lastMetrics?.step, resumeFrom, metricsRepair, checkpoints };
}
