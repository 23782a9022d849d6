/**
 * Where runs live: one directory per run under `<workspace>/runs/`, with the manifest
 * (`run.json`) as the single source of truth for what a run is and what state it is in. Every
 * manifest change is a validated read-modify-write under a per-run queue, written atomically
 * (temp + fsync + rename). Nothing a user made is deleted directly: runs (and checkpoints the
 * user deletes) go to `<workspace>/trash/` first, and only `purgeTrash` removes them for good.
 *
 * The manifest is written by the host (this service). The trainer writes metrics and
 * checkpoints into the same directory, guarded by the run lock (run-lock.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { syncDirectory, writeFileAtomic } from '../../../trainer/run/atomic-file.js';
import { readAppMetadata } from '../app-metadata.js';
import { CheckpointLedger, DEFAULT_CHECKPOINT_POLICY } from '../../../trainer/run/checkpoint-ledger.js';
import { RunStorageError, osErrorCode, toStorageError } from '../../../trainer/run/disk-errors.js';
import { LineReader, appendLineDurably } from '../../../trainer/run/json-lines.js';
import { inspectRunLock, isProcessAlive } from '../../../trainer/run/run-lock.js';
import {
  RUN_FILES,
  RUN_FORMAT,
  RUN_TRANSITIONS,
  canTransition,
  checkpointPolicySchema,
  describeSchemaProblems,
  runEventSchema,
  runKindSchema,
  runManifestSchema,
  runTagSchema,
  safeNameSchema,
  type CheckpointPolicy,
  type RunEvent,
  type RunManifest,
  type RunState,
} from '../../../trainer/run/run-format.js';

export type RunStoreErrorCode = 'invalid-input' | 'not-found' | 'damaged' | 'invalid-transition' | 'run-active' | 'exists';

export class RunStoreError extends Error {
  override name = 'RunStoreError';
  constructor(
    readonly code: RunStoreErrorCode,
    /** What went wrong, without the hint (`message` carries both, for logs and the CLI). */
    readonly problem: string,
    readonly hint?: string,
  ) {
    super(hint === undefined ? problem : `${problem} ${hint}`);
  }

  /** The error as the UI shows it: what went wrong and what to do, apart. */
  toInfo(): { code: string; message: string; hint?: string } {
    return this.hint === undefined ? { code: this.code, message: this.problem } : { code: this.code, message: this.problem, hint: this.hint };
  }
}

export const createRunInputSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(200),
  kind: runKindSchema,
  config: z.json(),
  seed: z.number().int(),
  appVersion: z.string().min(1).optional(),
  gitCommit: z.string().min(1).optional(),
  backend: z.string().min(1).optional(),
  device: z.string().min(1).optional(),
  parentRunId: safeNameSchema.optional(),
  tags: z.array(runTagSchema).optional(),
  checkpointPolicy: checkpointPolicySchema.optional(),
});
export type CreateRunInput = z.input<typeof createRunInputSchema>;

export interface RunPaths {
  dir: string;
  manifest: string;
  events: string;
  metrics: string;
  checkpoints: string;
  heatmaps: string;
}

export interface OpenedRun {
  id: string;
  dir: string;
  manifest: RunManifest;
  paths: RunPaths;
}

/** A row of the run list: a readable run, or a folder that is not one, with the reason. */
export type RunListing =
  | { status: 'ok'; id: string; dir: string; manifest: RunManifest }
  | { status: 'damaged'; id: string; dir: string; problem: string };

export interface TrashedRun {
  /** Folder name inside trash/runs/ (the run id, suffixed if that id was trashed before). */
  trashId: string;
  runId: string;
  name: string | undefined;
  deletedAt: string;
  dir: string;
}

const trashRecordSchema = z.strictObject({ runId: safeNameSchema, name: z.string().optional(), deletedAt: z.iso.datetime({ offset: true }), from: z.string() });
const TRASH_RECORD = 'trashed.json';
const SPACE_RESERVE = '.space-reserve';
const CREATING_PREFIX = '.creating-';

/** The filesystem calls that can be swapped for a failing one in tests (disk-full injection). */
export interface RunStoreIo {
  writeFileAtomic(path: string, data: string): Promise<void>;
}

export interface RunStoreOptions {
  /** Recorded in new manifests; read from package.json when absent. */
  appVersion?: string;
  io?: RunStoreIo;
  /**
   * Bytes kept in `<workspace>/.space-reserve` and released when the disk fills, so the manifest
   * can still record *why* the run paused. Default 256 KiB; 0 disables.
   */
  reserveBytes?: number;
}

export class RunStore {
  readonly workspaceDir: string;
  readonly runsDir: string;
  readonly trashDir: string;
  private readonly io: RunStoreIo;
  private readonly reserveBytes: number;
  private appVersion: string | undefined;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(workspaceDir: string, options: RunStoreOptions = {}) {
    this.workspaceDir = workspaceDir;
    this.runsDir = join(workspaceDir, 'runs');
    this.trashDir = join(workspaceDir, 'trash');
    this.io = options.io ?? { writeFileAtomic };
    this.reserveBytes = options.reserveBytes ?? 256 * 1024;
    this.appVersion = options.appVersion;
  }

  /**
   * Makes sure the workspace exists and can be written (creates it, writes and removes a probe
   * file). Throws a RunStorageError naming the folder and what to do.
   */
  async checkWorkspace(): Promise<void> {
    const probe = join(this.runsDir, `.write-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(this.runsDir, { recursive: true }).catch(async (error: unknown) => {
        throw await explainMkdirFailure(this.runsDir, error);
      });
      const info = await stat(this.runsDir);
      if (!info.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      await writeFile(probe, 'probe');
      await unlink(probe);
    } catch (error) {
      await unlink(probe).catch(() => undefined);
      const code = osErrorCode(error);
      // mkdir -p over an existing *file* reports EEXIST: that is the "file where a folder is needed" case.
      const normalised = code === 'EEXIST' ? Object.assign(new Error('a file is in the way'), { code: 'ENOTDIR' }) : error;
      const wrapped = toStorageError(normalised, { path: this.workspaceDir, action: 'use the workspace' });
      throw new RunStorageError(
        wrapped.code,
        this.workspaceDir,
        `Cannot use the workspace ${this.workspaceDir}: ${wrapped.summary.charAt(0).toLowerCase()}${wrapped.summary.slice(1)}`,
        wrapped.hint,
        { ...(wrapped.osCode !== undefined ? { osCode: wrapped.osCode } : {}), cause: error },
      );
    }
    await this.ensureSpaceReserve();
  }

  runDir(id: string): string {
    return join(this.runsDir, checkId(id));
  }

  pathsOf(id: string): RunPaths {
    const dir = this.runDir(id);
    return {
      dir,
      manifest: join(dir, RUN_FILES.manifest),
      events: join(dir, RUN_FILES.events),
      metrics: join(dir, RUN_FILES.metrics),
      checkpoints: join(dir, RUN_FILES.checkpoints),
      heatmaps: join(dir, RUN_FILES.heatmaps),
    };
  }

  /**
   * Creates a run in state `queued`. The directory is assembled under a hidden name and renamed
   * into place, so a crash never leaves a half-made run in the list.
   */
  async createRun(input: CreateRunInput): Promise<OpenedRun> {
    const parsed = createRunInputSchema.safeParse(input);
    if (!parsed.success) {
      throw new RunStoreError('invalid-input', `Cannot create the run: ${describeSchemaProblems(parsed.error)}.`);
    }
    const fields = parsed.data;
    if (fields.parentRunId !== undefined && !(await exists(join(this.runsDir, fields.parentRunId, RUN_FILES.manifest)))) {
      throw new RunStoreError('invalid-input', `Cannot create the run: parentRunId: there is no run ${fields.parentRunId} in ${this.runsDir}.`);
    }
    await this.checkWorkspace();
    const now = new Date();
    const id = makeRunId(fields.name, now);
    const manifest: RunManifest = runManifestSchema.parse({
      format: RUN_FORMAT,
      id,
      name: fields.name,
      kind: fields.kind,
      createdAt: now.toISOString(),
      config: fields.config,
      seed: fields.seed,
      appVersion: fields.appVersion ?? this.defaultAppVersion(),
      ...(fields.gitCommit !== undefined ? { gitCommit: fields.gitCommit } : {}),
      ...(fields.backend !== undefined ? { backend: fields.backend } : {}),
      ...(fields.device !== undefined ? { device: fields.device } : {}),
      ...(fields.parentRunId !== undefined ? { parentRunId: fields.parentRunId } : {}),
      tags: [...new Set(fields.tags ?? [])],
      state: 'queued',
      stateHistory: [{ state: 'queued', at: now.toISOString(), reason: 'created' }],
    });
    const staging = join(this.runsDir, `${CREATING_PREFIX}${id}.${process.pid}`);
    const final = join(this.runsDir, id);
    try {
      await mkdir(join(staging, RUN_FILES.checkpoints), { recursive: true });
      await mkdir(join(staging, RUN_FILES.heatmaps), { recursive: true });
      await writeFile(join(staging, RUN_FILES.metrics), '');
      await this.io.writeFileAtomic(join(staging, RUN_FILES.manifest), serialise(manifest));
      await appendLineDurably(join(staging, RUN_FILES.events), JSON.stringify(event('created', `Run "${manifest.name}" created.`, { kind: manifest.kind, seed: manifest.seed })));
      await CheckpointLedger.open(staging, { policy: (fields.checkpointPolicy as CheckpointPolicy | undefined) ?? DEFAULT_CHECKPOINT_POLICY, io: this.io });
      await rename(staging, final);
      await syncDirectory(this.runsDir);
    } catch (error) {
      await rm(staging, { recursive: true, force: true }).catch(() => undefined);
      throw toStorageError(error, { path: final, action: 'create the run folder' });
    }
    return { id, dir: final, manifest, paths: this.pathsOf(id) };
  }

  /**
   * Every run folder, newest first, reading only manifests. A folder that is not a readable run
   * is listed as damaged with the reason, never skipped, so nothing disappears silently.
   */
  async listRuns(): Promise<RunListing[]> {
    let names: string[];
    try {
      names = (await readdir(this.runsDir, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name);
    } catch (error) {
      if (osErrorCode(error) === 'ENOENT') return [];
      throw toStorageError(error, { path: this.runsDir, action: 'list' });
    }
    const out: RunListing[] = new Array(names.length);
    // A bounded number of reads in flight: thousands of runs list quickly without exhausting file handles.
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < names.length; i = next++) out[i] = await this.readListing(names[i]!);
    };
    await Promise.all(Array.from({ length: Math.min(16, names.length) }, worker));
    // Ids have one-second resolution; the manifest's createdAt orders runs made within a second.
    return out.sort((a, b) => creationKey(b).localeCompare(creationKey(a)) || b.id.localeCompare(a.id));
  }

  async openRun(id: string): Promise<OpenedRun> {
    const listing = await this.readListing(checkId(id));
    if (listing.status === 'damaged') {
      if (!(await exists(listing.dir))) throw new RunStoreError('not-found', `There is no run ${id} in ${this.runsDir}.`);
      throw new RunStoreError('damaged', `The run folder ${listing.dir} is damaged: ${listing.problem}`);
    }
    return { id, dir: listing.dir, manifest: listing.manifest, paths: this.pathsOf(id) };
  }

  /** Moves a run to `to`, if the state machine allows it (RUN_TRANSITIONS), and records why. */
  async transition(id: string, to: RunState, reason?: string): Promise<RunManifest> {
    let from: RunState | undefined;
    const manifest = await this.updateManifest(id, (current, at) => {
      from = current.state;
      if (!canTransition(current.state, to)) {
        const allowed = RUN_TRANSITIONS[current.state];
        throw new RunStoreError(
          'invalid-transition',
          `Run "${current.name}" is ${current.state}; it cannot become ${to}.`,
          allowed.length === 0 ? `A ${current.state} run does not change state any more.` : `From ${current.state} it can become: ${allowed.join(', ')}.`,
        );
      }
      const change = reason === undefined ? { state: to, at } : { state: to, at, reason };
      return { ...current, state: to, stateHistory: [...current.stateHistory, change] };
    });
    // stateHistory in run.json already holds the change; the event only adds it to the timeline,
    // so a full disk here does not undo or fail the transition.
    await this.appendEvent(id, { type: 'state', message: `${from} → ${to}${reason !== undefined ? `: ${reason}` : ''}`, data: { from: from ?? null, to, ...(reason !== undefined ? { reason } : {}) } }).catch(
      (error: unknown) => {
        if (!(error instanceof RunStorageError)) throw error;
      },
    );
    return manifest;
  }

  async rename(id: string, name: string): Promise<RunManifest> {
    const checked = z.string().trim().min(1).max(200).safeParse(name);
    if (!checked.success) throw new RunStoreError('invalid-input', `Cannot rename the run: the name ${describeSchemaProblems(checked.error)}.`);
    let old = '';
    const manifest = await this.updateManifest(id, (current) => {
      old = current.name;
      return { ...current, name: checked.data };
    });
    await this.appendEvent(id, { type: 'renamed', message: `Renamed from "${old}" to "${manifest.name}".` });
    return manifest;
  }

  async tag(id: string, tags: readonly string[]): Promise<RunManifest> {
    const added = parseTags(tags);
    return this.updateManifest(id, (current) => ({ ...current, tags: [...new Set([...current.tags, ...added])] }));
  }

  async untag(id: string, tags: readonly string[]): Promise<RunManifest> {
    const removed = new Set(tags);
    return this.updateManifest(id, (current) => ({ ...current, tags: current.tags.filter((t) => !removed.has(t)) }));
  }

  /** Appends to the run's event log (one line, fsynced). */
  async appendEvent(id: string, input: { type: string; message: string; data?: Record<string, z.core.util.JSONType> }): Promise<RunEvent> {
    const parsed = runEventSchema.safeParse({ at: new Date().toISOString(), ...input });
    if (!parsed.success) throw new RunStoreError('invalid-input', `Invalid run event: ${describeSchemaProblems(parsed.error)}.`);
    const path = this.pathsOf(id).events;
    if (!(await exists(this.runDir(id)))) throw new RunStoreError('not-found', `There is no run ${id} in ${this.runsDir}.`);
    try {
      await appendLineDurably(path, JSON.stringify(parsed.data));
    } catch (error) {
      throw toStorageError(error, { path, action: 'append to' });
    }
    return parsed.data;
  }

  /** The event log, tolerating a torn last line and skipping (counting) lines that are not events. */
  async readEvents(id: string): Promise<{ events: RunEvent[]; invalidLines: number; incompleteLastLine: boolean }> {
    const path = this.pathsOf(id).events;
    const events: RunEvent[] = [];
    let invalidLines = 0;
    const reader = new LineReader(path);
    try {
      for await (const lines of reader.batches()) {
        for (const line of lines) {
          const parsed = runEventSchema.safeParse(tryJson(line.text));
          if (parsed.success) events.push(parsed.data);
          else invalidLines++;
        }
      }
    } catch (error) {
      if (osErrorCode(error) === 'ENOENT') return { events, invalidLines, incompleteLastLine: false };
      throw toStorageError(error, { path, action: 'read' });
    }
    return { events, invalidLines, incompleteLastLine: reader.tail !== undefined };
  }

  /** The checkpoint ledger of a run (see checkpoint-ledger.ts). */
  async openLedger(id: string, policy?: CheckpointPolicy): Promise<CheckpointLedger> {
    return CheckpointLedger.open(this.runDir(id), { ...(policy !== undefined ? { policy } : {}), io: this.io });
  }

  /**
   * Deletes a checkpoint at the user's request: its files go to
   * `trash/checkpoints/<run id>/<deletion time>/`, so deleting a same-named checkpoint again
   * never overwrites an earlier trashed copy. Returns that folder.
   */
  async deleteCheckpoint(id: string, name: string): Promise<string> {
    const ledger = await this.openLedger(id);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').replace('.', '-').slice(0, 19);
    const trashDir = join(this.trashDir, 'checkpoints', checkId(id), `${stamp}-${randomBytes(2).toString('hex')}`);
    await ledger.delete(name, { trashDir });
    await this.appendEvent(id, { type: 'checkpoint-deleted', message: `Checkpoint ${name} moved to the workspace trash (${trashDir}).`, data: { name, trashDir } });
    return trashDir;
  }

  /**
   * Moves a run to `<workspace>/trash/runs/`. Refused while a live process writes it: a run in
   * progress is stopped first, not deleted from under its trainer.
   */
  async delete(id: string): Promise<TrashedRun> {
    const opened = await this.readListing(checkId(id));
    if (!(await exists(opened.dir))) throw new RunStoreError('not-found', `There is no run ${id} in ${this.runsDir}.`);
    const lock = await inspectRunLock(opened.dir);
    if (lock.status === 'held' || lock.status === 'held-elsewhere') {
      throw new RunStoreError('run-active', `Run ${id} is being written by ${lock.info.owner} (process ${lock.info.pid} on ${lock.info.hostname}).`, 'Stop it before deleting it.');
    }
    return this.serialised(id, async () => {
      const trashRuns = join(this.trashDir, 'runs');
      const deletedAt = new Date().toISOString();
      let trashId = id;
      for (let n = 2; await exists(join(trashRuns, trashId)); n++) trashId = `${id}.${n}`;
      const target = join(trashRuns, trashId);
      try {
        await mkdir(trashRuns, { recursive: true });
        await this.io.writeFileAtomic(
          join(opened.dir, TRASH_RECORD),
          serialise({ runId: id, ...(opened.status === 'ok' ? { name: opened.manifest.name } : {}), deletedAt, from: opened.dir }),
        );
        await rename(opened.dir, target);
        await syncDirectory(this.runsDir);
      } catch (error) {
        throw toStorageError(error, { path: opened.dir, action: 'move to the trash' });
      }
      return { trashId, runId: id, name: opened.status === 'ok' ? opened.manifest.name : undefined, deletedAt, dir: target };
    });
  }

  async listTrash(): Promise<TrashedRun[]> {
    const trashRuns = join(this.trashDir, 'runs');
    let names: string[];
    try {
      names = await readdir(trashRuns);
    } catch (error) {
      if (osErrorCode(error) === 'ENOENT') return [];
      throw toStorageError(error, { path: trashRuns, action: 'list' });
    }
    const out: TrashedRun[] = [];
    for (const trashId of names.sort()) {
      const dir = join(trashRuns, trashId);
      const record = trashRecordSchema.safeParse(tryJson(await readFile(join(dir, TRASH_RECORD), 'utf8').catch(() => '')));
      out.push(
        record.success
          ? { trashId, runId: record.data.runId, name: record.data.name, deletedAt: record.data.deletedAt, dir }
          : { trashId, runId: trashId, name: undefined, deletedAt: (await stat(dir)).mtime.toISOString(), dir },
      );
    }
    return out;
  }

  /** Puts a trashed run back where it was. */
  async restore(trashId: string): Promise<OpenedRun> {
    const dir = join(this.trashDir, 'runs', checkId(trashId));
    const item = (await this.listTrash()).find((t) => t.trashId === trashId);
    if (item === undefined) throw new RunStoreError('not-found', `There is no run ${trashId} in the trash (${join(this.trashDir, 'runs')}).`);
    const target = join(this.runsDir, item.runId);
    if (await exists(target)) throw new RunStoreError('exists', `Cannot restore ${item.runId}: a run with that id already exists in ${this.runsDir}.`);
    try {
      await mkdir(this.runsDir, { recursive: true });
      await rename(dir, target);
      await unlink(join(target, TRASH_RECORD)).catch(() => undefined);
    } catch (error) {
      throw toStorageError(error, { path: dir, action: 'restore' });
    }
    await this.appendEvent(item.runId, { type: 'restored', message: 'Restored from the workspace trash.' });
    return this.openRun(item.runId);
  }

  /**
   * Deletes for good: the given trashed runs, or everything in the trash (runs and deleted
   * checkpoints) when `trashIds` is omitted. The only irreversible operation of the store.
   */
  async purgeTrash(trashIds?: readonly string[]): Promise<string[]> {
    if (trashIds === undefined) {
      const all = (await this.listTrash()).map((t) => t.trashId);
      await rm(this.trashDir, { recursive: true, force: true });
      return all;
    }
    for (const trashId of trashIds) await rm(join(this.trashDir, 'runs', checkId(trashId)), { recursive: true, force: true });
    return [...trashIds];
  }

  /** Removes half-created run folders whose creating process is gone (a crash during createRun). */
  async removeAbandonedCreations(): Promise<string[]> {
    const removed: string[] = [];
    const names = await readdir(this.runsDir).catch(() => [] as string[]);
    for (const name of names) {
      const match = new RegExp(`^${CREATING_PREFIX.replace('.', '\\.')}.+\\.(\\d+)$`).exec(name);
      if (match === null || isProcessAlive(Number(match[1]))) continue;
      await rm(join(this.runsDir, name), { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }

  // -------------------------------------------------------------------------

  private async readListing(id: string): Promise<RunListing> {
    const dir = join(this.runsDir, id);
    const path = join(dir, RUN_FILES.manifest);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const code = osErrorCode(error);
      const problem =
        code === 'ENOENT'
          ? `${RUN_FILES.manifest} is missing (an incomplete copy, or a folder that is not a run)`
          : `${RUN_FILES.manifest} cannot be read (${error instanceof Error ? error.message : String(error)})`;
      return { status: 'damaged', id, dir, problem };
    }
    const value = tryJson(text);
    if (value === undefined) return { status: 'damaged', id, dir, problem: `${RUN_FILES.manifest} is not valid JSON` };
    const parsed = runManifestSchema.safeParse(value);
    if (!parsed.success) return { status: 'damaged', id, dir, problem: `${RUN_FILES.manifest} is not a run manifest this app understands: ${describeSchemaProblems(parsed.error)}` };
    if (parsed.data.id !== id) {
      return { status: 'damaged', id, dir, problem: `${RUN_FILES.manifest} belongs to run ${parsed.data.id} but the folder is named ${id}: rename the folder back to ${parsed.data.id}` };
    }
    return { status: 'ok', id, dir, manifest: parsed.data };
  }

  /** Read, change, validate, write atomically; one change at a time per run. */
  private updateManifest(id: string, change: (current: RunManifest, at: string) => RunManifest): Promise<RunManifest> {
    return this.serialised(id, async () => {
      const { manifest, paths } = await this.openRun(id);
      const next = runManifestSchema.parse(change(manifest, new Date().toISOString()));
      await this.writeManifest(paths.manifest, next);
      return next;
    });
  }

  private async writeManifest(path: string, manifest: RunManifest): Promise<void> {
    try {
      await this.io.writeFileAtomic(path, serialise(manifest));
    } catch (error) {
      const code = osErrorCode(error);
      // On a full disk, give up the reserve so the manifest can still say what happened.
      if ((code === 'ENOSPC' || code === 'EDQUOT') && (await this.releaseSpaceReserve())) {
        try {
          await this.io.writeFileAtomic(path, serialise(manifest));
          return;
        } catch (retryError) {
          throw toStorageError(retryError, { path, action: 'write' });
        }
      }
      throw toStorageError(error, { path, action: 'write' });
    }
  }

  private async ensureSpaceReserve(): Promise<void> {
    if (this.reserveBytes === 0) return;
    const path = join(this.workspaceDir, SPACE_RESERVE);
    try {
      if ((await stat(path)).size >= this.reserveBytes) return;
    } catch {
      // absent: create below
    }
    // Best effort: on a disk already too full for the reserve there is nothing to reserve.
    await writeFile(path, Buffer.alloc(this.reserveBytes)).catch(() => unlink(path).catch(() => undefined));
  }

  private async releaseSpaceReserve(): Promise<boolean> {
    if (this.reserveBytes === 0) return false;
    try {
      await unlink(join(this.workspaceDir, SPACE_RESERVE));
      return true;
    } catch {
      return false;
    }
  }

  private serialised<T>(id: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(id) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    this.queues.set(id, settled);
    void settled.then(() => {
      if (this.queues.get(id) === settled) this.queues.delete(id);
    });
    return run;
  }

  private defaultAppVersion(): string {
    this.appVersion ??= readAppMetadata(dirname(fileURLToPath(import.meta.url))).version;
    return this.appVersion;
  }
}

// ---------------------------------------------------------------------------

/** `20240615-142501-my-run-k3x9qa`: UTC time first so ids sort by creation on every machine. */
export function makeRunId(name: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const slug =
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/, '') || 'run';
  const random = (randomBytes(4).readUInt32BE(0) % 36 ** 6).toString(36).padStart(6, '0');
  return `${stamp}-${slug}-${random}`;
}

/**
 * Recursive mkdir reports ENOENT for several causes (a read-only disk among them). Retrying the
 * first missing folder alone, below the deepest one that exists, gives the real reason.
 */
async function explainMkdirFailure(path: string, error: unknown): Promise<unknown> {
  if (osErrorCode(error) !== 'ENOENT') return error;
  let missing = path;
  for (let parent = dirname(missing); parent !== missing; missing = parent, parent = dirname(parent)) {
    if (await exists(parent)) break;
  }
  try {
    await mkdir(missing);
    await rm(missing, { recursive: true, force: true });
    return error;
  } catch (real) {
    return real;
  }
}

/** Sort key: the manifest's createdAt, or the time encoded in a damaged run's folder name. */
function creationKey(listing: RunListing): string {
  if (listing.status === 'ok') return listing.manifest.createdAt;
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(listing.id);
  return m === null ? '' : `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
}

function checkId(id: string): string {
  const parsed = safeNameSchema.safeParse(id);
  if (!parsed.success) throw new RunStoreError('not-found', `${JSON.stringify(id)} is not a run id.`);
  return parsed.data;
}

function parseTags(tags: readonly string[]): string[] {
  return tags.map((tag) => {
    const parsed = runTagSchema.safeParse(tag);
    if (!parsed.success) throw new RunStoreError('invalid-input', `Invalid tag ${JSON.stringify(tag)}: ${describeSchemaProblems(parsed.error)}.`);
    return parsed.data;
  });
}

function event(type: string, message: string, data?: Record<string, z.core.util.JSONType>): RunEvent {
  return { at: new Date().toISOString(), type, message, ...(data !== undefined ? { data } : {}) };
}

function serialise(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

