/**
 * `runs.estimate`: how long a pre-training step and epoch will take and how much memory the
 * trainer will need, with the basis of the numbers spelled out.
 *
 * 1. Measured, when a previous run in this workspace trained the same backbone at the same image
 *    size, batch size and MLP width on the same backend: the median of its logged secondsPerStep
 *    (robust to the slow first step and to pauses) and its peak resident memory.
 * 2. Otherwise a rough analytic estimate: the step's FLOPs (model-cost.ts) divided by a
 *    per-backend training throughput, and memory from the parameter count and activation size.
 *    The throughput constants below come from measurements of the full FRA step, each cited; a
 *    rough estimate is labelled as such and is good to about a factor of two.
 *
 * Steps per epoch follow the loader's rule (full batches only, trainer/data/loader/epoch-order.ts)
 * from the dataset size: synthetic and random have fixed sizes; an image folder's size comes from
 * its index when the trainer has one (the same cache folder the trainer would open), else null.
 */
import { realpath } from 'node:fs/promises';
import type { PretrainConfig } from '../../../trainer/contract/run-config.js';
import { openExistingDatasetIndex } from '../../../trainer/data/training-data.js';
import { readMetrics } from '../../../trainer/run/metrics-log.js';
import type { RunEstimate } from '../../contract/runs-api.js';
import type { EngineBackend } from './engine-probe.js';
import { fraActivationsPerImage, fraCost, fraStepFlopsPerImage, type FraShape } from './model-cost.js';
import type { RunStore } from './run-store.js';

/** trainer/data/random-pairs.ts RANDOM_DATASET_SIZE (that module imports tfjs; a unit test keeps them equal). */
export const RANDOM_DATASET_IMAGES = 2048;
/** trainer/data/synthetic SYNTHETIC_DEFAULT_COUNT (a unit test keeps them equal). */
export const SYNTHETIC_DATASET_IMAGES = 10_000;

/**
 * The shape every throughput constant is quoted at: bench:fra's default model (bench/fra.bench.ts:
 * FRAB, ResNet-18 encoder, 112 px, N 8, D 256, hidden 4096, 2 decoder layers).
 */
const REFERENCE_SHAPE: FraShape = { backbone: 'resnet18_encoder', imageSize: 112, hidDim: 4096, projDim: 256, numProto: 8, decoderLayers: 2, decoderFfnDim: 256 };
const REFERENCE_STEP_FLOPS_PER_IMAGE = fraStepFlopsPerImage(fraCost(REFERENCE_SHAPE));

/**
 * Training throughput of the full FRA step per backend, as images (view pairs) per second at
 * REFERENCE_SHAPE, with the phrase the estimate shows. Sources:
 * - wasm: bench:fra on the 2-core development machine (one wasm thread): ≈2.5 images/s.
 * - node: no tfjs-node measurement yet; an independent PyTorch CPU implementation of the same step
 *   on that machine ran 4.6 images/s (/work/shared/docs/platform.md, "Measured speeds"), and
 *   libtensorflow's CPU kernels are of the same class (oneDNN/Eigen).
 * - cpu: about 60× slower than wasm for training (trainer/engine/backends.ts).
 * - node-gpu: no CUDA GPU has trained FRA in this project; ~2 TFLOP/s effective fp32 is an
 *   assumption (a mid-range GPU at a modest fraction of its peak under libtensorflow 2.9).
 */
const THROUGHPUT: Record<EngineBackend, { imagesPerSecond: number; source: string }> = {
  wasm: { imagesPerSecond: 2.5, source: 'the measured wasm speed of the FRA step (≈2.5 images/s for ResNet-18 at 112 px on a 2-core machine)' },
  node: { imagesPerSecond: 4.6, source: 'a CPU speed measured with PyTorch on a 2-core machine (4.6 images/s for ResNet-18 at 112 px); native TensorFlow has not been measured yet' },
  cpu: { imagesPerSecond: 2.5 / 60, source: 'the pure-JavaScript backend being about 60× slower than wasm' },
  'node-gpu': { imagesPerSecond: 2e12 / REFERENCE_STEP_FLOPS_PER_IMAGE, source: 'an assumed 2 TFLOP/s on a CUDA GPU (no GPU has been measured yet)' },
};

/**
 * Time per step that does not shrink with the model: hundreds of small ops (four forwards,
 * backward, LARS and EMA over every tensor), each with dispatch overhead. wasm: the tiny test
 * model (slim ResNet-18, 32 px, batch 4, hidden 32: 0.18 GFLOP per step) takes ≈0.2 s/step on the
 * 2-core development machine (fastest of 40 steps), almost all of it overhead. The others are
 * assumptions of the same order (native kernels dispatch faster; pure JS does not).
 */
const SECONDS_PER_STEP_OVERHEAD: Record<EngineBackend, number> = { wasm: 0.2, cpu: 0.2, node: 0.1, 'node-gpu': 0.05 };

/**
 * Memory: a trainer process at rest (Node, tfjs, the wasm module), bytes per parameter held
 * (online + target weights, gradients and LARS momentum of the trainable ones, as counted in
 * memoryBytes below), and bytes per activation value kept for backward — calibrated on bench:fra,
 * where going from batch 16 to 32 at REFERENCE_SHAPE grew the wasm heap from ≈2.7 to ≈4 GiB,
 * i.e. ≈81 MiB per image.
 */
const PROCESS_BASE_BYTES = 300 * 2 ** 20;
const BYTES_PER_FLOAT = 4;
const REFERENCE_ACTIVATION_BYTES_PER_IMAGE = 81 * 2 ** 20;
const BYTES_PER_ACTIVATION = REFERENCE_ACTIVATION_BYTES_PER_IMAGE / fraActivationsPerImage(fraCost(REFERENCE_SHAPE));

/** wasm32 addresses at most 4 GiB; the trainer fails past it. */
const WASM_MEMORY_LIMIT_BYTES = 4 * 2 ** 30;

/** Measured steps read from a previous run (the first ones are enough for a median). */
const MEASURED_STEPS_READ = 5000;

export interface EstimateContext {
  store: RunStore;
  workspace: string;
  /** The backend `auto` means here (engine-probe.ts). */
  autoBackend(): Promise<EngineBackend>;
  /** The backend a previous run really trained on (its engine report), when known. */
  backendOfRun(runId: string): Promise<string | undefined>;
  /** Validates a stored configuration; undefined when it is not a valid pre-training config. */
  pretrainConfigOf(config: unknown): PretrainConfig | undefined;
  env?: NodeJS.ProcessEnv;
}

export async function estimatePretrainRun(config: PretrainConfig, context: EstimateContext): Promise<RunEstimate> {
  const backend: EngineBackend = config.backend === 'auto' ? await context.autoBackend() : config.backend;
  const stepsPerEpoch = await stepsPerEpochOf(config, context);
  const measured = await measuredByEarlierRun(config, backend, context);
  let secondsPerStep: number;
  let memoryBytes: number | null;
  let basis: string;
  if (measured !== undefined) {
    secondsPerStep = measured.secondsPerStep;
    memoryBytes = measured.peakRssBytes;
    basis =
      `Measured: median of ${measured.steps} steps of run "${measured.name}" on ${backend} ` +
      `(same backbone, image size, batch size and MLP width)${measured.peakRssBytes === null ? '' : '; memory is its peak'}.`;
  } else {
    const cost = fraCost(config);
    const throughput = THROUGHPUT[backend];
    const flopsPerSecond = throughput.imagesPerSecond * REFERENCE_STEP_FLOPS_PER_IMAGE;
    const stepFlops = fraStepFlopsPerImage(cost) * config.batchSize;
    secondsPerStep = SECONDS_PER_STEP_OVERHEAD[backend] + stepFlops / flopsPerSecond;
    const parameterBytes = BYTES_PER_FLOAT * (cost.totalParams + 2 * cost.trainableParams);
    memoryBytes = Math.round(PROCESS_BASE_BYTES + parameterBytes + config.batchSize * fraActivationsPerImage(cost) * BYTES_PER_ACTIVATION);
    basis =
      `Rough estimate (no earlier run to compare with): ${formatFlops(stepFlops)} per step at ${formatFlops(flopsPerSecond)}/s on ${backend}, ` +
      `from ${throughput.source}, plus ≈${SECONDS_PER_STEP_OVERHEAD[backend]} s of per-step overhead; memory for ${formatCount(cost.totalParams)} parameters ` +
      `and the activations, scaled from wasm measurements. Expect up to 2× either way; the first steps of a run measure it.`;
  }
  return completeEstimate({ secondsPerStep, stepsPerEpoch, epochs: config.epochs, maxSteps: config.maxSteps, memoryBytes, basis, backend });
}

/**
 * The estimate both run kinds answer, from a time per step and the run's length: per-epoch and
 * total figures, and the WebAssembly memory warning where it applies.
 */
export function completeEstimate(parts: {
  secondsPerStep: number;
  stepsPerEpoch: number | null;
  epochs: number;
  maxSteps: number | undefined;
  memoryBytes: number | null;
  basis: string;
  backend: EngineBackend;
}): RunEstimate {
  const { secondsPerStep, stepsPerEpoch, memoryBytes, backend, maxSteps } = parts;
  let basis = parts.basis;
  if (backend === 'wasm' && memoryBytes !== null && memoryBytes > WASM_MEMORY_LIMIT_BYTES) {
    basis += ` This is more than the 4 GB WebAssembly memory limit: lower the batch size or image size, or use a native backend.`;
  }
  const planned = stepsPerEpoch === null ? null : stepsPerEpoch * parts.epochs;
  const totalSteps = planned === null ? (maxSteps ?? null) : Math.min(planned, maxSteps ?? planned);
  return {
    secondsPerStep,
    stepsPerEpoch,
    secondsPerEpoch: stepsPerEpoch === null ? null : stepsPerEpoch * secondsPerStep,
    memoryBytes,
    basis,
    totalSteps,
    totalSeconds: totalSteps === null ? null : totalSteps * secondsPerStep,
  };
}

// ---------------------------------------------------------------------------

async function stepsPerEpochOf(config: PretrainConfig, context: EstimateContext): Promise<number | null> {
  const images = await datasetImages(config, context);
  if (images === null) return null;
  // Full batches only (drop_last), from the random subset of trainPercent.
  return Math.floor(Math.floor(images * config.trainPercent) / config.batchSize);
}

async function datasetImages(config: PretrainConfig, context: EstimateContext): Promise<number | null> {
  switch (config.dataset) {
    case 'random':
      return RANDOM_DATASET_IMAGES;
    case 'synthetic':
      return SYNTHETIC_DATASET_IMAGES;
    case 'vggface2':
    case 'image_folder': {
      if (config.dataRoot.trim() === '') return null;
      let root: string;
      try {
        root = await realpath(config.dataRoot);
      } catch {
        return null;
      }
      // The index the run itself would use (the Datasets view's, or the trainer's own from an earlier run).
      const existing = await openExistingDatasetIndex(root, context.env ?? process.env);
      if (existing === null) return null;
      const { statistics, layout } = existing.index.summary;
      // Pre-training reads the train split where the layout has one (trainer/data/training-data.ts).
      return layout.splits.includes('train') ? (statistics.splits['train']?.usable ?? 0) : statistics.overall.usable;
    }
  }
}

interface Measured {
  name: string;
  steps: number;
  secondsPerStep: number;
  peakRssBytes: number | null;
}

async function measuredByEarlierRun(config: PretrainConfig, backend: EngineBackend, context: EstimateContext): Promise<Measured | undefined> {
  const listings = await context.store.listRuns();
  for (const listing of listings) {
    if (listing.status !== 'ok' || listing.manifest.kind !== 'pretrain') continue;
    const other = context.pretrainConfigOf(listing.manifest.config);
    if (other === undefined) continue;
    if (other.backbone !== config.backbone || other.imageSize !== config.imageSize || other.batchSize !== config.batchSize || other.hidDim !== config.hidDim) continue;
    const ranOn = (await context.backendOfRun(listing.id)) ?? (other.backend !== 'auto' ? other.backend : undefined);
    if (ranOn !== backend) continue;
    const sample = await sampleSteps(listing.dir);
    if (sample === undefined) continue;
    return { name: listing.manifest.name, ...sample };
  }
  return undefined;
}

async function sampleSteps(runDir: string): Promise<Omit<Measured, 'name'> | undefined> {
  const seconds: number[] = [];
  let peak: number | null = null;
  try {
    outer: for await (const batch of readMetrics(runDir).batches()) {
      for (const record of batch) {
        if (typeof record.secondsPerStep === 'number' && record.secondsPerStep > 0) seconds.push(record.secondsPerStep);
        if (typeof record.rssBytes === 'number') peak = Math.max(peak ?? 0, record.rssBytes);
        if (seconds.length >= MEASURED_STEPS_READ) break outer;
      }
    }
  } catch {
    return undefined;
  }
  // The first step includes one-off set-up (kernel compilation, loader start): left out when there are others.
  if (seconds.length > 1) seconds.shift();
  if (seconds.length === 0) return undefined;
  return { steps: seconds.length, secondsPerStep: median(seconds), peakRssBytes: peak };
}

/**
 * The rough training speed of `backend` as FLOP/s, with the phrase that says where it comes from
 * and the per-step overhead: what a kind without a measured run of its own (fine-tuning) scales by.
 */
export function roughTrainingSpeed(backend: EngineBackend): { flopsPerSecond: number; source: string; overheadSeconds: number } {
  const throughput = THROUGHPUT[backend];
  return { flopsPerSecond: throughput.imagesPerSecond * REFERENCE_STEP_FLOPS_PER_IMAGE, source: throughput.source, overheadSeconds: SECONDS_PER_STEP_OVERHEAD[backend] };
}

/** Bytes of a trainer process at rest, per float, per activation value kept for backward (see above). */
export const MEMORY_MODEL = { processBaseBytes: PROCESS_BASE_BYTES, bytesPerFloat: BYTES_PER_FLOAT, bytesPerActivation: BYTES_PER_ACTIVATION } as const;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function formatFlops(flops: number): string {
  const units: [number, string][] = [
    [1e15, 'PFLOP'],
    [1e12, 'TFLOP'],
    [1e9, 'GFLOP'],
    [1e6, 'MFLOP'],
  ];
  for (const [scale, unit] of units) if (flops >= scale) return `${Number((flops / scale).toPrecision(3))} ${unit}`;
  return `${Math.round(flops)} FLOP`;
}

function formatCount(n: number): string {
  return n >= 1e6 ? `${Number((n / 1e6).toPrecision(3))}M` : n >= 1e3 ? `${Number((n / 1e3).toPrecision(3))}k` : String(n);
}
