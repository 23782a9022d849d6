/**
 * What hardware the trainer is running on: CPU, RAM and NVIDIA GPUs.
 *
 * GPUs are read from `nvidia-smi` rather than from TensorFlow because the
 * question "is there a GPU at all?" must be answerable even when tfjs-node-gpu
 * is not installed — that is exactly when the user needs to be told that a GPU
 * is sitting idle. `sampleGpus` is also the live sampler for system metrics.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';

export interface GpuSample {
  /** Position in nvidia-smi's listing (PCI order; may differ from CUDA_VISIBLE_DEVICES order). */
  index: number;
  name: string;
  memoryTotalMiB: number | null;
  memoryUsedMiB: number | null;
  utilizationPercent: number | null;
  temperatureC: number | null;
  driverVersion: string;
}

export interface DeviceInfo {
  cpuModel: string;
  logicalCores: number;
  totalMemoryBytes: number;
  gpus: GpuSample[];
  /** Why `gpus` is empty, e.g. 'nvidia-smi not found'; absent when nvidia-smi answered. */
  gpuUnavailableReason?: string;
}

export interface NvidiaSmiOptions {
  /** Executable to run; tests point this at a stand-in script. */
  command?: string;
  timeoutMs?: number;
}

export const NVIDIA_SMI_ARGS: readonly string[] = [
  '--query-gpu=name,memory.total,memory.used,utilization.gpu,temperature.gpu,driver_version',
  '--format=csv,noheader,nounits',
];

/** nvidia-smi can take a second or two to wake a GPU without persistence mode. */
const DEFAULT_NVIDIA_SMI_TIMEOUT_MS = 5000;
const FIELDS_PER_LINE = 6;

/** nvidia-smi prints '[N/A]' or '[Not Supported]' for counters a GPU does not expose. */
function parseOptionalNumber(field: string): number | null {
  const value = Number(field);
  return field !== '' && Number.isFinite(value) ? value : null;
}

/**
 * Parses the output of `nvidia-smi` run with NVIDIA_SMI_ARGS. Lines that are
 * not GPU rows (driver warnings printed to stdout) are ignored rather than
 * failing the whole probe.
 */
export function parseNvidiaSmiCsv(text: string): GpuSample[] {
  const gpus: GpuSample[] = [];
  for (const line of text.split(/\r?\n/)) {
    const fields = line.split(',').map((field) => field.trim());
    if (fields.length < FIELDS_PER_LINE) continue;
    // Only the name can contain a comma; the five numeric/version fields are at the end.
    const tail = fields.slice(-(FIELDS_PER_LINE - 1));
    const name = fields.slice(0, fields.length - (FIELDS_PER_LINE - 1)).join(', ');
    const [memoryTotal = '', memoryUsed = '', utilization = '', temperature = '', driverVersion = ''] = tail;
    const memoryTotalMiB = parseOptionalNumber(memoryTotal);
    if (name === '' || (memoryTotalMiB === null && !/^\[.*\]$/.test(memoryTotal))) continue;
    gpus.push({
      index: gpus.length,
      name,
      memoryTotalMiB,
      memoryUsedMiB: parseOptionalNumber(memoryUsed),
      utilizationPercent: parseOptionalNumber(utilization),
      temperatureC: parseOptionalNumber(temperature),
      driverVersion,
    });
  }
  return gpus;
}

function firstNonEmptyLine(text: string): string | undefined {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .find((line) => line !== '');
}

/**
 * One reading of every NVIDIA GPU, or why none could be read. Never rejects:
 * a missing or broken driver is a normal state on CPU-only machines.
 */
export function sampleGpus(options: NvidiaSmiOptions = {}): Promise<GpuSample[] | { unavailable: string }> {
  const command = options.command ?? 'nvidia-smi';
  const timeoutMs = options.timeoutMs ?? DEFAULT_NVIDIA_SMI_TIMEOUT_MS;
  return new Promise((resolve) => {
    execFile(command, [...NVIDIA_SMI_ARGS], { timeout: timeoutMs, windowsHide: true }, (error, stdout, stderr) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return resolve({ unavailable: 'nvidia-smi not found' });
        if (error.killed) return resolve({ unavailable: `nvidia-smi timed out after ${timeoutMs} ms` });
        // e.g. "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." (exit 9)
        const detail = firstNonEmptyLine(stderr) ?? firstNonEmptyLine(stdout) ?? error.message;
        return resolve({ unavailable: `nvidia-smi failed: ${detail}` });
      }
      const gpus = parseNvidiaSmiCsv(stdout);
      if (gpus.length === 0) return resolve({ unavailable: 'nvidia-smi lists no GPUs' });
      resolve(gpus);
    });
  });
}

export async function probeDevice(options: NvidiaSmiOptions = {}): Promise<DeviceInfo> {
  const cpus = os.cpus();
  const gpuReading = await sampleGpus(options);
  const host = {
    cpuModel: cpus[0]?.model.trim() || 'unknown CPU',
    // os.cpus() is empty on some restricted containers; availableParallelism still answers there.
    logicalCores: cpus.length > 0 ? cpus.length : os.availableParallelism(),
    totalMemoryBytes: os.totalmem(),
  };
  return Array.isArray(gpuReading)
    ? { ...host, gpus: gpuReading }
    : { ...host, gpus: [], gpuUnavailableReason: gpuReading.unavailable };
}
