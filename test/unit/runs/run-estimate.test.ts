/**
 * runs.estimate's arithmetic and policy:
 * - model-cost.ts counts ResNet parameters and MACs exactly as torchvision has them, and mirrors
 *   the trainer's ResNet layouts and dataset sizes (which it cannot import: they pull in tfjs);
 * - a previous run with the same backbone, image size, batch size, MLP width and backend gives a
 *   measured estimate (median step time, peak memory); otherwise the estimate is labelled rough;
 * - steps per epoch follow the loader's drop-last rule for each dataset.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backboneCost, RESNET_LAYOUTS } from '../../../electron/services/runs/model-cost.js';
import { estimatePretrainRun, median, RANDOM_DATASET_IMAGES, SYNTHETIC_DATASET_IMAGES, type EstimateContext } from '../../../electron/services/runs/run-estimate.js';
import { RunStore } from '../../../electron/services/runs/run-store.js';
import { validatePretrainConfig, type PretrainConfig, type PretrainConfigInput } from '../../../trainer/contract/run-config.js';
import { applyPretrainPreset } from '../../../trainer/contract/presets.js';
import { RESNET_ENCODERS } from '../../../trainer/models/resnet.js';
import { RANDOM_DATASET_SIZE } from '../../../trainer/data/random-pairs.js';
import { SYNTHETIC_DEFAULT_COUNT } from '../../../trainer/data/synthetic/index.js';

describe('model cost', () => {
  it('mirrors the trainer ResNet layouts and dataset sizes', () => {
    assert.deepEqual(RESNET_LAYOUTS, RESNET_ENCODERS);
    assert.equal(RANDOM_DATASET_IMAGES, RANDOM_DATASET_SIZE);
    assert.equal(SYNTHETIC_DATASET_IMAGES, SYNTHETIC_DEFAULT_COUNT);
  });

  it('counts torchvision ResNet parameters and multiply-adds exactly (224 px, no classifier)', () => {
    const r18 = backboneCost('resnet18_encoder', 224);
    assert.equal(r18.params, 11_176_512);
    assert.equal(r18.macs, 1_813_561_344);
    assert.equal(backboneCost('resnet34_encoder', 224).params, 21_284_672);
    const r50 = backboneCost('resnet50_encoder', 224);
    assert.equal(r50.params, 23_508_032);
    assert.equal(r50.macs, 4_087_136_256);
    assert.deepEqual([r50.channels, r50.featureSize], [2048, 7]);
    assert.deepEqual([backboneCost('resnet18_encoder', 112).featureSize, backboneCost('resnet18_encoder', 32).featureSize], [4, 1]);
  });

  it('takes the median', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });
});

describe('run estimate', () => {
  let workspace: string;
  let store: RunStore;

  const config = (overrides: PretrainConfigInput = {}): PretrainConfig =>
    validatePretrainConfig({ dataset: 'random', backbone: 'resnet18_slim_encoder', imageSize: 32, batchSize: 4, hidDim: 32, projDim: 16, decoderHeads: 2, decoderFfnDim: 16, numProto: 4, epochs: 2, warmupEpochs: 0, backend: 'wasm', ...overrides });

  const context = (): EstimateContext => ({
    store,
    workspace,
    autoBackend: async () => 'wasm',
    backendOfRun: async () => undefined,
    pretrainConfigOf: (stored) => {
      try {
        return validatePretrainConfig(stored);
      } catch {
        return undefined;
      }
    },
  });

  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'fra-estimate-'));
    store = new RunStore(workspace, { reserveBytes: 0 });
  });

  after(async () => {
    await rm(workspace, { recursive: true, force: true });
  });

  it('is a labelled rough estimate when no earlier run matches, with steps from the dataset size', async () => {
    const estimate = await estimatePretrainRun(config({ trainPercent: 0.5 }), context());
    assert.match(estimate.basis, /^Rough estimate/);
    assert.match(estimate.basis, /wasm/);
    assert.equal(estimate.stepsPerEpoch, Math.floor(1024 / 4));
    assert.ok(estimate.secondsPerStep !== null && estimate.secondsPerStep > 0);
    assert.equal(estimate.secondsPerEpoch, estimate.stepsPerEpoch! * estimate.secondsPerStep);
    assert.equal(estimate.totalSteps, 2 * 256);
    assert.ok(estimate.memoryBytes !== null && estimate.memoryBytes > 300 * 2 ** 20);

    const paper = await estimatePretrainRun(applyPretrainPreset('fra-paper', { dataRoot: join(workspace, 'no-such-folder'), backend: 'wasm' }), context());
    assert.equal(paper.stepsPerEpoch, null, 'an unindexed folder has no known size');
    assert.equal(paper.secondsPerEpoch, null);
    assert.ok(paper.secondsPerStep! > 100 * estimate.secondsPerStep!, 'ResNet-50 at 224 px, batch 512 is far slower than the slim model');
    assert.ok(paper.memoryBytes! > estimate.memoryBytes!);
    const synthetic = await estimatePretrainRun(config({ dataset: 'synthetic', maxSteps: 10 }), context());
    assert.equal(synthetic.stepsPerEpoch, 2500);
    assert.equal(synthetic.totalSteps, 10, 'maxSteps caps the run');
  });

  it('uses the median step time and peak memory of an earlier run with the same shape and backend', async () => {
    const earlier = await store.createRun({ name: 'Earlier', kind: 'pretrain', config: config() as never, seed: 1 });
    const seconds = [9, 0.5, 0.7, 0.6, 0.55, 5];
    await writeFile(earlier.paths.metrics, seconds.map((s, i) => JSON.stringify({ step: i + 1, secondsPerStep: s, rssBytes: 100 + i }) + '\n').join(''));
    await store.createRun({ name: 'Other batch', kind: 'pretrain', config: config({ batchSize: 8 }) as never, seed: 1 });

    const estimate = await estimatePretrainRun(config(), context());
    assert.match(estimate.basis, /^Measured: median of 5 steps of run "Earlier" on wasm/);
    assert.equal(estimate.secondsPerStep, 0.6, 'median without the first (set-up) step');
    assert.equal(estimate.memoryBytes, 105);

    const onCpu = await estimatePretrainRun(config({ backend: 'cpu' }), context());
    assert.match(onCpu.basis, /^Rough estimate/, 'another backend is not comparable');
    const wider = await estimatePretrainRun(config({ hidDim: 64 }), context());
    assert.match(wider.basis, /^Rough estimate/, 'another MLP width is not comparable');
    const viaAuto = await estimatePretrainRun(config({ backend: 'auto' }), context());
    assert.match(viaAuto.basis, /^Measured/, 'auto resolves to wasm here');
  });
});
