// The smallest pre-training configuration that still exercises every part of FRA (slim ResNet-18,
// decoder, 4 regions, clustering, EMA) on random data: a step takes about a second on wasm.
// Shared by every test that runs the real trainer so they cannot drift apart.
import type { PretrainConfigInput } from '../../trainer/contract/run-config.js';

export function tinyPretrainConfig(overrides: PretrainConfigInput = {}): PretrainConfigInput {
  return {
    dataset: 'random',
    backbone: 'resnet18_slim_encoder',
    imageSize: 32,
    batchSize: 4,
    hidDim: 32,
    projDim: 16,
    decoderHeads: 2,
    decoderFfnDim: 16,
    numProto: 4,
    epochs: 1,
    warmupEpochs: 0,
    lr: 0.5,
    backend: 'wasm',
    seed: 4242,
    ...overrides,
  };
}
