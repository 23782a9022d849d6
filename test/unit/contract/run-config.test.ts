import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfigValidationError,
  FIELD_GROUPS,
  PRETRAIN_FIELD_KEYS,
  PretrainConfigSchema,
  describePretrainConfigFields,
  pretrainConfigDefaults,
  pretrainConfigNotices,
  validatePretrainConfig,
} from '../../../trainer/contract/run-config.js';
import { PRETRAIN_PRESET_IDS, applyPretrainPreset, getPretrainPreset, listPretrainPresets } from '../../../trainer/contract/presets.js';
import { BACKEND_REQUESTS } from '../../../trainer/engine/backends.js';

/** The FRA values (README command + hard-coded constants, fra-spec §4, §5.1, §9.2). */
const FRA_VALUES = {
  arch: 'FRAB',
  backbone: 'resnet50_encoder',
  dataset: 'vggface2',
  lr: 0.9,
  batchSize: 512,
  weightDecay: 1e-6,
  epochs: 50,
  cosine: true,
  schedule: [120, 160],
  warmupEpochs: 10,
  momentum: 0.9,
  workers: 16,
  encoderMomentum: 0.996,
  norm: 'SyncBN',
  projDim: 256,
  hidDim: 4096,
  numNeckMlp: 2,
  lewelLossWeight: 0.5,
  lewelScale: 1.0,
  lewelNumHeads: 8,
  maskType: 'attn',
  numProto: 8,
  teacherTemp: 0.04,
  lossWeightCluster: 0.1,
  amp: true,
  saveDir: './ckpts',
  saveFreq: 50,
  printFreq: 100,
  evalFreq: 5,
  startEpoch: 0,
  trainPercent: 1.0,
  seed: 23456,
  imageSize: 224,
  backend: 'auto',
  logJson: false,
  evaluate: false,
  studentTemp: 0.1,
  regionDecorrelationWeight: 0.02,
  protoMomentum: 0.9,
  sinkhornIterations: 3,
  meMaxWeight: 1,
  heatmapEps: 1e-7,
  decoderLayers: 2,
  decoderHeads: 8,
  decoderFfnDim: 256,
  decoderDropout: 0.1,
  larsTrustCoefficient: 1e-3,
};

function validationError(input: unknown): ConfigValidationError {
  try {
    validatePretrainConfig(input);
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError, `expected ConfigValidationError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected validation to fail');
}

/** The problem lines of an error message (after its header line). */
function problemLines(error: ConfigValidationError): string[] {
  return error.message.split('\n').slice(1);
}

describe('PretrainConfig defaults', () => {
  it('are the FRA values, not main.py defaults', () => {
    const config = validatePretrainConfig({ dataRoot: '/data/vgg' });
    const picked = Object.fromEntries(Object.keys(FRA_VALUES).map((k) => [k, config[k as keyof typeof config]]));
    assert.deepEqual(picked, FRA_VALUES);
    assert.equal(config.dataRoot, '/data/vgg');
    assert.equal(config.lewelL2Norm, true);
    // Optional settings are absent, not zero or ''.
    for (const key of ['maxSteps', 'checkpointEverySteps', 'resume', 'pretrained'] as const) {
      assert.equal(key in config, false, key);
    }
  });

  it('pretrainConfigDefaults() is the same object minus dataRoot, and independent per call', () => {
    const defaults = pretrainConfigDefaults();
    assert.deepEqual({ ...defaults, dataRoot: '/data/vgg' }, validatePretrainConfig({ dataRoot: '/data/vgg' }));
    assert.equal(defaults.dataRoot, '');
    defaults.schedule.push(999);
    assert.deepEqual(pretrainConfigDefaults().schedule, [120, 160]);
  });

  it('needs no data root for synthetic or random data', () => {
    assert.equal(validatePretrainConfig({ dataset: 'synthetic' }).dataRoot, '');
    assert.equal(validatePretrainConfig({ dataset: 'random' }).dataset, 'random');
  });

  it('offers exactly the engine backends', () => {
    const backend = describePretrainConfigFields().find((f) => f.key === 'backend');
    assert.deepEqual(backend?.choices?.map((c) => c.value), [...BACKEND_REQUESTS]);
  });
});

describe('validatePretrainConfig', () => {
  it('reports every bad field on its own line with flag, value and allowed range', () => {
    const error = validationError({ dataRoot: 'x', lr: -1, batchSize: 1, teacherTemp: 0, imageSize: 100, trainPercent: 1.5 });
    assert.deepEqual(problemLines(error).sort(), [
      '--batch-size: got 1; must be an integer from 2 to 65536',
      '--image-size: got 100; must be an integer from 32 to 512 and a multiple of 32',
      '--lr: got -1; must be > 0 and ≤ 100',
      '--teacher_temp: got 0; must be > 0 and ≤ 1',
      '--train-percent: got 1.5; must be > 0 and ≤ 1',
    ]);
    assert.match(error.message, /^Invalid pre-training configuration \(5 problems\):/);
    assert.deepEqual(error.problems.map((p) => p.field).sort(), ['batchSize', 'imageSize', 'lr', 'teacherTemp', 'trainPercent']);
  });

  it('accepts the edges of each range and rejects just outside', () => {
    const ok = (patch: Record<string, unknown>) => validatePretrainConfig({ dataset: 'random', ...patch });
    assert.equal(ok({ lr: 100 }).lr, 100);
    assert.equal(ok({ batchSize: 2 }).batchSize, 2);
    assert.equal(ok({ batchSize: 65536 }).batchSize, 65536);
    assert.equal(ok({ teacherTemp: 1 }).teacherTemp, 1);
    assert.equal(ok({ numProto: 256 }).numProto, 256);
    assert.equal(ok({ lossWeightCluster: 5 }).lossWeightCluster, 5);
    assert.equal(ok({ imageSize: 32 }).imageSize, 32);
    assert.equal(ok({ imageSize: 512 }).imageSize, 512);
    assert.equal(ok({ epochs: 10000, warmupEpochs: 9999 }).warmupEpochs, 9999);
    const bad = (patch: Record<string, unknown>) => validationError({ dataset: 'random', ...patch }).problems.map((p) => p.field);
    assert.deepEqual(bad({ lr: 100.5 }), ['lr']);
    assert.deepEqual(bad({ lr: 0 }), ['lr']);
    assert.deepEqual(bad({ numProto: 0 }), ['numProto']);
    assert.deepEqual(bad({ numProto: 257 }), ['numProto']);
    assert.deepEqual(bad({ lewelLossWeight: 1.01 }), ['lewelLossWeight']);
    assert.deepEqual(bad({ lossWeightCluster: -0.1 }), ['lossWeightCluster']);
    assert.deepEqual(bad({ epochs: 10001 }), ['epochs']);
    assert.deepEqual(bad({ imageSize: 544 }), ['imageSize']);
    assert.deepEqual(bad({ trainPercent: 0 }), ['trainPercent']);
    assert.deepEqual(bad({ batchSize: 64.5 }), ['batchSize']);
    assert.deepEqual(bad({ maxSteps: 0 }), ['maxSteps']);
  });

  it('refuses unsupported reference settings with the reason', () => {
    assert.deepEqual(problemLines(validationError({ dataset: 'random', maskType: 'group', numNeckMlp: 3 })), [
      '--num-neck-mlp: got 3; only 2 is supported: every FRA head is Linear-BN-ReLU-Linear (the reference default)',
      '--mask_type: got "group"; FRAB only runs with --mask_type attn; group/max never produce the region scores the loss needs',
    ]);
    assert.deepEqual(problemLines(validationError({ dataset: 'random', arch: 'LEWELB', norm: 'GN' })), [
      '--arch: got "LEWELB"; must be one of FRAB, FRAB_EMAN',
      '--norm: got "GN"; must be one of SyncBN, BN',
    ]);
  });

  it('checks rules across fields, alongside per-field problems', () => {
    const error = validationError({ lr: 'fast', epochs: 20, warmupEpochs: 20, startEpoch: 25, schedule: [160, 120], projDim: 100, decoderHeads: 8 });
    assert.deepEqual(problemLines(error).sort(), [
      '--data-root: got ""; required when --dataset is vggface2 (images are read from <root>/train/<identity>/*)',
      '--decoder-heads: got 8; must divide --proj-dim (100), which is also the decoder width',
      '--lr: got "fast"; must be > 0 and ≤ 100',
      '--schedule: got [160, 120]; milestones must be strictly increasing',
      '--start-epoch: got 25; must be < --epochs (20)',
      '--warmup-epoch: got 20; must be < --epochs (20)',
    ]);
  });

  it('the schema itself enforces the cross-field rules too', () => {
    const result = PretrainConfigSchema.safeParse({ dataset: 'random', epochs: 5, warmupEpochs: 5 });
    assert.equal(result.success, false);
    assert.deepEqual(result.error?.issues.map((i) => i.path), [['warmupEpochs']]);
  });

  it('refuses unknown keys and non-objects', () => {
    assert.deepEqual(problemLines(validationError({ dataset: 'random', learningRate: 0.1 })), ['learningRate: not a pre-training setting']);
    assert.deepEqual(problemLines(validationError(null)), ['(config): got null; must be an object of pre-training settings']);
    assert.deepEqual(problemLines(validationError([1])), ['(config): got [1]; must be an object of pre-training settings']);
  });

  it('treats an empty optional path as a problem, not as "none"', () => {
    assert.deepEqual(problemLines(validationError({ dataset: 'random', resume: '' })), ['--resume: got ""; must be a non-empty path or text']);
    assert.equal(validatePretrainConfig({ dataset: 'random', resume: 'ckpts/checkpoint.json' }).resume, 'ckpts/checkpoint.json');
  });
});

describe('describePretrainConfigFields', () => {
  const fields = describePretrainConfigFields();

  it('describes every schema key exactly once, in schema order', () => {
    assert.deepEqual(fields.map((f) => f.key), Object.keys(PretrainConfigSchema.shape));
    assert.deepEqual([...PRETRAIN_FIELD_KEYS], Object.keys(PretrainConfigSchema.shape));
  });

  it('gives every field a label, help, group, flag and allowed text', () => {
    for (const f of fields) {
      assert.ok(f.label.trim().length > 0, `${f.key} label`);
      assert.ok(f.help.trim().length >= 20 && /[.!?)]$/.test(f.help.trim()), `${f.key} help should be a sentence`);
      assert.ok((FIELD_GROUPS as readonly string[]).includes(f.group), `${f.key} group`);
      assert.ok(f.flag.startsWith('--') && f.flags.includes(f.flag), `${f.key} flag`);
      assert.ok(f.allowed.length > 0, `${f.key} allowed`);
      assert.equal(typeof f.advanced, 'boolean');
    }
    for (const group of FIELD_GROUPS) assert.ok(fields.some((f) => f.group === group), `group ${group} has fields`);
  });

  it('is plain JSON', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(fields)), fields);
  });

  it('has defaults that lie inside their stated ranges and choices', () => {
    for (const f of fields) {
      if (f.optional) {
        assert.equal(f.default, null, f.key);
        continue;
      }
      if (f.range && typeof f.default === 'number') {
        const { min, max, minExclusive, maxExclusive, multipleOf } = f.range;
        if (min !== null) assert.ok(minExclusive ? f.default > min : f.default >= min, `${f.key} ≥ min`);
        if (max !== null) assert.ok(maxExclusive ? f.default < max : f.default <= max, `${f.key} ≤ max`);
        if (multipleOf !== null) assert.equal(f.default % multipleOf, 0, `${f.key} multiple`);
      }
      if (f.choices) assert.ok(f.choices.some((c) => c.value === f.default), `${f.key} default is a choice`);
    }
  });

  it('records main.py defaults where they differ, reference constants and deviations', () => {
    const byKey = new Map(fields.map((f) => [f.key, f]));
    assert.equal(byKey.get('numProto')?.mainPyDefault, 64);
    assert.equal(byKey.get('maskType')?.mainPyDefault, 'group');
    assert.equal(byKey.get('lr')?.mainPyDefault, 0.03);
    assert.deepEqual(byKey.get('lr')?.flags, ['--lr', '--learning-rate']);
    assert.deepEqual(byKey.get('batchSize')?.flags, ['-b', '--batch-size']);
    assert.equal(byKey.get('batchSize')?.unit, 'images');
    assert.match(byKey.get('seed')?.deviation ?? '', /never uses it/);
    assert.match(byKey.get('amp')?.deviation ?? '', /fp32/);
    const constants = fields.filter((f) => f.referenceConstant).map((f) => [f.key, f.default]);
    assert.deepEqual(Object.fromEntries(constants), {
      decoderLayers: 2,
      decoderHeads: 8,
      decoderFfnDim: 256,
      decoderDropout: 0.1,
      studentTemp: 0.1,
      regionDecorrelationWeight: 0.02,
      protoMomentum: 0.9,
      sinkhornIterations: 3,
      meMaxWeight: 1,
      heatmapEps: 1e-7,
      larsTrustCoefficient: 1e-3,
    });
    for (const [key] of constants) assert.equal(byKey.get(key as never)?.advanced, true, `${String(key)} is advanced`);
    assert.equal(byKey.get('teacherTemp')?.range?.minExclusive, true);
  });
});

describe('pretrainConfigNotices', () => {
  it('explains fp32 instead of AMP and SyncBN on one device', () => {
    const notices = pretrainConfigNotices(validatePretrainConfig({ dataset: 'random' }));
    assert.deepEqual(notices, [
      { flag: '--amp', level: 'warning', message: 'tfjs has no float16: this run trains in fp32 (the reference used fp16 autocast)' },
      { flag: '--norm', level: 'info', message: 'one device: SyncBN is plain batch norm over the whole batch, which is what SyncBN computes across GPUs' },
    ]);
    assert.deepEqual(pretrainConfigNotices(validatePretrainConfig({ dataset: 'random', amp: false, norm: 'BN' })), []);
  });
});

describe('presets', () => {
  it('fra-paper is exactly the README run (the defaults plus the README data root)', () => {
    assert.deepEqual(applyPretrainPreset('fra-paper'), { ...pretrainConfigDefaults(), dataRoot: './data/VGG-Face2-crop' });
    assert.equal(getPretrainPreset('fra-paper').title, 'FRA paper: ResNet-50, VGGFace2, batch 512');
  });

  it('quick-demo is a small, valid, linearly scaled CPU run', () => {
    const config = applyPretrainPreset('quick-demo');
    assert.equal(getPretrainPreset('quick-demo').title, 'Quick demo: small ResNet on synthetic faces, CPU');
    assert.equal(config.backbone, 'resnet18_slim_encoder');
    assert.equal(config.dataset, 'synthetic');
    assert.equal(config.imageSize, 64);
    assert.equal(config.batchSize, 16);
    assert.equal(config.epochs, 2);
    assert.equal(config.hidDim, 512);
    assert.equal(config.lr, (0.9 * 16) / 512);
    assert.ok(config.warmupEpochs === 0 || config.warmupEpochs === 1);
    assert.ok(config.backend === 'wasm' || config.backend === 'cpu');
    // The method itself is unchanged.
    for (const key of ['numProto', 'teacherTemp', 'lossWeightCluster', 'lewelLossWeight', 'maskType', 'encoderMomentum'] as const) {
      assert.equal(config[key], pretrainConfigDefaults()[key], key);
    }
  });

  it('overrides win over preset values and are validated', () => {
    const config = applyPretrainPreset('quick-demo', { epochs: 5, imageSize: 96 });
    assert.equal(config.epochs, 5);
    assert.equal(config.imageSize, 96);
    assert.throws(() => applyPretrainPreset('quick-demo', { epochs: 1 }), /--warmup-epoch: got 1; must be < --epochs \(1\)/);
  });

  it('hands out copies, and lists every preset', () => {
    const preset = getPretrainPreset('fra-paper');
    preset.values.lr = 123;
    assert.equal(getPretrainPreset('fra-paper').values.lr, 0.9);
    assert.deepEqual(listPretrainPresets().map((p) => p.id), [...PRETRAIN_PRESET_IDS]);
  });
});
