/**
 * Our ResNet encoders against PyTorch (fra-spec §1.2, §6.4, §9 item 16): weights exported
 * by test/fixtures/resnet-parity/make_fixture.py (torchvision module names, v1.5
 * bottleneck) are loaded through safetensors + loadTorchStateDict, and the eval-mode
 * output, train-mode output and post-forward BN running statistics must equal torch's.
 * Run on `cpu` (reference numerics) and `wasm` (XNNPACK forward kernels).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../helpers/engine.js';
import { readSafetensorsFile, type SafetensorsContents } from '../../../trainer/io/safetensors.js';
import { safetensorsToTensors } from '../../../trainer/io/safetensors-tf.js';
import { loadTorchStateDict } from '../../../trainer/io/torch-layout.js';
import { createResNetEncoder, type ResNetEncoder, type ResNetSpec } from '../../../trainer/models/resnet.js';
import { SeedSequence } from '../../../trainer/nn/seed.js';

const FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/resnet-parity/', import.meta.url));
const FIXTURES = ['basic', 'bottleneck'] as const;

const OUTPUT_TOLERANCE = 1e-4;
const RUNNING_STATS_TOLERANCE = 1e-5;

/** max |a − b| / max |b|: scale-free, and robust to the many exact zeros after ReLU. */
function relativeError(actual: tf.Tensor, expected: tf.Tensor): number {
  assert.deepEqual(actual.shape, expected.shape);
  const a = actual.dataSync();
  const e = expected.dataSync();
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < e.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - e[i]!));
    scale = Math.max(scale, Math.abs(e[i]!));
  }
  assert.ok(scale > 0, 'reference tensor is all zeros: the comparison would be vacuous');
  return diff / scale;
}

function specFromMetadata(metadata: Record<string, string>): ResNetSpec {
  const block = metadata['block'];
  const layers: unknown = JSON.parse(metadata['layers'] ?? 'null');
  const baseWidth = Number(metadata['baseWidth']);
  assert.ok(block === 'basic' || block === 'bottleneck', `fixture block ${block}`);
  assert.ok(Array.isArray(layers) && layers.length === 4 && layers.every((n) => Number.isInteger(n)), `fixture layers ${String(layers)}`);
  assert.ok(Number.isInteger(baseWidth) && baseWidth > 0);
  return { block, layers: layers as unknown as ResNetSpec['layers'], baseWidth };
}

function required(tensors: ReadonlyMap<string, tf.Tensor>, key: string): tf.Tensor {
  const t = tensors.get(key);
  assert.ok(t, `fixture lacks "${key}"`);
  return t;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`ResNet encoder matches PyTorch on ${backend}`, () => {
    before(async () => {
      await useBackend(backend);
    });

    for (const fixtureName of FIXTURES) {
      describe(`${fixtureName} fixture`, () => {
        let fixture: SafetensorsContents;
        let tensors: Map<string, tf.Tensor>;
        let model: ResNetEncoder;

        before(async () => {
          fixture = await readSafetensorsFile(`${FIXTURE_DIR}${fixtureName}.safetensors`);
          tensors = safetensorsToTensors(fixture.tensors);
          model = createResNetEncoder(specFromMetadata(fixture.metadata), new SeedSequence(0));
        });
        after(() => {
          model.dispose();
          tf.dispose([...tensors.values()]);
        });

        it('loads the torch state dict strictly, keys in state_dict order', () => {
          const stateKeys = [...fixture.tensors.keys()].filter((k) => k.startsWith('state.')).map((k) => k.slice('state.'.length));
          assert.deepEqual(
            model.stateEntries().map((e) => e.name),
            stateKeys,
          );
          const report = loadTorchStateDict(model, tensors, { prefix: 'state.', strict: true });
          assert.deepEqual(report.missing, []);
          assert.deepEqual(report.unexpected, []);
          assert.ok(report.ignored.includes('input') && report.ignored.includes('output.eval'));
          // The int64 buffer became our int32 scalar, value intact.
          assert.equal(model.stateEntries().find((e) => e.name === 'bn1.num_batches_tracked')?.variable.dataSync()[0], 7);
          // A conv weight went through the (O,I,kh,kw) → (kh,kw,I,O) transpose.
          const torchConv = required(tensors, 'state.conv1.weight');
          const ours = model.stateEntries().find((e) => e.name === 'conv1.weight')!.variable;
          assert.equal(relativeError(ours, tf.tidy(() => tf.transpose(torchConv, [2, 3, 1, 0]))), 0);
        });

        it(`eval-mode output equals torch within ${OUTPUT_TOLERANCE} relative`, (t) => {
          model.setTraining(false);
          const error = tf.tidy(() => relativeError(model.forward(required(tensors, 'input') as tf.Tensor4D), required(tensors, 'output.eval')));
          t.diagnostic(`${backend} ${fixtureName} eval: max |Δ| / max |torch| = ${error.toExponential(2)}`);
          assert.ok(error <= OUTPUT_TOLERANCE, `relative error ${error}`);
          // Eval mode must not touch the running statistics.
          for (const e of model.namedBuffers()) {
            assert.equal(relativeError(e.variable, required(tensors, `state.${e.name}`)), 0, `${e.name} changed in eval mode`);
          }
        });

        it(`train-mode output and updated running stats equal torch's`, (t) => {
          model.setTraining(true);
          const error = tf.tidy(() => relativeError(model.forward(required(tensors, 'input') as tf.Tensor4D), required(tensors, 'output.train')));
          let worstStat = 0;
          let worstStatName = '';
          for (const e of model.namedBuffers()) {
            const expected = required(tensors, `after_train.${e.name}`);
            if (e.name.endsWith('num_batches_tracked')) {
              assert.equal(e.variable.dataSync()[0], expected.dataSync()[0], e.name);
              assert.equal(e.variable.dataSync()[0], 8);
              continue;
            }
            const statError = relativeError(e.variable, expected);
            // Guard against a vacuous pass: the forward really moved the statistics.
            assert.ok(relativeError(expected, required(tensors, `state.${e.name}`)) > 1e-3, `${e.name} barely changed in torch`);
            if (statError > worstStat) [worstStat, worstStatName] = [statError, e.name];
          }
          t.diagnostic(`${backend} ${fixtureName} train: output ${error.toExponential(2)}, running stats ${worstStat.toExponential(2)} (${worstStatName})`);
          assert.ok(error <= OUTPUT_TOLERANCE, `train output relative error ${error}`);
          assert.ok(worstStat <= RUNNING_STATS_TOLERANCE, `${worstStatName} relative error ${worstStat}`);
        });
      });
    }
  });
}

/** torchvision resnet18's state_dict keys without fc, written out independently of our model code. */
function torchvisionResNet18Keys(): string[] {
  const bn = (p: string): string[] => ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'].map((s) => `${p}.${s}`);
  const keys = ['conv1.weight', ...bn('bn1')];
  for (let stage = 1; stage <= 4; stage++) {
    for (let block = 0; block < 2; block++) {
      const p = `layer${stage}.${block}`;
      keys.push(`${p}.conv1.weight`, ...bn(`${p}.bn1`), `${p}.conv2.weight`, ...bn(`${p}.bn2`));
      if (stage > 1 && block === 0) keys.push(`${p}.downsample.0.weight`, ...bn(`${p}.downsample.1`));
    }
  }
  return keys;
}

describe('full-size encoders have torchvision structure', () => {
  before(async () => {
    await useBackend('wasm');
  });

  it('resnet50_encoder: 23,508,032 parameters and 318 state entries (fra-spec §1.2, §6.1)', () => {
    const model = createResNetEncoder('resnet50_encoder', new SeedSequence(1));
    try {
      assert.equal(model.countParameters(), 23_508_032);
      const entries = model.stateEntries();
      assert.equal(entries.length, 318);
      assert.equal(entries.at(-1)?.name, 'layer4.2.bn3.num_batches_tracked');
      assert.deepEqual(entries.find((e) => e.name === 'layer1.0.downsample.0.weight')?.variable.shape, [1, 1, 64, 256]);
      // No avgpool/fc: the output is layer4's 2048-channel map at 1/32 resolution.
      const out = tf.tidy(() => model.setTraining(false).forward(tf.zeros([1, 64, 64, 3])).shape);
      assert.deepEqual(out, [1, 2, 2, 2048]);
    } finally {
      model.dispose();
    }
  });

  it("resnet18_encoder's keys are torchvision's, in state_dict order", () => {
    const model = createResNetEncoder('resnet18_encoder', new SeedSequence(2));
    try {
      const names = model.stateEntries().map((e) => e.name);
      assert.deepEqual(names, torchvisionResNet18Keys());
      assert.equal(names.length, 120); // torchvision's 122 minus fc.weight, fc.bias
      for (const key of ['layer4.1.bn2.running_var', 'layer2.0.downsample.0.weight', 'layer3.0.downsample.1.num_batches_tracked']) {
        assert.ok(names.includes(key), key);
      }
      assert.ok(!names.some((n) => n.startsWith('fc.') || n.startsWith('layer1.0.downsample')));
      assert.equal(model.countParameters(), 11_176_512);
    } finally {
      model.dispose();
    }
  });
});
