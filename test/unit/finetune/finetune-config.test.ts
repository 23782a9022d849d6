/**
 * The fine-tuning configuration contract: FRA defaults (fra-spec §5.2, §7.1), field descriptions
 * in the pre-training form's JSON shape, every problem named against its flag in the shared
 * ConfigValidationError, valid presets, the main_fer.py command line.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigValidationError, describePretrainConfigFields, FIELD_GROUPS } from '../../../trainer/contract/run-config.js';
import {
  describeFinetuneConfigFields,
  FINETUNE_FIELD_KEYS,
  finetuneConfigDefaults,
  finetuneConfigNotices,
  validateFinetuneConfig,
} from '../../../trainer/contract/finetune-config.js';
import { applyFinetunePreset, FINETUNE_PRESET_IDS, listFinetunePresets } from '../../../trainer/contract/finetune-presets.js';
import { formatFinetuneUsage, parseFinetuneArgs } from '../../../trainer/cli/finetune-args.js';

function problemsOf(fn: () => unknown): { flag: string; field: string | null; message: string }[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError, String(error));
    assert.match(error.message, /^Invalid fine-tuning configuration/);
    return [...error.problems];
  }
  assert.fail('expected a ConfigValidationError');
}

describe('fine-tuning configuration', () => {
  it('defaults are the FRA fine-tuning command and valid on their own', () => {
    const d = finetuneConfigDefaults();
    assert.deepEqual(
      { optimizer: d.optimizer, lr: d.lr, lrHead: d.lrHead, weightDecay: d.weightDecay, scheduler: d.scheduler, warmupEpochs: d.warmupEpochs, minLr: d.minLr, epochs: d.epochs, batchSize: d.batchSize, imageSize: d.imageSize, evalFreq: d.evalFreq, mode: d.mode, backbone: d.backbone },
      { optimizer: 'adamw', lr: 2e-4, lrHead: 2e-4, weightDecay: 0.05, scheduler: 'cos', warmupEpochs: 5, minLr: 1e-6, epochs: 100, batchSize: 256, imageSize: 224, evalFreq: 5, mode: 'finetune', backbone: 'resnet50_encoder' },
    );
    assert.deepEqual(validateFinetuneConfig({}), d);
    assert.equal(d.pretrained, undefined);
    assert.equal(d.dataRoot, 'synthetic-expressions');
  });

  it('field descriptions have the pre-training form shape, groups, flags and ranges', () => {
    const fields = describeFinetuneConfigFields();
    assert.deepEqual(fields.map((f) => f.key), [...FINETUNE_FIELD_KEYS]);
    const pretrainShape = Object.keys(describePretrainConfigFields()[0]!).sort();
    for (const f of fields) {
      assert.deepEqual(Object.keys(f).sort(), pretrainShape, f.key);
      assert.ok((FIELD_GROUPS as readonly string[]).includes(f.group), f.key);
      assert.ok(f.label.length > 0 && f.help.length > 20, f.key);
      assert.ok(f.flag.startsWith('--'), f.key);
    }
    const lr = fields.find((f) => f.key === 'lr')!;
    assert.deepEqual(lr.range, { min: 0, minExclusive: true, max: 100, maxExclusive: false, multipleOf: null });
    assert.equal(lr.mainPyDefault, 30);
    assert.deepEqual(fields.find((f) => f.key === 'mode')!.choices?.map((c) => c.value), ['finetune', 'linear']);
    assert.equal(fields.find((f) => f.key === 'pretrained')!.optional, true);
    assert.doesNotThrow(() => JSON.stringify(fields));
  });

  it('reports every bad field against its flag, plus unknown keys and cross-field rules', () => {
    const problems = problemsOf(() => validateFinetuneConfig({ lr: 0, optimizer: 'adam', epochs: 3, warmupEpochs: 3, decayEpochs: [80, 60], evaluate: true, color: 'red' }));
    const byField = new Map(problems.map((p) => [p.field, p]));
    assert.match(byField.get('lr')!.message, /got 0; must be > 0 and ≤ 100/);
    assert.equal(byField.get('lr')!.flag, '--lr');
    assert.match(byField.get('optimizer')!.message, /must be one of adamw, sgd/);
    assert.match(byField.get('warmupEpochs')!.message, /must be < --epochs \(3\)/);
    assert.equal(byField.get('warmupEpochs')!.flag, '--warmup_epochs');
    assert.match(byField.get('decayEpochs')!.message, /strictly increasing/);
    assert.match(byField.get('evaluate')!.message, /needs --resume/);
    assert.deepEqual(problems.filter((p) => p.field === null).map((p) => p.flag), ['color']);
    assert.equal(problemsOf(() => validateFinetuneConfig('x'))[0]!.flag, '(config)');
  });

  it('presets are valid and spell out the paper command', () => {
    assert.deepEqual(listFinetunePresets().map((p) => p.id), [...FINETUNE_PRESET_IDS]);
    for (const id of FINETUNE_PRESET_IDS) assert.doesNotThrow(() => applyFinetunePreset(id));
    const paper = applyFinetunePreset('fer-rafdb-paper', { dataRoot: '/data/rafdb' });
    assert.equal(paper.layout, 'raf-db');
    assert.equal(paper.modelPrefix, 'online_net.backbone');
    assert.equal(paper.dataRoot, '/data/rafdb');
    assert.equal(applyFinetunePreset('linear-probe').mode, 'linear');
  });

  it('notices: random initialisation, unused settings', () => {
    const notices = finetuneConfigNotices(validateFinetuneConfig({ mode: 'linear', lrHead: 0.5 }));
    assert.deepEqual(notices.map((n) => n.flag), ['--pretrained', '--lr_head']);
    assert.deepEqual(finetuneConfigNotices(validateFinetuneConfig({ pretrained: 'x.safetensors' })), []);
  });
});

describe('fine-tuning command line (main_fer.py flags)', () => {
  it('reads the FRA seed command, translating reference spellings with notices', () => {
    const { config, notices } = parseFinetuneArgs(
      ('python main_fer.py -a resnet50 --dataset rafdb --lr 0.0002 --lr_head 0.0002 --optimizer adamw --weight-decay 0.05 --scheduler cos ' +
        '--finetune --epochs 100 --batch-size 256 --amp --workers 16 --eval-freq 5 --model-prefix online_net.backbone --pretrained ckpt.pth.tar ' +
        '--image_size 224 --multiprocessing_distributed --data-root /data/rafdb').split(' '),
    );
    assert.equal(config.backbone, 'resnet50_encoder');
    assert.equal(config.layout, 'raf-db');
    assert.equal(config.mode, 'finetune');
    assert.equal(config.pretrained, 'ckpt.pth.tar');
    assert.equal(config.modelPrefix, 'online_net.backbone');
    assert.equal(config.batchSize, 256);
    assert.equal(config.lrHead, 2e-4);
    assert.ok(notices.some((n) => n.flag === '-a' && /resnet50_encoder/.test(n.message)));
    assert.ok(notices.some((n) => n.flag === '--amp' && n.level === 'warning'));
  });

  it('the short spellings of the README example: --data, --init, --mode', () => {
    const { config } = parseFinetuneArgs(['--data', '/data/ferplus', '--init', 'run/ckpt.safetensors', '--mode', 'linear']);
    assert.deepEqual([config.dataRoot, config.pretrained, config.mode], ['/data/ferplus', 'run/ckpt.safetensors', 'linear']);
  });

  it('--linear-probe / --no-finetune, presets, lists, -b64, = values', () => {
    assert.equal(parseFinetuneArgs(['--linear-probe']).config.mode, 'linear');
    assert.equal(parseFinetuneArgs(['--finetune=false']).config.mode, 'linear');
    const { config } = parseFinetuneArgs(['--preset', 'quick-demo', '-b64', '--decay_epochs', '3', '5', '--scheduler=step', '--pretrained=']);
    assert.equal(config.batchSize, 64);
    assert.deepEqual(config.decayEpochs, [3, 5]);
    assert.equal(config.scheduler, 'step');
    assert.equal(config.backbone, 'resnet18_slim_encoder');
    assert.equal(config.pretrained, undefined);
  });

  it('reports every bad flag at once, with suggestions and reasons', () => {
    const problems = problemsOf(() => parseFinetuneArgs(['--lr_hed', '0.1', '--scheduler', 'exp', '--dataset', 'fer2013', '--world-size', '4', '--epochs', 'ten', 'extra']));
    const text = problems.map((p) => `${p.flag}: ${p.message}`).join('\n');
    assert.match(text, /--lr_hed: unknown flag \(did you mean --lr-head\?\)/);
    assert.match(text, /--scheduler: got "exp"; .*constant/);
    assert.match(text, /--dataset: got "fer2013"; .*FERPlus/);
    assert.match(text, /--world-size: got 4; .*one device/);
    assert.match(text, /--epochs: got "ten"; must be an integer from 1 to 10000/);
    assert.match(text, /extra: unexpected argument/);
  });

  it('help lists every field grouped like the form', () => {
    const help = formatFinetuneUsage();
    for (const f of describeFinetuneConfigFields()) assert.ok(help.includes(f.flags[0]!), f.key);
    assert.match(help, /--preset <name>/);
  });
});
