/**
 * The read side of the checkpoints service: every run's kept checkpoints, read straight from
 * `run.json` and `checkpoints/ledger.json`. Reading never writes: `CheckpointLedger.open` would
 * create a missing ledger or finish pending deletions, which must not happen behind the back of a
 * trainer that holds the run (it is the ledger's one writer while it runs).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointRunGroup, CheckpointSummary } from '../../contract/checkpoints-api.js';
import { inspectRunLock } from '../../../trainer/run/run-lock.js';
import { RUN_FILES, describeSchemaProblems, ledgerDocumentSchema, type LedgerDocument, type LedgerEntry, type RunManifest } from '../../../trainer/run/run-format.js';
import type { RunStore } from '../runs/run-store.js';

export interface RunCheckpoints {
  group: CheckpointRunGroup;
  dir: string;
  manifest: RunManifest;
  ledger: LedgerDocument | undefined;
}

/** Facts about the model a run trains, from its stored configuration (JSON, read defensively). */
export function modelFactsOf(config: unknown): { backbone: string | null; imageSize: number | null; numRegions: number | null } {
  const record = typeof config === 'object' && config !== null && !Array.isArray(config) ? (config as Record<string, unknown>) : {};
  const positiveInt = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null);
  return {
    backbone: typeof record['backbone'] === 'string' ? record['backbone'] : null,
    imageSize: positiveInt(record['imageSize']),
    numRegions: positiveInt(record['numProto']),
  };
}

/** The newest entry (what a resume starts from), by the ledger's own rule: latest save time, then step. */
export function newestEntry(entries: readonly LedgerEntry[]): LedgerEntry | undefined {
  let best: LedgerEntry | undefined;
  for (const entry of entries) {
    if (best === undefined || entry.createdAt > best.createdAt || (entry.createdAt === best.createdAt && entry.step > best.step)) best = entry;
  }
  return best;
}

export async function readRunCheckpoints(store: RunStore, runId: string, dir: string, manifest: RunManifest): Promise<RunCheckpoints> {
  const lock = await inspectRunLock(dir).catch(() => undefined);
  const live = lock?.status === 'held' || lock?.status === 'held-elsewhere';
  const base = {
    runId,
    runName: manifest.name,
    runKind: manifest.kind,
    runState: manifest.state,
    runCreatedAt: manifest.createdAt,
    live,
  };
  const read = await readLedger(join(store.pathsOf(runId).checkpoints, RUN_FILES.ledger));
  if (read.problem !== undefined) return { group: { ...base, checkpoints: [], problem: read.problem }, dir, manifest, ledger: undefined };
  const ledger = read.doc;
  if (ledger === undefined) return { group: { ...base, checkpoints: [] }, dir, manifest, ledger };
  const facts = modelFactsOf(manifest.config);
  // A finished run never continues; any other run resumes from its newest checkpoint.
  const resumeName = manifest.state === 'finished' ? undefined : newestEntry(ledger.entries)?.name;
  const checkpoints = ledger.entries.map(
    (entry): CheckpointSummary => ({
      runId,
      runName: manifest.name,
      runKind: manifest.kind,
      runState: manifest.state,
      name: entry.name,
      ...(entry.userName !== undefined ? { userName: entry.userName } : {}),
      epoch: entry.epoch,
      step: entry.step,
      metrics: entry.metrics,
      monitor: {
        key: ledger.policy.monitor,
        mode: ledger.policy.mode,
        value: entry.monitorValue,
        ...(entry.rank !== undefined ? { rank: entry.rank } : {}),
      },
      sizeBytes: entry.sizeBytes,
      sha256: entry.sha256,
      createdAt: entry.createdAt,
      tags: entry.tags,
      markers: entry.markers,
      ...facts,
      resumePoint: entry.name === resumeName,
      path: join(store.pathsOf(runId).checkpoints, entry.file),
    }),
  );
  return { group: { ...base, policy: ledger.policy, checkpoints }, dir, manifest, ledger };
}

/** Every readable run, newest first. Damaged run folders are the runs view's to show. */
export async function listRunCheckpoints(store: RunStore): Promise<RunCheckpoints[]> {
  const runs = await store.listRuns();
  const out: RunCheckpoints[] = [];
  for (const run of runs) {
    if (run.status !== 'ok') continue;
    out.push(await readRunCheckpoints(store, run.id, run.dir, run.manifest));
  }
  return out;
}

async function readLedger(path: string): Promise<{ doc?: LedgerDocument; problem?: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    return { problem: `The checkpoint list ${path} cannot be read (${(error as Error).message}).` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {
      problem: `The checkpoint list ${path} is damaged (not JSON). The checkpoint files beside it are untouched: move the damaged file away and reopen the run to rebuild it.`,
    };
  }
  const parsed = ledgerDocumentSchema.safeParse(value);
  if (!parsed.success) return { problem: `${path} is not a checkpoint list this version understands: ${describeSchemaProblems(parsed.error)}.` };
  return { doc: parsed.data };
}
