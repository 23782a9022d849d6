import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { NVIDIA_SMI_ARGS, parseNvidiaSmiCsv, probeDevice, sampleGpus } from '../../../trainer/engine/device.js';

const H200 = {
  name: 'NVIDIA H200',
  memoryTotalMiB: 143771,
  memoryUsedMiB: 0,
  utilizationPercent: 0,
  temperatureC: 31,
  driverVersion: '570.86.15',
};

describe('parseNvidiaSmiCsv', () => {
  it('parses an H200 line', () => {
    assert.deepEqual(parseNvidiaSmiCsv('NVIDIA H200, 143771, 0, 0, 31, 570.86.15\n'), [{ index: 0, ...H200 }]);
  });

  it('numbers several GPUs in listing order and tolerates CRLF and blank lines', () => {
    const text = 'NVIDIA H200, 143771, 0, 0, 31, 570.86.15\r\nNVIDIA H200, 143771, 81234, 97, 64, 570.86.15\r\n\r\n';
    assert.deepEqual(parseNvidiaSmiCsv(text), [
      { index: 0, ...H200 },
      { index: 1, ...H200, memoryUsedMiB: 81234, utilizationPercent: 97, temperatureC: 64 },
    ]);
  });

  it('maps [N/A] and [Not Supported] counters to null', () => {
    assert.deepEqual(parseNvidiaSmiCsv('NVIDIA A100-SXM4-40GB MIG 1g.5gb, [N/A], [N/A], [Not Supported], [N/A], 535.104.05'), [
      {
        index: 0,
        name: 'NVIDIA A100-SXM4-40GB MIG 1g.5gb',
        memoryTotalMiB: null,
        memoryUsedMiB: null,
        utilizationPercent: null,
        temperatureC: null,
        driverVersion: '535.104.05',
      },
    ]);
  });

  it('ignores lines that are not GPU rows', () => {
    const text = 'WARNING: infoROM is corrupted at gpu 0000:41:00.0\nNVIDIA H200, 143771, 0, 0, 31, 570.86.15\n';
    assert.deepEqual(parseNvidiaSmiCsv(text), [{ index: 0, ...H200 }]);
    assert.deepEqual(parseNvidiaSmiCsv(''), []);
  });
});

describe('sampleGpus and probeDevice against stand-in nvidia-smi executables', () => {
  let dir = '';
  const script = (name: string): string => path.join(dir, name);

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fra-nvidia-smi-'));
    const expectedArgs = NVIDIA_SMI_ARGS.join(' ');
    const executables: Record<string, string> = {
      // Answers only when called with exactly the query we rely on, like the real tool would.
      'two-h200': `[ "$*" = "${expectedArgs}" ] || { echo "unexpected args: $*" >&2; exit 64; }
printf 'NVIDIA H200, 143771, 0, 0, 31, 570.86.15\\nNVIDIA H200, 143771, 1024, 12, 40, 570.86.15\\n'`,
      'driver-down': `echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running."
exit 9`,
      'no-gpus': 'exit 0',
      hangs: 'exec sleep 5',
    };
    for (const [name, body] of Object.entries(executables)) {
      await writeFile(script(name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    }
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads every GPU the tool lists', async () => {
    assert.deepEqual(await sampleGpus({ command: script('two-h200') }), [
      { index: 0, ...H200 },
      { index: 1, ...H200, memoryUsedMiB: 1024, utilizationPercent: 12, temperatureC: 40 },
    ]);
  });

  it("says 'nvidia-smi not found' when the tool is absent", async () => {
    assert.deepEqual(await sampleGpus({ command: script('does-not-exist') }), { unavailable: 'nvidia-smi not found' });
  });

  it("passes on the tool's own explanation when it fails", async () => {
    assert.deepEqual(await sampleGpus({ command: script('driver-down') }), {
      unavailable:
        "nvidia-smi failed: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
    });
  });

  it('reports an empty listing and a hung tool', async () => {
    assert.deepEqual(await sampleGpus({ command: script('no-gpus') }), { unavailable: 'nvidia-smi lists no GPUs' });
    assert.deepEqual(await sampleGpus({ command: script('hangs'), timeoutMs: 200 }), {
      unavailable: 'nvidia-smi timed out after 200 ms',
    });
  });

  it('probeDevice combines host facts with the GPU listing', async () => {
    const device = await probeDevice({ command: script('two-h200') });
    assert.equal(device.logicalCores, os.cpus().length);
    assert.equal(device.totalMemoryBytes, os.totalmem());
    assert.equal(device.cpuModel, os.cpus()[0]?.model.trim());
    assert.equal(device.gpus.length, 2);
    assert.equal(device.gpus[1]?.memoryUsedMiB, 1024);
    assert.equal('gpuUnavailableReason' in device, false);
  });

  it('probeDevice keeps the reason when there are no GPUs', async () => {
    const device = await probeDevice({ command: script('does-not-exist') });
    assert.deepEqual(device.gpus, []);
    assert.equal(device.gpuUnavailableReason, 'nvidia-smi not found');
  });
});
