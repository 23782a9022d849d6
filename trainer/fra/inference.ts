/**
 * Inference on a pre-trained FRA checkpoint: the N facial-region heatmaps and
 * the global embedding of images — what the heatmap comparison view shows.
 *
 * Heatmaps come from the `proto` EMA buffer (the reference's isTrain=False
 * path, fra-spec §1.4) with the network in eval mode (BN running statistics,
 * no dropout). Only the chosen network (online by default) is built.
 */
import * as tf from '@tensorflow/tfjs-core';
import { validatePretrainConfig, type PretrainConfig } from '../contract/run-config.js';
import { SeedSequence } from '../nn/seed.js';
import { CheckpointError, loadCheckpoint, type CheckpointMeta } from '../run/checkpoint.js';
import { FraNetwork } from './fra-model.js';
import { modelOptionsFromConfig } from './pretrain-run.js';

export type NetworkChoice = 'online' | 'target';

export interface RegionModel {
  network: FraNetwork;
  config: PretrainConfig;
  meta: CheckpointMeta;
  which: NetworkChoice;
  dispose(): void;
}

export async function loadRegionModel(checkpointPath: string, which: NetworkChoice = 'online'): Promise<RegionModel> {
  const { meta, tensors } = await loadCheckpoint(checkpointPath);
  try {
    const config = validatePretrainConfig(meta.config);
    const seeds = new SeedSequence(config.seed);
    const network = new FraNetwork(modelOptionsFromConfig(config), seeds.fork(), seeds.fork());
    const prefix = which === 'online' ? 'online_net' : 'target_net';
    const report = network.loadState(tensors, { prefix });
    if (report.missing.length > 0) {
      network.dispose();
      throw new CheckpointError(`${checkpointPath} lacks ${report.missing.length} ${prefix} tensors (first: ${report.missing[0]})`);
    }
    network.setTraining(false);
    return { network, config, meta, which, dispose: () => network.dispose() };
  } finally {
    tf.dispose([...tensors.values()]);
  }
}

export interface RegionInference {
  /** Softmax-over-regions heatmaps at feature resolution, [B, h, w, N]. */
  heatmaps: tf.Tensor4D;
  /** Cosine scores behind them, [B, h, w, N]. */
  scores: tf.Tensor4D;
  /** Projected global embedding z (what the reference's LFW monitor uses, §9.20), [B, D]. */
  embedding: tf.Tensor2D;
}

/** images: normalised [B, H, W, 3] (see data/normalization.ts). Caller disposes the result. */
export function inferRegions(model: RegionModel, images: tf.Tensor4D): RegionInference {
  return tf.tidy(() => {
    const out = model.network.forward(images, false);
    return { heatmaps: out.heatmaps, scores: out.scores, embedding: out.z };
  });
}
