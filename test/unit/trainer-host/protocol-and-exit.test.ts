/**
 * The trainer protocol's validation (versioned; invalid messages rejected with a reason, never
 * thrown), the exit classification (clean / error / killed / crashed / oom, Electron's racy exit
 * codes) and the system-metrics sampler's parsing and "n/a" reasons.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  TRAINER_PROTOCOL_VERSION,
  hostMessage,
  parseHostMessage,
  parseTrainerMessage,
  trainerMessage,
} from '../../../trainer/contract/trainer-protocol.js';
import { classifyExit, looksLikeOutOfMemory, type ExitEvidence } from '../../../electron/services/trainer-host/exit-classification.js';
import { SystemMetricsSampler, formatGpuReading, parseVmRss } from '../../../electron/services/system-metrics.js';

describe('trainer protocol', () => {
  it('accepts well-formed messages both ways', () => {
    const start = hostMessage({ type: 'start', runDir: '/w/runs/x', config: { dataset: 'random' } });
    assert.deepEqual(parseHostMessage(start), { ok: true, message: start });
    for (const body of [{ type: 'pause' }, { type: 'resume' }, { type: 'stop' }, { type: 'ping', id: 3 }] as const) {
      assert.equal(parseHostMessage(hostMessage(body)).ok, true, body.type);
    }
    const progress = trainerMessage({
      type: 'progress',
      progress: { epoch: 0, iteration: 1, iterationsPerEpoch: 10, step: 2, totalSteps: 10, etaSeconds: 4, stepsPerSecond: 2 },
    });
    assert.equal(parseTrainerMessage(progress).ok, true);
    assert.equal(parseTrainerMessage(trainerMessage({ type: 'done', reason: 'stopped', steps: 3 })).ok, true);
    assert.equal(parseTrainerMessage(trainerMessage({ type: 'metrics', record: { step: 1, losses: { total: 1 } } })).ok, true);
  });

  it('rejects invalid messages with a reason naming the field, without throwing', () => {
    const noRunDir = parseHostMessage({ v: TRAINER_PROTOCOL_VERSION, type: 'start', config: {} });
    assert.equal(noRunDir.ok, false);
    assert.match(noRunDir.ok ? '' : noRunDir.reason, /runDir/);
    const extra = parseHostMessage({ v: TRAINER_PROTOCOL_VERSION, type: 'stop', now: true });
    assert.equal(extra.ok, false);
    const unknown = parseTrainerMessage({ v: TRAINER_PROTOCOL_VERSION, type: 'explode' });
    assert.equal(unknown.ok, false);
    for (const junk of [null, 42, 'stop', [], { type: 'stop' }]) assert.equal(parseHostMessage(junk).ok, false, JSON.stringify(junk));
    const badProgress = parseTrainerMessage({ v: 1, type: 'progress', progress: { epoch: -1, iteration: 0, iterationsPerEpoch: 1, step: 0, totalSteps: 1, etaSeconds: null, stepsPerSecond: null } });
    assert.equal(badProgress.ok, false);
    assert.match(badProgress.ok ? '' : badProgress.reason, /progress\.(epoch|step)/);
  });

  it('names a protocol version mismatch', () => {
    const parsed = parseTrainerMessage({ v: 99, type: 'hello', pid: 1, node: 'v20' });
    assert.equal(parsed.ok, false);
    assert.match(parsed.ok ? '' : parsed.reason, /protocol version 99 is not 1/);
  });
});

describe('exit classification', () => {
  const base: ExitEvidence = { code: 0, signal: null, done: undefined, errorReceived: false, killRequested: false, stderrTail: '' };

  it('clean needs the goodbye and code 0', () => {
    assert.equal(classifyExit({ ...base, done: 'completed' }).reason, 'clean');
    assert.equal(classifyExit({ ...base, done: 'stopped', goneReason: 'clean-exit' }).reason, 'clean');
    // Electron can report code 0 for a crash (#42283): without `done`, or with a crash reason, it is not clean.
    assert.equal(classifyExit({ ...base }).reason, 'crashed');
    assert.equal(classifyExit({ ...base, done: 'completed', goneReason: 'crashed' }).reason, 'crashed');
  });

  it('error: an error message or exit code 1', () => {
    assert.equal(classifyExit({ ...base, code: 1, errorReceived: true }).reason, 'error');
    assert.equal(classifyExit({ ...base, code: 1 }).reason, 'error');
  });

  it('killed: by the user (we sent the signal) or from outside', () => {
    const ours = classifyExit({ ...base, code: null, signal: 'SIGKILL', killRequested: true });
    assert.deepEqual([ours.reason, ours.byUser], ['killed', true]);
    const theirs = classifyExit({ ...base, code: null, signal: 'SIGKILL' });
    assert.deepEqual([theirs.reason, theirs.byUser], ['killed', false]);
    assert.equal(classifyExit({ ...base, code: 9, goneReason: 'killed' }).reason, 'killed');
  });

  it('crashed: other signals and abnormal exits without goodbye', () => {
    assert.equal(classifyExit({ ...base, code: null, signal: 'SIGSEGV' }).reason, 'crashed');
    assert.equal(classifyExit({ ...base, code: 134, goneReason: 'abnormal-exit' }).reason, 'crashed');
  });

  it('oom: V8 heap text on stderr or Electron reason oom', () => {
    const stderr = '<--- Last few GCs --->\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n';
    assert.equal(looksLikeOutOfMemory(stderr), true);
    assert.equal(classifyExit({ ...base, code: null, signal: 'SIGABRT', stderrTail: stderr }).reason, 'oom');
    assert.equal(classifyExit({ ...base, code: 1, goneReason: 'oom' }).reason, 'oom');
    assert.match(classifyExit({ ...base, goneReason: 'oom' }).description, /out of memory.*batch size/);
  });
});

describe('system metrics', () => {
  it('parses VmRSS from /proc/<pid>/status', () => {
    assert.equal(parseVmRss('Name:\tnode\nVmRSS:\t  204800 kB\nThreads: 7\n'), 204800 * 1024);
    assert.equal(parseVmRss('Name:\tnode\n'), null);
  });

  it('samples CPU, RAM, trainer memory, and says why the GPU is n/a', async () => {
    let gpuCalls = 0;
    const sampler = new SystemMetricsSampler({
      trainers: () => [
        { runId: 'a', pid: 11, state: 'running', progress: undefined, rssBytes: 5, tfjsBytes: 7 },
        { runId: 'b', pid: 12, state: 'running', progress: undefined, rssBytes: 9, tfjsBytes: undefined },
      ],
      readProcStatus: async (pid) => {
        if (pid === 11) return 'VmRSS:\t1024 kB\n';
        throw new Error('ENOENT');
      },
      sampleGpus: async () => {
        gpuCalls++;
        return { unavailable: 'nvidia-smi not found' };
      },
    });
    // Burn a little CPU so the delta is not empty.
    const until = Date.now() + 30;
    while (Date.now() < until);
    const first = await sampler.sample();
    assert.ok(first.cpu.percent === null || (first.cpu.percent >= 0 && first.cpu.percent <= 100));
    assert.ok(first.memory.totalBytes > 0 && first.memory.usedBytes > 0);
    assert.deepEqual(first.trainers, [
      { runId: 'a', pid: 11, rssBytes: 1024 * 1024, rssSource: 'proc', tfjsBytes: 7 },
      { runId: 'b', pid: 12, rssBytes: 9, rssSource: 'trainer-report', tfjsBytes: null },
    ]);
    assert.deepEqual(first.gpu, { available: false, reason: 'nvidia-smi not found' });
    assert.equal(formatGpuReading(first.gpu), 'n/a: nvidia-smi not found');
    await sampler.sample();
    assert.equal(gpuCalls, 1, 'an unavailable GPU is not re-probed on every tick');
  });

  it('formats GPU readings', () => {
    const text = formatGpuReading({
      available: true,
      gpus: [{ index: 0, name: 'NVIDIA H200', memoryTotalMiB: 143771, memoryUsedMiB: 1024, utilizationPercent: 43, temperatureC: 41, driverVersion: '570' }],
    });
    assert.equal(text, 'GPU0 NVIDIA H200 43% 1.0/140.4 GiB 41 °C');
  });
});
