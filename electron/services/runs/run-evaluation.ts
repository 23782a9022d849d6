/**
 * `runs.evaluation`: the evaluation report a fine-tuning run wrote (trainer/finetune/report.ts),
 * validated by the trainer's own schema. A run that has not been evaluated yet answers null; a
 * report that exists but cannot be read is an error that names the file, never a silent null.
 */
import { ApiError } from '../../contract/api-error.js';
import type { EvaluationReportInfo } from '../../contract/runs-api.js';
import { readRunEvaluation, type EvaluationReport } from '../../../trainer/finetune/report.js';
import type { OpenedManifest } from './run-summaries.js';

// The contract restates the trainer's schema (the renderer cannot import a module that reads
// files); these two lines fail to compile the day the two drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const reportsAgree: Same<Omit<EvaluationReport, 'format'>, Omit<EvaluationReportInfo, 'format'>> = true;
void reportsAgree;

export async function readEvaluationOf(run: OpenedManifest, which: 'best' | 'last'): Promise<EvaluationReportInfo | null> {
  if (run.manifest.kind !== 'finetune') {
    throw new ApiError({
      code: 'invalid-input',
      message: `Run "${run.manifest.name}" is a ${run.manifest.kind} run; only fine-tuning runs have an evaluation report.`,
      hint: 'Open the evaluation of a fine-tuning run (the Fine-tune view lists them).',
    });
  }
  try {
    return (await readRunEvaluation(run.dir, which)) ?? null;
  } catch (error) {
    throw new ApiError({
      code: 'damaged',
      message: `The ${which} evaluation report of run "${run.manifest.name}" cannot be read: ${error instanceof Error ? error.message : String(error)}`,
      hint: `The other report (${which === 'best' ? 'last' : 'best'}) and the history in evaluation/ are kept; restarting the run writes a new report at its next evaluation.`,
    });
  }
}
