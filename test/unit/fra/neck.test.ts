/**
 * FRA `ObjectNeck` (fra-spec §1.3–§1.5, §2.5, §6.1, §9.3–9.5, §9.18–9.19, §12): parameter counts
 * and state keys at full size (constructed, never run), and behaviour at the spec's spatial sizes
 * with tiny channel dimensions: shapes, heatmap/score semantics, region pooling, batch-shared
 * mask embeddings and the proto EMA, gradient paths, dropout and tensor hygiene.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../helpers/engine.js';
import { isExcludedFromLarsAdaptation } from '../../../trainer/fra/lars.js';
import { MlpHead } from '../../../trainer/fra/mlp-head.js';
import { ObjectNeck, type NeckOutput, type ObjectNeckOptions } from '../../../trainer/fra/neck.js';
import { createPredictor } from '../../../trainer/fra/predictor.js';
import { SeedSequence } from '../../../trainer/nn/seed.js';

// ---------------------------------------------------------------------------------------------
// helpers

const TINY: Omit<ObjectNeckOptions, 'seeds'> = {
  inChannels: 6,
  hiddenDim: 16,
  projDim: 8,
  numRegions: 8,
  decoderHeads: 2,
  decoderFfnDim: 8,
};

function tinyNeck(seed: number, overrides: Partial<ObjectNeckOptions> = {}): ObjectNeck {
  return new ObjectNeck({ ...TINY, seeds: new SeedSequence(seed), ...overrides });
}

/** Non-negative "post-ReLU" backbone features with a deterministic pattern. */
function features(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: size }, (_, i) => Math.fround(Math.max(0, Math.sin(seed + 0.61 * i) + 0.4 * Math.cos(0.07 * i * i))));
  return tf.tensor4d(values, shape);
}

function disposeOutput(out: NeckOutput): void {
  tf.dispose([out.z, out.zRegion, out.scores, out.heatmaps, out.regionEmbeddings]);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

function normalizeRows(rows: number[][]): number[][] {
  return rows.map((r) => {
    const n = Math.max(Math.sqrt(r.reduce((s, v) => s + v * v, 0)), 1e-12);
    return r.map((v) => v / n);
  });
}

// ---------------------------------------------------------------------------------------------

describe('FRA neck at full size (constructed, not run)', () => {
  let neck: ObjectNeck;

  before(async () => {
    await useBackend('cpu');
    neck = new ObjectNeck({ inChannels: 2048, seeds: new SeedSequence(2024) });
  });
  after(() => neck.dispose());

  it('has the reference parameter counts (§1.3, §1.4, §12)', () => {
    assert.equal(neck.proj.countParameters(), 9_445_376);
    assert.equal(neck.projPixel.countParameters(), 9_445_376);
    assert.equal(neck.projObj.countParameters(), 9_445_376);
    assert.equal(neck.projAttn.countParameters(), 2_043_392);
    // + backbone 23,508,032 = online net 53,887,552 (§1.6)
    assert.equal(neck.countParameters(), 53_887_552 - 23_508_032);
    const predictor = createPredictor(new SeedSequence(1));
    assert.equal(predictor.countParameters(), 2_105_344);
    predictor.dispose();
  });

  it('has the reference state keys: 69 entries, proto first (§6.1)', () => {
    const entries = neck.stateEntries('neck');
    const names = entries.map((e) => e.name);
    assert.equal(names.length, 69);
    assert.equal(names[0], 'neck.proto');
    const expected: Array<[name: string, shape: number[], layout: string]> = [
      ['neck.proto', [8, 256], 'same'],
      ['neck.proj.mlp.0.weight', [2048, 4096], 'conv1d'],
      ['neck.proj.mlp.1.weight', [4096], 'same'],
      ['neck.proj.mlp.1.bias', [4096], 'same'],
      ['neck.proj.mlp.1.running_mean', [4096], 'same'],
      ['neck.proj.mlp.1.running_var', [4096], 'same'],
      ['neck.proj.mlp.1.num_batches_tracked', [], 'same'],
      ['neck.proj.mlp.3.weight', [4096, 256], 'conv1d'],
      ['neck.proj_pixel.mlp.0.weight', [2048, 4096], 'conv1d'],
      ['neck.proj_obj.mlp.3.weight', [4096, 256], 'conv1d'],
      ['neck.proj_attn.transformer.decoder.layers.0.self_attn.in_proj_weight', [256, 768], 'linear'],
      ['neck.proj_attn.transformer.decoder.layers.0.self_attn.in_proj_bias', [768], 'same'],
      ['neck.proj_attn.transformer.decoder.layers.0.self_attn.out_proj.weight', [256, 256], 'linear'],
      ['neck.proj_attn.transformer.decoder.layers.0.self_attn.out_proj.bias', [256], 'same'],
      ['neck.proj_attn.transformer.decoder.layers.1.multihead_attn.in_proj_weight', [256, 768], 'linear'],
      ['neck.proj_attn.transformer.decoder.layers.1.multihead_attn.out_proj.bias', [256], 'same'],
      ['neck.proj_attn.transformer.decoder.layers.0.linear1.weight', [256, 256], 'linear'],
      ['neck.proj_attn.transformer.decoder.layers.1.linear2.bias', [256], 'same'],
      ['neck.proj_attn.transformer.decoder.layers.0.norm1.weight', [256], 'same'],
      ['neck.proj_attn.transformer.decoder.layers.1.norm3.bias', [256], 'same'],
      ['neck.proj_attn.transformer.decoder.norm.weight', [256], 'same'],
      ['neck.proj_attn.query_embed.weight', [8, 256], 'same'],
      ['neck.proj_attn.input_proj.weight', [1, 1, 2048, 256], 'conv2d'],
      ['neck.proj_attn.input_proj.bias', [256], 'same'],
      ['neck.proj_attn.mask_embed.layers.0.weight', [256, 256], 'linear'],
      ['neck.proj_attn.mask_embed.layers.2.bias', [256], 'same'],
    ];
    const byName = new Map(entries.map((e) => [e.name, e]));
    for (const [name, shape, layout] of expected) {
      const e = byName.get(name);
      assert.ok(e, `missing ${name}`);
      assert.deepEqual(e.variable.shape, shape, name);
      assert.equal(e.torchLayout, layout, name);
    }
    // Every key follows one of the reference patterns.
    const pattern =
      /^neck\.(proto|(proj|proj_pixel|proj_obj)\.mlp\.(0\.weight|1\.(weight|bias|running_mean|running_var|num_batches_tracked)|3\.weight)|proj_attn\.(transformer\.decoder\.(layers\.[01]\.((self_attn|multihead_attn)\.(in_proj_weight|in_proj_bias|out_proj\.(weight|bias))|(linear1|linear2|norm1|norm2|norm3)\.(weight|bias))|norm\.(weight|bias))|query_embed\.weight|input_proj\.(weight|bias)|mask_embed\.layers\.[012]\.(weight|bias)))$/;
    for (const name of names) assert.match(name, pattern);
    assert.equal(new Set(names).size, names.length);
    // Buffers are exactly proto and the BN running statistics.
    const buffers = neck.namedBuffers('neck').map((b) => b.name);
    assert.equal(buffers.length, 1 + 3 * 3);
    assert.ok(buffers.includes('neck.proto'));
  });

  it('keeps the LARS name semantics (§9.12): only biases are excluded', () => {
    for (const { name } of neck.namedParameters('online_net.neck')) {
      assert.ok(!name.includes('bn'), `${name} must not contain 'bn'`);
      assert.equal(isExcludedFromLarsAdaptation(name), name.endsWith('bias'), name);
    }
    const adapted = ['mlp.1.weight', 'norm1.weight', 'decoder.norm.weight', 'query_embed.weight', 'input_proj.weight'];
    for (const suffix of adapted) {
      const name = neck.namedParameters('online_net.neck').find((p) => p.name.endsWith(suffix))!.name;
      assert.equal(isExcludedFromLarsAdaptation(name), false, name);
    }
  });

  it('initialises the heads kaiming-normal fan_out (std √(2/out)) and proto ~ N(0,1) (§1.3, §9.19)', () => {
    // The first 128 rows (≥ 32k draws) pin the std to ~1%; moments over all 8M values would be slow.
    const std = (t: tf.Tensor): number =>
      tf.tidy(() => Math.sqrt(tf.moments(t.rank === 2 ? tf.slice(t, [0, 0], [Math.min(128, t.shape[0]!), -1]) : t).variance.dataSync()[0]!));
    assert.ok(Math.abs(std(neck.proj.stateEntries().find((e) => e.name === 'mlp.0.weight')!.variable) / Math.sqrt(2 / 4096) - 1) < 0.02);
    assert.ok(Math.abs(std(neck.projObj.stateEntries().find((e) => e.name === 'mlp.3.weight')!.variable) / Math.sqrt(2 / 256) - 1) < 0.02);
    assert.ok(Math.abs(std(neck.proto) - 1) < 0.1);
  });
});

describe('FRA neck behaviour (tiny channels)', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('produces z [B,D], zRegion [B,N,D], scores/heatmaps [B,h,w,N] at 7×7 and 4×4 maps', () => {
    const neck = tinyNeck(1);
    for (const [h, w] of [
      [7, 7],
      [4, 4],
    ] as const) {
      const x = features([4, h, w, 6], h);
      const out = neck.forward(x, { isTrain: true });
      assert.deepEqual(out.z.shape, [4, 8]);
      assert.deepEqual(out.zRegion.shape, [4, 8, 8]);
      assert.deepEqual(out.scores.shape, [4, h, w, 8]);
      assert.deepEqual(out.heatmaps.shape, [4, h, w, 8]);
      assert.deepEqual(out.regionEmbeddings.shape, [8, 8]);

      const scores = values(out.scores);
      assert.ok(scores.every((s) => s >= -1 - 1e-5 && s <= 1 + 1e-5), 'cosines lie in [−1, 1]');
      const heat = values(out.heatmaps);
      for (let p = 0; p < heat.length / 8; p++) {
        const sum = heat.slice(p * 8, p * 8 + 8).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - (1 + 8e-7)) < 1e-5, `pixel ${p}: regions sum to ${sum}`);
      }
      tf.dispose(x);
      disposeOutput(out);
    }
    neck.dispose();
  });

  it('computes heatmaps = softmax over regions of S/τh + 1e-7, pools BACKBONE features, z = proj(mean F)', () => {
    const tau = 0.5;
    const neck = tinyNeck(2, { heatmapTemperature: tau });
    neck.setTraining(false); // deterministic heads (running stats), no dropout: recomputable by hand
    const [B, h, w, C, N] = [2, 3, 4, 6, 8];
    const x = features([B, h, w, C], 3);
    const out = neck.forward(x, { isTrain: true });

    // heatmaps from scores
    const scores = values(out.scores);
    const expectedHeat: number[] = [];
    for (let p = 0; p < B * h * w; p++) {
      const row = scores.slice(p * N, p * N + N).map((s) => s / tau);
      const max = Math.max(...row);
      const e = row.map((v) => Math.exp(v - max));
      const sum = e.reduce((a, b) => a + b, 0);
      expectedHeat.push(...e.map((v) => v / sum + 1e-7));
    }
    assert.ok(maxAbsDiff(values(out.heatmaps), expectedHeat) < 1e-6);

    // hreg[b,n,:] = Σ_{u,v} W·F with W = M / Σ_{u,v} M, then proj_obj over the B·N rows.
    const heat = values(out.heatmaps);
    const f = values(x);
    const hreg: number[] = [];
    for (let b = 0; b < B; b++) {
      for (let n = 0; n < N; n++) {
        let mass = 0;
        for (let p = 0; p < h * w; p++) mass += heat[(b * h * w + p) * N + n]!;
        for (let c = 0; c < C; c++) {
          let acc = 0;
          for (let p = 0; p < h * w; p++) acc += (heat[(b * h * w + p) * N + n]! / mass) * f[(b * h * w + p) * C + c]!;
          hreg.push(acc);
        }
      }
    }
    const expectedRegion = tf.tidy(() => values(neck.projObj.forward(tf.tensor2d(hreg, [B * N, C]))));
    assert.ok(maxAbsDiff(values(out.zRegion), expectedRegion) < 1e-5);

    const expectedZ = tf.tidy(() => values(neck.proj.forward(tf.mean(x, [1, 2]) as tf.Tensor2D)));
    assert.ok(maxAbsDiff(values(out.z), expectedZ) < 1e-6);

    tf.dispose(x);
    disposeOutput(out);
    neck.dispose();
  });

  it('shares one batch-mean Q̄ across the batch in training and scores every pixel against it (§1.4, §9.3)', () => {
    const neck = tinyNeck(4);
    neck.setTraining(false); // isTrain is independent of train/eval mode; eval makes the decoder deterministic
    const [B, h, w, C, N] = [3, 4, 4, 6, 8];
    const x = features([B, h, w, C], 5);
    const out = neck.forward(x, { isTrain: true });

    const perImage = neck.projAttn.forward(x); // [B, N, D]
    const expectedMean = tf.tidy(() => values(tf.mean(perImage, 0)));
    assert.ok(maxAbsDiff(values(out.regionEmbeddings), expectedMean) < 1e-6, 'Q̄ = batch mean of the decoder outputs');

    // scores[b,u,v,n] = cos(Fd[b,u,v], Q̄[n]) with the SAME Q̄ for every image b.
    const fd = tf.tidy(() => neck.projPixel.forward(tf.reshape(x, [B * h * w, C]) as tf.Tensor2D).arraySync());
    const q = normalizeRows(out.regionEmbeddings.arraySync());
    const expectedScores = normalizeRows(fd).flatMap((row) => q.map((qn) => qn.reduce((s, v, i) => s + v * row[i]!, 0)));
    assert.ok(maxAbsDiff(values(out.scores), expectedScores) < 1e-5);

    tf.dispose([x, perImage]);
    disposeOutput(out);
    neck.dispose();
  });

  it('couples the images of a batch through Q̄ in training only', () => {
    const neck = tinyNeck(6);
    neck.setTraining(false);
    const x0 = features([1, 4, 4, 6], 1);
    const x1 = features([1, 4, 4, 6], 2);
    const x2 = features([1, 4, 4, 6], 3);
    const firstImageScores = (partner: tf.Tensor4D, isTrain: boolean): number[] =>
      tf.tidy(() => {
        const out = neck.forward(tf.concat([x0, partner]), { isTrain });
        return values(tf.slice(out.scores, [0, 0, 0, 0], [1, 4, 4, 8]));
      });
    assert.ok(maxAbsDiff(firstImageScores(x1, true), firstImageScores(x2, true)) > 1e-4, 'training: the partner image changes Q̄');
    assert.ok(maxAbsDiff(firstImageScores(x1, false), firstImageScores(x2, false)) < 1e-6, 'inference: proto, no coupling');
    tf.dispose([x0, x1, x2]);
    neck.dispose();
  });

  it('moves proto by exactly (1 − 0.9)·(Q̄ − proto) after a training forward, without gradient', () => {
    const neck = tinyNeck(7); // train mode: BN batch statistics and dropout, as FRA's nets run
    const x = features([4, 4, 4, 6], 8);
    const before = values(neck.proto);
    const out = neck.forward(x, { isTrain: true });
    const qBar = values(out.regionEmbeddings);
    const after = values(neck.proto);
    const expected = before.map((p, i) => 0.9 * p + 0.1 * qBar[i]!);
    assert.ok(maxAbsDiff(after, expected) < 1e-6);
    assert.ok(maxAbsDiff(after, before) > 1e-3);
    assert.equal(neck.namedParameters().some((p) => p.variable === neck.proto), false, 'proto is a buffer');
    assert.equal(neck.proto.trainable, false);
    tf.dispose(x);
    disposeOutput(out);
    neck.dispose();
  });

  it('uses proto, unchanged, in inference mode (isTrain false)', () => {
    const neck = tinyNeck(9);
    const x = features([2, 4, 4, 6], 10);
    const before = values(neck.proto);
    const out = neck.forward(x, { isTrain: false });
    assert.deepEqual(values(neck.proto), before, 'proto unchanged');
    assert.deepEqual(values(out.regionEmbeddings), before, 'the scores use proto');
    // The returned embeddings are a copy: disposing them must not dispose the buffer.
    disposeOutput(out);
    assert.equal(neck.proto.isDisposed, false);
    tf.dispose(x);
    neck.dispose();
  });

  it('routes gradients as §2.5: zRegion/scores reach decoder, proj_pixel and proj_obj; z reaches only proj', () => {
    const neck = tinyNeck(11);
    const x = features([3, 4, 4, 6], 12);
    const params = neck.namedParameters();
    const varList = params.map((p) => p.variable);
    const nameOf = new Map(params.map((p) => [p.variable.name, p.name]));
    const gradNorms = (loss: () => tf.Scalar): Map<string, number> => {
      const { value, grads } = tf.variableGrads(loss, varList);
      const norms = new Map<string, number>();
      for (const [varName, g] of Object.entries(grads)) norms.set(nameOf.get(varName)!, tf.tidy(() => tf.norm(g).dataSync()[0]!));
      tf.dispose([value, ...Object.values(grads)]);
      return norms;
    };
    // Random-ish weights: a plain sum of BN outputs has zero gradient by construction.
    const regionWeights = tf.tensor3d(Array.from({ length: 3 * 8 * 8 }, (_, i) => Math.sin(1.7 * i)), [3, 8, 8]);
    const scoreWeights = tf.tensor4d(Array.from({ length: 3 * 4 * 4 * 8 }, (_, i) => Math.cos(0.9 * i)), [3, 4, 4, 8]);
    const zWeights = tf.tensor2d(Array.from({ length: 3 * 8 }, (_, i) => Math.sin(0.3 * i + 1)), [3, 8]);

    const local = gradNorms(() => {
      const out = neck.forward(x, { isTrain: true });
      return tf.add(tf.sum(tf.mul(out.zRegion, regionWeights)), tf.sum(tf.mul(out.scores, scoreWeights)));
    });
    const mustReach = [
      'proj_attn.query_embed.weight',
      'proj_attn.input_proj.weight',
      'proj_attn.input_proj.bias',
      'proj_attn.transformer.decoder.layers.0.multihead_attn.in_proj_weight',
      'proj_attn.transformer.decoder.layers.1.self_attn.in_proj_weight',
      'proj_attn.transformer.decoder.layers.0.linear1.weight',
      'proj_attn.transformer.decoder.layers.1.norm3.weight',
      'proj_attn.transformer.decoder.norm.weight',
      'proj_attn.mask_embed.layers.0.weight',
      'proj_pixel.mlp.0.weight',
      'proj_pixel.mlp.1.weight',
      'proj_obj.mlp.0.weight',
      'proj_obj.mlp.3.weight',
    ];
    for (const name of mustReach) assert.ok((local.get(name) ?? 0) > 1e-8, `${name} gets no gradient from zRegion/scores`);
    assert.equal(local.get('proj.mlp.0.weight') ?? 0, 0, 'proj is not on the local path');

    const global = gradNorms(() => tf.sum(tf.mul(neck.forward(x, { isTrain: true }).z, zWeights)));
    assert.ok((global.get('proj.mlp.0.weight') ?? 0) > 1e-8);
    for (const [name, norm] of global) {
      if (!name.startsWith('proj.')) assert.equal(norm, 0, `${name} must get no gradient from z`);
    }
    tf.dispose([x, regionWeights, scoreWeights, zWeights]);
    neck.dispose();
  });

  it('is reproducible for a fixed seed (init and dropout), and has no dropout in eval mode', () => {
    const x = features([2, 4, 4, 6], 13);
    const run = (neck: ObjectNeck): number[] =>
      tf.tidy(() => {
        const out = neck.forward(x, { isTrain: true });
        return [...values(out.zRegion), ...values(out.scores)];
      });
    const a = tinyNeck(15);
    const b = tinyNeck(15);
    assert.deepEqual(run(a), run(b));
    a.setTraining(false);
    assert.deepEqual(run(a), run(a));
    const c = tinyNeck(16);
    assert.ok(maxAbsDiff(run(b), run(c)) > 1e-4, 'a different seed gives a different network');
    tf.dispose(x);
    [a, b, c].forEach((n) => n.dispose());
  });

  it('leaks no tensors across repeated forwards inside tf.tidy, in train and inference mode', () => {
    const neck = tinyNeck(17);
    const x = features([2, 7, 7, 6], 14);
    const start = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        const out = neck.forward(x, { isTrain: i !== 1 });
        return tf.sum(out.zRegion);
      }).dispose();
      assert.equal(tf.memory().numTensors, start, `forward ${i} leaked`);
    }
    const out = neck.forward(x, { isTrain: true });
    disposeOutput(out);
    assert.equal(tf.memory().numTensors, start, 'a forward outside tidy returns exactly its outputs');
    tf.dispose(x);
    neck.dispose();
  });

  it('MlpHead normalises over all rows and rejects mis-shaped input', () => {
    const head = new MlpHead({ inChannels: 4, hiddenChannels: 6, outChannels: 3, seeds: new SeedSequence(1) });
    const keys = head.stateEntries().map((e) => e.name);
    assert.deepEqual(keys, ['mlp.0.weight', 'mlp.1.weight', 'mlp.1.bias', 'mlp.1.running_mean', 'mlp.1.running_var', 'mlp.1.num_batches_tracked', 'mlp.3.weight']);
    const rows = tf.tensor2d(Array.from({ length: 20 }, (_, i) => Math.sin(i)), [5, 4]);
    const y = head.forward(rows);
    assert.deepEqual(y.shape, [5, 3]);
    // BN running mean after one step = 0.1 · batch mean over all 5 rows of the hidden pre-activation.
    const hidden = tf.tidy(() => values(tf.mean(tf.matMul(rows, head.stateEntries()[0]!.variable as tf.Tensor2D), 0)));
    const running = values(head.stateEntries().find((e) => e.name === 'mlp.1.running_mean')!.variable);
    assert.ok(maxAbsDiff(running, hidden.map((m) => 0.1 * m)) < 1e-6);
    assert.throws(() => head.forward(tf.zeros([5, 3]) as tf.Tensor2D), /expects \[rows, 4\]/);
    tf.dispose([rows, y]);
    head.dispose();
  });
});
