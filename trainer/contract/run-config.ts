/**
 * The one run-configuration contract for FRA pre-training.
 *
 * Everything about a field lives in one entry of `FIELDS` below: its zod
 * schema (type + runtime validation), its default (the FRA README value, not
 * main.py's default — fra-spec §9.2), the allowed range (used by the schema,
 * the GUI form and the error messages alike) and the documentation the GUI
 * renders. The CLI parser derives its flag table from the same entries, so a
 * field cannot exist without a label, help text and flag.
 *
 * Reference: fra-spec.md §4 (optimiser, schedules), §5.1 (every main.py flag
 * and the hard-coded constants), §9 items 1–2 (README command quirks).
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------
// Field description vocabulary (plain data, JSON-serialisable)
// ---------------------------------------------------------------------------

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export const FIELD_GROUPS = ['Model', 'Method', 'Optimisation', 'Data', 'Checkpoints & logging', 'Engine'] as const;
export type FieldGroup = (typeof FIELD_GROUPS)[number];

/** A numeric interval; bounds are inclusive unless marked exclusive. */
export interface NumericRange {
  min?: number;
  minExclusive?: boolean;
  max?: number;
  maxExclusive?: boolean;
  multipleOf?: number;
}

/** What kind of input control / value a field takes. */
export type FieldKind = 'number' | 'integer' | 'choice' | 'boolean' | 'text' | 'integerList' | 'fixed';

export interface FieldDocs {
  label: string;
  /** One or two sentences a researcher understands. */
  help: string;
  group: FieldGroup;
  unit?: string;
  /** Hidden behind an "advanced" toggle in the form. */
  advanced: boolean;
  /** Accepted CLI spellings; the first long one is the canonical flag used in messages. */
  flags: readonly string[];
  /** True when the flag exists in the reference main.py (false: ours). */
  referenceFlag: boolean;
  /** main.py's own default, recorded where it differs from the FRA value (fra-spec §9.2). */
  mainPyDefault?: JsonValue;
  /** True for values hard-coded in the reference code (fra-spec §5.1 "Constants"). */
  referenceConstant?: boolean;
  /** How this trainer knowingly differs from the reference for this field. */
  deviation?: string;
  /** Per-choice explanation for choice fields. */
  choiceLabels?: Readonly<Record<string, string>>;
}

export type ValueSpec =
  | { kind: 'number' | 'integer'; range: NumericRange }
  | { kind: 'choice'; choices: readonly string[] }
  | { kind: 'boolean' }
  | { kind: 'text'; allowEmpty: boolean }
  | { kind: 'integerList'; range: NumericRange }
  | { kind: 'fixed'; value: string | number; reason: string };

export interface FieldSpec<S extends z.ZodType> {
  schema: S;
  value: ValueSpec;
  /** undefined: optional field with no value unless set. */
  default: JsonValue | undefined;
  docs: FieldDocs;
}

// ---------------------------------------------------------------------------
// Field builders: one range object feeds the schema, the form and the errors
// (exported for the other run kinds' contracts, e.g. finetune-config.ts)
// ---------------------------------------------------------------------------

function numericSchema(integer: boolean, r: NumericRange): z.ZodNumber {
  let s = integer ? z.number().int() : z.number();
  if (r.min !== undefined) s = r.minExclusive ? s.gt(r.min) : s.gte(r.min);
  if (r.max !== undefined) s = r.maxExclusive ? s.lt(r.max) : s.lte(r.max);
  if (r.multipleOf !== undefined) s = s.multipleOf(r.multipleOf);
  return s;
}

export function numberField(range: NumericRange, def: number, docs: FieldDocs) {
  return { schema: numericSchema(false, range).default(def), value: { kind: 'number', range }, default: def, docs } satisfies FieldSpec<z.ZodType>;
}

export function integerField(range: NumericRange, def: number, docs: FieldDocs) {
  return { schema: numericSchema(true, range).default(def), value: { kind: 'integer', range }, default: def, docs } satisfies FieldSpec<z.ZodType>;
}

export function optionalIntegerField(range: NumericRange, docs: FieldDocs) {
  return { schema: numericSchema(true, range).optional(), value: { kind: 'integer', range }, default: undefined, docs } satisfies FieldSpec<z.ZodType>;
}

export function choiceField<const T extends readonly [string, ...string[]]>(choices: T, def: T[number], docs: FieldDocs) {
  return { schema: z.enum(choices).default(def), value: { kind: 'choice', choices }, default: def, docs } satisfies FieldSpec<z.ZodType>;
}

export function booleanField(def: boolean, docs: FieldDocs) {
  return { schema: z.boolean().default(def), value: { kind: 'boolean' }, default: def, docs } satisfies FieldSpec<z.ZodType>;
}

export function textField(def: string, allowEmpty: boolean, docs: FieldDocs) {
  const base = allowEmpty ? z.string() : z.string().min(1);
  return { schema: base.default(def), value: { kind: 'text', allowEmpty }, default: def, docs } satisfies FieldSpec<z.ZodType>;
}

export function optionalTextField(docs: FieldDocs) {
  return { schema: z.string().min(1).optional(), value: { kind: 'text', allowEmpty: false }, default: undefined, docs } satisfies FieldSpec<z.ZodType>;
}

export function integerListField(range: NumericRange, def: number[], docs: FieldDocs) {
  return {
    schema: z.array(numericSchema(true, range)).default(() => [...def]),
    value: { kind: 'integerList', range },
    default: def,
    docs,
  } satisfies FieldSpec<z.ZodType>;
}

/** A field the trainer supports at exactly one value; `reason` says why others are refused. */
export function fixedField<const V extends string | number>(value: V, reason: string, docs: FieldDocs) {
  return { schema: z.literal(value).default(value), value: { kind: 'fixed', value, reason }, default: value, docs } satisfies FieldSpec<z.ZodType>;
}

// ---------------------------------------------------------------------------
// The fields. Order = display order within each group.
// ---------------------------------------------------------------------------

const FIELDS = {
  // ----- Model -------------------------------------------------------------
  arch: choiceField(['FRAB', 'FRAB_EMAN'], 'FRAB', {
    label: 'Model variant',
    help: 'How the momentum (target) network follows the online network. FRAB, used for the paper run, averages weights only and keeps the target in training mode; FRAB_EMAN also averages batch-norm statistics and the prototypes and runs the target in eval mode.',
    group: 'Model', advanced: false, flags: ['--arch'], referenceFlag: true, mainPyDefault: 'LEWEL',
    choiceLabels: { FRAB: 'FRAB (paper run): parameter EMA, target in train mode', FRAB_EMAN: 'FRAB_EMAN: full state EMA, target in eval mode' },
  }),
  backbone: choiceField(['resnet50_encoder', 'resnet34_encoder', 'resnet18_encoder', 'resnet18_slim_encoder'], 'resnet50_encoder', {
    label: 'Backbone',
    help: 'ResNet encoder without its classifier; its last feature map feeds every head. ResNet-50 is the paper setting; the slim ResNet-18 is a narrow variant for quick CPU runs.',
    group: 'Model', advanced: false, flags: ['--backbone'], referenceFlag: true,
    deviation: 'resnet18_slim_encoder is not in the reference; resnet101_encoder and the 2x-wide ResNet-50 are not offered.',
    choiceLabels: {
      resnet50_encoder: 'ResNet-50 (paper, 2048 channels)',
      resnet34_encoder: 'ResNet-34 (512 channels)',
      resnet18_encoder: 'ResNet-18 (512 channels)',
      resnet18_slim_encoder: 'Slim ResNet-18 (narrow, for CPU demos)',
    },
  }),
  norm: choiceField(['SyncBN', 'BN'], 'SyncBN', {
    label: 'Batch normalisation',
    help: 'Batch norm used in the backbone and the heads. On one device both choices compute statistics over the whole batch, which is exactly what SyncBN computes across GPUs.',
    group: 'Model', advanced: true, flags: ['--norm'], referenceFlag: true, mainPyDefault: 'None',
    deviation: "The reference spells plain batch norm '--norm None'; its '--norm BN' (BatchNorm2d) crashes on the head inputs. Here BN means plain batch norm everywhere.",
    choiceLabels: { SyncBN: 'SyncBN (paper): statistics over the global batch', BN: 'Plain batch norm (reference --norm None)' },
  }),
  projDim: integerField({ min: 8, max: 8192 }, 256, {
    label: 'Projection dimension (D)',
    help: 'Width of the global and region embeddings, of the per-pixel projection and of the mask-embedding decoder.',
    group: 'Model', advanced: true, flags: ['--proj-dim'], referenceFlag: true,
  }),
  hidDim: integerField({ min: 8, max: 65536 }, 4096, {
    label: 'MLP hidden width',
    help: 'Hidden width of every projector and predictor MLP (Linear, BN, ReLU, Linear). Smaller values cut memory and time sharply.',
    group: 'Model', advanced: true, flags: ['--hid-dim'], referenceFlag: true,
  }),
  numNeckMlp: fixedField(2, 'only 2 is supported: every FRA head is Linear-BN-ReLU-Linear (the reference default)', {
    label: 'MLP depth',
    help: 'Number of linear layers in each projector and predictor. FRA uses 2 (Linear, BN, ReLU, Linear); other depths are not implemented.',
    group: 'Model', advanced: true, flags: ['--num-neck-mlp'], referenceFlag: true,
  }),
  decoderLayers: integerField({ min: 1, max: 12 }, 2, {
    label: 'Mask decoder layers',
    help: 'Transformer decoder layers that turn the learnable queries into facial mask embeddings. The released code uses 2 (the paper text says 1).',
    group: 'Model', advanced: true, flags: ['--decoder-layers'], referenceFlag: false, referenceConstant: true,
  }),
  decoderHeads: integerField({ min: 1, max: 64 }, 8, {
    label: 'Mask decoder attention heads',
    help: 'Attention heads in each decoder layer; must divide the projection dimension, which is also the decoder width.',
    group: 'Model', advanced: true, flags: ['--decoder-heads'], referenceFlag: false, referenceConstant: true,
  }),
  decoderFfnDim: integerField({ min: 1, max: 65536 }, 256, {
    label: 'Mask decoder feed-forward width',
    help: 'Hidden width of the feed-forward block in each decoder layer. The reference ties it to the projection dimension (256).',
    group: 'Model', advanced: true, flags: ['--decoder-ffn-dim'], referenceFlag: false, referenceConstant: true,
  }),
  decoderDropout: numberField({ min: 0, max: 1, maxExclusive: true }, 0.1, {
    label: 'Mask decoder dropout',
    help: 'Dropout on attention weights, residual branches and the feed-forward block of the decoder. With FRAB it is active in the target network too, because the target runs in training mode.',
    group: 'Model', advanced: true, flags: ['--decoder-dropout'], referenceFlag: false, referenceConstant: true,
  }),

  // ----- Method ------------------------------------------------------------
  numProto: integerField({ min: 1, max: 256 }, 8, {
    label: 'Facial regions (N)',
    help: 'Number of learned facial-region heatmaps (decoder queries). The paper uses 8.',
    group: 'Method', advanced: false, unit: 'regions', flags: ['--num_proto'], referenceFlag: true, mainPyDefault: 64,
  }),
  lewelLossWeight: numberField({ min: 0, max: 1 }, 0.5, {
    label: 'Global vs region weight (λc)',
    help: 'Share of the global (BYOL) term in the consistency loss; the region term gets 1 − λc.',
    group: 'Method', advanced: false, flags: ['--lewel-loss-weight'], referenceFlag: true,
  }),
  lossWeightCluster: numberField({ min: 0, max: 100 }, 0.1, {
    label: 'Clustering loss weight (λr)',
    help: 'Weight of the deep-clustering term that teaches the heatmaps which pixels belong to which facial region.',
    group: 'Method', advanced: false, flags: ['--loss_w_cluster'], referenceFlag: true, mainPyDefault: 0.5,
  }),
  teacherTemp: numberField({ min: 0, minExclusive: true, max: 1 }, 0.04, {
    label: 'Teacher temperature (τt)',
    help: 'Softmax temperature of the clustering teacher before Sinkhorn balancing; lower values give sharper pixel-to-region assignments.',
    group: 'Method', advanced: false, flags: ['--teacher_temp'], referenceFlag: true, mainPyDefault: 0.07,
  }),
  encoderMomentum: numberField({ min: 0, max: 1 }, 0.996, {
    label: 'Target EMA momentum',
    help: 'Starting momentum of the target network’s moving average; it rises to 1 along a cosine over training.',
    group: 'Method', advanced: false, flags: ['--enc-m'], referenceFlag: true,
  }),
  lewelScale: numberField({ min: 0, minExclusive: true, max: 100 }, 1.0, {
    label: 'Heatmap temperature (τh)',
    help: 'Temperature of the softmax over regions that turns pixel-to-region cosines into heatmaps. At 1.0 heatmaps are soft.',
    group: 'Method', advanced: true, flags: ['--lewel-scale'], referenceFlag: true,
  }),
  maskType: fixedField('attn', 'FRAB only runs with --mask_type attn; group/max never produce the region scores the loss needs', {
    label: 'Mask type',
    help: 'How facial mask embeddings are produced. FRA uses a transformer decoder over learnable queries ("attn"); the LEWEL modes cannot train FRAB.',
    group: 'Method', advanced: true, flags: ['--mask_type'], referenceFlag: true, mainPyDefault: 'group',
  }),
  lewelL2Norm: booleanField(true, {
    label: 'LEWEL L2 norm',
    help: 'A LEWEL option with no effect in attn mode. The reference asserts it is on, so its README command (which omits it) fails at model build; it is recorded here for provenance only.',
    group: 'Method', advanced: true, flags: ['--lewel-l2-norm'], referenceFlag: true, mainPyDefault: false,
  }),
  lewelNumHeads: integerField({ min: 1, max: 256 }, 8, {
    label: 'LEWEL head groups',
    help: 'A LEWEL option that is unused in attn mode; recorded for provenance only.',
    group: 'Method', advanced: true, flags: ['--lewel-num-heads'], referenceFlag: true,
  }),
  studentTemp: numberField({ min: 0, minExclusive: true, max: 1 }, 0.1, {
    label: 'Student temperature (τs)',
    help: 'Softmax temperature of the clustering student (hard-coded 0.1 in the reference).',
    group: 'Method', advanced: true, flags: ['--student-temp'], referenceFlag: false, referenceConstant: true,
  }),
  regionDecorrelationWeight: numberField({ min: 0, max: 100 }, 0.02, {
    label: 'Region decorrelation weight',
    help: 'Weight of the penalty on similarity between different regions across the two networks. It is in the code (0.02) but not in the paper.',
    group: 'Method', advanced: true, flags: ['--region-decorrelation-weight'], referenceFlag: false, referenceConstant: true,
  }),
  protoMomentum: numberField({ min: 0, max: 1 }, 0.9, {
    label: 'Prototype EMA momentum',
    help: 'Momentum of the running average of mask embeddings that is used for heatmaps at inference time.',
    group: 'Method', advanced: true, flags: ['--proto-momentum'], referenceFlag: false, referenceConstant: true,
  }),
  sinkhornIterations: integerField({ min: 0, max: 100 }, 3, {
    label: 'Sinkhorn iterations',
    help: 'Balancing iterations applied to the clustering teacher’s probabilities so that regions get comparable pixel mass; 0 disables balancing.',
    group: 'Method', advanced: true, flags: ['--sinkhorn-iterations'], referenceFlag: false, referenceConstant: true,
  }),
  meMaxWeight: numberField({ min: 0, max: 100 }, 1, {
    label: 'ME-MAX weight',
    help: 'Weight of the mean-entropy regulariser that keeps all regions in use across the batch.',
    group: 'Method', advanced: true, flags: ['--me-max-weight'], referenceFlag: false, referenceConstant: true,
  }),
  heatmapEps: numberField({ min: 0, max: 0.01 }, 1e-7, {
    label: 'Heatmap epsilon',
    help: 'Small constant added to heatmaps before spatial normalisation so that no pooling weight is exactly zero.',
    group: 'Method', advanced: true, flags: ['--heatmap-eps'], referenceFlag: false, referenceConstant: true,
  }),

  // ----- Optimisation ------------------------------------------------------
  lr: numberField({ min: 0, minExclusive: true, max: 100 }, 0.9, {
    label: 'Learning rate',
    help: 'Base LARS learning rate, used as given (no automatic scaling). If you change the batch size, scale it linearly: lr = 0.9 × batch / 512.',
    group: 'Optimisation', advanced: false, flags: ['--lr', '--learning-rate'], referenceFlag: true, mainPyDefault: 0.03,
  }),
  batchSize: integerField({ min: 2, max: 65536 }, 512, {
    label: 'Batch size',
    help: 'Images per view per step (the global batch); batch-norm statistics are taken over all of them. Very small batches make those statistics noisy.',
    group: 'Optimisation', advanced: false, unit: 'images', flags: ['-b', '--batch-size'], referenceFlag: true, mainPyDefault: 256,
  }),
  epochs: integerField({ min: 1, max: 10000 }, 50, {
    label: 'Epochs',
    help: 'Total passes over the training set; the cosine learning-rate and EMA schedules are laid out over this length.',
    group: 'Optimisation', advanced: false, unit: 'epochs', flags: ['--epochs'], referenceFlag: true, mainPyDefault: 200,
  }),
  warmupEpochs: integerField({ min: 0, max: 10000 }, 10, {
    label: 'Warm-up epochs',
    help: 'Epochs of linear learning-rate warm-up, ramped per iteration from 0 to the base rate. Must be fewer than the total epochs.',
    group: 'Optimisation', advanced: false, unit: 'epochs', flags: ['--warmup-epoch'], referenceFlag: true, mainPyDefault: 0,
  }),
  weightDecay: numberField({ min: 0, max: 1 }, 1e-6, {
    label: 'Weight decay',
    help: 'LARS weight decay; batch-norm parameters of the backbone and all biases are excluded.',
    group: 'Optimisation', advanced: false, flags: ['--wd', '--weight-decay'], referenceFlag: true, mainPyDefault: 1e-4,
  }),
  momentum: numberField({ min: 0, max: 1, maxExclusive: true }, 0.9, {
    label: 'LARS momentum',
    help: 'Momentum of the LARS-SGD optimiser, applied to the already learning-rate-scaled step.',
    group: 'Optimisation', advanced: true, flags: ['--momentum'], referenceFlag: true,
  }),
  cosine: booleanField(true, {
    label: 'Cosine schedule',
    help: 'After warm-up, decay the learning rate along a cosine, stepped once per epoch. When off, the rate drops 10× at each milestone epoch.',
    group: 'Optimisation', advanced: true, flags: ['--cos'], referenceFlag: true, mainPyDefault: false,
  }),
  schedule: integerListField({ min: 1, max: 100000 }, [120, 160], {
    label: 'Step milestones',
    help: 'Epochs at which the learning rate drops 10×; only used when the cosine schedule is off.',
    group: 'Optimisation', advanced: true, unit: 'epochs', flags: ['--schedule'], referenceFlag: true,
  }),
  larsTrustCoefficient: numberField({ min: 0, minExclusive: true, max: 1 }, 1e-3, {
    label: 'LARS trust coefficient (η)',
    help: 'Scales each weight tensor’s step to η·‖w‖/‖g‖ (hard-coded 0.001 in the reference).',
    group: 'Optimisation', advanced: true, flags: ['--lars-trust-coefficient'], referenceFlag: false, referenceConstant: true,
  }),
  startEpoch: integerField({ min: 0, max: 10000 }, 0, {
    label: 'Start epoch',
    help: 'Epoch to start counting from, for manual restarts; resuming from a checkpoint sets it automatically.',
    group: 'Optimisation', advanced: true, unit: 'epochs', flags: ['--start-epoch'], referenceFlag: true,
  }),

  // ----- Data --------------------------------------------------------------
  dataset: choiceField(['vggface2', 'image_folder', 'synthetic', 'random'], 'vggface2', {
    label: 'Dataset',
    help: 'Source of face images. VGGFace2 and image folders read <data root>/train/<identity>/*; synthetic and random need no files.',
    group: 'Data', advanced: false, flags: ['--dataset'], referenceFlag: true, mainPyDefault: 'in1k',
    deviation: "The reference's ImageNet choices are not offered; its 'im_folder' is accepted as image_folder. synthetic and random are ours.",
    choiceLabels: {
      vggface2: 'VGGFace2 (paper)',
      image_folder: 'Any folder of face images (<root>/train/<id>/*)',
      synthetic: 'Synthetic faces (no files needed)',
      random: 'Random noise (engine smoke tests)',
    },
  }),
  dataRoot: textField('', true, {
    label: 'Data root',
    help: 'Dataset folder; images are read from <root>/train/<identity>/*. Required for VGGFace2 and image folders.',
    group: 'Data', advanced: false, flags: ['--data-root'], referenceFlag: true,
  }),
  imageSize: integerField({ min: 32, max: 512, multipleOf: 32 }, 224, {
    label: 'Image size',
    help: 'Side of the square crops fed to the network. 224 gives a 7×7 feature map; smaller sizes are much faster but coarsen the heatmaps.',
    group: 'Data', advanced: false, unit: 'px', flags: ['--image-size'], referenceFlag: false,
    deviation: 'The reference hard-codes 224 for pre-training.',
  }),
  trainPercent: numberField({ min: 0, minExclusive: true, max: 1 }, 1.0, {
    label: 'Training subset',
    help: 'Fraction of the training set to use, drawn at random once per run.',
    group: 'Data', advanced: false, unit: 'fraction', flags: ['--train-percent'], referenceFlag: true,
  }),
  workers: integerField({ min: 0, max: 256 }, 16, {
    label: 'Data workers',
    help: 'Parallel image decoding and augmentation workers.',
    group: 'Data', advanced: true, flags: ['-j', '--workers'], referenceFlag: true, mainPyDefault: 64,
  }),

  // ----- Checkpoints & logging ---------------------------------------------
  saveDir: textField('./ckpts', false, {
    label: 'Checkpoint folder',
    help: 'Where the rolling checkpoint and the numbered copies are written.',
    group: 'Checkpoints & logging', advanced: false, flags: ['--save-dir'], referenceFlag: true, mainPyDefault: 'ckpts',
  }),
  saveFreq: integerField({ min: 1, max: 10000 }, 50, {
    label: 'Keep a numbered checkpoint every',
    help: 'A rolling checkpoint is written every epoch; every k epochs a numbered copy is also kept.',
    group: 'Checkpoints & logging', advanced: false, unit: 'epochs', flags: ['--save-freq'], referenceFlag: true, mainPyDefault: 10,
  }),
  checkpointEverySteps: optionalIntegerField({ min: 1, max: 1_000_000_000 }, {
    label: 'Also checkpoint every',
    help: 'Write the rolling checkpoint every k iterations as well, so long epochs can be resumed mid-way. Unset: end of epoch only, as in the reference.',
    group: 'Checkpoints & logging', advanced: true, unit: 'steps', flags: ['--checkpoint-every-steps'], referenceFlag: false,
  }),
  printFreq: integerField({ min: 1, max: 1_000_000 }, 100, {
    label: 'Log every',
    help: 'Report losses, learning rate and EMA momentum every k iterations.',
    group: 'Checkpoints & logging', advanced: false, unit: 'iterations', flags: ['-p', '--print-freq'], referenceFlag: true, mainPyDefault: 50,
  }),
  evalFreq: integerField({ min: 1, max: 10000 }, 5, {
    label: 'Verification monitor every',
    help: 'Run the LFW face-verification monitor on the online embedding every k epochs. It only tracks progress; it does not change training.',
    group: 'Checkpoints & logging', advanced: true, unit: 'epochs', flags: ['--eval-freq'], referenceFlag: true,
  }),
  resume: optionalTextField({
    label: 'Resume from checkpoint',
    help: 'Continue a run from a checkpoint: model, optimiser state and epoch are restored.',
    group: 'Checkpoints & logging', advanced: false, flags: ['--resume'], referenceFlag: true,
  }),
  pretrained: optionalTextField({
    label: 'Initialise from checkpoint',
    help: 'Load matching weights from a checkpoint before training (non-strict); the optimiser and epoch start fresh.',
    group: 'Checkpoints & logging', advanced: true, flags: ['--pretrained'], referenceFlag: true,
  }),
  evaluate: booleanField(false, {
    label: 'Evaluate only',
    help: 'Run the verification monitor once on the loaded model and exit without training.',
    group: 'Checkpoints & logging', advanced: true, flags: ['-e', '--evaluate'], referenceFlag: true,
  }),
  logJson: booleanField(false, {
    label: 'JSON log lines',
    help: 'Print progress as one JSON object per line (for scripts) instead of human-readable text.',
    group: 'Checkpoints & logging', advanced: true, flags: ['--log-json'], referenceFlag: false,
  }),

  // ----- Engine ------------------------------------------------------------
  backend: choiceField(['auto', 'node-gpu', 'node', 'wasm', 'cpu'], 'auto', {
    label: 'Compute backend',
    help: 'Which TensorFlow.js backend trains the model. Auto picks the fastest that works on this machine (native GPU, native CPU, then WebAssembly).',
    group: 'Engine', advanced: false, flags: ['--backend'], referenceFlag: false,
    choiceLabels: {
      auto: 'Auto (fastest available)',
      'node-gpu': 'Native TensorFlow on a CUDA GPU',
      node: 'Native TensorFlow on the CPU',
      wasm: 'WebAssembly (CPU, always available)',
      cpu: 'Pure JavaScript (slow; reference numerics)',
    },
  }),
  amp: booleanField(true, {
    label: 'Mixed precision (recorded only)',
    help: 'The reference trained with fp16 autocast. TensorFlow.js has no float16, so training always runs in fp32; the setting is kept for provenance.',
    group: 'Engine', advanced: true, flags: ['--amp'], referenceFlag: true, mainPyDefault: false,
    deviation: 'Always fp32 (tfjs has no float16).',
  }),
  seed: integerField({ min: 0, max: 4294967295 }, 23456, {
    label: 'Random seed',
    help: 'Seeds weight initialisation, data order and augmentation so a run can be repeated.',
    group: 'Engine', advanced: true, flags: ['--seed'], referenceFlag: true,
    deviation: 'The reference parses --seed but never uses it; this trainer does.',
  }),
  maxSteps: optionalIntegerField({ min: 1, max: 1_000_000_000 }, {
    label: 'Stop after',
    help: 'Stop after this many iterations even if epochs remain (schedules still follow the full run length). For smoke tests and timing.',
    group: 'Engine', advanced: true, unit: 'steps', flags: ['--max-steps'], referenceFlag: false,
  }),
} as const;

// ---------------------------------------------------------------------------
// Schema and types
// ---------------------------------------------------------------------------

type Fields = typeof FIELDS;
export type PretrainFieldKey = keyof Fields;
type Shape = { [K in PretrainFieldKey]: Fields[K]['schema'] };

const fieldEntries = Object.entries(FIELDS) as [PretrainFieldKey, FieldSpec<z.ZodType>][];
export const PRETRAIN_FIELD_KEYS: readonly PretrainFieldKey[] = fieldEntries.map(([key]) => key);

const shape = Object.fromEntries(fieldEntries.map(([key, spec]) => [key, spec.schema])) as Shape;

/** Strict: an unknown key is a typo or a stale form, never something to drop silently. */
export const PretrainConfigSchema = z.strictObject(shape).superRefine((config, ctx) => {
  for (const problem of crossFieldProblems(config)) {
    ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
  }
});

/** A complete, validated pre-training configuration. */
export type PretrainConfig = z.infer<typeof PretrainConfigSchema>;
/** What callers may supply: every defaulted field is optional. */
export type PretrainConfigInput = z.input<typeof PretrainConfigSchema>;

const DATASETS_WITHOUT_FILES: ReadonlySet<string> = new Set(['synthetic', 'random']);

/**
 * Rules that involve more than one field. Each rule runs only when the fields
 * it reads are individually valid, so it can be applied to a partial config
 * and report alongside per-field problems.
 */
function crossFieldProblems(c: Partial<PretrainConfig>): { field: PretrainFieldKey; message: string }[] {
  const out: { field: PretrainFieldKey; message: string }[] = [];
  if (c.warmupEpochs !== undefined && c.epochs !== undefined && c.warmupEpochs >= c.epochs) {
    out.push({ field: 'warmupEpochs', message: `must be < --epochs (${c.epochs})` });
  }
  if (c.startEpoch !== undefined && c.epochs !== undefined && c.startEpoch >= c.epochs) {
    out.push({ field: 'startEpoch', message: `must be < --epochs (${c.epochs})` });
  }
  if (c.schedule !== undefined && c.schedule.some((m, i) => i > 0 && m <= (c.schedule?.[i - 1] ?? 0))) {
    out.push({ field: 'schedule', message: 'milestones must be strictly increasing' });
  }
  if (c.dataset !== undefined && c.dataRoot !== undefined && !DATASETS_WITHOUT_FILES.has(c.dataset) && c.dataRoot.trim() === '') {
    out.push({ field: 'dataRoot', message: `required when --dataset is ${c.dataset} (images are read from <root>/train/<identity>/*)` });
  }
  if (c.decoderHeads !== undefined && c.projDim !== undefined && c.projDim % c.decoderHeads !== 0) {
    out.push({ field: 'decoderHeads', message: `must divide --proj-dim (${c.projDim}), which is also the decoder width` });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Validation with researcher-readable errors
// ---------------------------------------------------------------------------

/** One thing wrong with a configuration, reported against the flag a user would type. */
export interface ConfigProblem<K extends string = PretrainFieldKey> {
  flag: string;
  /** The config key, or null for problems not tied to one field (unknown flag, bad syntax). */
  field: K | null;
  /** Text after "<flag>: ", e.g. "got -1; must be > 0 and ≤ 100". */
  message: string;
}

/**
 * Thrown for any invalid configuration; the message has one line per problem. Every run kind
 * throws this one class (K: its field keys; `subject` names the kind in the message), so hosts
 * report all of them alike.
 */
export class ConfigValidationError<K extends string = PretrainFieldKey> extends Error {
  readonly problems: readonly ConfigProblem<K>[];

  constructor(problems: readonly ConfigProblem<K>[], subject = 'pre-training') {
    const lines = problems.map((p) => `${p.flag}: ${p.message}`);
    super(`Invalid ${subject} configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
    this.name = 'ConfigValidationError';
    this.problems = problems;
  }
}

/** The flag used to name a field in messages: its first long spelling. */
export function canonicalFlag(key: PretrainFieldKey): string {
  const flags = FIELDS[key].docs.flags;
  return flags.find((f) => f.startsWith('--')) ?? flags[0] ?? `--${key}`;
}

function formatNumber(n: number): string {
  return String(n);
}

/** Human text for a numeric range, e.g. "> 0 and ≤ 100" or "an integer from 2 to 65536". */
function describeRange(integer: boolean, r: NumericRange): string {
  const { min, max } = r;
  let text: string;
  if (integer && min !== undefined && max !== undefined && !r.minExclusive && !r.maxExclusive) {
    text = `an integer from ${formatNumber(min)} to ${formatNumber(max)}`;
  } else {
    const parts: string[] = [];
    if (min !== undefined) parts.push(`${r.minExclusive ? '>' : '≥'} ${formatNumber(min)}`);
    if (max !== undefined) parts.push(`${r.maxExclusive ? '<' : '≤'} ${formatNumber(max)}`);
    text = (integer ? 'an integer ' : '') + parts.join(' and ');
  }
  if (r.multipleOf !== undefined) text += ` and a multiple of ${formatNumber(r.multipleOf)}`;
  return text;
}

/** What a field accepts, as a phrase usable after "must be" / on a form. */
export function describeAllowed(value: ValueSpec): string {
  switch (value.kind) {
    case 'number':
    case 'integer':
      return describeRange(value.kind === 'integer', value.range);
    case 'choice':
      return `one of ${value.choices.join(', ')}`;
    case 'boolean':
      return 'true or false';
    case 'text':
      return value.allowEmpty ? 'a path or text' : 'a non-empty path or text';
    case 'integerList':
      return `a list of ${describeRange(true, value.range).replace(/^an integer/, 'integers')}`;
    case 'fixed':
      return `only ${String(value.value)}`;
  }
}

function fieldProblemMessage(key: PretrainFieldKey, given: unknown): string {
  const value = FIELDS[key].value;
  const got = `got ${formatGiven(given)}`;
  if (value.kind === 'fixed') return `${got}; ${value.reason}`;
  return `${got}; must be ${describeAllowed(value)}`;
}

/** Render a user-supplied value the way they would recognise it. */
export function formatGiven(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => formatGiven(v)).join(', ')}]`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value) ?? String(value);
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isFieldKey(key: string): key is PretrainFieldKey {
  return Object.hasOwn(FIELDS, key);
}

/**
 * Validate and complete a configuration (missing fields take FRA defaults).
 * Every problem is collected before throwing, so a form or a command line can
 * be fixed in one pass.
 */
export function validatePretrainConfig(input: unknown): PretrainConfig {
  if (!isPlainObject(input)) {
    throw new ConfigValidationError([{ flag: '(config)', field: null, message: `got ${formatGiven(input)}; must be an object of pre-training settings` }]);
  }
  const problems: ConfigProblem[] = [];
  for (const key of Object.keys(input)) {
    if (!isFieldKey(key)) problems.push({ flag: key, field: null, message: 'not a pre-training setting' });
  }
  // Field by field, so that one bad field does not hide the others, and so
  // that cross-field rules can still run on whatever is individually valid.
  const valid: Partial<Record<PretrainFieldKey, unknown>> = {};
  for (const key of PRETRAIN_FIELD_KEYS) {
    const result = FIELDS[key].schema.safeParse(input[key]);
    if (result.success) valid[key] = result.data;
    else problems.push({ flag: canonicalFlag(key), field: key, message: fieldProblemMessage(key, input[key]) });
  }
  for (const p of crossFieldProblems(valid as Partial<PretrainConfig>)) {
    problems.push({ flag: canonicalFlag(p.field), field: p.field, message: `got ${formatGiven(valid[p.field])}; ${p.message}` });
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return PretrainConfigSchema.parse(input);
}

/**
 * The FRA defaults for every field (optional fields absent). Not validated:
 * `dataRoot` is empty and must be filled in for VGGFace2 / image folders.
 */
export function pretrainConfigDefaults(): PretrainConfig {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of fieldEntries) {
    if (spec.default !== undefined) out[key] = structuredClone(spec.default);
  }
  return out as PretrainConfig;
}

// ---------------------------------------------------------------------------
// Field descriptions for forms and help text
// ---------------------------------------------------------------------------

/** Everything a form renderer needs about one field; plain JSON. */
export interface PretrainFieldDescription {
  key: PretrainFieldKey;
  label: string;
  help: string;
  group: FieldGroup;
  kind: FieldKind;
  unit: string | null;
  advanced: boolean;
  /** FRA default; null for optional fields that are unset by default. */
  default: JsonValue;
  optional: boolean;
  /** Numeric bounds (also the element bounds of integer lists); null otherwise. */
  range: { min: number | null; minExclusive: boolean; max: number | null; maxExclusive: boolean; multipleOf: number | null } | null;
  choices: { value: string; label: string }[] | null;
  /** Human phrase, e.g. "> 0 and ≤ 100", "one of SyncBN, BN". */
  allowed: string;
  /** Canonical CLI flag (the one used in error messages). */
  flag: string;
  /** All accepted CLI spellings. */
  flags: string[];
  /** True when the flag comes from the reference main.py. */
  referenceFlag: boolean;
  /** main.py's own default where it differs from the FRA value; null otherwise. */
  mainPyDefault: JsonValue;
  /** True for constants hard-coded in the reference code. */
  referenceConstant: boolean;
  /** Known, deliberate difference from the reference; null when none. */
  deviation: string | null;
}

function describeField(key: PretrainFieldKey): PretrainFieldDescription {
  const spec: FieldSpec<z.ZodType> = FIELDS[key];
  const { docs, value } = spec;
  const range =
    value.kind === 'number' || value.kind === 'integer' || value.kind === 'integerList'
      ? {
          min: value.range.min ?? null,
          minExclusive: value.range.minExclusive ?? false,
          max: value.range.max ?? null,
          maxExclusive: value.range.maxExclusive ?? false,
          multipleOf: value.range.multipleOf ?? null,
        }
      : null;
  const choices =
    value.kind === 'choice' ? value.choices.map((c) => ({ value: c, label: docs.choiceLabels?.[c] ?? c })) : null;
  return {
    key,
    label: docs.label,
    help: docs.help,
    group: docs.group,
    kind: value.kind,
    unit: docs.unit ?? null,
    advanced: docs.advanced,
    default: spec.default === undefined ? null : structuredClone(spec.default),
    optional: spec.default === undefined,
    range,
    choices,
    allowed: value.kind === 'fixed' ? value.reason : describeAllowed(value),
    flag: canonicalFlag(key),
    flags: [...docs.flags],
    referenceFlag: docs.referenceFlag,
    mainPyDefault: docs.mainPyDefault ?? null,
    referenceConstant: docs.referenceConstant ?? false,
    deviation: docs.deviation ?? null,
  };
}

/** All fields in display order, as plain JSON for the New Run form. */
export function describePretrainConfigFields(): PretrainFieldDescription[] {
  return PRETRAIN_FIELD_KEYS.map(describeField);
}

/** The value kind of a field, so a text front end (the CLI) knows how to convert strings. */
export function pretrainFieldKind(key: PretrainFieldKey): FieldKind {
  return FIELDS[key].value.kind;
}

/** Accepted CLI spellings of a field (as in main.py where it has the flag). */
export function pretrainFieldFlags(key: PretrainFieldKey): readonly string[] {
  return FIELDS[key].docs.flags;
}

/** True for optional fields (unset unless given), e.g. --resume, --max-steps. */
export function isOptionalPretrainField(key: PretrainFieldKey): boolean {
  return FIELDS[key].default === undefined;
}

// ---------------------------------------------------------------------------
// Honest notes about what this engine does with a valid configuration
// ---------------------------------------------------------------------------

/** Something the user should know about how a setting is (or is not) honoured. */
export interface Notice {
  flag: string;
  level: 'info' | 'warning';
  message: string;
}

/**
 * Notes that follow from the configuration itself, whoever produced it (GUI or
 * CLI): settings that are valid but that this engine realises differently from
 * the reference run.
 */
export function pretrainConfigNotices(config: PretrainConfig): Notice[] {
  const notices: Notice[] = [];
  if (config.amp) {
    notices.push({ flag: '--amp', level: 'warning', message: 'tfjs has no float16: this run trains in fp32 (the reference used fp16 autocast)' });
  }
  if (config.norm === 'SyncBN') {
    notices.push({ flag: '--norm', level: 'info', message: 'one device: SyncBN is plain batch norm over the whole batch, which is what SyncBN computes across GPUs' });
  }
  return notices;
}
