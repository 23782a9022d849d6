/**
 * Named starting points for a pre-training run. A preset is a partial
 * configuration: it is applied first and anything the user sets explicitly
 * (form field or CLI flag) overrides it; fields it leaves out take the FRA
 * defaults from the schema.
 */
import { validatePretrainConfig } from './run-config.js';
import type { PretrainConfig, PretrainConfigInput } from './run-config.js';

export const PRETRAIN_PRESET_IDS = ['fra-paper', 'quick-demo'] as const;
export type PretrainPresetId = (typeof PRETRAIN_PRESET_IDS)[number];

export interface PretrainPreset {
  id: PretrainPresetId;
  title: string;
  description: string;
  values: PretrainConfigInput;
}

/** The linear scaling rule behind the paper's 0.9 at batch 512 (fra-spec §4). */
function scaledLearningRate(batchSize: number): number {
  return (0.9 * batchSize) / 512;
}

const QUICK_DEMO_BATCH = 16;

const PRESETS: Readonly<Record<PretrainPresetId, PretrainPreset>> = {
  // Every value of the README pre-training command, spelled out rather than
  // inherited, so the preset stays the paper run even if a default changes.
  'fra-paper': {
    id: 'fra-paper',
    title: 'FRA paper: ResNet-50, VGGFace2, batch 512',
    description: 'The README pre-training command: ResNet-50 on VGGFace2 at 224 px, LARS lr 0.9 at batch 512, 50 epochs with 10 warm-up and cosine decay, N = 8 regions, λc = 0.5, λr = 0.1, τt = 0.04.',
    values: {
      arch: 'FRAB',
      backbone: 'resnet50_encoder',
      dataset: 'vggface2',
      dataRoot: './data/VGG-Face2-crop',
      lr: 0.9,
      batchSize: 512,
      weightDecay: 1e-6,
      epochs: 50,
      cosine: true,
      warmupEpochs: 10,
      workers: 16,
      encoderMomentum: 0.996,
      norm: 'SyncBN',
      lewelLossWeight: 0.5,
      maskType: 'attn',
      numProto: 8,
      teacherTemp: 0.04,
      lossWeightCluster: 0.1,
      amp: true,
      saveDir: './ckpts',
      saveFreq: 50,
      printFreq: 100,
      imageSize: 224,
    },
  },
  // Small enough to finish in minutes on a laptop CPU while still exercising
  // every part of the method (decoder, heatmaps, clustering, EMA, schedules).
  'quick-demo': {
    id: 'quick-demo',
    title: 'Quick demo: small ResNet on synthetic faces, CPU',
    description: 'A slim ResNet-18 on 1,000 generated faces at 64 px, batch 16 for 2 epochs (124 steps), with MLP hidden width 512 instead of 4096. The learning rate follows the paper’s linear rule (0.9 × 16 / 512). Needs no dataset and no GPU.',
    values: {
      arch: 'FRAB',
      backbone: 'resnet18_slim_encoder',
      dataset: 'synthetic',
      dataRoot: '',
      imageSize: 64,
      batchSize: QUICK_DEMO_BATCH,
      lr: scaledLearningRate(QUICK_DEMO_BATCH),
      epochs: 2,
      // 10% of the 10,000 synthetic faces: 62 steps per epoch, minutes on one CPU core.
      trainPercent: 0.1,
      // One warm-up epoch: random-init heads with tiny batches are the most
      // likely to diverge at full learning rate.
      warmupEpochs: 1,
      hidDim: 512,
      // One device, so plain batch norm; same computation as SyncBN here.
      norm: 'BN',
      // Nothing to record: the reference flag did not ask for it.
      amp: false,
      workers: 2,
      // WebAssembly ships with the app and runs on any CPU; "auto" could pick a GPU.
      backend: 'wasm',
      saveDir: './ckpts/quick-demo',
      saveFreq: 1,
      printFreq: 10,
    },
  },
};

export function listPretrainPresets(): PretrainPreset[] {
  return PRETRAIN_PRESET_IDS.map((id) => getPretrainPreset(id));
}

export function isPretrainPresetId(id: string): id is PretrainPresetId {
  return (PRETRAIN_PRESET_IDS as readonly string[]).includes(id);
}

/** A copy of the preset, safe to mutate. */
export function getPretrainPreset(id: PretrainPresetId): PretrainPreset {
  return structuredClone(PRESETS[id]);
}

/** Preset values, then `overrides` on top, validated into a full configuration. */
export function applyPretrainPreset(id: PretrainPresetId, overrides: Record<string, unknown> = {}): PretrainConfig {
  return validatePretrainConfig({ ...getPretrainPreset(id).values, ...overrides });
}
