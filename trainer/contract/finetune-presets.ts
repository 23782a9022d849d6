/**
 * Named starting points for a fine-tuning run, applied like the pre-training presets
 * (presets.ts): preset values first, then whatever the user sets explicitly; fields a preset
 * leaves out take the defaults of finetune-fields.ts.
 */
import { validateFinetuneConfig, type FinetuneConfig, type FinetuneConfigInput } from './finetune-config.js';

export const FINETUNE_PRESET_IDS = ['fer-rafdb-paper', 'linear-probe', 'quick-demo'] as const;
export type FinetunePresetId = (typeof FINETUNE_PRESET_IDS)[number];

export interface FinetunePreset {
  id: FinetunePresetId;
  title: string;
  description: string;
  values: FinetuneConfigInput;
}

const PRESETS: Readonly<Record<FinetunePresetId, FinetunePreset>> = {
  // Every value of the seed command (fra-spec §5.2), spelled out so the preset stays the paper
  // run even if a default changes.
  'fer-rafdb-paper': {
    id: 'fer-rafdb-paper',
    title: 'FRA paper: fine-tune ResNet-50 on RAF-DB',
    description: 'The FRA fine-tuning command: all layers of a ResNet-50 from the online backbone of a pre-training checkpoint, RAF-DB at 224 px, AdamW lr 2e-4 (trunk and head), weight decay 0.05, 100 epochs at batch 256, 5 warm-up epochs then cosine to 1e-6, evaluated every 5 epochs.',
    values: {
      backbone: 'resnet50_encoder',
      mode: 'finetune',
      modelPrefix: 'online_net.backbone',
      dataRoot: './data/RAF-DB/basic',
      layout: 'raf-db',
      optimizer: 'adamw',
      lr: 2e-4,
      lrHead: 2e-4,
      weightDecay: 0.05,
      scheduler: 'cos',
      warmupEpochs: 5,
      minLr: 1e-6,
      epochs: 100,
      batchSize: 256,
      imageSize: 224,
      evalFreq: 5,
      workers: 16,
      amp: true,
    },
  },
  // main_fer.py without --finetune: its own defaults (fra-spec §7.1; the paper's LP settings
  // are not published).
  'linear-probe': {
    id: 'linear-probe',
    title: 'Linear probe of a pre-trained ResNet-50',
    description: 'Frozen backbone in eval mode and a new linear classifier, with main_fer.py’s defaults: SGD lr 30, momentum 0.9, no weight decay, 5 warm-up epochs then cosine, 100 epochs at batch 256. The paper’s own linear-probe settings are not published.',
    values: {
      backbone: 'resnet50_encoder',
      mode: 'linear',
      modelPrefix: 'online_net.backbone',
      optimizer: 'sgd',
      lr: 30,
      momentum: 0.9,
      weightDecay: 0,
      scheduler: 'cos',
      warmupEpochs: 5,
      epochs: 100,
      batchSize: 256,
      imageSize: 224,
      evalFreq: 5,
    },
  },
  // Minutes on a laptop CPU, no dataset: shows the whole loop, the evaluation report and export.
  'quick-demo': {
    id: 'quick-demo',
    title: 'Quick demo: slim ResNet on synthetic expressions, CPU',
    description: 'A slim ResNet-18 fine-tuned on the built-in labelled synthetic faces (5 expressions) at 64 px, AdamW lr 2e-3, batch 32 for 10 epochs with 1 warm-up epoch, evaluated every epoch. Pass a quick-demo pre-training checkpoint with --pretrained to compare against the from-scratch baseline.',
    values: {
      backbone: 'resnet18_slim_encoder',
      mode: 'finetune',
      dataRoot: 'synthetic-expressions',
      optimizer: 'adamw',
      lr: 2e-3,
      lrHead: 2e-3,
      weightDecay: 0.05,
      warmupEpochs: 1,
      epochs: 10,
      batchSize: 32,
      imageSize: 64,
      evalFreq: 1,
      workers: 2,
      backend: 'wasm',
      saveDir: './ckpts/finetune-quick-demo',
      printFreq: 10,
    },
  },
};

export function listFinetunePresets(): FinetunePreset[] {
  return FINETUNE_PRESET_IDS.map((id) => getFinetunePreset(id));
}

export function isFinetunePresetId(id: string): id is FinetunePresetId {
  return (FINETUNE_PRESET_IDS as readonly string[]).includes(id);
}

/** A copy of the preset, safe to mutate. */
export function getFinetunePreset(id: FinetunePresetId): FinetunePreset {
  return structuredClone(PRESETS[id]);
}

/** Preset values, then `overrides` on top, validated into a full configuration. */
export function applyFinetunePreset(id: FinetunePresetId, overrides: Record<string, unknown> = {}): FinetuneConfig {
  return validateFinetuneConfig({ ...getFinetunePreset(id).values, ...overrides });
}
