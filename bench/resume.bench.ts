/**
 * npm run bench:resume — how long resuming a full-size FRA run takes: a
 * FRAB ResNet-50 checkpoint (online + target + predictors + LARS momentum,
 * the paper's dimensions) is written once, then read, checksum-verified and
 * restored into a fresh model and optimiser. Prints seconds and sizes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from '../trainer/engine/index.js';
import { pretrainConfigDefaults } from '../trainer/contract/run-config.js';
import { FraModel } from '../trainer/fra/fra-model.js';
import { Lars } from '../trainer/fra/lars.js';
import { modelOptionsFromConfig } from '../trainer/fra/pretrain-run.js';
import { loadCheckpoint, OPTIMIZER_PREFIX, saveCheckpoint } from '../trainer/run/checkpoint.js';

const engine = await initEngine({ backend: process.argv.includes('--cpu') ? 'cpu' : 'auto' });
const config = pretrainConfigDefaults();
const dir = await mkdtemp(join(tmpdir(), 'fra-resume-bench-'));
const path = join(dir, 'checkpoint.safetensors');
const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(2);

try {
  let t0 = performance.now();
  const model = new FraModel(modelOptionsFromConfig(config));
  const optimizer = new Lars({ weightDecay: config.weightDecay });
  // Momentum buffers as after a step: one per trainable tensor.
  const momentum = new Map(model.trainableParameters().map((p) => [p.name, tf.zerosLike(p.variable)] as const));
  optimizer.setState(momentum);
  tf.dispose([...momentum.values()]);
  console.log(`built FRAB ${config.backbone} (${(model.countParameters() / 1e6).toFixed(1)} M parameters incl. target) in ${seconds(t0)} s on ${engine.active}`);

  t0 = performance.now();
  const tensors = new Map<string, tf.Tensor>(model.stateEntries().map((e) => [e.name, e.variable]));
  for (const [name, buffer] of optimizer.getState()) tensors.set(OPTIMIZER_PREFIX + name, buffer);
  await saveCheckpoint(path, tensors, {
    kind: 'fra-pretrain',
    position: { epoch: 1, iterationInEpoch: 0, globalStep: 6000, iterationsPerEpoch: 6000 },
    config: config as unknown as Record<string, unknown>,
    rng: { dropoutSeedPosition: model.dropoutSeeds.position },
    metrics: {},
    backend: engine.active,
  });
  const size = (await stat(path)).size;
  console.log(`saved ${(size / 2 ** 20).toFixed(0)} MiB (${tensors.size} tensors) in ${seconds(t0)} s`);
  optimizer.dispose();
  model.dispose();

  t0 = performance.now();
  const fresh = new FraModel(modelOptionsFromConfig(config));
  const freshOptimizer = new Lars({ weightDecay: config.weightDecay });
  const built = seconds(t0);
  t0 = performance.now();
  const checkpoint = await loadCheckpoint(path);
  const loaded = seconds(t0);
  t0 = performance.now();
  const state = new Map<string, tf.Tensor>();
  const buffers = new Map<string, tf.Tensor>();
  for (const [name, t] of checkpoint.tensors) (name.startsWith(OPTIMIZER_PREFIX) ? buffers.set(name.slice(OPTIMIZER_PREFIX.length), t) : state.set(name, t));
  fresh.loadState(state, { strict: true });
  freshOptimizer.setState(buffers);
  fresh.dropoutSeeds.restore(checkpoint.meta.rng.dropoutSeedPosition);
  tf.dispose([...checkpoint.tensors.values()]);
  const restored = seconds(t0);
  console.log(`resume: build model ${built} s + read & verify checksum ${loaded} s + restore state ${restored} s`);
  freshOptimizer.dispose();
  fresh.dispose();
} finally {
  await rm(dir, { recursive: true, force: true });
}
