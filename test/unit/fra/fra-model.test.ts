/**
 * FraModel (fra-spec §1.6, §4, §6.1, §9.9): parameter counts and state keys of the full-size FRAB
 * (constructed, never run), the LARS split of its trainable tensors, the target's initial copy,
 * the EMA of `updateTarget` for FRAB (parameters only) and FRAB_EMAN (whole state), and the
 * train/eval mode of the target network.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../helpers/engine.js';
import { FraModel, type FraArch, type FraModelOptions } from '../../../trainer/fra/fra-model.js';
import { isExcludedFromLarsAdaptation } from '../../../trainer/fra/lars.js';
import type { NamedTensor } from '../../../trainer/nn/module.js';

// ---------------------------------------------------------------------------------------------
// helpers

/** The README configuration (fra-spec §1, §5.1): ResNet-50, D 256, Hd 4096, N 8, 2×8-head decoder. */
const FULL: FraModelOptions = {
  arch: 'FRAB',
  backbone: 'resnet50_encoder',
  projDim: 256,
  hidDim: 4096,
  numProto: 8,
  heatmapTemperature: 1,
  protoMomentum: 0.9,
  decoderLayers: 2,
  decoderHeads: 8,
  decoderFfnDim: 256,
  decoderDropout: 0.1,
  seed: 23456,
};

function tinyModel(arch: FraArch, overrides: Partial<FraModelOptions> = {}): FraModel {
  return new FraModel({
    ...FULL,
    arch,
    backbone: 'resnet18_slim_encoder',
    projDim: 16,
    hidDim: 32,
    numProto: 4,
    decoderHeads: 2,
    decoderFfnDim: 16,
    seed: 5,
    ...overrides,
  });
}

function byName(entries: readonly NamedTensor[]): Map<string, tf.Variable> {
  return new Map(entries.map((e) => [e.name, e.variable]));
}

function sameBytes(a: tf.Tensor, b: tf.Tensor): boolean {
  const x = a.dataSync();
  const y = b.dataSync();
  return a.dtype === b.dtype && Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

/** Moves every float tensor of `entries` away from its value (as training would), deterministically. */
function perturb(entries: readonly NamedTensor[], seed: number): void {
  entries.forEach((e, i) => {
    if (e.variable.dtype !== 'float32') return;
    tf.tidy(() => e.variable.assign(tf.add(e.variable, tf.randomNormal(e.variable.shape, 0, 0.5, 'float32', seed + i))));
  });
}

function snapshot(entries: readonly NamedTensor[]): Map<string, Float32Array | Int32Array> {
  return new Map(entries.map((e) => [e.name, e.variable.dataSync().slice() as Float32Array | Int32Array]));
}

/** m·t + (1 − m)·o in float32 arithmetic, as tfjs computes it (each op rounds to float32). */
function emaFloat32(t: ArrayLike<number>, o: ArrayLike<number>, m: number): Float32Array {
  const a = Math.fround(m);
  const b = Math.fround(1 - m);
  return Float32Array.from({ length: t.length }, (_, i) => Math.fround(Math.fround(t[i]! * a) + Math.fround(o[i]! * b)));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function images(seed: number): tf.Tensor4D {
  return tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
}

// ---------------------------------------------------------------------------------------------

describe('FRAB at full size (constructed, not run)', () => {
  let model: FraModel;

  before(async () => {
    await useBackend('cpu');
    model = new FraModel(FULL);
  });
  after(() => model.dispose());

  it('has the reference parameter counts (§1.6)', () => {
    assert.equal(model.online.countParameters(), 53_887_552);
    assert.equal(model.target.countParameters(), 53_887_552);
    assert.equal(model.predictor.countParameters(), 2_105_344);
    assert.equal(model.predictorObj.countParameters(), 2_105_344);
    const trainable = model.trainableParameters();
    assert.equal(
      trainable.reduce((n, p) => n + p.variable.size, 0),
      58_098_240,
    );
  });

  it('trains the online net and both predictors only: 226 tensors, 134 excluded from LARS and 92 adapted (§4)', () => {
    const trainable = model.trainableParameters();
    assert.equal(trainable.length, 226);
    assert.equal(new Set(trainable.map((p) => p.name)).size, 226, 'names are unique');
    assert.ok(trainable.every((p) => /^(online_net|predictor|predictor_obj)\./.test(p.name)), 'no target or buffer tensor');
    assert.ok(trainable.every((p) => p.variable.trainable && p.variable.dtype === 'float32'));
    const excluded = trainable.filter((p) => isExcludedFromLarsAdaptation(p.name)).map((p) => p.name);
    const adapted = trainable.filter((p) => !isExcludedFromLarsAdaptation(p.name)).map((p) => p.name);
    assert.equal(excluded.length, 134);
    assert.equal(adapted.length, 92);
    for (const name of [
      'online_net.backbone.bn1.weight',
      'online_net.backbone.layer1.0.downsample.1.weight',
      'online_net.backbone.layer4.2.bn3.bias',
      'online_net.neck.proj.mlp.1.bias',
      'online_net.neck.proj_attn.input_proj.bias',
      'online_net.neck.proj_attn.transformer.decoder.layers.1.self_attn.in_proj_bias',
    ]) {
      assert.ok(excluded.includes(name), `${name} is excluded`);
    }
    // §4, §9.12: head BN γ, decoder LayerNorm γ, query_embed and input_proj DO get LARS + wd.
    for (const name of [
      'online_net.backbone.conv1.weight',
      'online_net.backbone.layer1.0.downsample.0.weight',
      'online_net.neck.proj.mlp.1.weight',
      'predictor_obj.mlp.1.weight',
      'online_net.neck.proj_attn.transformer.decoder.layers.0.norm1.weight',
      'online_net.neck.proj_attn.transformer.decoder.norm.weight',
      'online_net.neck.proj_attn.query_embed.weight',
      'online_net.neck.proj_attn.input_proj.weight',
      'online_net.neck.proj_attn.mask_embed.layers.2.weight',
    ]) {
      assert.ok(adapted.includes(name), `${name} is LARS-adapted`);
    }
  });

  it('has the reference state keys without `module.` (§6.1)', () => {
    const entries = model.stateEntries();
    const names = entries.map((e) => e.name);
    assert.equal(new Set(names).size, names.length, 'keys are unique');
    assert.ok(names.every((n) => /^(online_net\.|target_net\.|predictor\.|predictor_obj\.|center$)/.test(n)), 'only the five reference groups');
    assert.equal(names.filter((n) => n.startsWith('online_net.backbone.')).length, 318);
    assert.equal(names.filter((n) => n.startsWith('online_net.neck.')).length, 69);
    assert.equal(names.filter((n) => n.startsWith('predictor.mlp.')).length, 7);
    assert.equal(names.filter((n) => n.startsWith('predictor_obj.mlp.')).length, 7);
    assert.equal(names.length, 1 + 2 * (318 + 69) + 2 * 7);
    // target_net mirrors online_net key for key and shape.
    const online = entries.filter((e) => e.name.startsWith('online_net.'));
    const target = byName(entries.filter((e) => e.name.startsWith('target_net.')));
    assert.equal(target.size, online.length);
    for (const e of online) {
      const mirror = target.get(e.name.replace(/^online_net\./, 'target_net.'));
      assert.ok(mirror, `target mirror of ${e.name}`);
      assert.deepEqual(mirror.shape, e.variable.shape, e.name);
    }

    const state = byName(entries);
    const spot: Array<[string, number[]]> = [
      ['online_net.backbone.conv1.weight', [7, 7, 3, 64]],
      ['online_net.backbone.layer4.2.bn3.running_var', [2048]],
      ['online_net.backbone.layer4.2.bn3.num_batches_tracked', []],
      ['online_net.neck.proto', [8, 256]],
      ['online_net.neck.proj_pixel.mlp.0.weight', [2048, 4096]],
      ['online_net.neck.proj_obj.mlp.1.running_mean', [4096]],
      ['online_net.neck.proj_attn.query_embed.weight', [8, 256]],
      ['online_net.neck.proj_attn.input_proj.weight', [1, 1, 2048, 256]],
      ['online_net.neck.proj_attn.transformer.decoder.layers.1.multihead_attn.in_proj_weight', [256, 768]],
      ['online_net.neck.proj_attn.transformer.decoder.norm.bias', [256]],
      ['online_net.neck.proj_attn.mask_embed.layers.2.weight', [256, 256]],
      ['target_net.backbone.layer4.2.bn3.running_var', [2048]],
      ['target_net.neck.proto', [8, 256]],
      ['predictor.mlp.0.weight', [256, 4096]],
      ['predictor_obj.mlp.3.weight', [4096, 256]],
      ['center', [1, 8]],
    ];
    for (const [name, shape] of spot) {
      const v = state.get(name);
      assert.ok(v, `missing ${name}`);
      assert.deepEqual(v.shape, shape, name);
    }
    assert.equal(state.get('online_net.backbone.layer4.2.bn3.num_batches_tracked')!.dtype, 'int32');
    assert.ok(Array.from(state.get('center')!.dataSync()).every((v) => v === 0), 'center is the zero buffer');
  });

  it('starts the target as a copy of the online parameters, not of its buffers (§1.6)', () => {
    const online = model.online.namedParameters();
    const target = byName(model.target.namedParameters());
    assert.equal(online.length, target.size);
    for (const o of online) {
      const t = target.get(o.name)!;
      assert.notEqual(t, o.variable, `${o.name}: separate variables`);
      assert.ok(sameBytes(t, o.variable), `${o.name}: target starts equal to online`);
      assert.equal(t.trainable, true, 'still a parameter (the optimiser just never sees it)');
    }
    // proto is randn, drawn independently for each network.
    assert.equal(sameBytes(model.online.neck.proto, model.target.neck.proto), false, 'proto buffers are independent draws');
  });
});

describe('FraModel target network (tiny)', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('FRAB: updateTarget(m) is exactly m·t + (1 − m)·o on parameters and leaves buffers alone', () => {
    const model = tinyModel('FRAB');
    try {
      // Diverge the online state (parameters AND buffers) from the target, as training would.
      perturb(model.online.stateEntries(), 100);
      const o = snapshot(model.online.stateEntries());
      const tBefore = snapshot(model.target.stateEntries());
      const parameterNames = new Set(model.online.namedParameters().map((p) => p.name));
      const bufferNames = model.online.namedBuffers().map((b) => b.name);
      assert.ok(bufferNames.includes('neck.proto') && bufferNames.includes('backbone.bn1.running_mean'));

      const m = 0.996;
      model.updateTarget(m);
      const tAfter = byName(model.target.stateEntries());
      for (const [name, after] of tAfter) {
        if (parameterNames.has(name)) {
          const expected = emaFloat32(tBefore.get(name)!, o.get(name)!, m);
          assert.equal(maxAbsDiff(after.dataSync(), expected), 0, `${name}: m·t + (1−m)·o`);
        } else {
          assert.deepEqual(after.dataSync(), tBefore.get(name), `${name}: FRAB leaves target buffers untouched`);
        }
      }
      // A second update moves further towards the online net: ‖t − o‖ shrinks by exactly the factor m.
      const gap = (name: string) => maxAbsDiff(tAfter.get(name)!.dataSync(), o.get(name)!);
      const before = gap('neck.proj_attn.query_embed.weight');
      model.updateTarget(0.5);
      assert.ok(Math.abs(gap('neck.proj_attn.query_embed.weight') - 0.5 * before) <= 1e-6 * before);
    } finally {
      model.dispose();
    }
  });

  it('FRAB_EMAN: updateTarget(m) averages the whole state and copies num_batches_tracked', () => {
    const model = tinyModel('FRAB_EMAN');
    try {
      perturb(model.online.stateEntries(), 200);
      // num_batches_tracked is an int32 counter: give the online one a distinct value.
      const counters = model.online.namedBuffers().filter((b) => b.variable.dtype === 'int32');
      assert.ok(counters.length > 0);
      for (const c of counters) c.variable.assign(tf.scalar(7, 'int32'));
      const o = snapshot(model.online.stateEntries());
      const tBefore = snapshot(model.target.stateEntries());

      const m = 0.9;
      model.updateTarget(m);
      let averagedBuffers = 0;
      for (const e of model.target.stateEntries()) {
        const after = e.variable.dataSync();
        if (e.variable.dtype === 'int32') {
          assert.deepEqual(Array.from(after), [7], `${e.name}: copied, not averaged`);
        } else {
          assert.equal(maxAbsDiff(after, emaFloat32(tBefore.get(e.name)!, o.get(e.name)!, m)), 0, `${e.name}: m·t + (1−m)·o`);
          if (!e.variable.trainable) averagedBuffers++;
        }
      }
      // proto + running_mean/var of every BN: buffers are averaged too.
      assert.ok(averagedBuffers >= 3, `averaged ${averagedBuffers} float buffers`);
    } finally {
      model.dispose();
    }
  });

  it('FRAB runs the target in train mode (batch statistics, dropout on); FRAB_EMAN in eval mode (§1.6, §9.9)', () => {
    for (const arch of ['FRAB', 'FRAB_EMAN'] as const) {
      const model = tinyModel(arch, { decoderDropout: 0.5 });
      const x = images(11);
      try {
        assert.equal(model.online.training, true, `${arch}: online trains`);
        assert.equal(model.target.training, arch === 'FRAB', `${arch}: target mode`);

        const runningMean = model.target.stateEntries().find((e) => e.name === 'backbone.bn1.running_mean')!.variable;
        const counter = model.target.stateEntries().find((e) => e.name === 'backbone.bn1.num_batches_tracked')!.variable;
        const meanBefore = runningMean.dataSync().slice();
        const first = model.target.forward(x, true);
        const second = model.target.forward(x, true);
        // The decoder (where dropout lives) shapes the batch-mean queries and through them the scores.
        const sameOutput = sameBytes(first.regionEmbeddings, second.regionEmbeddings) && sameBytes(first.scores, second.scores) && sameBytes(first.z, second.z);
        tf.dispose([...Object.values(first), ...Object.values(second)]);

        if (arch === 'FRAB') {
          assert.equal(sameOutput, false, 'FRAB target: decoder dropout draws new masks on each forward');
          assert.notDeepEqual(runningMean.dataSync(), meanBefore, 'FRAB target: BN running statistics are updated');
          assert.deepEqual(Array.from(counter.dataSync()), [2]);
        } else {
          assert.equal(sameOutput, true, 'FRAB_EMAN target: no dropout, BN on running statistics');
          assert.deepEqual(runningMean.dataSync(), meanBefore, 'FRAB_EMAN target: BN running statistics are not updated');
          assert.deepEqual(Array.from(counter.dataSync()), [0]);
        }

        // Whole-model eval switches the target to eval too; back to train restores the arch's mode.
        model.setTraining(false);
        assert.equal(model.target.training, false);
        assert.equal(model.online.training, false);
        model.setTraining(true);
        assert.equal(model.target.training, arch === 'FRAB');
        assert.equal(model.online.training, true);
      } finally {
        x.dispose();
        model.dispose();
      }
    }
  });
});
