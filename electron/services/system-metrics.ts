/**
 * System metrics, sampled periodically while the app runs: CPU utilisation (from os.cpus()
 * time deltas), RAM, each live trainer's resident memory (/proc/<pid>/status on Linux, else the
 * trainer's own report in its metrics), tfjs memory (reported by the trainer with every step),
 * and GPU utilisation / memory / temperature through nvidia-smi — or "n/a" with the reason.
 *
 * Plain Node: no electron, no tfjs (trainer/engine/device.ts only shells out to nvidia-smi).
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { sampleGpus, type GpuSample } from '../../trainer/engine/device.js';
import type { LiveRunInfo } from './trainer-host/trainer-host.js';

export interface TrainerMemorySample {
  runId: string;
  pid: number;
  rssBytes: number | null;
  /** Where rssBytes came from. */
  rssSource: 'proc' | 'trainer-report' | 'n/a';
  /** tfjs tensor memory from the trainer's last metrics record; null before the first step. */
  tfjsBytes: number | null;
}

export type GpuReading = { available: true; gpus: GpuSample[] } | { available: false; reason: string };

export interface SystemSample {
  at: string;
  cpu: { percent: number | null; logicalCores: number; model: string };
  memory: { totalBytes: number; usedBytes: number; freeBytes: number };
  /** The host process itself (Electron main or the local server). */
  hostRssBytes: number;
  trainers: TrainerMemorySample[];
  gpu: GpuReading;
}

export interface SystemMetricsOptions {
  intervalMs?: number;
  /** Live trainer processes (TrainerHost.activeRuns + liveInfo). */
  trainers?: () => LiveRunInfo[];
  /** Replaced in tests. */
  sampleGpus?: () => Promise<GpuSample[] | { unavailable: string }>;
  /** After nvidia-smi reported it is unavailable, wait this long before asking again (default 60 s). */
  gpuRetryMs?: number;
  readProcStatus?: (pid: number) => Promise<string>;
}

interface CpuTimes {
  idle: number;
  total: number;
}

function cpuTimes(): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/** `VmRSS:   123456 kB` → bytes. */
export function parseVmRss(status: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match === null ? null : Number(match[1]) * 1024;
}

export class SystemMetricsSampler extends EventEmitter {
  private previous: CpuTimes = cpuTimes();
  private timer: NodeJS.Timeout | undefined;
  private gpuUnavailable: { reason: string; until: number } | undefined;
  private readonly intervalMs: number;
  latest: SystemSample | undefined;

  constructor(private readonly options: SystemMetricsOptions = {}) {
    super();
    this.intervalMs = options.intervalMs ?? 2000;
  }

  start(): void {
    if (this.timer !== undefined) return;
    const tick = () => {
      void this.sample().then(
        (sample) => this.emit('sample', sample),
        (error: unknown) => this.emit('sampleError', error),
      );
    };
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
    tick();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  async sample(): Promise<SystemSample> {
    const now = cpuTimes();
    const dTotal = now.total - this.previous.total;
    const dIdle = now.idle - this.previous.idle;
    this.previous = now;
    const percent = dTotal > 0 ? Math.max(0, Math.min(100, (100 * (dTotal - dIdle)) / dTotal)) : null;
    const cpus = os.cpus();
    const [trainers, gpu] = await Promise.all([this.trainerMemory(), this.gpu()]);
    const total = os.totalmem();
    const free = os.freemem();
    const sample: SystemSample = {
      at: new Date().toISOString(),
      cpu: { percent, logicalCores: cpus.length, model: cpus[0]?.model.trim() ?? 'unknown' },
      memory: { totalBytes: total, usedBytes: total - free, freeBytes: free },
      hostRssBytes: process.memoryUsage.rss(),
      trainers,
      gpu,
    };
    this.latest = sample;
    return sample;
  }

  private async trainerMemory(): Promise<TrainerMemorySample[]> {
    const live = this.options.trainers?.() ?? [];
    const read = this.options.readProcStatus ?? ((pid: number) => readFile(`/proc/${pid}/status`, 'utf8'));
    return Promise.all(
      live.map(async (info) => {
        let rss: number | null = null;
        let source: TrainerMemorySample['rssSource'] = 'n/a';
        if (process.platform === 'linux' || this.options.readProcStatus !== undefined) {
          rss = await read(info.pid).then(parseVmRss, () => null);
          if (rss !== null) source = 'proc';
        }
        if (rss === null && info.rssBytes !== undefined) {
          rss = info.rssBytes;
          source = 'trainer-report';
        }
        return { runId: info.runId, pid: info.pid, rssBytes: rss, rssSource: source, tfjsBytes: info.tfjsBytes ?? null };
      }),
    );
  }

  private async gpu(): Promise<GpuReading> {
    if (this.gpuUnavailable !== undefined && Date.now() < this.gpuUnavailable.until) return { available: false, reason: this.gpuUnavailable.reason };
    const result = await (this.options.sampleGpus ?? (() => sampleGpus()))();
    if (Array.isArray(result)) {
      this.gpuUnavailable = undefined;
      return { available: true, gpus: result };
    }
    this.gpuUnavailable = { reason: result.unavailable, until: Date.now() + (this.options.gpuRetryMs ?? 60_000) };
    return { available: false, reason: result.unavailable };
  }
}

/** "n/a: nvidia-smi not found" or "GPU0 NVIDIA H200 43% 12.3/139.8 GiB 41 °C" — for logs and the status bar. */
export function formatGpuReading(reading: GpuReading): string {
  if (!reading.available) return `n/a: ${reading.reason}`;
  const fmt = (v: number | null, unit: string) => (v === null ? 'n/a' : `${v}${unit}`);
  return reading.gpus
    .map(
      (g) =>
        `GPU${g.index} ${g.name} ${fmt(g.utilizationPercent, '%')} ` +
        `${g.memoryUsedMiB === null || g.memoryTotalMiB === null ? 'n/a' : `${(g.memoryUsedMiB / 1024).toFixed(1)}/${(g.memoryTotalMiB / 1024).toFixed(1)} GiB`} ${fmt(g.temperatureC, ' °C')}`,
    )
    .join('; ');
}
