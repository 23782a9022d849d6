/**
 * fra-finetune — fine-tuning or linear probing with main_fer.py's flags (fra-spec §5.2, §7.1),
 * then the evaluation report.
 *
 *   npm run finetune -- --data-root ./data/RAF-DB/basic --pretrained run/checkpoints/epoch-0049-step-00012000.safetensors --finetune
 *   npm run finetune -- --preset quick-demo --pretrained ckpt.safetensors --mode linear --save-dir runs/lp
 *
 * Everything is written into --save-dir as a run folder (metrics.jsonl, checkpoints/ with its
 * ledger, evaluation/best.json and last.json; docs/run-format.md). Progress goes to stdout, or
 * to stderr when --log-json puts one JSON object per logged step on stdout. Ctrl+C finishes the
 * step, saves a checkpoint and exits (twice: exit now); --resume continues it.
 * Exit codes: 0 done, 1 training error, 2 invalid configuration.
 */
import { ConfigValidationError } from '../contract/run-config.js';
import { formatEngineReport, initEngine } from '../engine/index.js';
import { runFinetuning, type FinetuneStepRecord } from '../finetune/finetune-run.js';
import { formatEvaluationReport } from '../finetune/report.js';
import { formatFinetuneUsage, parseFinetuneArgs } from './finetune-args.js';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(formatFinetuneUsage() + '\n');
    return 0;
  }
  let parsed;
  try {
    parsed = parseFinetuneArgs(argv);
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`fra-finetune: invalid configuration\n${error.message}\n(see npm run finetune -- --help)\n`);
      return 2;
    }
    throw error;
  }
  const { config } = parsed;
  const say = (line: string) => (config.logJson ? process.stderr : process.stdout).write(line + '\n');
  for (const notice of parsed.notices) say(`${notice.level === 'warning' ? 'warning' : 'note'}: ${notice.flag}: ${notice.message}`);

  const engine = await initEngine({ backend: config.backend });
  say(formatEngineReport(engine));
  say(
    `${config.mode === 'linear' ? 'Linear probe' : 'Fine-tuning'} · ${config.backbone} · ${config.imageSize}px · ${config.optimizer} lr ${config.lr}` +
      `${config.mode === 'finetune' ? ` (head ${config.lrHead})` : ''} · batch ${config.batchSize} · ${config.epochs} epochs · seed ${config.seed} → ${config.saveDir}`,
  );

  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    if (++interrupts > 1) process.exit(130);
    say('stopping after this step (a checkpoint will be saved); press Ctrl+C again to exit immediately');
    controller.abort();
  });
  process.on('SIGTERM', () => controller.abort());

  const result = await runFinetuning(config, {
    runDir: config.saveDir,
    backend: engine.active,
    signal: controller.signal,
    events: {
      onStep(r) {
        const logged = r.step === 1 || r.step % config.printFreq === 0 || r.iteration === r.iterationsPerEpoch - 1 || r.val !== undefined;
        if (!logged) return;
        if (config.logJson) process.stdout.write(JSON.stringify(r) + '\n');
        say(progressLine(r));
      },
      onEvaluation(report, isBest) {
        say(
          `  test top-1 ${(100 * report.top1).toFixed(2)}%  top-${report.topK} ${(100 * report.top5).toFixed(2)}%  mean class ${(100 * report.meanClassAccuracy).toFixed(2)}%` +
            `${isBest ? '  (best so far)' : ''}`,
        );
      },
      onCheckpoint: (path, _meta, registration) => say(`saved ${path}${registration.kept ? '' : ' (not kept by the retention policy)'}`),
      onNotice: (message) => say(`note: ${message}`),
    },
  });
  say(`finished (${result.reason}) after ${result.steps} steps${result.lastCheckpoint ? `; last checkpoint ${result.lastCheckpoint}` : ''}`);
  if (result.last !== undefined) say('\n' + formatEvaluationReport(result.last, 'Last evaluation'));
  if (result.best !== undefined && result.best !== result.last) say('\n' + formatEvaluationReport(result.best, `Best evaluation (epoch ${result.best.epoch})`));
  else if (result.best !== undefined) say(`\nBest evaluation: this one (epoch ${result.best.epoch}).`);
  say(`\nreports: ${config.saveDir}/evaluation/best.json, last.json`);
  return 0;
}

function progressLine(r: FinetuneStepRecord): string {
  return (
    `Epoch [${r.epoch}][${r.iteration + 1}/${r.iterationsPerEpoch}] step ${r.step}  loss ${r.losses.ce.toFixed(4)}  acc ${(100 * r.trainAccuracy).toFixed(1)}%  ` +
    `lr ${r.lr.toExponential(3)}${r.lrHead !== r.lr ? ` head ${r.lrHead.toExponential(3)}` : ''}  ${r.secondsPerStep.toFixed(2)} s/step  ${r.imagesPerSecond.toFixed(1)} img/s`
  );
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`fra-finetune: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
