/**
 * The evaluation report of a fine-tuning run (issue 7 §2, docs/run-format.md "evaluation/"):
 * one JSON document per evaluation of the test split, written atomically into
 * `<runDir>/evaluation/`:
 *
 *   step-00001200.json   every evaluation (history; moved to superseded/ when a resume trains
 *                        those steps again)
 *   best.json            the evaluation with the highest top-1 so far (ties: the earliest, as the
 *                        reference's `acc1 > best_acc1`)
 *   last.json            the most recent evaluation
 *
 * The zod schema is the contract for readers (runs service, UI); `formatEvaluationReport`
 * renders the table the CLI prints.
 */
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../run/atomic-file.js';
import type { ClassificationMetrics } from './evaluation.js';

export const EVALUATION_REPORT_FORMAT = 'fra-workbench-evaluation/1';
export const EVALUATION_DIR = 'evaluation';
export const EVALUATION_FILES = { best: 'best.json', last: 'last.json', superseded: 'superseded' } as const;

const rate = z.number().min(0).max(1);
const count = z.number().int().nonnegative();

export const evaluationReportSchema = z
  .object({
    format: z.literal(EVALUATION_REPORT_FORMAT),
    /** 0-based epoch the evaluation followed (the last trained epoch). */
    epoch: z.number().int().nonnegative(),
    /** Optimiser steps done when evaluated (the metrics.jsonl step that carries `val`). */
    step: count,
    /** Split evaluated ('test', or 'val' where the dataset has no test split). */
    split: z.string(),
    dataset: z.string(),
    mode: z.enum(['finetune', 'linear']),
    classNames: z.array(z.string()).min(2),
    samples: count,
    top1: rate,
    top5: rate,
    topK: z.number().int().positive(),
    loss: z.number().nullable(),
    meanClassAccuracy: rate,
    macroPrecision: rate,
    macroRecall: rate,
    macroF1: rate,
    perClass: z.array(
      z.object({ name: z.string(), support: count, predicted: count, truePositives: count, precision: rate, recall: rate, f1: rate }),
    ),
    confusion: z.object({ counts: z.array(z.array(count)), normalized: z.array(z.array(rate)) }),
    createdAt: z.string(),
  })
  .loose()
  .superRefine((r, ctx) => {
    const k = r.classNames.length;
    if (r.perClass.length !== k) ctx.addIssue({ code: 'custom', path: ['perClass'], message: `has ${r.perClass.length} entries for ${k} classes` });
    for (const [key, m] of Object.entries(r.confusion)) {
      if (m.length !== k || m.some((row) => row.length !== k)) ctx.addIssue({ code: 'custom', path: ['confusion', key], message: `must be ${k}×${k}` });
    }
  });
export type EvaluationReport = z.infer<typeof evaluationReportSchema>;

export interface ReportContext {
  epoch: number;
  step: number;
  split: string;
  dataset: string;
  mode: 'finetune' | 'linear';
}

export function buildEvaluationReport(metrics: ClassificationMetrics, context: ReportContext): EvaluationReport {
  return {
    format: EVALUATION_REPORT_FORMAT,
    ...context,
    classNames: metrics.perClass.map((c) => c.name),
    samples: metrics.samples,
    top1: metrics.top1,
    top5: metrics.top5,
    topK: metrics.topK,
    loss: metrics.loss,
    meanClassAccuracy: metrics.meanClassAccuracy,
    macroPrecision: metrics.macroPrecision,
    macroRecall: metrics.macroRecall,
    macroF1: metrics.macroF1,
    perClass: metrics.perClass,
    confusion: metrics.confusion,
    createdAt: new Date().toISOString(),
  };
}

export function evaluationDirOf(runDir: string): string {
  return join(runDir, EVALUATION_DIR);
}

export function historyFileName(step: number): string {
  return `step-${String(step).padStart(8, '0')}.json`;
}

const HISTORY_FILE = /^step-(\d{8,})\.json$/;

async function writeReport(path: string, report: EvaluationReport): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(report, null, 2) + '\n');
}

/**
 * Records one evaluation: its history file, last.json, and best.json when `isBest`. The history
 * file is written first, so best/last always describe a report that is also in the history.
 */
export async function saveEvaluation(runDir: string, report: EvaluationReport, isBest: boolean): Promise<void> {
  const dir = evaluationDirOf(runDir);
  await mkdir(dir, { recursive: true });
  await writeReport(join(dir, historyFileName(report.step)), report);
  if (isBest) await writeReport(join(dir, EVALUATION_FILES.best), report);
  await writeReport(join(dir, EVALUATION_FILES.last), report);
}

/** Reads and validates a report; the error names the file and the first bad field. */
export async function readEvaluationReport(path: string): Promise<EvaluationReport> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read evaluation report ${path}: ${(error as Error).message}`);
  }
  const parsed = evaluationReportSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path} is not a valid evaluation report: ${issue ? `${issue.path.join('.') || '(report)'}: ${issue.message}` : 'invalid'}`);
  }
  return parsed.data;
}

/** best.json / last.json of a run, or undefined when the run has not been evaluated yet. */
export async function readRunEvaluation(runDir: string, which: 'best' | 'last'): Promise<EvaluationReport | undefined> {
  const path = join(evaluationDirOf(runDir), EVALUATION_FILES[which]);
  try {
    await readFile(path);
  } catch {
    return undefined;
  }
  return readEvaluationReport(path);
}

/** The better of two evaluations by top-1; ties keep the earlier one (the reference's strict `>`). */
export function isBetterEvaluation(candidate: { top1: number }, best: { top1: number } | undefined): boolean {
  return best === undefined || candidate.top1 > best.top1;
}

/**
 * Resuming from step S: evaluations after S belong to steps that will be trained again. They
 * move to `evaluation/superseded/` (kept, never deleted), and best.json / last.json are rebuilt
 * from the remaining history. Returns the best evaluation that still stands.
 */
export async function rewindEvaluations(runDir: string, keepThroughStep: number): Promise<{ best: EvaluationReport | undefined; moved: number }> {
  const dir = evaluationDirOf(runDir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return { best: undefined, moved: 0 };
  }
  const kept: EvaluationReport[] = [];
  let moved = 0;
  for (const name of names.sort()) {
    const m = HISTORY_FILE.exec(name);
    if (m === null) continue;
    if (Number(m[1]) > keepThroughStep) {
      await mkdir(join(dir, EVALUATION_FILES.superseded), { recursive: true });
      await rename(join(dir, name), join(dir, EVALUATION_FILES.superseded, `${name.replace(/\.json$/, '')}.${Date.now()}.json`));
      moved++;
    } else {
      kept.push(await readEvaluationReport(join(dir, name)));
    }
  }
  let best: EvaluationReport | undefined;
  for (const report of kept) if (isBetterEvaluation(report, best)) best = report;
  if (moved > 0) {
    // best.json and last.json are copies of history files; rebuild them from what still stands.
    for (const [file, report] of [[EVALUATION_FILES.best, best], [EVALUATION_FILES.last, kept.at(-1)]] as const) {
      if (report !== undefined) await writeReport(join(dir, file), report);
      else await rm(join(dir, file), { force: true });
    }
  }
  return { best, moved };
}

// ---------------------------------------------------------------------------
// Text rendering (CLI)
// ---------------------------------------------------------------------------

const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

/** The report as the CLI prints it: headline numbers, per-class table, confusion matrix. */
export function formatEvaluationReport(report: EvaluationReport, title = 'Evaluation'): string {
  const lines: string[] = [];
  lines.push(`${title}: ${report.split} split, ${report.samples} images, epoch ${report.epoch}, step ${report.step} (${report.dataset})`);
  lines.push(
    `  top-1 ${pct(report.top1)}   top-${report.topK} ${pct(report.top5)}   mean class accuracy ${pct(report.meanClassAccuracy)}   ` +
      `macro F1 ${pct(report.macroF1)}   loss ${report.loss === null ? 'n/a' : report.loss.toFixed(4)}`,
  );
  lines.push('');
  lines.push(
    ...table(
      ['class', 'support', 'predicted', 'precision', 'recall', 'F1'],
      report.perClass.map((c) => [c.name, String(c.support), String(c.predicted), pct(c.precision), pct(c.recall), pct(c.f1)]),
    ).map((l) => `  ${l}`),
  );
  lines.push('', '  confusion matrix (rows: true class, columns: predicted; counts)');
  const short = report.classNames.map((n, i) => `${i}:${n.slice(0, 8)}`);
  lines.push(...table(['', ...short], report.confusion.counts.map((row, i) => [short[i]!, ...row.map(String)])).map((l) => `  ${l}`));
  return lines.join('\n');
}
