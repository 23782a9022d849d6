import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatPretrainUsage, parsePretrainArgs, tokenizeCommandLine } from '../../../trainer/cli/pretrain-args.js';
import type { Notice } from '../../../trainer/cli/pretrain-args.js';
import {
  ConfigValidationError,
  describePretrainConfigFields,
  pretrainConfigDefaults,
  validatePretrainConfig,
} from '../../../trainer/contract/run-config.js';
import { applyPretrainPreset } from '../../../trainer/contract/presets.js';

/** The pre-training command of the FRA README, verbatim (fra-spec §5.1). */
const README_COMMAND = String.raw`python3 launch.py --device=${'${DEVICES}'} --launch main.py \
    --arch FRAB --backbone resnet50_encoder \
    --dataset vggface2 --data-root ${'${DATA_ROOT}'} \
    --lr 0.9 -b 512 --wd 0.000001 --epochs 50 --cos --warmup-epoch 10 --workers 16 \
    --enc-m 0.996 \
    --norm SyncBN \
    --lewel-loss-weight 0.5 \
    --mask_type="attn" --num_proto 8 --teacher_temp 0.04 --loss_w_cluster 0.1 \
    --amp \
    --save-dir ./ckpts --save-freq 50 --print-freq 100`;

const BASE = ['--dataset', 'random'];

function parse(...argv: string[]) {
  return parsePretrainArgs([...BASE, ...argv]);
}

function parseError(argv: string[]): ConfigValidationError {
  try {
    parsePretrainArgs(argv);
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError, `expected ConfigValidationError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${argv.join(' ')} to be refused`);
}

function problemLines(argv: string[]): string[] {
  return parseError(argv).message.split('\n').slice(1);
}

function noticeFor(notices: readonly Notice[], flag: string): Notice {
  const found = notices.find((n) => n.flag === flag);
  assert.ok(found, `expected a notice for ${flag}; got ${JSON.stringify(notices)}`);
  return found;
}

describe('the README pre-training command', () => {
  const argv = tokenizeCommandLine(README_COMMAND).map((t) => (t === '${DATA_ROOT}' ? './data/VGG-Face2-crop' : t));

  it('parses to exactly the FRA defaults', () => {
    const { config } = parsePretrainArgs(argv);
    assert.deepEqual(config, { ...pretrainConfigDefaults(), dataRoot: './data/VGG-Face2-crop' });
    assert.deepEqual(config, applyPretrainPreset('fra-paper'));
    assert.deepEqual(
      {
        arch: config.arch, backbone: config.backbone, dataset: config.dataset, lr: config.lr, batchSize: config.batchSize,
        weightDecay: config.weightDecay, epochs: config.epochs, cosine: config.cosine, warmupEpochs: config.warmupEpochs,
        workers: config.workers, encoderMomentum: config.encoderMomentum, norm: config.norm, lewelLossWeight: config.lewelLossWeight,
        maskType: config.maskType, numProto: config.numProto, teacherTemp: config.teacherTemp, lossWeightCluster: config.lossWeightCluster,
        amp: config.amp, saveDir: config.saveDir, saveFreq: config.saveFreq, printFreq: config.printFreq, imageSize: config.imageSize,
      },
      {
        arch: 'FRAB', backbone: 'resnet50_encoder', dataset: 'vggface2', lr: 0.9, batchSize: 512,
        weightDecay: 1e-6, epochs: 50, cosine: true, warmupEpochs: 10,
        workers: 16, encoderMomentum: 0.996, norm: 'SyncBN', lewelLossWeight: 0.5,
        maskType: 'attn', numProto: 8, teacherTemp: 0.04, lossWeightCluster: 0.1,
        amp: true, saveDir: './ckpts', saveFreq: 50, printFreq: 100, imageSize: 224,
      },
    );
  });

  it('says how the launcher, AMP and SyncBN are realised on one device', () => {
    const { notices } = parsePretrainArgs(argv);
    assert.deepEqual(notices.map((n) => [n.flag, n.level]), [
      ['--device', 'info'],
      ['--launch', 'info'],
      ['--amp', 'warning'],
      ['--norm', 'info'],
    ]);
    assert.equal(noticeFor(notices, '--amp').message, 'tfjs has no float16: this run trains in fp32 (the reference used fp16 autocast)');
    assert.equal(noticeFor(notices, '--norm').message, 'one device: SyncBN is plain batch norm over the whole batch, which is what SyncBN computes across GPUs');
  });

  it('warns when a path is an unexpanded shell variable', () => {
    const raw = tokenizeCommandLine(README_COMMAND);
    const { config, notices } = parsePretrainArgs(raw);
    assert.equal(config.dataRoot, '${DATA_ROOT}');
    assert.deepEqual(noticeFor(notices, '--data-root'), {
      flag: '--data-root',
      level: 'warning',
      message: '"${DATA_ROOT}" looks like an unexpanded shell variable; it is used literally as a path',
    });
  });

  it('gives the same config without the launcher prefix, and warns when several GPUs are listed', () => {
    const start = argv.indexOf('--arch');
    assert.deepEqual(parsePretrainArgs(argv.slice(start)).config, parsePretrainArgs(argv).config);
    const multi = parsePretrainArgs(['--device=0,1,2,3', ...argv.slice(start)]);
    assert.equal(noticeFor(multi.notices, '--device').level, 'warning');
    assert.match(noticeFor(multi.notices, '--device').message, /4 GPUs listed, but this trainer runs on one device/);
  });
});

describe('flag syntax', () => {
  it('--flag=value equals --flag value', () => {
    const spaced = parse('--lr', '0.3', '--num_proto', '4', '--mask_type', 'attn', '--backbone', 'resnet18_encoder').config;
    const joined = parse('--lr=0.3', '--num_proto=4', '--mask_type=attn', '--backbone=resnet18_encoder').config;
    assert.deepEqual(joined, spaced);
    assert.equal(spaced.lr, 0.3);
    assert.equal(spaced.numProto, 4);
  });

  it('accepts short flags, spaced, attached or with =', () => {
    const expected = { batchSize: 64, workers: 3, printFreq: 7, evaluate: true };
    for (const argv of [
      ['-b', '64', '-j', '3', '-p', '7', '-e'],
      ['-b64', '-j3', '-p7', '--evaluate'],
      ['-b=64', '--workers=3', '--print-freq', '7', '-e'],
      ['--batch-size', '64', '--workers', '3', '--print_freq=7', '--evaluate=true'],
    ]) {
      const c = parse(...argv).config;
      assert.deepEqual({ batchSize: c.batchSize, workers: c.workers, printFreq: c.printFreq, evaluate: c.evaluate }, expected, argv.join(' '));
    }
  });

  it('treats dashes and underscores alike for every long flag', () => {
    for (const field of describePretrainConfigFields()) {
      if (field.kind === 'boolean' || field.optional || field.key === 'dataset') continue;
      const value = Array.isArray(field.default) ? field.default.map(String) : [String(field.default)];
      for (const flag of field.flags.filter((f) => f.startsWith('--'))) {
        const underscored = `--${flag.slice(2).replace(/-/g, '_')}`;
        const dashed = `--${flag.slice(2).replace(/_/g, '-')}`;
        assert.deepEqual(parse(underscored, ...value).config, parse(dashed, ...value).config, flag);
      }
    }
    assert.equal(parse('--warmup_epoch', '3').config.warmupEpochs, 3);
    assert.equal(parse('--teacher-temp', '0.05').config.teacherTemp, 0.05);
    assert.equal(parsePretrainArgs(['--data_root', '/faces']).config.dataRoot, '/faces');
    assert.equal(parse('--save_dir', 'out', '--train_percent', '0.25', '--enc_m', '0.99').config.saveDir, 'out');
  });

  it('reads list flags spaced, comma-joined or empty', () => {
    assert.deepEqual(parse('--no-cos', '--schedule', '30', '40', '--epochs', '45').config.schedule, [30, 40]);
    assert.deepEqual(parse('--schedule=30,40', '--no-cos').config.schedule, [30, 40]);
    assert.deepEqual(parse('--schedule', '--no-cos').config.schedule, []);
  });

  it('turns default-on switches off with --no-<flag> or =false', () => {
    assert.equal(parse('--no-cos').config.cosine, false);
    assert.equal(parse('--cos=false').config.cosine, false);
    assert.equal(parse('--no_amp').config.amp, false);
    assert.equal(parse('--log-json').config.logJson, true);
  });

  it('takes negative numbers as values, as argparse does', () => {
    assert.deepEqual(problemLines([...BASE, '--lr', '-1']), ['--lr: got -1; must be > 0 and ≤ 100']);
    assert.equal(noticeFor(parse('--world_size', '-1').notices, '--world_size').level, 'info');
  });

  it('reads unambiguous abbreviations like argparse, with a notice', () => {
    const { config, notices } = parse('--warmup', '2');
    assert.equal(config.warmupEpochs, 2);
    assert.equal(noticeFor(notices, '--warmup').message, 'read as --warmup-epoch (unambiguous abbreviation, as argparse allows)');
  });

  it('treats an empty --resume as "no checkpoint", like main.py', () => {
    assert.equal('resume' in parse('--resume', '').config, false);
    assert.equal(parse('--resume', 'ckpts/checkpoint.json').config.resume, 'ckpts/checkpoint.json');
  });

  it('parses our own flags', () => {
    const c = parse('--image-size', '96', '--backend', 'wasm', '--seed', '7', '--max-steps', '20', '--log-json', '--checkpoint-every-steps', '5').config;
    assert.deepEqual(
      { imageSize: c.imageSize, backend: c.backend, seed: c.seed, maxSteps: c.maxSteps, logJson: c.logJson, checkpointEverySteps: c.checkpointEverySteps },
      { imageSize: 96, backend: 'wasm', seed: 7, maxSteps: 20, logJson: true, checkpointEverySteps: 5 },
    );
  });
});

describe('presets on the command line', () => {
  it('applies the preset first and lets explicit flags override it, wherever they appear', () => {
    const after = parsePretrainArgs(['--preset', 'quick-demo', '--epochs', '4', '-b', '32']).config;
    const before = parsePretrainArgs(['--epochs', '4', '-b', '32', '--preset=quick-demo']).config;
    assert.deepEqual(after, before);
    assert.deepEqual(after, applyPretrainPreset('quick-demo', { epochs: 4, batchSize: 32 }));
    assert.equal(after.backbone, 'resnet18_slim_encoder');
  });

  it('refuses an unknown preset, suggesting the closest', () => {
    assert.deepEqual(problemLines([...BASE, '--preset', 'quick_demo']), ['--preset: got "quick_demo"; must be one of fra-paper, quick-demo (did you mean quick-demo?)']);
  });
});

describe('notices for flags the engine realises differently', () => {
  it('--amp and --norm SyncBN', () => {
    const { notices } = parse('--amp', '--norm', 'SyncBN');
    assert.equal(noticeFor(notices, '--amp').level, 'warning');
    assert.match(noticeFor(notices, '--norm').message, /^one device: SyncBN is plain batch norm/);
  });

  it('harmless distributed flags are accepted with an info notice each', () => {
    const flags = ['--world_size', '1', '--rank', '0', '--gpu', '0', '--local_rank', '0', '--dist_url', 'tcp://127.0.0.1:23456', '--dist_backend', 'nccl', '--multiprocessing_distributed'];
    const { config, notices } = parse('--no-amp', '--norm', 'BN', ...flags);
    assert.deepEqual(config, validatePretrainConfig({ dataset: 'random', amp: false, norm: 'BN' }));
    const expectedFlags = ['--norm', '--world_size', '--rank', '--gpu', '--local_rank', '--dist_url', '--dist_backend', '--multiprocessing_distributed'];
    assert.deepEqual(notices.map((n) => n.flag), expectedFlags);
    assert.ok(notices.every((n) => n.level === 'info'));
  });

  it('--lewel-l2-norm and --lewel-num-heads: no effect in attn mode', () => {
    const { config, notices } = parse('--lewel-l2-norm', '--lewel-num-heads', '4');
    assert.equal(config.lewelL2Norm, true);
    assert.match(noticeFor(notices, '--lewel-l2-norm').message, /no effect in attn mode/);
    assert.match(noticeFor(notices, '--lewel-num-heads').message, /unused in attn mode/);
  });

  it('kNN monitor flags and --super-pretrained are ignored, with a notice', () => {
    const { config, notices } = parse('--num-nn', '20', '--nn-mem-percent', '0.1', '--nn_query_percent=0.5', '--super-pretrained', 'moco.pth');
    assert.deepEqual(config, validatePretrainConfig({ dataset: 'random' }));
    for (const flag of ['--num-nn', '--nn-mem-percent', '--nn_query_percent', '--super-pretrained']) {
      assert.deepEqual(noticeFor(notices, flag), { flag, level: 'info', message: 'unused by the reference for vggface2; ignored' });
    }
  });

  it('translates reference spellings: --norm None, --dataset im_folder', () => {
    const { config, notices } = parsePretrainArgs(['--norm', 'None', '--dataset', 'im_folder', '--data-root', '/faces']);
    assert.equal(config.norm, 'BN');
    assert.equal(config.dataset, 'image_folder');
    assert.match(noticeFor(notices, '--norm').message, /plain batch norm; recorded as BN/);
    assert.match(noticeFor(notices, '--dataset').message, /read as image_folder/);
  });

  it('--seed names the deviation; --schedule under --cos says it is unused', () => {
    const { notices } = parse('--seed', '1', '--schedule', '20', '30');
    assert.match(noticeFor(notices, '--seed').message, /^deviation from the reference/);
    assert.match(noticeFor(notices, '--schedule').message, /only without --cos/);
  });
});

describe('refusals', () => {
  it('multi-process and multi-GPU settings explain that there is one device', () => {
    const lines = problemLines([...BASE, '--world_size', '4', '--rank', '1', '--local_rank', '2', '--gpu', '3', '--np', '8', '--nn', '2', '--nr', '1']);
    assert.equal(lines.length, 7);
    for (const line of lines.filter((l) => !l.startsWith('--gpu'))) assert.match(line, /runs on one device only; give the whole global batch with -b/);
    assert.ok(lines.includes('--gpu: got 3; one device: pick that GPU with CUDA_VISIBLE_DEVICES=3 and --backend node-gpu instead'));
    assert.match(lines[0] ?? '', /^--world_size: got 4;/);
  });

  it('unknown flags are named, with a suggestion when one is close', () => {
    assert.deepEqual(problemLines([...BASE, '--lernig-rate', '0.1']), ['--lernig-rate: unknown flag (did you mean --learning-rate?)']);
    assert.deepEqual(problemLines([...BASE, '--teacher-tmp', '0.1']), ['--teacher-tmp: unknown flag (did you mean --teacher-temp?)']);
    assert.deepEqual(problemLines([...BASE, '--frobnicate']), ['--frobnicate: unknown flag']);
    assert.deepEqual(problemLines([...BASE, '-x', '3']), ['-x: unknown flag']);
  });

  it('ambiguous abbreviations, stray arguments, missing values and bad switch values', () => {
    assert.deepEqual(problemLines([...BASE, '--data', 'x']), ['--data: ambiguous abbreviation: could be --data-root, --dataset']);
    assert.deepEqual(problemLines([...BASE, 'train']), ['train: unexpected argument (main.py takes no positional arguments)']);
    assert.deepEqual(problemLines([...BASE, '--epochs']), ['--epochs: expects a value']);
    assert.deepEqual(problemLines([...BASE, '--cos=maybe']), ['--cos: got "maybe"; a switch takes no value (or true/false)']);
    assert.deepEqual(problemLines([...BASE, '--launch', 'main_fer.py']), [
      '--launch: got "main_fer.py"; this is the pre-training command parser (main.py); other scripts such as main_fer.py take different flags',
    ]);
  });

  it('reference settings FRA cannot run with', () => {
    assert.deepEqual(problemLines([...BASE, '--mask_type', 'group', '--num-neck-mlp', '3', '--arch', 'LEWELB']), [
      '--arch: got "LEWELB"; must be one of FRAB, FRAB_EMAN',
      '--num-neck-mlp: got 3; only 2 is supported: every FRA head is Linear-BN-ReLU-Linear (the reference default)',
      '--mask_type: got "group"; FRAB only runs with --mask_type attn; group/max never produce the region scores the loss needs',
    ]);
    assert.deepEqual(problemLines(['--dataset', 'in1k', '--data-root', '/imagenet']), ['--dataset: got "in1k"; must be one of vggface2, image_folder, synthetic, random']);
  });

  it('reports flag problems and every bad value together', () => {
    const error = parseError(['--lr', 'fast', '-b', '1', '--teacher_temp', '0', '--epochs', '8', '--warmup-epoch', '8', '--bogus', '--world_size', '2']);
    assert.deepEqual(error.message.split('\n'), [
      'Invalid pre-training configuration (7 problems):',
      '--bogus: unknown flag',
      '--world_size: got 2; this trainer runs on one device only; give the whole global batch with -b instead (batch norm over the whole batch on one device is what SyncBN computes across GPUs)',
      '--teacher_temp: got 0; must be > 0 and ≤ 1',
      '--lr: got "fast"; must be > 0 and ≤ 100',
      '--batch-size: got 1; must be an integer from 2 to 65536',
      '--warmup-epoch: got 8; must be < --epochs (8)',
      '--data-root: got ""; required when --dataset is vggface2 (images are read from <root>/train/<identity>/*)',
    ]);
  });
});

describe('tokenizeCommandLine', () => {
  it('splits like a shell: quotes, escapes, line continuations; variables stay literal', () => {
    assert.deepEqual(tokenizeCommandLine(`--mask_type="attn" --save-dir 'my ckpts' \\\n  --data-root \${DATA_ROOT} a\\ b ""`), [
      '--mask_type=attn', '--save-dir', 'my ckpts', '--data-root', '${DATA_ROOT}', 'a b', '',
    ]);
  });

  it('refuses an unterminated quote', () => {
    assert.throws(() => tokenizeCommandLine('--save-dir "ckpts'), ConfigValidationError);
  });
});

describe('formatPretrainUsage', () => {
  it('lists every field flag with its default', () => {
    const usage = formatPretrainUsage();
    for (const field of describePretrainConfigFields()) assert.ok(usage.includes(field.flag), field.flag);
    assert.match(usage, /--lr, --learning-rate <number>  Learning rate\. Default 0\.9; > 0 and ≤ 100\./);
  });
});
