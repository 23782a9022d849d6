/**
 * Back-of-the-envelope arithmetic of an FRA model, from its configuration alone (no tfjs): how
 * many multiply-accumulates one image costs, how many parameters it has, and how many activation
 * values a forward pass produces. Used by run-estimate.ts for "how long will this take" before a
 * run has been measured.
 *
 * Counted: every convolution and linear layer (MACs = the multiply-adds; FLOPs = 2 × MACs).
 * Ignored: batch norm, ReLU, softmax, Sinkhorn and the losses (element-wise, a few % at most).
 * The ResNet layouts mirror trainer/models/resnet.ts RESNET_ENCODERS (a unit test checks them):
 * that module imports tfjs, which the host does not load.
 */

interface ResNetLayout {
  block: 'basic' | 'bottleneck';
  layers: readonly [number, number, number, number];
  baseWidth: number;
}

export const RESNET_LAYOUTS: Readonly<Record<string, ResNetLayout>> = {
  resnet18_encoder: { block: 'basic', layers: [2, 2, 2, 2], baseWidth: 64 },
  resnet34_encoder: { block: 'basic', layers: [3, 4, 6, 3], baseWidth: 64 },
  resnet50_encoder: { block: 'bottleneck', layers: [3, 4, 6, 3], baseWidth: 64 },
  resnet18_slim_encoder: { block: 'basic', layers: [2, 2, 2, 2], baseWidth: 16 },
};

export interface CostTally {
  /** Multiply-accumulates of one forward pass of one image. */
  macs: number;
  params: number;
  /** Output values of every conv/linear layer for one image (what backward must keep). */
  activations: number;
}

export interface BackboneCost extends CostTally {
  /** Channels of the final feature map (C). */
  channels: number;
  /** Side of the final feature map (h = w). */
  featureSize: number;
}

function conv(t: CostTally, inC: number, outC: number, k: number, outSize: number): void {
  t.macs += outSize * outSize * outC * inC * k * k;
  t.params += inC * outC * k * k + 2 * outC; // + batch-norm scale and shift
  t.activations += outSize * outSize * outC;
}

/** Output side of a stride-s convolution with "same"-style padding (what torchvision's ResNet does). */
const strided = (size: number, stride: number): number => Math.ceil(size / stride);

export function backboneCost(backbone: string, imageSize: number): BackboneCost {
  const layout = RESNET_LAYOUTS[backbone];
  if (layout === undefined) throw new RangeError(`unknown backbone ${backbone}`);
  const t: CostTally = { macs: 0, params: 0, activations: 0 };
  let size = strided(imageSize, 2);
  conv(t, 3, layout.baseWidth, 7, size); // stem
  size = strided(size, 2); // max pool
  const expansion = layout.block === 'bottleneck' ? 4 : 1;
  let inC = layout.baseWidth;
  layout.layers.forEach((blocks, stage) => {
    const width = layout.baseWidth * 2 ** stage;
    const outC = width * expansion;
    for (let b = 0; b < blocks; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      const outSize = strided(size, stride);
      if (layout.block === 'basic') {
        conv(t, inC, width, 3, outSize);
        conv(t, width, width, 3, outSize);
      } else {
        conv(t, inC, width, 1, size);
        conv(t, width, width, 3, outSize);
        conv(t, width, outC, 1, outSize);
      }
      if (stride !== 1 || inC !== outC) conv(t, inC, outC, 1, outSize);
      inC = outC;
      size = outSize;
    }
  });
  return { ...t, channels: inC, featureSize: size };
}

export interface FraShape {
  backbone: string;
  imageSize: number;
  hidDim: number;
  projDim: number;
  numProto: number;
  decoderLayers: number;
  decoderFfnDim: number;
}

export interface FraCost {
  /** One online network (backbone + neck): the target network is a copy of it. */
  network: CostTally;
  /** The two predictors (global and region), online side only. */
  predictors: CostTally;
  /** Parameters the optimiser updates (online network + predictors). */
  trainableParams: number;
  /** All parameters held in memory (online, target and predictors). */
  totalParams: number;
}

/** Linear layer on `rows` rows per image. */
function linear(t: CostTally, rows: number, inF: number, outF: number): void {
  t.macs += rows * inF * outF;
  t.params += inF * outF + outF;
  t.activations += rows * outF;
}

/** MlpHead: Linear(in→hidden), BN, ReLU, Linear(hidden→out). */
function mlp(t: CostTally, rows: number, inF: number, hidden: number, outF: number): void {
  linear(t, rows, inF, hidden);
  t.params += 2 * hidden;
  linear(t, rows, hidden, outF);
}

export function fraCost(shape: FraShape): FraCost {
  const b = backboneCost(shape.backbone, shape.imageSize);
  const pixels = b.featureSize * b.featureSize;
  const { hidDim: H, projDim: D, numProto: N, decoderLayers: L, decoderFfnDim: F } = shape;
  const network: CostTally = { macs: b.macs, params: b.params, activations: b.activations };
  mlp(network, 1, b.channels, H, D); // proj: pooled feature → global embedding
  mlp(network, pixels, b.channels, H, D); // proj_pixel: every pixel of the map
  mlp(network, N, b.channels, H, D); // proj_obj: the N region-pooled features
  linear(network, pixels, b.channels, D); // decoder input projection (1×1 conv)
  for (let layer = 0; layer < L; layer++) {
    // Self-attention over the N queries, cross-attention from them to the pixels: q/k/v/out projections.
    linear(network, N, D, 3 * D);
    linear(network, N, D, D);
    linear(network, N, D, D);
    linear(network, pixels, D, 2 * D);
    linear(network, N, D, D);
    network.macs += 2 * N * pixels * D + 2 * N * N * D; // attention scores and weighted sums
    linear(network, N, D, F);
    linear(network, N, F, D);
  }
  mlp(network, N, D, D, D); // mask-embedding MLP (MaskFormer, 3 layers; close enough as one)
  const predictors: CostTally = { macs: 0, params: 0, activations: 0 };
  mlp(predictors, 1, D, H, D);
  mlp(predictors, N, D, H, D);
  return {
    network,
    predictors,
    trainableParams: network.params + predictors.params,
    totalParams: 2 * network.params + predictors.params,
  };
}

/**
 * FLOPs of one training step per image pair (fra-spec §2.6): the online network and the
 * predictors run forward and backward (backward ≈ 2 × forward) on both views, the target network
 * forward only on both views.
 */
export function fraStepFlopsPerImage(cost: FraCost): number {
  const online = cost.network.macs + cost.predictors.macs;
  return 2 * (2 * 3 * online + 2 * cost.network.macs);
}

/** Activation values kept for backward per image pair: the online side, one view at a time (train-step.ts). */
export function fraActivationsPerImage(cost: FraCost): number {
  return cost.network.activations + cost.predictors.activations;
}
