/**
 * The real trainer process running a fine-tuning run (start message `kind: 'finetune'`), spoken
 * to through the launcher exactly as the host does: engine, state, metrics (the evaluation under
 * `val`), progress, checkpoint and done messages; pause / resume / stop between steps with a
 * checkpoint on stop; an invalid fine-tuning configuration reported field by field, exit 1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostMessage, parseTrainerMessage, type TrainerMessage } from '../../trainer/contract/trainer-protocol.js';
import { ForkLauncher, type ProcessExit, type TrainerProcess } from '../../electron/services/trainer-host/trainer-process.js';

const CONFIG = {
  dataRoot: 'synthetic-expressions',
  backbone: 'resnet18_slim_encoder',
  imageSize: 32,
  batchSize: 8,
  trainPercent: 0.008,
  epochs: 1,
  warmupEpochs: 0,
  evalFreq: 1,
  lr: 1e-3,
  workers: 1,
  backend: 'wasm',
  seed: 3,
};

interface Conversation {
  messages: TrainerMessage[];
  /** Resolves with the first message (seen or future) that matches. */
  next<T extends TrainerMessage['type']>(type: T, where?: (m: Extract<TrainerMessage, { type: T }>) => boolean): Promise<Extract<TrainerMessage, { type: T }>>;
  exited: Promise<ProcessExit>;
}

function converse(proc: TrainerProcess): Conversation {
  const messages: TrainerMessage[] = [];
  const waiters: { match: (m: TrainerMessage) => boolean; resolve: (m: TrainerMessage) => void }[] = [];
  let consumed = 0;
  proc.onMessage((value) => {
    const parsed = parseTrainerMessage(value);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
    messages.push(parsed.message);
    for (const w of waiters.splice(0)) (w.match(parsed.message) ? w.resolve(parsed.message) : waiters.push(w));
  });
  return {
    messages,
    next(type, where = () => true) {
      const match = (m: TrainerMessage) => m.type === type && where(m as never);
      const seen = messages.slice(consumed).find(match);
      if (seen !== undefined) {
        consumed = messages.indexOf(seen) + 1;
        return Promise.resolve(seen as never);
      }
      return new Promise((resolve) => waiters.push({ match, resolve: (m) => ((consumed = messages.indexOf(m) + 1), resolve(m as never)) }));
    },
    exited: new Promise((resolve) => proc.onExit(resolve)),
  };
}

describe('trainer process: fine-tuning runs', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fra-finetune-process-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('trains, evaluates and reports like a pre-training run, then exits 0', async () => {
    const runDir = join(root, 'complete');
    const proc = await new ForkLauncher().launch({ serviceName: 'test-finetune' });
    const io = converse(proc);
    await io.next('hello');
    proc.send(hostMessage({ type: 'start', kind: 'finetune', runDir, config: CONFIG }));
    await io.next('engine');
    await io.next('state', (m) => m.state === 'running');
    const done = await io.next('done');
    assert.deepEqual([done.reason, done.steps], ['completed', 5]);
    assert.equal((await io.exited).code, 0);

    const metrics = io.messages.filter((m) => m.type === 'metrics').map((m) => m.record);
    assert.deepEqual(metrics.map((r) => r.step), [1, 2, 3, 4, 5]);
    const val = metrics[4]!['val'] as { top1: number; top5: number } | undefined;
    assert.ok(val !== undefined && val.top1 >= 0 && val.top1 <= 1 && val.top5 === 1, JSON.stringify(val));
    const progress = io.messages.filter((m) => m.type === 'progress').at(-1);
    assert.ok(progress?.type === 'progress' && progress.progress.totalSteps === 5 && progress.progress.step === 5);
    const checkpoint = io.messages.find((m) => m.type === 'checkpoint');
    assert.ok(checkpoint?.type === 'checkpoint' && checkpoint.step === 5 && checkpoint.kept, JSON.stringify(checkpoint));
    assert.ok(io.messages.some((m) => m.type === 'log' && /evaluation after epoch 0 \(step 5\): top-1/.test(m.message)));
    const best = JSON.parse(await readFile(join(runDir, 'evaluation', 'best.json'), 'utf8')) as { top1: number; format: string };
    assert.equal(best.format, 'fra-workbench-evaluation/1');
    assert.equal(best.top1, val.top1);
  });

  it('pauses, resumes and stops between steps, saving a checkpoint on stop', async () => {
    const runDir = join(root, 'stopped');
    const proc = await new ForkLauncher().launch({ serviceName: 'test-finetune' });
    const io = converse(proc);
    await io.next('hello');
    proc.send(hostMessage({ type: 'start', kind: 'finetune', runDir, config: { ...CONFIG, epochs: 3 } }));
    await io.next('metrics');
    proc.send(hostMessage({ type: 'pause' }));
    await io.next('state', (m) => m.state === 'paused');
    proc.send(hostMessage({ type: 'resume' }));
    await io.next('state', (m) => m.state === 'running' && m.reason === 'resumed');
    proc.send(hostMessage({ type: 'stop' }));
    const done = await io.next('done');
    assert.equal(done.reason, 'stopped');
    assert.ok(done.steps >= 2 && done.steps < 15, String(done.steps));
    assert.match(done.lastCheckpoint ?? '', new RegExp(`step-${String(done.steps).padStart(8, '0')}\\.safetensors$`));
    assert.equal((await io.exited).code, 0);
  });

  it('an invalid fine-tuning configuration: an error naming each bad field, exit 1', async () => {
    const proc = await new ForkLauncher().launch({ serviceName: 'test-finetune' });
    const io = converse(proc);
    await io.next('hello');
    proc.send(hostMessage({ type: 'start', kind: 'finetune', runDir: join(root, 'invalid'), config: { ...CONFIG, lrHead: -1, optimizer: 'adam' } }));
    const error = await io.next('error');
    assert.equal(error.code, 'invalid-config');
    assert.match(error.message, /Invalid fine-tuning configuration/);
    assert.deepEqual(error.problems?.map((p) => p.field).sort(), ['lrHead', 'optimizer']);
    assert.equal((await io.exited).code, 1);
  });
});
