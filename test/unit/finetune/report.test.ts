/**
 * Evaluation reports on disk: history + best.json + last.json written atomically and validated
 * on read; best is the highest top-1 with ties to the earliest; a resume rewinds later reports
 * into superseded/ and rebuilds best/last; the CLI table.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classificationMetrics } from '../../../trainer/finetune/evaluation.js';
import {
  buildEvaluationReport,
  evaluationDirOf,
  formatEvaluationReport,
  isBetterEvaluation,
  readEvaluationReport,
  readRunEvaluation,
  rewindEvaluations,
  saveEvaluation,
  type EvaluationReport,
} from '../../../trainer/finetune/report.js';

function report(step: number, correctA: number): EvaluationReport {
  const metrics = classificationMetrics({ classNames: ['happy', 'sad'], confusion: [[correctA, 4 - correctA], [1, 3]], lossSum: 3 });
  return buildEvaluationReport(metrics, { epoch: step / 10 - 1, step, split: 'test', dataset: 'unit test', mode: 'finetune' });
}

describe('evaluation reports', () => {
  let runDir: string;
  before(async () => {
    runDir = await mkdtemp(join(tmpdir(), 'fra-eval-report-'));
  });
  after(() => rm(runDir, { recursive: true, force: true }));

  it('best is the highest top-1, ties keep the earliest; last is the newest; both validate on read', async () => {
    const reports = [report(10, 1), report(20, 3), report(30, 3), report(40, 2)];
    let best: EvaluationReport | undefined;
    for (const r of reports) {
      const isBest = isBetterEvaluation(r, best);
      if (isBest) best = r;
      await saveEvaluation(runDir, r, isBest);
    }
    assert.equal((await readRunEvaluation(runDir, 'best'))!.step, 20);
    assert.equal((await readRunEvaluation(runDir, 'last'))!.step, 40);
    assert.deepEqual((await readdir(evaluationDirOf(runDir))).sort(), ['best.json', 'last.json', 'step-00000010.json', 'step-00000020.json', 'step-00000030.json', 'step-00000040.json']);
    const read = await readEvaluationReport(join(evaluationDirOf(runDir), 'step-00000030.json'));
    assert.deepEqual(read.confusion.counts, [[3, 1], [1, 3]]);
    assert.equal(read.top1, 0.75);
  });

  it('a resume from step 25 moves later reports to superseded/ and rebuilds best and last', async () => {
    const { best, moved } = await rewindEvaluations(runDir, 25);
    assert.equal(moved, 2);
    assert.equal(best?.step, 20);
    assert.equal((await readRunEvaluation(runDir, 'last'))!.step, 20);
    assert.equal((await readdir(join(evaluationDirOf(runDir), 'superseded'))).length, 2);
    const none = await rewindEvaluations(runDir, 5);
    assert.equal(none.best, undefined);
    assert.equal(await readRunEvaluation(runDir, 'best'), undefined);
  });

  it('refuses a damaged report, naming the field', async () => {
    const path = join(runDir, 'bad.json');
    const bad = { ...report(10, 1), top1: 1.5 };
    await writeFile(path, JSON.stringify(bad));
    await assert.rejects(readEvaluationReport(path), /bad\.json is not a valid evaluation report: top1/);
    await writeFile(path, JSON.stringify({ ...report(10, 1), perClass: [] }));
    await assert.rejects(readEvaluationReport(path), /perClass: has 0 entries for 2 classes/);
  });

  it('the CLI table: headline, per-class rows, confusion counts', () => {
    const text = formatEvaluationReport(report(30, 3));
    assert.match(text, /top-1 75\.00%\s+top-2 100\.00%\s+mean class accuracy 75\.00%/);
    assert.match(text, /happy\s+4\s+4\s+75\.00%\s+75\.00%\s+75\.00%/);
    assert.match(text, /0:happy\s+3\s+1/);
  });
});
