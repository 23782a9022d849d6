/**
 * The labelled data of a fine-tuning run (fra-spec §7.1): a training split and a test split of
 * one dataset, with its class names.
 *
 *   synthetic-expressions  the built-in labelled synthetic faces (5 expressions); train and test
 *                          are drawn from different generator seeds, so no face is in both.
 *   <folder>               any labelled layout the data layer detects (RAF-DB, FERPlus,
 *                          AffectNet-7, class folders, CSV list), indexed on first use into the
 *                          workspace's dataset cache. Train is the `train` split; test is `test`,
 *                          or `val` where the layout has no test split (AffectNet-7, as the
 *                          reference evaluates it).
 */
import type { FinetuneConfig } from '../contract/finetune-config.js';
import { SYNTHETIC_EXPRESSIONS } from '../contract/finetune-config.js';
import { DatasetIndex } from '../data/indexing/index-reader.js';
import type { DatasetSpec } from '../data/loader/batch-spec.js';
import { EXPRESSIONS, SYNTHETIC_MAX_SIZE, SYNTHETIC_MIN_SIZE } from '../data/synthetic/index.js';
import { resolveTrainingData } from '../data/training-data.js';

/** Sizes and generator seeds of the synthetic expression splits (fixed, so runs compare). */
export const SYNTHETIC_EXPRESSION_SPLITS = {
  train: { count: 5000, seed: 1 },
  test: { count: 250, seed: 2 },
} as const;

export interface LabelledSplit {
  /** Split name as the dataset calls it ('train', 'test', 'val', …). */
  name: string;
  spec: DatasetSpec;
  /** Usable images. */
  size: number;
}

export interface FinetuneData {
  classNames: string[];
  train: LabelledSplit;
  test: LabelledSplit;
  /** One line for the log and the model card, e.g. "RAF-DB basic at /data/rafdb: 12271 train / 3068 test". */
  description: string;
  /** The detected layout ('synthetic-expressions' for the built-in set). */
  layout: string;
}

const TRAIN_SPLITS = ['train', 'training'];
const TEST_SPLITS = ['test', 'testing', 'val', 'valid', 'validation'];

function pickSplit(splits: readonly string[], wanted: readonly string[]): string | undefined {
  for (const name of wanted) {
    const found = splits.find((s) => s.toLowerCase() === name);
    if (found !== undefined) return found;
  }
  return undefined;
}

export async function resolveFinetuneData(config: FinetuneConfig, onNotice: (message: string) => void = () => undefined): Promise<FinetuneData> {
  if (config.dataRoot === SYNTHETIC_EXPRESSIONS) return syntheticExpressions(config);
  return indexedFolder(config, onNotice);
}

function syntheticExpressions(config: FinetuneConfig): FinetuneData {
  if (config.layout !== 'auto') {
    throw new Error(`--dataset ${config.layout} expects a dataset folder, but --data-root is ${SYNTHETIC_EXPRESSIONS}; give the folder with --data-root`);
  }
  const renderSize = Math.min(SYNTHETIC_MAX_SIZE, Math.max(SYNTHETIC_MIN_SIZE, config.imageSize));
  const split = (name: 'train' | 'test'): LabelledSplit => {
    const { count, seed } = SYNTHETIC_EXPRESSION_SPLITS[name];
    return { name, size: count, spec: { kind: 'synthetic', count, seed, labelled: true, renderSize } };
  };
  const { train, test } = SYNTHETIC_EXPRESSION_SPLITS;
  return {
    classNames: [...EXPRESSIONS],
    train: split('train'),
    test: split('test'),
    layout: SYNTHETIC_EXPRESSIONS,
    description: `synthetic expressions (${EXPRESSIONS.length} classes, rendered at ${renderSize} px): ${train.count} train / ${test.count} test faces from different generator seeds`,
  };
}

async function indexedFolder(config: FinetuneConfig, onNotice: (message: string) => void): Promise<FinetuneData> {
  // The pre-training resolver owns "index on first use, reopen afterwards"; only its index folder is needed here.
  const resolved = await resolveTrainingData({ dataset: 'image_folder', dataRoot: config.dataRoot, imageSize: config.imageSize, seed: config.seed }, onNotice);
  if (resolved.kind !== 'files' || resolved.spec.kind !== 'indexed') throw new Error(`${config.dataRoot} did not resolve to an indexed dataset`);
  const indexDir = resolved.spec.indexDir;
  const index = await DatasetIndex.open(indexDir);
  const { layout, statistics, datasetRoot } = index.summary;
  if (config.layout !== 'auto' && layout.kind !== config.layout) {
    throw new Error(`${datasetRoot} is detected as ${layout.title} (${layout.kind}), not ${config.layout} as --dataset asks; check the folder, or use --dataset auto`);
  }
  if (layout.labelRole !== 'class') {
    const what = layout.labelRole === 'identity' ? 'identity folders (its labels are people, not classes)' : 'unlabelled images';
    throw new Error(`${datasetRoot} holds ${what}: fine-tuning needs class labels (RAF-DB, FERPlus, AffectNet-7, class folders or a labelled CSV list)`);
  }
  const trainName = pickSplit(layout.splits, TRAIN_SPLITS);
  const testName = pickSplit(layout.splits, TEST_SPLITS);
  if (trainName === undefined || testName === undefined) {
    throw new Error(
      `${datasetRoot} (${layout.title}) has the split(s) ${layout.splits.join(', ')}; fine-tuning needs a train split and a test (or val) split, ` +
        'e.g. <root>/train/<class>/… and <root>/test/<class>/…',
    );
  }
  if (layout.classNames.length < 2) throw new Error(`${datasetRoot} has ${layout.classNames.length} class; a classifier needs at least 2`);
  const split = (name: string): LabelledSplit => {
    const size = statistics.splits[name]?.usable ?? 0;
    if (size === 0) throw new Error(`the ${name} split of ${datasetRoot} has no usable images (see the dataset report)`);
    return { name, size, spec: { kind: 'indexed', indexDir, splits: [name] } };
  };
  const train = split(trainName);
  const test = split(testName);
  if (!TEST_SPLITS.slice(0, 2).includes(testName.toLowerCase())) onNotice(`${datasetRoot} has no test split: evaluating on "${testName}" (as the reference does for AffectNet-7)`);
  return {
    classNames: [...layout.classNames],
    train,
    test,
    layout: layout.kind,
    description: `${layout.title} at ${datasetRoot}: ${train.size} ${train.name} / ${test.size} ${test.name} images, ${layout.classNames.length} classes`,
  };
}
