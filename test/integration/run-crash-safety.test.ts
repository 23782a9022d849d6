/**
 * Crash safety of the run store with real processes and real files.
 *
 * - A trainer-like child (this file, re-run with FRA_RUN_CRASH_CHILD set) takes the run lock,
 *   appends metrics and saves/registers checkpoints in a loop, and is `kill -9`'d repeatedly at
 *   different moments (mid-steps, mid-checkpoint-write, right after a save). After every kill:
 *   every complete metrics line parses, steps are contiguous, nothing the child reported as
 *   appended is missing, the lock is stale, `recoverStaleRuns` (from a new RunStore, as after an
 *   app restart) marks the run crashed, and every kept checkpoint verifies. The next child
 *   resumes from the ledger's last checkpoint and the metrics continue without duplicates.
 * - Processes racing for one run lock (free, then stale): exactly one wins each time.
 * - Top-k survives a restart; a checkpoint truncated after registration is reported corrupt.
 * - Disk full on a real tiny tmpfs when this machine can mount one (root), else through an
 *   injected quota at the whole-file-write boundary: clear message, previous checkpoint and
 *   ledger stay valid, the manifest can still record the pause.
 * - An unwritable workspace (read-only mount, or a permission/file-in-the-way fallback) is
 *   refused with a message that names it and says what to do.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFile, chmod, mkdir, mkdtemp, open, readFile, readdir, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../trainer/run/atomic-file.js';
import { CheckpointLedger } from '../../trainer/run/checkpoint-ledger.js';
import { RunStorageError, toStorageError } from '../../trainer/run/disk-errors.js';
import { MetricsWriter, readAllMetrics } from '../../trainer/run/metrics-log.js';
import { RunLockedError, acquireRunLock, inspectRunLock, type RunLock } from '../../trainer/run/run-lock.js';
import { RunStore } from '../../electron/services/runs/run-store.js';
import { CRASH_REASON, recoverStaleRuns } from '../../electron/services/runs/stale-runs.js';
import type { CheckpointPolicy, MetricsRecord } from '../../trainer/run/run-format.js';
import { writeFakeCheckpoint } from '../unit/runs/fake-checkpoint.js';

const CHILD_ENV = 'FRA_RUN_CRASH_CHILD';
const SELF = fileURLToPath(import.meta.url);
const POLICY: CheckpointPolicy = { everyNSteps: 50, saveLast: true, saveTopK: 2, monitor: 'total', mode: 'min' };

/** Not monotonic in the step, so the top-k changes as the run goes on. */
function lossOf(step: number): number {
  return 1 + ((step * 7919) % 13) / 10;
}

function record(step: number): MetricsRecord {
  return { step, epoch: Math.floor((step - 1) / 100), iteration: (step - 1) % 100, iterationsPerEpoch: 100, losses: { total: lossOf(step) }, lr: 0.05, secondsPerStep: 0.001 };
}

type ChildMessage =
  | { type: 'started'; resumedFrom: number; lastStep: number; pid: number }
  | { type: 'step'; step: number }
  | { type: 'saving'; step: number }
  | { type: 'saved'; step: number; name: string }
  | { type: 'ready' }
  | { type: 'acquired'; pid: number }
  | { type: 'refused'; message: string }
  | { type: 'error'; message: string };

// ---------------------------------------------------------------------------
// Child side
// ---------------------------------------------------------------------------

async function trainerChild(runDir: string, checkpointBytes: number): Promise<void> {
  const send = (message: ChildMessage): void => void process.send!(message);
  await acquireRunLock(runDir, { owner: 'trainer' });
  const ledger = await CheckpointLedger.open(runDir);
  // Resume where the last kept checkpoint left off; steps after it are trained (and logged) again.
  const resumedFrom = ledger.latest()?.step ?? 0;
  const writer = await MetricsWriter.open(runDir, { resumeAfterStep: resumedFrom, syncIntervalMs: 20 });
  send({ type: 'started', resumedFrom, lastStep: writer.lastStep, pid: process.pid });
  let step = writer.lastStep;
  for (;;) {
    for (let i = 0; i < 5; i++) writer.append(record(++step));
    send({ type: 'step', step });
    if (ledger.isDue({ step, epoch: Math.floor((step - 1) / 100), epochEnded: step % 100 === 0 })) {
      // Metrics up to the checkpoint are durable before the checkpoint exists.
      await writer.flush();
      send({ type: 'saving', step });
      const cp = await writeFakeCheckpoint(join(runDir, 'checkpoints'), { epoch: Math.floor((step - 1) / 100), step, bytes: checkpointBytes, metrics: { total: lossOf(step) } });
      await ledger.register(cp.name);
      send({ type: 'saved', step, name: cp.name });
    }
    // Let the IPC channel drain; the loop never waits on the parent.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function racerChild(runDir: string): Promise<void> {
  const send = (message: ChildMessage): void => void process.send!(message);
  let held: RunLock | undefined;
  process.on('message', (message: unknown) => {
    if (message !== 'go' || held !== undefined) return;
    acquireRunLock(runDir, { owner: `racer ${process.pid}` }).then(
      (lock) => {
        held = lock;
        send({ type: 'acquired', pid: process.pid });
      },
      (error: unknown) => send(error instanceof RunLockedError ? { type: 'refused', message: error.message } : { type: 'error', message: String(error) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

async function childMain(): Promise<void> {
  const [mode, runDir, extra] = process.argv.slice(2);
  try {
    if (mode === 'trainer') await trainerChild(runDir!, Number(extra));
    else if (mode === 'racer') await racerChild(runDir!);
    else throw new Error(`unknown child mode ${mode}`);
  } catch (error) {
    process.send!({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  }
}

// ---------------------------------------------------------------------------
// Parent side
// ---------------------------------------------------------------------------

function spawnChild(args: string[]): ChildProcess {
  return fork(SELF, args, { execArgv: ['--import', 'tsx'], env: { ...process.env, [CHILD_ENV]: '1' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** Resolves with the first message that satisfies `accept`; rejects if the child reports an error or exits first. */
function waitForMessage(child: ChildProcess, accept: (message: ChildMessage) => boolean): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ChildMessage): void => {
      if (message.type === 'error') {
        cleanup();
        reject(new Error(`child failed: ${message.message}`));
      } else if (accept(message)) {
        cleanup();
        resolve(message);
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`child exited (${code ?? signal}) before the expected message`));
    };
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** A tiny real disk when we may mount one, so "full" is the kernel's ENOSPC, not ours. */
function tryMountTmpfs(dir: string, options: string): boolean {
  // FRA_TEST_NO_MOUNT=1 exercises the fallbacks on a machine that could mount.
  if (process.platform !== 'linux' || process.getuid?.() !== 0 || process.env['FRA_TEST_NO_MOUNT'] === '1') return false;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' }).status === 0;
}

function unmount(dir: string): void {
  spawnSync('umount', [dir], { stdio: 'ignore' });
}

/** Sum of file sizes below `dir`: what a quota counts. */
async function usedBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await usedBytes(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

interface TinyDisk {
  kind: 'tmpfs' | 'injected quota';
  dir: string;
  /** The whole-file writer every component uses (the real one on tmpfs). */
  write: (path: string, data: Uint8Array | string) => Promise<void>;
  /** Uses up every free byte with a filler file. */
  fill: () => Promise<void>;
  /** Deletes the filler. */
  free: () => Promise<void>;
}

async function makeTinyDisk(dir: string): Promise<TinyDisk> {
  await mkdir(dir, { recursive: true });
  const filler = join(dir, 'filler.bin');
  if (tryMountTmpfs(dir, 'size=512k')) {
    return {
      kind: 'tmpfs',
      dir,
      write: writeFileAtomic,
      fill: async () => {
        const handle = await open(filler, 'a');
        try {
          const block = Buffer.alloc(4096, 1);
          for (;;) await handle.write(block);
        } catch (error) {
          assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
        } finally {
          await handle.close();
        }
      },
      free: () => unlink(filler),
    };
  }
  const quota = 512 * 1024;
  return {
    kind: 'injected quota',
    dir,
    write: async (path, data) => {
      const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
      if ((await usedBytes(dir)) + size > quota) throw Object.assign(new Error(`ENOSPC: no space left on device, open '${path}'`), { code: 'ENOSPC' });
      await writeFileAtomic(path, data);
    },
    fill: async () => appendFile(filler, Buffer.alloc(Math.max(0, quota - (await usedBytes(dir))))),
    free: () => unlink(filler),
  };
}

if (process.env[CHILD_ENV] !== undefined) {
  await childMain();
} else {
  describe('run crash safety (real processes, kill -9)', () => {
    let root: string;
    const mounts: string[] = [];

    before(async () => {
      root = await mkdtemp(join(tmpdir(), 'fra-crash-'));
    });
    after(async () => {
      for (const dir of mounts) unmount(dir);
      await rm(root, { recursive: true, force: true });
    });

    it('survives repeated kill -9 of the writer: metrics intact, run marked crashed, checkpoints valid, resume continues', async (t) => {
      const workspace = join(root, 'ws');
      const first = new RunStore(workspace, { appVersion: 't' });
      const { id, dir } = await first.createRun({ name: 'crash me', kind: 'pretrain', config: {}, seed: 1, checkpointPolicy: POLICY });
      // When each round's child is killed: in the middle of steps, while a checkpoint is being written, right after a save.
      const killWhen: ((m: ChildMessage, started: number) => boolean)[] = [
        (m, s) => m.type === 'step' && m.step >= s + 120,
        (m) => m.type === 'saving',
        (m) => m.type === 'saved',
        (m, s) => m.type === 'step' && m.step >= s + 37,
      ];
      const checkpointBytes = 2 * 1024 * 1024;
      let expectedResume = 0;
      for (const [round, shouldKill] of killWhen.entries()) {
        const store = new RunStore(workspace, { appVersion: 't' }); // a fresh app instance each round
        if (round > 0) await store.transition(id, 'queued', 'resume');
        await store.transition(id, 'starting');
        const child = spawnChild(['trainer', dir, String(checkpointBytes)]);
        try {
          const started = (await waitForMessage(child, (m) => m.type === 'started')) as Extract<ChildMessage, { type: 'started' }>;
          assert.equal(started.resumedFrom, expectedResume, 'resumes from the last kept checkpoint');
          assert.equal(started.lastStep, expectedResume, 'metrics after the checkpoint were moved aside');
          await store.transition(id, 'running');
          let reported = started.lastStep;
          const trigger = await waitForMessage(child, (m) => {
            if (m.type === 'step') reported = m.step;
            return shouldKill(m, started.lastStep);
          });
          await killHard(child);
          t.diagnostic(`round ${round}: killed after ${trigger.type} at step ${'step' in trigger ? trigger.step : '?'}`);

          // Straight after the kill, before anything repairs the files.
          const { records, report } = await readAllMetrics(dir);
          assert.equal(report.invalidLines, 0, 'every complete line parses');
          records.forEach((r, i) => assert.equal(r.step, i + 1, 'steps are contiguous, no duplicates'));
          assert.ok(records.length >= reported, `every step the child had appended (${reported}) is on disk (${records.length})`);
          const lock = await inspectRunLock(dir);
          assert.ok(lock.status === 'stale' && lock.reason === `process ${started.pid} is no longer running`, 'the dead writer lock is stale');
        } finally {
          await killHard(child);
        }

        if (round === 1) {
          // A line torn mid-write (what a power cut can leave): readers skip it, recovery cuts it.
          await appendFile(join(dir, 'metrics.jsonl'), '{"step":999999,"losses":{"to');
          const { report } = await readAllMetrics(dir);
          assert.ok(report.incompleteLastLine !== undefined && report.incompleteLastLine.bytes > 10);
        }

        const restarted = new RunStore(workspace, { appVersion: 't' });
        const recovery = await recoverStaleRuns(restarted);
        assert.deepEqual(recovery.failures, []);
        const recovered = recovery.recovered.find((r) => r.id === id);
        assert.ok(recovered !== undefined, 'the run is recovered');
        if (round === 1) assert.equal(recovered.metricsRepair.action, 'truncated');
        const { manifest } = await restarted.openRun(id);
        assert.equal(manifest.state, 'crashed');
        assert.equal(manifest.stateHistory.at(-1)?.reason, CRASH_REASON);

        const ledger = await restarted.openLedger(id);
        for (const entry of ledger.entries) assert.deepEqual(await ledger.verify(entry.name), { ok: true, name: entry.name, entry }, `checkpoint ${entry.name} is intact`);
        const onDisk = await filesUnder(join(dir, 'checkpoints'));
        assert.deepEqual(onDisk.filter((f) => f.endsWith('.tmp')), [], 'no temp files of interrupted writes remain');
        const stems = [...new Set(onDisk.filter((f) => f !== 'ledger.json').map((f) => f.replace(/\.(json|safetensors)$/, '')))].sort();
        assert.deepEqual(stems, ledger.entries.map((e) => e.name).sort(), 'exactly the ledger entries are on disk');
        assert.ok(ledger.entries.filter((e) => e.markers.includes('top-k')).length <= 2);
        assert.equal(ledger.entries.filter((e) => e.markers.includes('last')).length, ledger.entries.length > 0 ? 1 : 0);
        assert.ok(ledger.entries.every((e) => e.markers.length > 0), 'nothing is kept without a reason');
        if (recovered.checkpoints !== undefined) t.diagnostic(`round ${round}: reconcile ${JSON.stringify({ adopted: recovered.checkpoints.adopted, removedIncomplete: recovered.checkpoints.removedIncomplete, removedTempFiles: recovered.checkpoints.removedTempFiles })}`);
        expectedResume = ledger.latest()?.step ?? 0;
        assert.equal(recovered.resumeFrom?.step ?? 0, expectedResume);
      }

      // The history a chart reads is one clean run; the lines trained twice are kept aside, all parseable.
      const { records } = await readAllMetrics(dir);
      records.forEach((r, i) => assert.equal(r.step, i + 1));
      const superseded = await readAllMetrics(dir, { file: 'metrics.superseded.jsonl' });
      assert.equal(superseded.report.invalidLines, 0);
      assert.ok(superseded.records.length > 0, 'resuming moved the re-trained steps aside instead of deleting them');
    });

    it('lets exactly one of several racing processes take a run lock, free or stale', async () => {
      const dir = join(root, 'race');
      await mkdir(dir, { recursive: true });
      const racers = Array.from({ length: 4 }, () => spawnChild(['racer', dir]));
      try {
        await Promise.all(racers.map((child) => waitForMessage(child, (m) => m.type === 'ready')));
        const race = async (contenders: ChildProcess[]): Promise<ChildProcess> => {
          const results = contenders.map((child) => waitForMessage(child, (m) => m.type === 'acquired' || m.type === 'refused'));
          for (const child of contenders) child.send('go');
          const outcomes = await Promise.all(results);
          const winners = contenders.filter((_, i) => outcomes[i]!.type === 'acquired');
          assert.equal(winners.length, 1, `exactly one winner: ${JSON.stringify(outcomes)}`);
          const winner = winners[0]!;
          for (const outcome of outcomes) if (outcome.type === 'refused') assert.match(outcome.message, new RegExp(`racer ${winner.pid} \\(process ${winner.pid} `));
          const lock = await inspectRunLock(dir);
          assert.ok(lock.status === 'held' && lock.info.pid === winner.pid);
          return winner;
        };
        const firstWinner = await race(racers);
        // The winner dies holding the lock; the others race to take over the stale lock.
        await killHard(firstWinner);
        assert.equal((await inspectRunLock(dir)).status, 'stale');
        await race(racers.filter((child) => child !== firstWinner));
        assert.deepEqual((await readdir(dir)).sort(), ['run.lock'], 'no breaker or temp files left behind');
      } finally {
        await Promise.all(racers.map(killHard));
      }
    });

    it('keeps the top-k across an app restart, deletes what falls out, keeps pinned and last; verify catches truncation', async () => {
      const workspace = join(root, 'topk');
      const storeA = new RunStore(workspace, { appVersion: 't' });
      const run = await storeA.createRun({ name: 'topk', kind: 'pretrain', config: {}, seed: 1, checkpointPolicy: { saveLast: true, saveTopK: 2, monitor: 'total', mode: 'min' } });
      const cpDir = run.paths.checkpoints;
      const ledgerA = await storeA.openLedger(run.id);
      const names: string[] = [];
      for (const [i, loss] of [0.9, 0.5, 0.7, 0.8].entries()) {
        const cp = await writeFakeCheckpoint(cpDir, { epoch: i, step: (i + 1) * 100, metrics: { total: loss } });
        names.push(cp.name);
        await ledgerA.register(cp.name);
        if (i === 0) await ledgerA.pin(cp.name);
      }
      // "Restart": a new store and ledger read everything back from disk.
      const storeB = new RunStore(workspace, { appVersion: 't' });
      const ledgerB = await storeB.openLedger(run.id);
      assert.deepEqual(ledgerB.entries, ledgerA.entries);
      const better = await writeFakeCheckpoint(cpDir, { epoch: 4, step: 500, metrics: { total: 0.1 } });
      const result = await ledgerB.register(better.name);
      // top-2 now 0.1 (step 500) and 0.5 (step 200); last = step 500; pinned = step 100.
      assert.deepEqual(result.deleted.sort(), [names[2]!, names[3]!].sort());
      const kept = [names[0]!, names[1]!, better.name].sort();
      assert.deepEqual([...new Set((await filesUnder(cpDir)).filter((f) => f !== 'ledger.json').map((f) => f.replace(/\.(json|safetensors)$/, '')))].sort(), kept);
      assert.deepEqual(Object.fromEntries(ledgerB.entries.map((e) => [e.step, e.markers])), { 100: ['pinned'], 200: ['top-k'], 500: ['last', 'top-k'] });

      await truncate(join(cpDir, `${names[1]!}.safetensors`), 1000);
      const storeC = new RunStore(workspace, { appVersion: 't' });
      const verdict = await (await storeC.openLedger(run.id)).verify(names[1]!);
      assert.ok(!verdict.ok && verdict.problem === 'truncated');
      assert.match(verdict.message, new RegExp(`It will not be loaded\\. Resume from ${better.name} instead\\.`));
    });

    it('on a full disk: a clear message, the previous checkpoint and ledger stay valid, and the manifest still records the pause', async (t) => {
      const disk = await makeTinyDisk(join(root, 'tiny'));
      if (disk.kind === 'tmpfs') mounts.push(disk.dir);
      t.diagnostic(`disk: ${disk.kind}`);
      const io = { writeFileAtomic: (path: string, data: string) => disk.write(path, data) };
      const store = new RunStore(join(disk.dir, 'ws'), { appVersion: 't', io, reserveBytes: 32 * 1024 });
      const run = await store.createRun({ name: 'full', kind: 'pretrain', config: {}, seed: 1, checkpointPolicy: { saveLast: true, saveTopK: 1, monitor: 'total', mode: 'min' } });
      await store.transition(run.id, 'starting');
      await store.transition(run.id, 'running');
      const cpDir = run.paths.checkpoints;
      const ledger = await store.openLedger(run.id);
      const good = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 10, bytes: 16 * 1024, write: disk.write });
      await ledger.register(good.name);

      // 1. A checkpoint too big for the disk: the trainer's write fails; the message is the clear one.
      let saveError: unknown;
      try {
        await writeFakeCheckpoint(cpDir, { epoch: 0, step: 20, bytes: 1024 * 1024, write: disk.write });
      } catch (error) {
        saveError = error;
      }
      const message = toStorageError(saveError, { path: cpDir, action: 'save a checkpoint in', lastValidCheckpoint: ledger.latest()!.name });
      assert.equal(message.code, 'disk-full');
      assert.equal(message.message, `The disk holding ${cpDir} is full. Free space or move the workspace to a larger disk. The previous checkpoint ${good.name} is still valid.`);
      assert.deepEqual((await filesUnder(cpDir)).filter((f) => f.endsWith('.tmp')), [], 'the failed write left no temp file');
      assert.equal((await ledger.verify(good.name)).ok, true);

      // 2. The disk is now completely full. The run still pauses, truthfully, thanks to the space reserve.
      const small = await writeFakeCheckpoint(cpDir, { epoch: 0, step: 30, bytes: 1024, write: disk.write });
      await disk.fill();
      const paused = await store.transition(run.id, 'paused', message.message);
      assert.equal(paused.state, 'paused');
      assert.equal((await store.openRun(run.id)).manifest.stateHistory.at(-1)?.reason, message.message);
      await disk.fill(); // take back what releasing the reserve freed

      // 3. Registering while full fails clearly and changes nothing on disk.
      const ledgerBefore = await readFile(join(cpDir, 'ledger.json'), 'utf8');
      await assert.rejects(ledger.register(small.name), (error: unknown) => {
        assert.ok(error instanceof RunStorageError);
        assert.equal(error.code, 'disk-full');
        assert.match(error.message, new RegExp(`The previous checkpoint ${good.name} is still valid\\.$`));
        return true;
      });
      assert.equal(await readFile(join(cpDir, 'ledger.json'), 'utf8'), ledgerBefore);
      assert.equal((await ledger.verify(good.name)).ok, true);
      assert.equal((await new RunStore(join(disk.dir, 'ws'), { io }).openLedger(run.id)).latest()?.name, good.name, 'a reopened ledger agrees');

      // 4. Metrics on a full disk (real kernel ENOSPC only): a line that does not fit is cut off whole.
      if (disk.kind === 'tmpfs') {
        await disk.free();
        const padTo = 4096 - 40; // the next line crosses into a page that cannot be allocated
        const head = JSON.stringify({ step: 1, pad: '' });
        await writeFile(run.paths.metrics, JSON.stringify({ step: 1, pad: 'x'.repeat(padTo - head.length - 1) }) + '\n');
        assert.equal((await stat(run.paths.metrics)).size, padTo);
        const writer = await MetricsWriter.open(run.dir);
        await disk.fill();
        assert.throws(() => writer.append(record(2)), (error: unknown) => error instanceof RunStorageError && error.code === 'disk-full');
        assert.equal((await stat(run.paths.metrics)).size, padTo, 'no partial line left behind');
        const { records, report } = await readAllMetrics(run.dir);
        assert.deepEqual([records.length, report.incompleteLastLine, report.invalidLines], [1, undefined, 0]);
        await disk.free();
        writer.append(record(2));
        await writer.close();
        assert.equal((await readAllMetrics(run.dir)).records.length, 2, 'logging resumes once there is space');
      }

      // 5. Space is back: everything continues.
      await disk.free().catch(() => undefined);
      await ledger.register(small.name);
      await store.transition(run.id, 'running', 'space freed');
    });

    it('refuses an unwritable workspace with a message naming it and what to do', async (t) => {
      const dir = join(root, 'readonly');
      await mkdir(dir, { recursive: true });
      let expected: { code: string; text: RegExp };
      let workspace = join(dir, 'ws');
      if (tryMountTmpfs(dir, 'ro,size=64k')) {
        mounts.push(dir);
        t.diagnostic('read-only tmpfs mount');
        expected = { code: 'read-only', text: /is read-only\. Choose a workspace on a writable disk, or remount this one read-write\.$/ };
      } else if (process.getuid?.() !== 0) {
        t.diagnostic('folder without write permission');
        await chmod(dir, 0o555);
        expected = { code: 'permission-denied', text: /is not allowed to write to .*Give your user write permission on that folder, or choose another workspace\.$/ };
      } else {
        t.diagnostic('root without mount permission: a file where the workspace folder should be');
        workspace = join(dir, 'file');
        await writeFile(workspace, 'x');
        expected = { code: 'not-a-folder', text: /is a file where a folder is needed\. Move that file away, or choose another workspace folder\.$/ };
      }
      const store = new RunStore(workspace, { appVersion: 't' });
      for (const attempt of [() => store.checkWorkspace(), () => store.createRun({ name: 'x', kind: 'pretrain', config: {}, seed: 1 })]) {
        await assert.rejects(attempt(), (error: unknown) => {
          assert.ok(error instanceof RunStorageError);
          assert.equal(error.code, expected.code);
          assert.ok(error.message.startsWith(`Cannot use the workspace ${workspace}: `), error.message);
          assert.match(error.message, expected.text);
          return true;
        });
      }
      await chmod(dir, 0o755).catch(() => undefined);
    });
  });
}
