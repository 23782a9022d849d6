/**
 * PyTorch layout conversion and state-dict loading (fra-spec §6.4): per-element index
 * mapping of each layout, prefix handling, strict/non-strict reports, errors that name
 * the key and shapes, atomicity of a failed load, and an export → safetensors → load trip.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../helpers/engine.js';
import { readSafetensors, writeSafetensors } from '../../../trainer/io/safetensors.js';
import { safetensorsToTensors, tensorsToSafetensors } from '../../../trainer/io/safetensors-tf.js';
import { exportTorchStateDict, fromTorchLayout, loadTorchStateDict, toTorchLayout, torchShapeOf } from '../../../trainer/io/torch-layout.js';
import { BatchNorm, Conv2d, Linear } from '../../../trainer/nn/layers.js';
import { Module } from '../../../trainer/nn/module.js';
import { SeedSequence } from '../../../trainer/nn/seed.js';
import { standardNormal } from '../../../trainer/nn/init.js';

/** One entry of every layout: conv2d, same (bias, BN), linear (square, so only the declared layout can get it right), conv1d. */
class Probe extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm;
  readonly head: Linear;
  readonly proj: tf.Variable;
  constructor(seed: number) {
    super();
    const seeds = new SeedSequence(seed);
    this.conv = this.registerModule('conv', new Conv2d(2, 3, 3, seeds, { bias: true }));
    this.bn = this.registerModule('bn', new BatchNorm(3));
    this.head = this.registerModule('head', new Linear(3, 3, seeds));
    this.proj = this.registerParameter('proj', standardNormal([3, 5], seeds), 'conv1d');
  }
}

const PROBE_TORCH_SHAPES: Record<string, number[]> = {
  'conv.weight': [3, 2, 3, 3],
  'conv.bias': [3],
  'bn.weight': [3],
  'bn.bias': [3],
  'bn.running_mean': [3],
  'bn.running_var': [3],
  'bn.num_batches_tracked': [],
  'head.weight': [3, 3],
  'head.bias': [3],
  proj: [5, 3, 1],
};

function values(module: Module): Record<string, number[]> {
  return Object.fromEntries(module.stateEntries().map((e) => [e.name, Array.from(e.variable.dataSync())]));
}

/** A torch-layout state dict with distinct, recognisable values (not a Probe's own). */
function torchStateDict(prefix = ''): Map<string, tf.Tensor> {
  let offset = 0;
  return new Map(
    Object.entries(PROBE_TORCH_SHAPES).map(([name, shape]) => {
      const size = shape.reduce((n, d) => n * d, 1);
      const t = name.endsWith('num_batches_tracked') ? tf.scalar(41, 'int32') : tf.reshape(tf.add(tf.range(0, size), offset), shape);
      offset += 1000;
      return [prefix + name, t];
    }),
  );
}

describe('fromTorchLayout / toTorchLayout', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('conv2d: torch w[o, i, y, x] is our w[y, x, i, o]', () => {
    const torch = tf.reshape(tf.range(0, 2 * 3 * 4 * 5), [2, 3, 4, 5]); // (O, I, kh, kw)
    const ours = fromTorchLayout('conv2d', torch);
    assert.deepEqual(ours.shape, [4, 5, 3, 2]);
    const t = torch.arraySync() as number[][][][];
    const o = ours.arraySync() as number[][][][];
    for (let oc = 0; oc < 2; oc++) for (let ic = 0; ic < 3; ic++) for (let y = 0; y < 4; y++) for (let x = 0; x < 5; x++) {
      assert.equal(o[y]![x]![ic]![oc], t[oc]![ic]![y]![x]);
    }
    assert.deepEqual(toTorchLayout('conv2d', ours).arraySync(), t);
  });

  it('linear: (O, I) ↔ (I, O); conv1d: (O, I, 1) ↔ (I, O); same: a copy', () => {
    const linear = tf.tensor2d([[1, 2, 3], [4, 5, 6]]); // (O=2, I=3)
    assert.deepEqual(fromTorchLayout('linear', linear).arraySync(), [[1, 4], [2, 5], [3, 6]]);
    assert.deepEqual(toTorchLayout('linear', fromTorchLayout('linear', linear)).arraySync(), linear.arraySync());

    const conv1d = tf.tensor3d([[[1], [2], [3]], [[4], [5], [6]]]); // (O=2, I=3, 1)
    assert.deepEqual(fromTorchLayout('conv1d', conv1d).arraySync(), [[1, 4], [2, 5], [3, 6]]);
    assert.deepEqual(toTorchLayout('conv1d', fromTorchLayout('conv1d', conv1d)).arraySync(), conv1d.arraySync());

    const same = fromTorchLayout('same', linear);
    assert.notEqual(same, linear);
    assert.deepEqual(same.arraySync(), linear.arraySync());
  });

  it('rejects tensors of the wrong rank for their layout', () => {
    assert.throws(() => fromTorchLayout('conv2d', tf.zeros([3, 3])), /conv2d tensor must be \(O, I, kh, kw\) in torch layout, got shape \[3, 3\]/);
    assert.throws(() => fromTorchLayout('conv1d', tf.zeros([4, 3, 2])), /conv1d tensor must be \(O, I, 1\)/);
    assert.throws(() => toTorchLayout('linear', tf.zeros([4])), /linear tensor must be \(I, O\), got shape \[4\]/);
  });

  it('torchShapeOf gives the torch shape of each Probe entry', () => {
    const probe = new Probe(1);
    for (const e of probe.stateEntries()) assert.deepEqual(torchShapeOf(e.torchLayout, e.variable.shape), PROBE_TORCH_SHAPES[e.name], e.name);
    probe.dispose();
  });
});

describe('loadTorchStateDict', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('converts every entry by its declared layout (square Linear included) and strips the prefix', () => {
    const probe = new Probe(1);
    const dict = torchStateDict('module.online_net.backbone.');
    dict.set('module.target_net.backbone.conv.weight', tf.zeros([1]));
    dict.set('epoch', tf.scalar(3));
    const report = loadTorchStateDict(probe, dict, { prefix: 'module.online_net.backbone.', strict: true });
    assert.deepEqual(report, { missing: [], unexpected: [], ignored: ['module.target_net.backbone.conv.weight', 'epoch'] });
    for (const e of probe.stateEntries()) {
      const expected = fromTorchLayout(e.torchLayout, dict.get(`module.online_net.backbone.${e.name}`)!);
      assert.deepEqual(e.variable.arraySync(), expected.arraySync(), e.name);
      assert.equal(e.variable.dtype, e.name.endsWith('num_batches_tracked') ? 'int32' : 'float32');
    }
    assert.deepEqual(probe.head.weight.arraySync(), [[7000, 7003, 7006], [7001, 7004, 7007], [7002, 7005, 7008]]);
    probe.dispose();
  });

  it('casts a float num_batches_tracked to our int32 buffer', () => {
    const probe = new Probe(1);
    const dict = torchStateDict();
    dict.set('bn.num_batches_tracked', tf.scalar(12));
    loadTorchStateDict(probe, dict, { strict: true });
    assert.equal(probe.bn.numBatchesTracked.dtype, 'int32');
    assert.equal(probe.bn.numBatchesTracked.arraySync(), 12);
    probe.dispose();
  });

  it('reports missing and unexpected keys; strict turns them into an error that lists them', () => {
    const probe = new Probe(1);
    const dict = torchStateDict();
    dict.delete('bn.running_var');
    dict.set('fc.weight', tf.zeros([2, 3]));
    const snapshot = values(probe);
    assert.throws(() => loadTorchStateDict(probe, dict, { strict: true }), (error: Error) => {
      assert.match(error.message, /missing: bn\.running_var/);
      assert.match(error.message, /unexpected: fc\.weight/);
      return true;
    });
    assert.deepEqual(values(probe), snapshot, 'a failed load writes nothing');

    const report = loadTorchStateDict(probe, dict);
    assert.deepEqual(report, { missing: ['bn.running_var'], unexpected: ['fc.weight'], ignored: [] });
    assert.deepEqual(Array.from(probe.bn.runningVar.dataSync()), [1, 1, 1], 'a missing entry keeps its value');
    assert.equal(probe.bn.runningMean.dataSync()[0], 4000);
    probe.dispose();
  });

  it('names the key and both shapes when a tensor does not fit, and writes nothing', () => {
    const probe = new Probe(1);
    const dict = torchStateDict('model.');
    dict.set('model.conv.weight', tf.zeros([3, 2, 5, 5]));
    dict.set('model.proj', tf.zeros([5, 3]));
    const snapshot = values(probe);
    assert.throws(() => loadTorchStateDict(probe, dict, { prefix: 'model.' }), (error: Error) => {
      assert.match(error.message, /model\.conv\.weight: torch shape \[3, 2, 5, 5\] does not fit, expected \[3, 2, 3, 3\] \(conv2d layout of our \[3, 3, 2, 3\]\)/);
      assert.match(error.message, /model\.proj: torch shape \[5, 3\] does not fit, expected \[5, 3, 1\]/);
      return true;
    });
    assert.deepEqual(values(probe), snapshot);
    probe.dispose();
  });

  it('export → safetensors bytes → load reproduces the module exactly', () => {
    const source = new Probe(7);
    source.bn.numBatchesTracked.assign(tf.scalar(5, 'int32'));
    const exported = exportTorchStateDict(source);
    assert.deepEqual(
      Object.fromEntries([...exported].map(([k, t]) => [k, t.shape])),
      PROBE_TORCH_SHAPES,
    );
    const bytes = writeSafetensors(tensorsToSafetensors(exported), { format: 'pt' });
    const loaded = safetensorsToTensors(readSafetensors(bytes).tensors);
    const target = new Probe(8);
    assert.notDeepEqual(values(target), values(source));
    loadTorchStateDict(target, loaded, { strict: true });
    assert.deepEqual(values(target), values(source));
    tf.dispose([...exported.values(), ...loaded.values()]);
    source.dispose();
    target.dispose();
  });
});
