/**
 * fra-train — headless FRA pre-training with the reference command's flags.
 *
 *   fra-train --arch FRAB --backbone resnet50_encoder --dataset random -b 32 --epochs 1 --max-steps 10
 *   fra-train --preset quick-demo --dataset random --save-dir runs/demo --log-json
 *
 * Progress goes to stderr when --log-json puts one JSON object per logged step
 * on stdout (step, epoch, each loss part, lr, EMA momentum, s/step, images/s).
 * Ctrl+C finishes the current step, saves a checkpoint and exits (twice: exit now).
 * Exit codes: 0 done, 1 training error, 2 invalid configuration.
 */
import { ConfigValidationError, pretrainConfigNotices } from '../contract/run-config.js';
import { initEngine, formatEngineReport } from '../engine/index.js';
import { runPretraining, type StepRecord } from '../fra/pretrain-run.js';
import { formatPretrainUsage, parsePretrainArgs } from './pretrain-args.js';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(formatPretrainUsage() + '\n');
    return 0;
  }
  let parsed;
  try {
    parsed = parsePretrainArgs(argv);
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`fra-train: invalid configuration\n${error.message}\n(see fra-train --help)\n`);
      return 2;
    }
    throw error;
  }
  const { config } = parsed;
  if (config.evaluate) {
    process.stderr.write(
      'fra-train: -e/--evaluate runs the reference\'s LFW verification monitor, which the workbench does not implement ' +
        '(it needs the LFW pairs dataset). To inspect a checkpoint, load it in the heatmap comparison or fine-tune it.\n',
    );
    return 2;
  }
  const say = (line: string) => (config.logJson ? process.stderr : process.stdout).write(line + '\n');
  const seen = new Set<string>();
  for (const notice of [...parsed.notices, ...pretrainConfigNotices(config)]) {
    const text = `${notice.level === 'warning' ? 'warning' : 'note'}: ${notice.flag}: ${notice.message}`;
    if (!seen.has(text)) say(text);
    seen.add(text);
  }

  const engine = await initEngine({ backend: config.backend });
  say(formatEngineReport(engine));
  say(`FRA ${config.arch} · ${config.backbone} · ${config.imageSize}px · batch ${config.batchSize} · ${config.epochs} epochs · seed ${config.seed} → ${config.saveDir}`);

  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    say('stopping after this step (checkpoint will be saved); press Ctrl+C again to exit immediately');
    controller.abort();
  });
  process.on('SIGTERM', () => controller.abort());

  const result = await runPretraining(config, {
    backend: engine.active,
    signal: controller.signal,
    events: {
      onStep: (r) => {
        const logged = r.step === 1 || r.step % config.printFreq === 0 || r.iteration === r.iterationsPerEpoch - 1;
        if (!logged) return;
        if (config.logJson) process.stdout.write(JSON.stringify(jsonRecord(r)) + '\n');
        say(progressLine(r));
        if (r.region) {
          say(
            `  region awareness (held-out synthetic faces, ${r.region.imageSize} px, ${r.region.gridSize}×${r.region.gridSize} maps): ` +
              `NMI ${r.region.nmi.toFixed(3)} (face only ${r.region.foregroundNmi.toFixed(3)}), mean best IoU ${r.region.meanBestIoU.toFixed(3)}`,
          );
        }
      },
      onCheckpoint: (path) => say(`saved ${path}`),
      onNotice: (message) => say(`note: ${message}`),
    },
  });
  say(`finished (${result.reason}) after ${result.steps} steps${result.lastCheckpoint ? `; last checkpoint ${result.lastCheckpoint}` : ''}`);
  return 0;
}

function jsonRecord(r: StepRecord): Record<string, number> {
  return {
    step: r.step,
    epoch: r.epoch,
    iteration: r.iteration,
    loss: r.losses.total,
    loss_global: r.losses.global,
    loss_region: r.losses.region,
    loss_region_positive: r.losses.regionPositive,
    loss_region_decorrelation: r.losses.regionDecorrelation,
    loss_cluster: r.losses.cluster,
    loss_cluster_ce: r.losses.clusterCrossEntropy,
    loss_cluster_memax: r.losses.clusterMeMax,
    lr: r.lr,
    ema_momentum: r.emaMomentum,
    seconds_per_step: r.secondsPerStep,
    images_per_second: r.imagesPerSecond,
    tfjs_bytes: r.tfjsBytes,
    rss_bytes: r.rssBytes,
    ...(r.region ? { region_nmi: r.region.nmi, region_face_nmi: r.region.foregroundNmi, region_best_iou: r.region.meanBestIoU } : {}),
  };
}

function progressLine(r: StepRecord): string {
  const l = r.losses;
  return (
    `Epoch [${r.epoch}][${r.iteration + 1}/${r.iterationsPerEpoch}] step ${r.step}  ` +
    `loss ${l.total.toFixed(4)} (global ${l.global.toFixed(4)} region ${l.region.toFixed(4)} cluster ${l.cluster.toFixed(4)})  ` +
    `lr ${r.lr.toExponential(3)}  m ${r.emaMomentum.toFixed(6)}  ${r.secondsPerStep.toFixed(2)} s/step  ${r.imagesPerSecond.toFixed(1)} img/s  ` +
    `rss ${(r.rssBytes / 2 ** 20).toFixed(0)} MiB`
  );
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`fra-train: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
