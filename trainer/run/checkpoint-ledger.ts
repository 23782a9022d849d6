/**
 * Which checkpoints of a run are kept, and why. The policy speaks Lightning's ModelCheckpoint
 * vocabulary (every N epochs/steps, save_last, save_top_k by a monitored metric with min/max),
 * but unlike Lightning the bookkeeping lives on disk in `checkpoints/ledger.json`, rewritten
 * atomically on every change. A resumed run, or a new app instance, re-reads it and keeps
 * exactly the same top-k (Lightning #4911, #18687, #5173 lose it on resume).
 *
 * The trainer writes each checkpoint under its own name (`checkpointNameFor`: rank is ledger
 * metadata, not part of the file name — Lightning #9944) as `<name>.safetensors` + `<name>.json`
 * (trainer/run/checkpoint.ts), then the host calls `register(name)`. Files that fall out of the
 * policy are deleted, never the 'last', pinned, tagged or user-named ones. Deletions go through
 * an intent list in the ledger (`pendingDeletes`) so a crash half-way is finished on the next
 * open instead of leaving files nobody knows about.
 *
 * One ledger writer per run: the holder of the run lock (see run-lock.ts).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { toStorageError } from './disk-errors.js';
import { isProcessAlive } from './run-lock.js';
import {
  LEDGER_FORMAT,
  RUN_FILES,
  checkpointPolicySchema,
  checkpointSidecarSchema,
  describeSchemaProblems,
  ledgerDocumentSchema,
  runTagSchema,
  safeNameSchema,
  type CheckpointPolicy,
  type CheckpointSidecar,
  type LedgerDocument,
  type LedgerEntry,
} from './run-format.js';

/** Lightning's defaults, adapted: keep the last checkpoint and the best one by the total loss, every epoch. */
export const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = { everyNEpochs: 1, saveLast: true, saveTopK: 1, monitor: 'total', mode: 'min' };

export class CheckpointLedgerError extends Error {
  override name = 'CheckpointLedgerError';
}

/** How the ledger writes whole files; a test can inject a failing one (disk full) at this boundary. */
export interface LedgerIo {
  writeFileAtomic(path: string, data: string): Promise<void>;
}

const defaultIo: LedgerIo = { writeFileAtomic };

export interface RegisterResult {
  entry: LedgerEntry;
  /** False when the policy did not keep the new checkpoint itself (e.g. not in the top-k and save_last off). */
  kept: boolean;
  /** Checkpoints whose files were deleted because they fell out of the policy. */
  deleted: string[];
}

export type VerifyResult =
  | { ok: true; name: string; entry: LedgerEntry }
  | { ok: false; name: string; problem: 'not-in-ledger' | 'missing' | 'truncated' | 'checksum-mismatch' | 'sidecar-mismatch'; message: string };

export interface ReconcileReport {
  /** Deletions a crash interrupted, now finished. */
  finishedDeletes: string[];
  /** Leftover temp files of interrupted atomic writes, removed. */
  removedTempFiles: string[];
  /** Complete checkpoints written just before a crash but never registered: verified and registered now. */
  adopted: string[];
  /** Tensor files with no description (a save killed between its two files), removed: they cannot be resumed from. */
  removedIncomplete: string[];
  /** Checkpoint files that are neither in the ledger nor usable (bad checksum, foreign description); left alone. */
  unusable: { name: string; reason: string }[];
  /** Ledger entries whose tensor file is gone. */
  missing: string[];
}

export interface CheckpointDue {
  /** Optimiser steps done so far. */
  step: number;
  /** 0-based epoch the step belongs to. */
  epoch: number;
  /** True when this step closes its epoch. */
  epochEnded: boolean;
}

/** `epoch-0004-step-00001200`: unique per save, sorts by time, says what it is. */
export function checkpointNameFor(position: { epoch: number; globalStep: number }): string {
  return `epoch-${String(position.epoch).padStart(4, '0')}-step-${String(position.globalStep).padStart(8, '0')}`;
}

/**
 * Lightning's trigger rule: every N training steps and/or at the end of every N-th epoch. With
 * neither set, at the end of every epoch (Lightning's default).
 */
export function isCheckpointDue(policy: CheckpointPolicy, at: CheckpointDue): boolean {
  const { everyNSteps, everyNEpochs } = policy;
  if (everyNSteps === undefined && everyNEpochs === undefined) return at.epochEnded;
  if (everyNSteps !== undefined && at.step > 0 && at.step % everyNSteps === 0) return true;
  return everyNEpochs !== undefined && at.epochEnded && (at.epoch + 1) % everyNEpochs === 0;
}

export function checkpointsDirOf(runDir: string): string {
  return join(runDir, RUN_FILES.checkpoints);
}

export class CheckpointLedger {
  readonly dir: string;
  readonly path: string;
  private doc: LedgerDocument;
  private readonly io: LedgerIo;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, doc: LedgerDocument, io: LedgerIo) {
    this.dir = dir;
    this.path = join(dir, RUN_FILES.ledger);
    this.doc = doc;
    this.io = io;
  }

  /**
   * Reads `checkpoints/ledger.json` (creating it with `policy`, or the default, when absent) and
   * finishes any deletion a crash interrupted. A `policy` given for an existing ledger replaces
   * the stored one (the user changed it on resume) and is applied right away.
   */
  static async open(runDir: string, options: { policy?: CheckpointPolicy; io?: LedgerIo } = {}): Promise<CheckpointLedger> {
    const dir = checkpointsDirOf(runDir);
    const io = options.io ?? defaultIo;
    const path = join(dir, RUN_FILES.ledger);
    const policy = options.policy === undefined ? undefined : parsePolicy(options.policy);
    const doc = await readLedgerDocument(path);
    const ledger = new CheckpointLedger(dir, doc ?? emptyDocument(policy ?? DEFAULT_CHECKPOINT_POLICY), io);
    if (doc === undefined) {
      try {
        await mkdir(dir, { recursive: true });
      } catch (error) {
        throw toStorageError(error, { path: dir, action: 'create' });
      }
      await ledger.persist(ledger.doc);
    } else {
      await ledger.finishPendingDeletes();
      if (policy !== undefined && JSON.stringify(policy) !== JSON.stringify(doc.policy)) await ledger.setPolicy(policy);
    }
    return ledger;
  }

  get policy(): CheckpointPolicy {
    return this.doc.policy;
  }

  /** Kept checkpoints, oldest step first. */
  get entries(): readonly LedgerEntry[] {
    return this.doc.entries;
  }

  get(name: string): LedgerEntry | undefined {
    return this.doc.entries.find((entry) => entry.name === name);
  }

  /** The checkpoint a resume starts from: the most recently saved one. */
  latest(): LedgerEntry | undefined {
    return newest(this.doc.entries);
  }

  isDue(at: CheckpointDue): boolean {
    return isCheckpointDue(this.doc.policy, at);
  }

  /**
   * Records the checkpoint `checkpoints/<name>.json` + `.safetensors` the trainer has just
   * written, then applies the policy. Re-registering a name replaces its entry.
   */
  register(name: string): Promise<RegisterResult> {
    return this.serialised(() => this.registerNow(name));
  }

  private async registerNow(name: string): Promise<RegisterResult> {
    const checkedName = parseName(name);
    const sidecar = await this.readSidecar(checkedName);
    let size: number;
    try {
      size = (await stat(join(this.dir, sidecar.tensorsFile))).size;
    } catch (error) {
      throw new CheckpointLedgerError(`Cannot register checkpoint ${checkedName}: its tensor file ${sidecar.tensorsFile} is missing (${(error as Error).message}).`);
    }
    const previous = this.get(checkedName);
    const entry: LedgerEntry = {
      name: checkedName,
      file: sidecar.tensorsFile,
      epoch: sidecar.position.epoch,
      step: sidecar.position.globalStep,
      metrics: sidecar.metrics,
      monitorValue: monitorValueOf(sidecar.metrics, this.doc.policy.monitor),
      sizeBytes: size,
      sha256: sidecar.tensorsSha256,
      createdAt: sidecar.createdAt,
      tags: previous?.tags ?? [],
      markers: previous?.markers.includes('pinned') ? ['pinned'] : [],
      ...(previous?.userName !== undefined ? { userName: previous.userName } : {}),
    };
    const entries = this.doc.entries.filter((e) => e.name !== checkedName).concat(entry);
    const deleted = await this.commit(entries);
    const kept = this.get(checkedName);
    return { entry: kept ?? entry, kept: kept !== undefined, deleted };
  }

  /** Changes the policy and applies it now (which may delete checkpoints that no longer qualify). */
  setPolicy(policy: CheckpointPolicy): Promise<string[]> {
    return this.serialised(async () => {
      const checked = parsePolicy(policy);
      const entries = this.doc.entries.map((e) => ({ ...e, monitorValue: monitorValueOf(e.metrics, checked.monitor) }));
      return this.commit(entries, checked);
    });
  }

  /** Re-reads the tensor file and compares its size and SHA-256 with what was registered. */
  async verify(name: string): Promise<VerifyResult> {
    const entry = this.get(name);
    if (entry === undefined) return { ok: false, name, problem: 'not-in-ledger', message: `There is no checkpoint named ${name} in ${this.path}.` };
    const file = join(this.dir, entry.file);
    const advice = this.adviceAfterLosing(name);
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch {
      return { ok: false, name, problem: 'missing', message: `Checkpoint ${label(entry)} is missing: ${file} does not exist. ${advice}` };
    }
    if (size !== entry.sizeBytes) {
      return {
        ok: false,
        name,
        problem: 'truncated',
        message: `Checkpoint ${label(entry)} is truncated or was overwritten: ${file} has ${size} bytes, ${entry.sizeBytes} were saved. It will not be loaded. ${advice}`,
      };
    }
    const digest = await sha256OfFile(file);
    if (digest !== entry.sha256) {
      return {
        ok: false,
        name,
        problem: 'checksum-mismatch',
        message: `Checkpoint ${label(entry)} is corrupted: the checksum of ${file} no longer matches (expected ${entry.sha256.slice(0, 12)}…, got ${digest.slice(0, 12)}…). It will not be loaded. ${advice}`,
      };
    }
    const sidecar = await this.readSidecar(name).catch(() => undefined);
    if (sidecar === undefined || sidecar.tensorsSha256 !== entry.sha256) {
      return {
        ok: false,
        name,
        problem: 'sidecar-mismatch',
        message: `Checkpoint ${label(entry)}: its description ${name}.json is missing or describes other tensors. It will not be loaded. ${advice}`,
      };
    }
    return { ok: true, name, entry };
  }

  tag(name: string, tags: readonly string[]): Promise<LedgerEntry | undefined> {
    const added = tags.map(parseTag);
    return this.update(name, (entry) => ({ ...entry, tags: [...new Set([...entry.tags, ...added])] }));
  }

  /** Untagging re-applies the policy: an untagged checkpoint outside the policy is deleted (and undefined returned). */
  untag(name: string, tags: readonly string[]): Promise<LedgerEntry | undefined> {
    const removed = new Set(tags);
    return this.update(name, (entry) => ({ ...entry, tags: entry.tags.filter((t) => !removed.has(t)) }));
  }

  /** A display name; the files keep their name (a trainer or a script may be reading them). */
  rename(name: string, userName: string | undefined): Promise<LedgerEntry | undefined> {
    const trimmed = userName?.trim();
    if (trimmed !== undefined && (trimmed.length === 0 || trimmed.length > 200)) throw new CheckpointLedgerError('A checkpoint name must have 1 to 200 characters.');
    return this.update(name, (entry) => {
      const { userName: _old, ...rest } = entry;
      return trimmed === undefined ? rest : { ...rest, userName: trimmed };
    });
  }

  pin(name: string): Promise<LedgerEntry | undefined> {
    return this.update(name, (entry) => ({ ...entry, markers: entry.markers.includes('pinned') ? entry.markers : [...entry.markers, 'pinned'] }));
  }

  /** Unpinning re-applies the policy, so an unpinned checkpoint outside the top-k is deleted. */
  unpin(name: string): Promise<LedgerEntry | undefined> {
    return this.update(name, (entry) => ({ ...entry, markers: entry.markers.filter((m) => m !== 'pinned') }));
  }

  /**
   * Removes a checkpoint the user asked to delete. With `trashDir` its files are moved there
   * (the workspace trash) rather than deleted, so a slip of the mouse is not final.
   */
  delete(name: string, options: { trashDir?: string } = {}): Promise<void> {
    return this.serialised(async () => {
      this.require(name);
      const entries = this.doc.entries.filter((e) => e.name !== name);
      await this.persist({
        ...this.doc,
        entries: withMarkers(entries, this.doc.policy),
        pendingDeletes: [...this.doc.pendingDeletes, options.trashDir === undefined ? { name } : { name, moveTo: options.trashDir }],
      });
      await this.finishPendingDeletes();
    });
  }

  /**
   * After a crash, while no trainer writes the run (its lock is stale): finishes interrupted
   * deletions, removes temp files of interrupted writes, removes tensor files whose save never
   * completed, and registers complete checkpoints that were written but not yet registered
   * (after verifying their checksum).
   */
  reconcile(): Promise<ReconcileReport> {
    return this.serialised(async () => {
      const report: ReconcileReport = { finishedDeletes: [], removedTempFiles: [], adopted: [], removedIncomplete: [], unusable: [], missing: [] };
      report.finishedDeletes = await this.finishPendingDeletes();
      const names = await readdir(this.dir);
      const present = new Set(names);
      for (const file of names) {
        const temp = /^\..+\.(\d+)\.\d+\.tmp$/.exec(file);
        if (temp !== null) {
          // writeFileAtomic's temp files carry the writer's pid: leave a live writer's alone.
          if (!isProcessAlive(Number(temp[1]))) {
            await unlink(join(this.dir, file)).catch(() => undefined);
            report.removedTempFiles.push(file);
          }
          continue;
        }
        const stem = /^(.+)\.safetensors$/.exec(file)?.[1];
        if (stem !== undefined && !present.has(`${stem}.json`) && this.get(stem) === undefined) {
          await unlink(join(this.dir, file)).catch(() => undefined);
          report.removedIncomplete.push(stem);
        }
      }
      for (const file of names) {
        const stem = /^(.+)\.json$/.exec(file)?.[1];
        if (stem === undefined || file === RUN_FILES.ledger || this.get(stem) !== undefined || !safeNameSchema.safeParse(stem).success) continue;
        const problem = await this.orphanProblem(stem);
        if (problem !== undefined) {
          report.unusable.push({ name: stem, reason: problem });
          continue;
        }
        await this.registerNow(stem);
        report.adopted.push(stem);
      }
      for (const entry of this.doc.entries) {
        if (!(await exists(join(this.dir, entry.file)))) report.missing.push(entry.name);
      }
      return report;
    });
  }

  // -------------------------------------------------------------------------

  private async orphanProblem(name: string): Promise<string | undefined> {
    let sidecar: CheckpointSidecar;
    try {
      sidecar = await this.readSidecar(name);
    } catch (error) {
      return (error as Error).message;
    }
    const file = join(this.dir, sidecar.tensorsFile);
    if (!(await exists(file))) return `its tensor file ${sidecar.tensorsFile} is missing`;
    if ((await sha256OfFile(file)) !== sidecar.tensorsSha256) return `${sidecar.tensorsFile} does not match the checksum in ${name}.json`;
    return undefined;
  }

  private async readSidecar(name: string): Promise<CheckpointSidecar> {
    const path = join(this.dir, `${name}.json`);
    let value: unknown;
    try {
      value = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw new CheckpointLedgerError(`Cannot read the checkpoint description ${path}: ${(error as Error).message}`);
    }
    const parsed = checkpointSidecarSchema.safeParse(value);
    if (!parsed.success) throw new CheckpointLedgerError(`${path} is not a checkpoint description this app understands: ${describeSchemaProblems(parsed.error)}`);
    if (parsed.data.tensorsFile !== `${name}.safetensors`) {
      throw new CheckpointLedgerError(`${path} describes ${parsed.data.tensorsFile}, expected ${name}.safetensors beside it.`);
    }
    return parsed.data;
  }

  /** Applies the policy to `entries`, persists the result (with the files to delete), then deletes them. */
  private async commit(entries: LedgerEntry[], policy: CheckpointPolicy = this.doc.policy): Promise<string[]> {
    const { keep, evict } = applyPolicy(entries, policy);
    // If this write fails nothing was deleted and memory still matches the ledger on disk.
    await this.persist({ ...this.doc, policy, entries: keep, pendingDeletes: [...this.doc.pendingDeletes, ...evict.map((e) => ({ name: e.name }))] });
    await this.finishPendingDeletes();
    return evict.map((e) => e.name);
  }

  /** Changes one entry, then re-applies the policy (so taking away a reason to keep it can delete it). */
  private async update(name: string, change: (entry: LedgerEntry) => LedgerEntry): Promise<LedgerEntry | undefined> {
    return this.serialised(async () => {
      const entry = this.require(name);
      await this.commit(this.doc.entries.map((e) => (e === entry ? change(e) : e)));
      return this.get(name);
    });
  }

  private async finishPendingDeletes(): Promise<string[]> {
    const pending = this.doc.pendingDeletes;
    if (pending.length === 0) return [];
    for (const item of pending) {
      for (const file of [`${item.name}.safetensors`, `${item.name}.json`]) {
        const from = join(this.dir, file);
        try {
          if (item.moveTo !== undefined) await moveFile(from, item.moveTo, file);
          else await unlink(from);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw toStorageError(error, { path: from, action: 'delete' });
        }
      }
    }
    await this.persist({ ...this.doc, pendingDeletes: [] });
    return pending.map((item) => item.name);
  }

  /** Writes `next` atomically and only then adopts it, so memory never runs ahead of the disk. */
  private async persist(next: LedgerDocument): Promise<void> {
    const doc: LedgerDocument = { ...next, updatedAt: new Date().toISOString() };
    try {
      await this.io.writeFileAtomic(this.path, JSON.stringify(doc, null, 2) + '\n');
    } catch (error) {
      const last = newest(this.doc.entries);
      throw toStorageError(error, { path: this.path, action: 'save the checkpoint ledger', ...(last !== undefined ? { lastValidCheckpoint: label(last) } : {}) });
    }
    this.doc = doc;
  }

  private require(name: string): LedgerEntry {
    const entry = this.get(name);
    if (entry === undefined) throw new CheckpointLedgerError(`There is no checkpoint named ${name} in ${this.path}.`);
    return entry;
  }

  private adviceAfterLosing(name: string): string {
    const other = newest(this.doc.entries.filter((e) => e.name !== name));
    return other === undefined ? 'No other checkpoint of this run is kept.' : `Resume from ${label(other)} instead.`;
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

// ---------------------------------------------------------------------------
// The policy itself (pure)
// ---------------------------------------------------------------------------

/**
 * Decides which entries stay. Ranking: by the monitored value (min or max), ties to the later
 * step; entries without a finite value are never ranked. Kept: the top-k (all when -1), the
 * most recently saved entry when saveLast (Lightning's last.ckpt), and anything pinned, tagged or given a name by the user.
 */
export function applyPolicy(entries: readonly LedgerEntry[], policy: CheckpointPolicy): { keep: LedgerEntry[]; evict: LedgerEntry[] } {
  const marked = withMarkers(entries, policy);
  const keep: LedgerEntry[] = [];
  const evict: LedgerEntry[] = [];
  for (const entry of marked) {
    const userKept = entry.tags.length > 0 || entry.userName !== undefined;
    if (entry.markers.length > 0 || userKept || policy.saveTopK === -1) keep.push(entry);
    else evict.push(entry);
  }
  return { keep, evict };
}

/** Recomputes the 'last' and 'top-k' markers and ranks; 'pinned' is the user's and stays. */
function withMarkers(entries: readonly LedgerEntry[], policy: CheckpointPolicy): LedgerEntry[] {
  const ranked = entries
    .filter((e) => e.monitorValue !== null)
    .sort((a, b) => {
      const diff = (a.monitorValue as number) - (b.monitorValue as number);
      if (diff !== 0) return policy.mode === 'min' ? diff : -diff;
      return b.step - a.step;
    });
  const topK = policy.saveTopK === -1 ? ranked : ranked.slice(0, policy.saveTopK);
  const rankOf = new Map(topK.map((entry, index) => [entry.name, index + 1]));
  const last = policy.saveLast ? newest(entries) : undefined;
  return [...entries]
    .sort((a, b) => a.step - b.step || a.createdAt.localeCompare(b.createdAt))
    .map((entry) => {
      const { rank: _rank, ...rest } = entry;
      const rank = rankOf.get(entry.name);
      const markers = [
        ...(entry === last ? (['last'] as const) : []),
        ...(rank !== undefined ? (['top-k'] as const) : []),
        ...(entry.markers.includes('pinned') ? (['pinned'] as const) : []),
      ];
      return { ...rest, markers, ...(rank !== undefined ? { rank } : {}) };
    });
}

function newest(entries: readonly LedgerEntry[]): LedgerEntry | undefined {
  let best: LedgerEntry | undefined;
  for (const entry of entries) {
    if (best === undefined || entry.createdAt > best.createdAt || (entry.createdAt === best.createdAt && entry.step > best.step)) best = entry;
  }
  return best;
}

function monitorValueOf(metrics: Record<string, number | null>, key: string): number | null {
  const value = metrics[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

function emptyDocument(policy: CheckpointPolicy): LedgerDocument {
  return { format: LEDGER_FORMAT, policy, entries: [], pendingDeletes: [], updatedAt: new Date().toISOString() };
}

async function readLedgerDocument(path: string): Promise<LedgerDocument | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw toStorageError(error, { path, action: 'read' });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CheckpointLedgerError(`${path} is damaged (not JSON: ${(error as Error).message}). The checkpoint files beside it are untouched; move the damaged ledger away and reopen the run to rebuild it from them.`);
  }
  const parsed = ledgerDocumentSchema.safeParse(value);
  if (!parsed.success) {
    throw new CheckpointLedgerError(`${path} is not a checkpoint ledger this app understands: ${describeSchemaProblems(parsed.error)}.`);
  }
  return parsed.data;
}

function parsePolicy(policy: CheckpointPolicy): CheckpointPolicy {
  const parsed = checkpointPolicySchema.safeParse(policy);
  if (!parsed.success) throw new CheckpointLedgerError(`Invalid checkpoint policy: ${describeSchemaProblems(parsed.error)}`);
  return parsed.data;
}

function parseName(name: string): string {
  const parsed = safeNameSchema.safeParse(name);
  if (!parsed.success) throw new CheckpointLedgerError(`Invalid checkpoint name ${JSON.stringify(name)}: ${describeSchemaProblems(parsed.error)}`);
  return parsed.data;
}

function parseTag(tag: string): string {
  const parsed = runTagSchema.safeParse(tag);
  if (!parsed.success) throw new CheckpointLedgerError(`Invalid tag ${JSON.stringify(tag)}: ${describeSchemaProblems(parsed.error)}`);
  return parsed.data;
}

function label(entry: LedgerEntry): string {
  return entry.userName !== undefined ? `"${entry.userName}" (${entry.name})` : entry.name;
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Moves a file into `dir`, across disks if need be (copy, then delete the original). */
async function moveFile(from: string, dir: string, name: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const to = join(dir, name);
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await copyFile(from, to);
    await unlink(from);
  }
}
