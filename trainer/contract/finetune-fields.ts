/**
 * Every fine-tuning / linear-probe setting, one entry each, in the same vocabulary as the
 * pre-training fields (run-config.ts): zod schema, default, range, label, help, group and CLI
 * flags. Defaults are the FRA fine-tuning seed command (fra-spec §5.2, §7.1: RAF-DB, AdamW
 * 2e-4, wd 0.05, 100 epochs, batch 256, cosine with 5 warm-up epochs); `mainPyDefault` records
 * main_fer.py's own default where it differs. Flags are main_fer.py's spellings.
 *
 * finetune-config.ts turns this table into the schema, the validator and the form description.
 */
import {
  booleanField,
  choiceField,
  fixedField,
  integerField,
  integerListField,
  numberField,
  optionalIntegerField,
  optionalTextField,
  textField,
} from './run-config.js';

/** `--data-root` value that selects the built-in labelled synthetic faces instead of a folder. */
export const SYNTHETIC_EXPRESSIONS = 'synthetic-expressions';

/** Dataset layouts a fine-tuning run can expect (trainer/data/layouts), or 'auto'. */
export const FINETUNE_LAYOUTS = ['auto', 'raf-db', 'ferplus', 'affectnet-7', 'image-folder', 'csv-list'] as const;

export const FINETUNE_FIELDS = {
  // ----- Model -------------------------------------------------------------
  backbone: choiceField(['resnet50_encoder', 'resnet34_encoder', 'resnet18_encoder', 'resnet18_slim_encoder'], 'resnet50_encoder', {
    label: 'Backbone',
    help: 'The ResNet whose pooled layer4 features feed the new classifier. It must match the backbone of the checkpoint you initialise from.',
    group: 'Model', advanced: false, flags: ['--backbone', '-a', '--arch'], referenceFlag: true,
    deviation: "main_fer.py's -a takes torchvision names (resnet50); they are accepted and mean the same network.",
    choiceLabels: {
      resnet50_encoder: 'ResNet-50 (paper, 2048 features)',
      resnet34_encoder: 'ResNet-34 (512 features)',
      resnet18_encoder: 'ResNet-18 (512 features)',
      resnet18_slim_encoder: 'Slim ResNet-18 (128 features, for CPU demos)',
    },
  }),
  mode: choiceField(['finetune', 'linear'], 'finetune', {
    label: 'What to train',
    help: 'Fine-tune trains every layer with batch norm in training mode (the paper’s FER numbers). Linear probe freezes the backbone in eval mode, trains only the classifier at the learning rate, and checks that the backbone is left bit-identical.',
    group: 'Model', advanced: false, flags: ['--mode'], referenceFlag: false, mainPyDefault: 'linear',
    deviation: 'main_fer.py switches with --finetune (off: linear probe); that flag is accepted too.',
    choiceLabels: { finetune: 'Fine-tune all layers (--finetune)', linear: 'Linear probe (frozen backbone)' },
  }),
  pretrained: optionalTextField({
    label: 'Initialise backbone from',
    help: 'A FRA Workbench pre-training checkpoint (its online backbone), a PyTorch .pth/.pth.tar of the reference code or torchvision, or a safetensors backbone. Unset: random initialisation, a baseline without pre-training.',
    group: 'Model', advanced: false, flags: ['--pretrained', '--init'], referenceFlag: true,
  }),
  modelPrefix: optionalTextField({
    label: 'Model prefix',
    help: 'Which weights of the file are the backbone: the key prefix removed after "module." (online_net.backbone for FRA checkpoints, encoder_q for MoCo-style ones). Unset: detected from the file.',
    group: 'Model', advanced: true, flags: ['--model-prefix'], referenceFlag: true, mainPyDefault: 'encoder_q',
  }),

  // ----- Optimisation ------------------------------------------------------
  optimizer: choiceField(['adamw', 'sgd'], 'adamw', {
    label: 'Optimiser',
    help: 'AdamW (betas 0.9/0.999, decoupled weight decay) as in the FRA fine-tuning command, or SGD with momentum, main_fer.py’s default and the usual linear-probe choice.',
    group: 'Optimisation', advanced: false, flags: ['--optimizer'], referenceFlag: true, mainPyDefault: 'sgd',
    choiceLabels: { adamw: 'AdamW (paper fine-tuning)', sgd: 'SGD with momentum' },
  }),
  lr: numberField({ min: 0, minExclusive: true, max: 100 }, 2e-4, {
    label: 'Learning rate',
    help: 'Base learning rate of the backbone when fine-tuning, or of the classifier (the only trained layer) in a linear probe. Used as given; no batch-size scaling.',
    group: 'Optimisation', advanced: false, flags: ['--lr', '--learning-rate'], referenceFlag: true, mainPyDefault: 30,
  }),
  lrHead: numberField({ min: 0, minExclusive: true, max: 100 }, 2e-4, {
    label: 'Classifier learning rate',
    help: 'Base learning rate of the new classifier when fine-tuning. A linear probe ignores it and uses the learning rate above.',
    group: 'Optimisation', advanced: false, flags: ['--lr_head', '--lr-head'], referenceFlag: true, mainPyDefault: 0.02,
  }),
  weightDecay: numberField({ min: 0, max: 10 }, 0.05, {
    label: 'Weight decay',
    help: 'Applied to every parameter, batch-norm weights and biases included, as main_fer.py does. AdamW decays the weights directly; SGD adds it to the gradient.',
    group: 'Optimisation', advanced: false, flags: ['--wd', '--weight-decay'], referenceFlag: true, mainPyDefault: 0,
  }),
  momentum: numberField({ min: 0, max: 1, maxExclusive: true }, 0.9, {
    label: 'SGD momentum',
    help: 'Momentum of the SGD optimiser (no dampening, no Nesterov). AdamW ignores it.',
    group: 'Optimisation', advanced: true, flags: ['--momentum'], referenceFlag: true,
  }),
  batchSize: integerField({ min: 2, max: 65536 }, 256, {
    label: 'Batch size',
    help: 'Images per step; batch-norm statistics of a fine-tuned backbone are taken over all of them. The last incomplete batch of an epoch is dropped.',
    group: 'Optimisation', advanced: false, unit: 'images', flags: ['-b', '--batch-size'], referenceFlag: true,
  }),
  epochs: integerField({ min: 1, max: 10000 }, 100, {
    label: 'Epochs',
    help: 'Passes over the training split; the learning-rate schedule is laid out over this length.',
    group: 'Optimisation', advanced: false, unit: 'epochs', flags: ['--epochs'], referenceFlag: true,
  }),
  scheduler: choiceField(['cos', 'step'], 'cos', {
    label: 'Learning-rate schedule',
    help: 'After the warm-up, a cosine decay to the minimum learning rate updated every iteration, or a step decay at the milestone epochs.',
    group: 'Optimisation', advanced: false, flags: ['--scheduler'], referenceFlag: true,
    deviation: "main_fer.py also accepts 'exp', which leaves the learning rate constant; it is not offered.",
    choiceLabels: { cos: 'Cosine to the minimum, per iteration (paper)', step: 'Step decay at milestones' },
  }),
  warmupEpochs: integerField({ min: 0, max: 10000 }, 5, {
    label: 'Warm-up epochs',
    help: 'Epochs over which the learning rate ramps linearly from 0, updated every iteration. Must be fewer than the epochs.',
    group: 'Optimisation', advanced: false, unit: 'epochs', flags: ['--warmup_epochs', '--warmup-epochs'], referenceFlag: true,
  }),
  minLr: numberField({ min: 0, max: 100 }, 1e-6, {
    label: 'Minimum learning rate',
    help: 'Where the cosine schedule ends.',
    group: 'Optimisation', advanced: true, flags: ['--min_lr', '--min-lr'], referenceFlag: true,
  }),
  decayEpochs: integerListField({ min: 1, max: 100000 }, [60, 80], {
    label: 'Step milestones',
    help: 'Epochs at which the step schedule multiplies the learning rate by the decay factor; unused by the cosine schedule.',
    group: 'Optimisation', advanced: true, unit: 'epochs', flags: ['--decay_epochs', '--decay-epochs'], referenceFlag: true,
  }),
  gamma: numberField({ min: 0, minExclusive: true, max: 1 }, 0.1, {
    label: 'Step decay factor',
    help: 'Factor applied at each step milestone.',
    group: 'Optimisation', advanced: true, flags: ['--gamma'], referenceFlag: true,
    deviation: 'main_fer.py parses --gamma but hard-codes 0.1; here the value is used.',
  }),

  // ----- Data --------------------------------------------------------------
  dataRoot: textField(SYNTHETIC_EXPRESSIONS, false, {
    label: 'Dataset',
    help: 'A labelled dataset folder (RAF-DB, FERPlus, AffectNet-7, class folders or a CSV list; the layout is detected and the folder indexed on first use), or synthetic-expressions for the built-in labelled synthetic faces.',
    group: 'Data', advanced: false, flags: ['--data-root', '--data'], referenceFlag: true, mainPyDefault: '',
  }),
  layout: choiceField(FINETUNE_LAYOUTS, 'auto', {
    label: 'Expected layout',
    help: 'Refuse the folder unless it is detected as this layout (for instance RAF-DB for the paper run). Auto accepts any labelled layout.',
    group: 'Data', advanced: true, flags: ['--layout', '--dataset'], referenceFlag: true, mainPyDefault: 'in1k',
    deviation: "main_fer.py's --dataset names (rafdb, ferplus, affectnet7) are accepted; the layout is read from the folder, not from the flag.",
    choiceLabels: {
      auto: 'Any labelled layout',
      'raf-db': 'RAF-DB basic (7 classes)',
      ferplus: 'FERPlus (8 classes, majority vote)',
      'affectnet-7': 'AffectNet-7 (7 classes)',
      'image-folder': 'Class folders',
      'csv-list': 'CSV list with labels',
    },
  }),
  imageSize: integerField({ min: 32, max: 512 }, 224, {
    label: 'Image size',
    help: 'Side of the square the whole face image is resized to (no crop), for training and testing.',
    group: 'Data', advanced: false, unit: 'px', flags: ['--image_size', '--image-size'], referenceFlag: true,
  }),
  trainPercent: numberField({ min: 0, minExclusive: true, max: 1 }, 1.0, {
    label: 'Labelled fraction',
    help: 'Fraction of the training split to train on, drawn at random once per run (label-efficiency experiments). The test split is always used whole.',
    group: 'Data', advanced: false, unit: 'fraction', flags: ['--train-percent'], referenceFlag: true,
  }),
  dataNorm: fixedField('vggface2', 'only the VGGFace2 statistics the backbone was pre-trained with are offered (the FRA default)', {
    label: 'Normalisation statistics',
    help: 'Per-channel mean and standard deviation used to normalise images; they must match pre-training.',
    group: 'Data', advanced: true, flags: ['--data_norm', '--data-norm'], referenceFlag: true,
  }),
  workers: integerField({ min: 0, max: 256 }, 16, {
    label: 'Data workers',
    help: 'Threads decoding and augmenting images (at most one fewer than the CPU cores are used).',
    group: 'Data', advanced: true, flags: ['-j', '--workers'], referenceFlag: true, mainPyDefault: 32,
  }),

  // ----- Checkpoints & logging ---------------------------------------------
  evalFreq: integerField({ min: 1, max: 10000 }, 5, {
    label: 'Evaluate every',
    help: 'Evaluate on the test split every k epochs (and after the last). The reported result is the best top-1 over these evaluations, as in the paper; there is no separate validation split.',
    group: 'Checkpoints & logging', advanced: false, unit: 'epochs', flags: ['--eval-freq'], referenceFlag: true, mainPyDefault: 1,
  }),
  printFreq: integerField({ min: 1, max: 1_000_000 }, 100, {
    label: 'Log every',
    help: 'Print the loss and learning rate every k iterations (command line).',
    group: 'Checkpoints & logging', advanced: true, unit: 'iterations', flags: ['-p', '--print-freq'], referenceFlag: true,
  }),
  saveDir: textField('./ckpts/finetune', false, {
    label: 'Output folder',
    help: 'Command line only: where metrics.jsonl, checkpoints/ and evaluation/ are written. In the app a run writes into its own run folder.',
    group: 'Checkpoints & logging', advanced: true, flags: ['--save-dir'], referenceFlag: true, mainPyDefault: 'ckpts',
  }),
  resume: optionalTextField({
    label: 'Resume from checkpoint',
    help: 'Continue a fine-tuning run from one of its checkpoints: model, optimiser state, best result and position are restored.',
    group: 'Checkpoints & logging', advanced: true, flags: ['--resume'], referenceFlag: true,
  }),
  evaluate: booleanField(false, {
    label: 'Evaluate only',
    help: 'Evaluate the model given by --resume (a fine-tuning checkpoint) on the test split, write the report and exit without training.',
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
  amp: booleanField(false, {
    label: 'Mixed precision (recorded only)',
    help: 'The reference fine-tuned with fp16 autocast. TensorFlow.js has no float16, so training always runs in fp32; the setting is kept for provenance.',
    group: 'Engine', advanced: true, flags: ['--amp'], referenceFlag: true,
    deviation: 'Always fp32 (tfjs has no float16).',
  }),
  seed: integerField({ min: 0, max: 4294967295 }, 23456, {
    label: 'Random seed',
    help: 'Seeds the classifier initialisation, the labelled subset, data order and augmentation so a run can be repeated.',
    group: 'Engine', advanced: true, flags: ['--seed'], referenceFlag: true,
    deviation: 'The reference parses --seed but never uses it; this trainer does.',
  }),
  maxSteps: optionalIntegerField({ min: 1, max: 1_000_000_000 }, {
    label: 'Stop after',
    help: 'Stop after this many iterations even if epochs remain (the schedule still follows the full run length); the model is evaluated before stopping. For smoke tests and timing.',
    group: 'Engine', advanced: true, unit: 'steps', flags: ['--max-steps'], referenceFlag: false,
  }),
} as const;

export type FinetuneFields = typeof FINETUNE_FIELDS;
export type FinetuneFieldKey = keyof FinetuneFields;
