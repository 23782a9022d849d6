/**
 * Engine facade: `initEngine()` picks and activates the tfjs backend, probes
 * the hardware, and returns one plain-data report that the CLI prints, the
 * trainer sends to the host, and the UI shows. Callers import from here, not
 * from the modules behind it.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  pickBackendRequest,
  resolveBackend,
  type BackendId,
  type BackendRequest,
  type ModuleLoader,
  type SkippedBackend,
} from './backends.js';
import { probeDevice, type DeviceInfo, type GpuSample } from './device.js';

export {
  AUTO_BACKEND_ORDER,
  BACKEND_ENV_VAR,
  BACKEND_REQUESTS,
  BackendUnavailableError,
  classifyNativeLoadError,
  parseBackendRequest,
  pickBackendRequest,
  resolveBackend,
} from './backends.js';
export type { BackendId, BackendRequest, BackendResolution, ModuleLoader, SkippedBackend } from './backends.js';
export { NVIDIA_SMI_ARGS, parseNvidiaSmiCsv, probeDevice, sampleGpus } from './device.js';
export type { DeviceInfo, GpuSample, NvidiaSmiOptions } from './device.js';

export interface EngineReport {
  requested: BackendRequest;
  active: BackendId;
  tfjsBackendName: string;
  tfjsVersion: string;
  device: DeviceInfo;
  skipped: SkippedBackend[];
  warnings: string[];
  /** Facts worth knowing about the active backend, e.g. 'wasm: 1 thread (…), SIMD on'. */
  notes: string[];
}

export interface InitEngineOptions {
  /** Wins over FRA_BACKEND; validated here because it may come straight from argv. */
  backend?: BackendRequest | string;
  env?: NodeJS.ProcessEnv;
  loadModule?: ModuleLoader;
}

/**
 * Rejects when the request is invalid or an explicitly requested backend is
 * unavailable; under 'auto' it only rejects if not even cpu works.
 */
export async function initEngine(options: InitEngineOptions = {}): Promise<EngineReport> {
  const env = options.env ?? process.env;
  const requested = pickBackendRequest({ backend: options.backend, env });
  // The probe only waits on nvidia-smi, so it overlaps with backend start-up; it never rejects.
  const deviceProbe = probeDevice();
  const resolution = await resolveBackend(requested, {
    env,
    ...(options.loadModule ? { loadModule: options.loadModule } : {}),
  });
  const device = await deviceProbe;
  return {
    requested: resolution.requested,
    active: resolution.active,
    tfjsBackendName: resolution.tfjsBackendName,
    tfjsVersion: tf.version_core,
    device,
    skipped: resolution.skipped,
    warnings: [...resolution.warnings, ...idleGpuWarnings(resolution.active, device, resolution.skipped)],
    notes: resolution.notes,
  };
}

/** A GPU that nvidia-smi sees but training does not use is the most expensive thing to miss. */
function idleGpuWarnings(active: BackendId, device: DeviceInfo, skipped: SkippedBackend[]): string[] {
  if (active === 'node-gpu' || device.gpus.length === 0) return [];
  const names = [...new Set(device.gpus.map((gpu) => gpu.name))].join(', ');
  const gpuSkip = skipped.find((entry) => entry.backend === 'node-gpu');
  return [
    `${device.gpus.length} GPU(s) present (${names}) but training runs on '${active}'` +
      (gpuSkip ? `; node-gpu is unavailable: ${gpuSkip.reason}` : ''),
  ];
}

function formatBytes(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

function formatGpu(gpu: GpuSample): string {
  const memory =
    gpu.memoryTotalMiB === null
      ? 'memory n/a'
      : `${((gpu.memoryUsedMiB ?? 0) / 1024).toFixed(1)}/${(gpu.memoryTotalMiB / 1024).toFixed(1)} GiB used`;
  const utilization = gpu.utilizationPercent === null ? 'util n/a' : `${gpu.utilizationPercent}% util`;
  const temperature = gpu.temperatureC === null ? '' : `, ${gpu.temperatureC} °C`;
  return `#${gpu.index} ${gpu.name}: ${memory}, ${utilization}${temperature}, driver ${gpu.driverVersion}`;
}

/** Label/value rows; continuation lines of a multi-value row are indented under the value column. */
export function formatEngineReport(report: EngineReport): string {
  const rows: Array<[string, string[]]> = [
    ['requested', [report.requested]],
    ['active', [`${report.active} (tfjs backend '${report.tfjsBackendName}', tfjs-core ${report.tfjsVersion})`]],
    ['cpu', [`${report.device.cpuModel}, ${report.device.logicalCores} logical cores`]],
    ['memory', [formatBytes(report.device.totalMemoryBytes)]],
    [
      'gpus',
      report.device.gpus.length > 0
        ? report.device.gpus.map(formatGpu)
        : [`none (${report.device.gpuUnavailableReason ?? 'no GPUs listed'})`],
    ],
    ['skipped', report.skipped.map((entry) => `${entry.backend}: ${entry.reason}`)],
    ['warnings', report.warnings],
    ['notes', report.notes],
  ];
  const labelWidth = Math.max(...rows.map(([label]) => label.length)) + 2;
  const lines = ['FRA engine'];
  for (const [label, values] of rows) {
    values.forEach((value, i) => {
      lines.push(`  ${(i === 0 ? label : '').padEnd(labelWidth)}${value}`);
    });
  }
  return lines.join('\n');
}
