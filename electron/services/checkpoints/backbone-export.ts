/**
 * Backbone exports as the checkpoints service runs them: each into a NEW folder
 * `<workspace>/exports/<runId>/<name>-<format>[-<n>]/`, never over an earlier export.
 *
 * The files are written into a hidden temporary folder beside it by a worker thread
 * (export-worker.ts), and the folder is renamed into place only when the export succeeded, so a
 * crash or a failure never leaves a half-written export that looks complete. One export runs at
 * a time: each holds a whole model in memory.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../../contract/api-error.js';
import { isProcessAlive } from '../../../trainer/run/run-lock.js';
import { syncDirectory } from '../../../trainer/run/atomic-file.js';
import type { ExportJob, ExportReply } from './export-worker.js';
import { startServiceWorker } from '../service-worker.js';

export interface BackboneExportRequest {
  runId: string;
  runLabel: string;
  name: string;
  checkpointPath: string;
  sha256: string;
  format: 'safetensors' | 'tfjs' | 'onnx';
  layout?: 'nchw' | 'nhwc' | undefined;
}

export interface BackboneExportOutcome {
  outputDir: string;
  files: string[];
  modelCard?: string;
}

const PARTIAL_PREFIX = '.partial-';

export class BackboneExporter {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly running = new Set<{ terminate(): Promise<number> }>();
  private closed = false;

  constructor(private readonly exportsRoot: string) {}

  export(request: BackboneExportRequest): Promise<BackboneExportOutcome> {
    const task = () => this.exportNow(request);
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops an export in progress (its temporary folder is removed). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.running].map((worker) => worker.terminate()));
    await this.queue;
  }

  private async exportNow(request: BackboneExportRequest): Promise<BackboneExportOutcome> {
    if (this.closed) throw new ApiError({ code: 'closing', message: 'FRA Workbench is closing; the export did not start.' });
    const runExports = join(this.exportsRoot, request.runId);
    await mkdir(runExports, { recursive: true });
    await removeAbandonedPartials(runExports);
    const partial = join(runExports, `${PARTIAL_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(partial);
    try {
      const reply = await this.runWorker({
        checkpointPath: request.checkpointPath,
        expectedSha256: request.sha256,
        outDir: partial,
        format: request.format,
        ...(request.layout !== undefined ? { layout: request.layout } : {}),
        runLabel: request.runLabel,
      });
      if (!reply.ok) throw new ApiError({ code: reply.code, message: reply.message, ...(reply.hint !== undefined ? { hint: reply.hint } : {}) });
      const base = `${request.name}-${request.format}${request.format === 'onnx' && request.layout === 'nhwc' ? '-nhwc' : ''}`;
      const outputDir = await moveIntoFreeName(partial, runExports, base);
      return { outputDir, files: reply.files, ...(reply.modelCard !== undefined ? { modelCard: join(outputDir, reply.modelCard) } : {}) };
    } finally {
      await rm(partial, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private runWorker(job: ExportJob): Promise<ExportReply> {
    return new Promise((resolve, reject) => {
      const worker = startServiceWorker(new URL('./export-worker', import.meta.url).href, job);
      this.running.add(worker);
      let settled = false;
      const settle = (action: () => void) => {
        if (settled) return;
        settled = true;
        this.running.delete(worker);
        action();
      };
      worker.once('message', (reply: ExportReply) => settle(() => resolve(reply)));
      worker.once('error', (error) => settle(() => reject(new ApiError({ code: 'export-failed', message: `The export stopped with an error: ${error.message}` }))));
      worker.once('exit', (code) =>
        settle(() =>
          reject(
            new ApiError({
              code: 'export-failed',
              message: this.closed ? 'The export was cancelled because FRA Workbench is closing.' : `The export worker ended unexpectedly (exit code ${code}).`,
              hint: 'Try again. A very large model may need more memory than is free.',
            }),
          ),
        ),
      );
    });
  }
}

/**
 * Renames `from` to `<dir>/<base>`, or `<base>-2`, `-3`, … — the first name not taken. Checked
 * and renamed per name, and a rename that races another writer (the target appeared meanwhile)
 * moves on to the next name: an existing export is never replaced.
 */
async function moveIntoFreeName(from: string, dir: string, base: string): Promise<string> {
  for (let n = 1; n < 10_000; n++) {
    const target = join(dir, n === 1 ? base : `${base}-${n}`);
    if (await exists(target)) continue;
    try {
      await rename(from, target);
      await syncDirectory(dir).catch(() => undefined);
      return target;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') continue;
      throw error;
    }
  }
  throw new ApiError({ code: 'export-failed', message: `Too many exports named ${base} in ${dir}.`, hint: 'Move or delete older exports.' });
}

/** Temporary folders of exports whose process died (a crash mid-export). */
async function removeAbandonedPartials(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = new RegExp(`^${PARTIAL_PREFIX.replace('.', '\\.')}(\\d+)-`).exec(name)?.[1];
    if (pid !== undefined && Number(pid) !== process.pid && !isProcessAlive(Number(pid))) {
      await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined);
    }
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
