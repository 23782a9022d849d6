/**
 * One writer per run. Two app instances (or an app and a CLI) writing the same run directory
 * would interleave metrics and overwrite each other's manifest (Aim #2869: concurrent writers
 * corrupt the store), so the process that writes a run holds `run.lock`.
 *
 * - Taking the lock is an exclusive create: the lock's content is written to a private temp
 *   file first and hard-linked into place (link fails if the name exists, like O_EXCL, but the
 *   lock file is never seen empty). Filesystems without hard links fall back to O_EXCL.
 * - A lock is stale when its holder is gone: same host and the pid is not alive (or is a
 *   zombie, or is a different process that reused the pid), or the machine has rebooted since.
 *   A lock from another host is never assumed stale; the user is told how to take it over.
 * - Breaking a stale lock happens under a second exclusive file (`run.lock.breaking`), and the
 *   lock is re-checked inside it, so two processes racing to take over a stale lock cannot both
 *   win: one breaks and takes it, the other then finds it held.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, open, readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { toStorageError } from './disk-errors.js';
import { RUN_FILES, RUN_LOCK_FORMAT, describeSchemaProblems, runLockInfoSchema, type RunLockInfo } from './run-format.js';

export type LockInspection =
  | { status: 'free'; path: string }
  /** A live process on this machine holds it. */
  | { status: 'held'; path: string; info: RunLockInfo }
  /** Nobody holds it any more; `reason` says how we know. info is absent when the file is damaged. */
  | { status: 'stale'; path: string; info: RunLockInfo | undefined; reason: string }
  /** Held by a process on another machine (shared or copied folder): we cannot check it. */
  | { status: 'held-elsewhere'; path: string; info: RunLockInfo };

export class RunLockedError extends Error {
  override name = 'RunLockedError';
  readonly inspection: Extract<LockInspection, { status: 'held' | 'held-elsewhere' }>;
  readonly hint: string;

  constructor(runDir: string, inspection: Extract<LockInspection, { status: 'held' | 'held-elsewhere' }>) {
    const { info } = inspection;
    const who = `${info.owner} (process ${info.pid} on ${info.hostname}, since ${info.startedAt})`;
    const hint =
      inspection.status === 'held'
        ? 'Two writers would corrupt it: stop or close that one first.'
        : `If FRA Workbench is no longer running on ${info.hostname}, delete ${inspection.path} to take the run over.`;
    super(`The run in ${runDir} is being written by ${who}. ${hint}`);
    this.inspection = inspection;
    this.hint = hint;
  }
}

/** A lock this process took. `release()` is idempotent. */
export class RunLock {
  private released = false;
  constructor(
    readonly path: string,
    readonly info: RunLockInfo,
  ) {}

  /** Removes the lock file if it is still ours (it carries our token). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const current = await readLockFile(this.path);
    if (current.kind === 'ok' && current.info.token === this.info.token) await unlink(this.path).catch(ignoreMissing);
  }
}

export interface AcquireOptions {
  /** Shown to whoever finds the run locked: "trainer", "FRA Workbench". */
  owner: string;
  /**
   * The process that will write the run, when it is not this one (the host takes the lock for
   * the trainer child it just started, so the lock lives exactly as long as the writer).
   */
  pid?: number;
}

const BREAKER_SUFFIX = '.breaking';
/** How many times to wait for a concurrent take-over before giving up (each wait is short). */
const TAKEOVER_ATTEMPTS = 200;

export function lockPathOf(runDir: string): string {
  return join(runDir, RUN_FILES.lock);
}

export async function acquireRunLock(runDir: string, options: AcquireOptions): Promise<RunLock> {
  const path = lockPathOf(runDir);
  const pid = options.pid ?? process.pid;
  const info: RunLockInfo = {
    format: RUN_LOCK_FORMAT,
    pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    ...optional('bootId', currentBootId()),
    ...optional('pidStartTicks', processStartTicks(pid)),
    owner: options.owner,
    token: randomBytes(12).toString('hex'),
  };
  for (let attempt = 0; ; attempt++) {
    if (await createExclusive(path, info)) return new RunLock(path, info);
    const inspection = await inspectRunLock(runDir);
    if (inspection.status === 'held' || inspection.status === 'held-elsewhere') throw new RunLockedError(runDir, inspection);
    if (inspection.status === 'stale') {
      const outcome = await breakStaleLockAndTake(runDir, info);
      if (outcome === 'taken') return new RunLock(path, info);
      if (outcome === 'held') {
        const now = await inspectRunLock(runDir);
        if (now.status === 'held' || now.status === 'held-elsewhere') throw new RunLockedError(runDir, now);
      }
      // 'busy': another process is taking over right now; its result decides.
      if (attempt >= TAKEOVER_ATTEMPTS) {
        throw new Error(`Could not take the lock ${path}: another process kept taking it over. Try again.`);
      }
      await delay(5 + Math.floor(Math.random() * 10));
    }
    // 'free': the holder released between our create and our look; try again.
  }
}

export async function inspectRunLock(runDir: string): Promise<LockInspection> {
  const path = lockPathOf(runDir);
  const file = await readLockFile(path);
  if (file.kind === 'missing') return { status: 'free', path };
  if (file.kind === 'damaged') {
    // Writes go through link() of a complete temp file, so a damaged lock was not written by a
    // live acquirer mid-way; it is debris (a copy gone wrong, a disk error).
    return { status: 'stale', path, info: undefined, reason: `the lock file is damaged (${file.problem})` };
  }
  const verdict = judgeHolder(file.info);
  if (verdict.status === 'alive') return { status: 'held', path, info: file.info };
  if (verdict.status === 'elsewhere') return { status: 'held-elsewhere', path, info: file.info };
  return { status: 'stale', path, info: file.info, reason: verdict.reason };
}

// ---------------------------------------------------------------------------
// Liveness
// ---------------------------------------------------------------------------

type HolderVerdict = { status: 'alive' } | { status: 'elsewhere' } | { status: 'gone'; reason: string };

function judgeHolder(info: RunLockInfo): HolderVerdict {
  if (info.hostname !== hostname()) return { status: 'elsewhere' };
  const bootId = currentBootId();
  if (info.bootId !== undefined && bootId !== undefined && info.bootId !== bootId) {
    return { status: 'gone', reason: `the computer has restarted since process ${info.pid} took the lock` };
  }
  if (!isProcessAlive(info.pid)) return { status: 'gone', reason: `process ${info.pid} is no longer running` };
  const ticks = processStartTicks(info.pid);
  if (info.pidStartTicks !== undefined && ticks !== undefined && ticks !== info.pidStartTicks) {
    return { status: 'gone', reason: `process ${info.pid} ended and its number was reused by another program` };
  }
  return { status: 'alive' };
}

/**
 * kill(pid, 0) checks existence without sending anything. EPERM means it exists but belongs to
 * another user. A zombie (dead, not yet reaped by its parent) still "exists", so on Linux we
 * also read its state.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = readProcStat(pid);
  return stat === undefined || stat.state !== 'Z';
}

function readProcStat(pid: number): { state: string; startTicks: number } | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    const startTicks = Number(fields[19]); // field 22 of proc(5): starttime
    if (state === undefined || !Number.isInteger(startTicks)) return undefined;
    return { state, startTicks };
  } catch {
    return undefined;
  }
}

function processStartTicks(pid: number): number | undefined {
  return readProcStat(pid)?.startTicks;
}

let bootIdCache: string | null | undefined;
function currentBootId(): string | undefined {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      bootIdCache = null;
    }
  }
  return bootIdCache ?? undefined;
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

type LockFile = { kind: 'missing' } | { kind: 'damaged'; problem: string } | { kind: 'ok'; info: RunLockInfo };

async function readLockFile(path: string): Promise<LockFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw toStorageError(error, { path, action: 'read' });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'damaged', problem: text.length === 0 ? 'empty' : 'not JSON' };
  }
  const parsed = runLockInfoSchema.safeParse(value);
  return parsed.success ? { kind: 'ok', info: parsed.data } : { kind: 'damaged', problem: describeSchemaProblems(parsed.error) };
}

/**
 * Creates `path` with `info` only if it does not exist. false: it exists. Not fsynced on purpose:
 * after a power cut the lock is stale anyway (new boot id), and a damaged one counts as stale.
 */
async function createExclusive(path: string, info: RunLockInfo): Promise<boolean> {
  const text = JSON.stringify(info, null, 2) + '\n';
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { flag: 'wx' });
  } catch (error) {
    throw toStorageError(error, { path, action: 'create the lock' });
  }
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOSYS' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return createExclusiveWithoutLink(path, text);
    throw toStorageError(error, { path, action: 'create the lock' });
  } finally {
    await unlink(temp).catch(ignoreMissing);
  }
}

/** FAT/exFAT and some network filesystems have no hard links: O_EXCL, then write. */
async function createExclusiveWithoutLink(path: string, text: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw toStorageError(error, { path, action: 'create the lock' });
  }
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
  return true;
}

/**
 * Takes over a stale lock. Only the holder of `run.lock.breaking` may delete `run.lock`, and it
 * re-checks staleness while holding it, so a lock that a racing process has just taken (and that
 * is therefore live) is never deleted.
 */
async function breakStaleLockAndTake(runDir: string, info: RunLockInfo): Promise<'taken' | 'held' | 'busy'> {
  const path = lockPathOf(runDir);
  const breaker = path + BREAKER_SUFFIX;
  if (!(await createExclusive(breaker, info))) {
    // Someone is breaking it now, or died while doing so: a dead breaker's file is removed.
    const current = await readLockFile(breaker);
    if (current.kind === 'damaged' || (current.kind === 'ok' && judgeHolder(current.info).status === 'gone')) {
      await unlink(breaker).catch(ignoreMissing);
    }
    return 'busy';
  }
  try {
    const now = await inspectRunLock(runDir);
    if (now.status === 'held' || now.status === 'held-elsewhere') return 'held';
    if (now.status === 'stale') await unlink(path).catch(ignoreMissing);
    return (await createExclusive(path, info)) ? 'taken' : 'held';
  } finally {
    await unlink(breaker).catch(ignoreMissing);
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
