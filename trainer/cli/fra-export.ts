/**
 * fra-export — a checkpoint as an ONNX or TensorFlow.js model with its preprocessing and a model
 * card: a pre-training checkpoint's backbone (encoder + global average pool → `features`), or a
 * fine-tuning checkpoint's classifier (backbone + fc → `logits`, class names in the card).
 *
 *   tsx trainer/cli/fra-export.ts <checkpoint.safetensors> --format onnx|tfjs --out DIR
 *       [--layout nchw|nhwc] [--network online|target] [--no-embed-preprocessing] [--uint8]
 *
 * Writes DIR/model.onnx (or model.json + group1-shard1of1.bin), DIR/preprocessing.json and
 * DIR/MODEL_CARD.md. --network applies to pre-training checkpoints only. Exit codes: 0 written, 1 the checkpoint could not be exported, 2 bad arguments.
 */
import * as tf from '@tensorflow/tfjs-core';
import { basename, dirname } from 'node:path';
import { activateCpuBackend } from '../engine/local-backends.js';
import { createResNetEncoder } from '../models/resnet.js';
import { SeedSequence } from '../nn/seed.js';
import { CheckpointError, loadCheckpoint } from '../run/checkpoint.js';
import { selectExportNetwork } from '../io/export/checkpoint-network.js';
import { exportModel } from '../io/export/export-model.js';
import { vggface2Preprocessing } from '../io/export/model-graph.js';

const USAGE =
  'usage: fra-export <checkpoint.safetensors> --format onnx|tfjs --out DIR [--layout nchw|nhwc] [--network online|target] [--no-embed-preprocessing] [--uint8]';

interface Args {
  checkpoint: string;
  format: 'onnx' | 'tfjs';
  out: string;
  layout: 'nchw' | 'nhwc' | undefined;
  network: 'online' | 'target';
  embed: boolean;
  uint8: boolean;
}

function parseArgs(argv: string[]): Args | string {
  const positional: string[] = [];
  let format: string | undefined;
  let out: string | undefined;
  let layout: string | undefined;
  let network = 'online';
  let embed = true;
  let uint8 = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--format') format = value();
    else if (flag === '--out' || flag === '-o') out = value();
    else if (flag === '--layout') layout = value();
    else if (flag === '--network') network = value() ?? '';
    else if (flag === '--no-embed-preprocessing') embed = false;
    else if (flag === '--uint8') uint8 = true;
    else if (flag.startsWith('-')) return `unknown option ${arg}`;
    else positional.push(arg);
  }
  if (positional.length !== 1) return 'need exactly one checkpoint';
  if (format !== 'onnx' && format !== 'tfjs') return '--format must be onnx or tfjs';
  if (out === undefined || out === '') return 'need --out DIR';
  if (layout !== undefined && layout !== 'nchw' && layout !== 'nhwc') return '--layout must be nchw or nhwc';
  if (format === 'tfjs' && layout === 'nchw') return 'the TF.js export takes NHWC input only';
  if (network !== 'online' && network !== 'target') return '--network must be online or target';
  if (uint8 && (format !== 'onnx' || !embed)) return '--uint8 needs --format onnx with embedded preprocessing';
  return { checkpoint: positional[0]!, format, out, layout, network, embed, uint8 };
}

/** The run a checkpoint belongs to: `<run>/checkpoints/<name>.safetensors` in a run folder, else its folder. */
function runNameOf(checkpoint: string): string | undefined {
  const folder = dirname(checkpoint);
  const name = basename(folder) === 'checkpoints' ? basename(dirname(folder)) : basename(folder);
  return name || undefined;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`fra-export: ${args}\n${USAGE}\n`);
    return 2;
  }
  await activateCpuBackend();
  try {
    const { meta, tensors } = await loadCheckpoint(args.checkpoint);
    try {
      if (meta.kind === 'fra-finetune' && args.network !== 'online') throw new CheckpointError(`${args.checkpoint} is a fine-tuning checkpoint: it has one network, --network does not apply`);
      let selected;
      try {
        selected = selectExportNetwork(meta, tensors, args.network);
      } catch (error) {
        throw new CheckpointError(`${args.checkpoint}: ${(error as Error).message}`);
      }
      const { backbone } = selected;
      const encoder = createResNetEncoder(backbone, new SeedSequence(0));
      try {
        try {
          encoder.loadState(selected.encoderState, { strict: true });
        } catch (error) {
          throw new CheckpointError(`${args.checkpoint}: the backbone tensors are not a ${backbone}: ${(error as Error).message}`);
        }
        encoder.setTraining(false);
        const imageSize = typeof meta.config['imageSize'] === 'number' ? meta.config['imageSize'] : 224;
        const result = await exportModel(encoder, {
          format: args.format,
          outDir: args.out,
          preprocessing: vggface2Preprocessing([imageSize, imageSize]),
          ...(args.layout ? { layout: args.layout } : {}),
          embedPreprocessing: args.embed,
          ...(args.uint8 ? { inputType: 'uint8' as const } : {}),
          ...(selected.classifier ? { classifier: selected.classifier } : {}),
          source: {
            run: runNameOf(args.checkpoint),
            checkpoint: args.checkpoint,
            checkpointSha256: meta.tensorsSha256,
            backboneName: backbone,
            network: selected.description,
            epoch: meta.position.epoch,
            globalStep: meta.position.globalStep,
          },
          config: meta.config,
          ...(selected.dataset ? { dataset: selected.dataset } : {}),
          metrics: meta.metrics,
        });
        process.stdout.write(`wrote ${result.files.map((f) => `${args.out}/${f}`).join(', ')} (${backbone}, output ${result.graph.output} [${result.graph.outFeatures}])\n`);
      } finally {
        encoder.dispose();
      }
    } finally {
      tf.dispose([...tensors.values()]);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`fra-export: ${(error as Error).message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`fra-export: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
