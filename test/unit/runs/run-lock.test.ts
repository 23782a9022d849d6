/**
 * The run lock: exclusive, complete on disk from the first byte, released only by its owner,
 * and judged stale only on evidence (dead or zombie pid, reused pid, reboot, damaged file);
 * a lock from another machine is never broken automatically.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunLockedError, acquireRunLock, inspectRunLock, isProcessAlive, lockPathOf } from '../../../trainer/run/run-lock.js';
import { runLockInfoSchema, type RunLockInfo } from '../../../trainer/run/run-format.js';

/** The pid of a process that has exited and been reaped: certainly not alive. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await once(child, 'exit');
  assert.ok(child.pid !== undefined);
  return child.pid;
}

function lockInfo(overrides: Partial<RunLockInfo>): RunLockInfo {
  return {
    format: 'fra-workbench-run-lock/1',
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    owner: 'trainer',
    token: 'feedfacefeedface',
    ...overrides,
  };
}

describe('run lock', () => {
  let root: string;
  let n = 0;
  const freshRun = async (): Promise<string> => {
    const dir = join(root, `run-${n++}`);
    await mkdir(dir, { recursive: true });
    return dir;
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fra-lock-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is exclusive: a second acquire, even in the same process, is refused with who holds it', async () => {
    const dir = await freshRun();
    const lock = await acquireRunLock(dir, { owner: 'FRA Workbench' });
    const onDisk = runLockInfoSchema.parse(JSON.parse(await readFile(lockPathOf(dir), 'utf8')));
    assert.equal(onDisk.pid, process.pid);
    assert.equal(onDisk.hostname, hostname());
    assert.equal(onDisk.token, lock.info.token);
    if (process.platform === 'linux') {
      assert.ok(onDisk.bootId !== undefined && onDisk.pidStartTicks !== undefined, 'Linux locks carry boot id and pid start time');
    }
    assert.deepEqual(await inspectRunLock(dir), { status: 'held', path: lockPathOf(dir), info: onDisk });
    await assert.rejects(acquireRunLock(dir, { owner: 'another window' }), (error: unknown) => {
      assert.ok(error instanceof RunLockedError);
      assert.match(error.message, new RegExp(`being written by FRA Workbench \\(process ${process.pid} on .*\\)\\. Two writers would corrupt it`));
      return true;
    });
    await lock.release();
    await lock.release();
    assert.equal((await inspectRunLock(dir)).status, 'free');
    assert.deepEqual((await readdir(dir)).sort(), [], 'no temp files left behind');
  });

  it('release() leaves a lock that is no longer its own', async () => {
    const dir = await freshRun();
    const lock = await acquireRunLock(dir, { owner: 'trainer' });
    const someoneElse = lockInfo({ token: 'aaaaaaaaaaaaaaaa' });
    await writeFile(lockPathOf(dir), JSON.stringify(someoneElse));
    await lock.release();
    assert.equal(JSON.parse(await readFile(lockPathOf(dir), 'utf8')).token, 'aaaaaaaaaaaaaaaa');
  });

  it('judges a lock stale when its process is gone, and takes it over', async () => {
    const dir = await freshRun();
    const pid = await deadPid();
    assert.equal(isProcessAlive(pid), false);
    assert.equal(isProcessAlive(process.pid), true);
    await writeFile(lockPathOf(dir), JSON.stringify(lockInfo({ pid })));
    const inspection = await inspectRunLock(dir);
    assert.equal(inspection.status, 'stale');
    assert.ok(inspection.status === 'stale' && inspection.reason === `process ${pid} is no longer running`);
    const lock = await acquireRunLock(dir, { owner: 'trainer' });
    assert.equal(lock.info.pid, process.pid);
    assert.equal((await inspectRunLock(dir)).status, 'held');
    await lock.release();
  });

  it('judges a lock stale after a reboot, and when its pid now belongs to another program', async () => {
    const dir = await freshRun();
    await writeFile(lockPathOf(dir), JSON.stringify(lockInfo({ bootId: 'a-boot-long-ago' })));
    const rebooted = await inspectRunLock(dir);
    if (process.platform === 'linux') {
      assert.ok(rebooted.status === 'stale' && /restarted/.test(rebooted.reason));
      await writeFile(lockPathOf(dir), JSON.stringify(lockInfo({ pidStartTicks: 1 })));
      const reused = await inspectRunLock(dir);
      assert.ok(reused.status === 'stale' && /reused by another program/.test(reused.reason));
    } else {
      assert.equal(rebooted.status, 'held', 'without /proc nothing contradicts the live pid');
    }
  });

  it('treats a damaged lock file as stale', async () => {
    const dir = await freshRun();
    await writeFile(lockPathOf(dir), '');
    const empty = await inspectRunLock(dir);
    assert.ok(empty.status === 'stale' && empty.reason === 'the lock file is damaged (empty)');
    await writeFile(lockPathOf(dir), '{"pid": "x"}');
    const foreign = await inspectRunLock(dir);
    assert.ok(foreign.status === 'stale' && /damaged \(format/.test(foreign.reason));
    const lock = await acquireRunLock(dir, { owner: 'trainer' });
    await lock.release();
  });

  it('never breaks a lock held on another machine, and says how to take it over', async () => {
    const dir = await freshRun();
    await writeFile(lockPathOf(dir), JSON.stringify(lockInfo({ hostname: 'gpu-box-7', pid: 1 })));
    assert.equal((await inspectRunLock(dir)).status, 'held-elsewhere');
    await assert.rejects(acquireRunLock(dir, { owner: 'trainer' }), /on gpu-box-7.*If FRA Workbench is no longer running on gpu-box-7, delete .*run\.lock to take the run over\./);
  });

  it('can be taken on behalf of another process (the host for its trainer child)', async () => {
    const dir = await freshRun();
    const child = spawn(process.execPath, ['-e', 'process.stdin.resume()'], { stdio: ['pipe', 'ignore', 'ignore'] });
    await once(child, 'spawn');
    const lock = await acquireRunLock(dir, { owner: 'trainer', pid: child.pid! });
    assert.equal((await inspectRunLock(dir)).status, 'held');
    child.kill('SIGKILL');
    await once(child, 'exit');
    const after = await inspectRunLock(dir);
    assert.ok(after.status === 'stale' && after.info?.token === lock.info.token, 'the lock lives exactly as long as the writer');
  });

  it('is not blocked for ever by a take-over whose process died half-way', async () => {
    const dir = await freshRun();
    const pid = await deadPid();
    await writeFile(lockPathOf(dir), JSON.stringify(lockInfo({ pid })));
    await writeFile(lockPathOf(dir) + '.breaking', JSON.stringify(lockInfo({ pid, token: 'bbbbbbbbbbbbbbbb' })));
    const lock = await acquireRunLock(dir, { owner: 'trainer' });
    assert.equal((await inspectRunLock(dir)).status, 'held');
    await lock.release();
    assert.deepEqual(await readdir(dir), []);
  });
});
