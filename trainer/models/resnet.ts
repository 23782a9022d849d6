/**
 * ResNet encoders, torchvision layout (v1.5: stride on the 3×3 conv of a
 * bottleneck), without avgpool/fc: forward returns the layer4 feature map
 * after its final ReLU (fra-spec §1.2). State keys equal torchvision's
 * `state_dict` keys (conv1.weight, layer1.0.bn1.running_mean, …).
 */
import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm, Conv2d } from '../nn/layers.js';
import { Module, ModuleList } from '../nn/module.js';
import type { SeedSequence } from '../nn/seed.js';

export type BlockKind = 'basic' | 'bottleneck';

export interface ResNetSpec {
  block: BlockKind;
  layers: readonly [number, number, number, number];
  /** Channels of the stem and of layer1's 3×3 convs (64 in torchvision). */
  baseWidth: number;
}

export const RESNET_ENCODERS = {
  resnet18_encoder: { block: 'basic', layers: [2, 2, 2, 2], baseWidth: 64 },
  resnet34_encoder: { block: 'basic', layers: [3, 4, 6, 3], baseWidth: 64 },
  resnet50_encoder: { block: 'bottleneck', layers: [3, 4, 6, 3], baseWidth: 64 },
  /** ResNet-18 at quarter width (16→128 channels): for tests and CPU demos. */
  resnet18_slim_encoder: { block: 'basic', layers: [2, 2, 2, 2], baseWidth: 16 },
} as const satisfies Record<string, ResNetSpec>;

export type ResNetEncoderName = keyof typeof RESNET_ENCODERS;

export function isResNetEncoderName(name: string): name is ResNetEncoderName {
  return Object.hasOwn(RESNET_ENCODERS, name);
}

const EXPANSION: Record<BlockKind, number> = { basic: 1, bottleneck: 4 };

/** Sequential conv(1×1, stride) → BN, named "0" and "1" as torchvision's downsample. */
class Downsample extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm;
  constructor(inC: number, outC: number, stride: number, seeds: SeedSequence) {
    super();
    this.conv = this.registerModule('0', new Conv2d(inC, outC, 1, seeds, { stride }));
    this.bn = this.registerModule('1', new BatchNorm(outC));
  }
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return this.bn.forward(this.conv.forward(x));
  }
}

interface Block extends Module {
  forward(x: tf.Tensor4D): tf.Tensor4D;
}

class BasicBlock extends Module implements Block {
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm;
  private readonly conv2: Conv2d;
  private readonly bn2: BatchNorm;
  private readonly downsample: Downsample | null;

  constructor(inC: number, width: number, stride: number, seeds: SeedSequence) {
    super();
    this.conv1 = this.registerModule('conv1', new Conv2d(inC, width, 3, seeds, { stride, padding: 1 }));
    this.bn1 = this.registerModule('bn1', new BatchNorm(width));
    this.conv2 = this.registerModule('conv2', new Conv2d(width, width, 3, seeds, { padding: 1 }));
    this.bn2 = this.registerModule('bn2', new BatchNorm(width));
    this.downsample = stride !== 1 || inC !== width ? this.registerModule('downsample', new Downsample(inC, width, stride, seeds)) : null;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const out = this.bn2.forward(this.conv2.forward(tf.relu(this.bn1.forward(this.conv1.forward(x)))));
    const identity = this.downsample ? this.downsample.forward(x) : x;
    return tf.relu(tf.add<tf.Tensor4D>(out, identity));
  }
}

class Bottleneck extends Module implements Block {
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm;
  private readonly conv2: Conv2d;
  private readonly bn2: BatchNorm;
  private readonly conv3: Conv2d;
  private readonly bn3: BatchNorm;
  private readonly downsample: Downsample | null;

  constructor(inC: number, width: number, stride: number, seeds: SeedSequence) {
    super();
    const outC = width * EXPANSION.bottleneck;
    this.conv1 = this.registerModule('conv1', new Conv2d(inC, width, 1, seeds));
    this.bn1 = this.registerModule('bn1', new BatchNorm(width));
    this.conv2 = this.registerModule('conv2', new Conv2d(width, width, 3, seeds, { stride, padding: 1 }));
    this.bn2 = this.registerModule('bn2', new BatchNorm(width));
    this.conv3 = this.registerModule('conv3', new Conv2d(width, outC, 1, seeds));
    this.bn3 = this.registerModule('bn3', new BatchNorm(outC));
    this.downsample = stride !== 1 || inC !== outC ? this.registerModule('downsample', new Downsample(inC, outC, stride, seeds)) : null;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    let out = tf.relu(this.bn1.forward(this.conv1.forward(x)));
    out = tf.relu(this.bn2.forward(this.conv2.forward(out)));
    out = this.bn3.forward(this.conv3.forward(out));
    const identity = this.downsample ? this.downsample.forward(x) : x;
    return tf.relu(tf.add<tf.Tensor4D>(out, identity));
  }
}

export class ResNetEncoder extends Module {
  readonly spec: ResNetSpec;
  /** Channels of the returned feature map (C in fra-spec §1.1: 2048 for R50, 512 for R18/34). */
  readonly outChannels: number;
  private readonly conv1: Conv2d;
  private readonly bn1: BatchNorm;
  private readonly stages: ModuleList<Block>[];

  constructor(spec: ResNetSpec, seeds: SeedSequence) {
    super();
    this.spec = spec;
    const w = spec.baseWidth;
    this.conv1 = this.registerModule('conv1', new Conv2d(3, w, 7, seeds, { stride: 2, padding: 3 }));
    this.bn1 = this.registerModule('bn1', new BatchNorm(w));
    let inC = w;
    this.stages = spec.layers.map((count, stageIndex) => {
      const width = w * 2 ** stageIndex;
      const blocks: Block[] = [];
      for (let b = 0; b < count; b++) {
        const stride = b === 0 && stageIndex > 0 ? 2 : 1;
        blocks.push(spec.block === 'basic' ? new BasicBlock(inC, width, stride, seeds) : new Bottleneck(inC, width, stride, seeds));
        inC = width * EXPANSION[spec.block];
      }
      return this.registerModule(`layer${stageIndex + 1}`, new ModuleList(blocks));
    });
    this.outChannels = inC;
  }

  /** x: [B, H, W, 3] normalised images → [B, H/32, W/32, C]. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    let h = tf.relu(this.bn1.forward(this.conv1.forward(x)));
    // torch MaxPool2d(3, 2, padding=1) pads with −∞; tfjs's numeric pad ignores padded cells, which is the same.
    h = tf.maxPool(h, 3, 2, 1);
    for (const stage of this.stages) for (const block of stage.items) h = block.forward(h);
    return h;
  }
}

export function createResNetEncoder(name: ResNetEncoderName | ResNetSpec, seeds: SeedSequence): ResNetEncoder {
  return new ResNetEncoder(typeof name === 'string' ? RESNET_ENCODERS[name] : name, seeds);
}
