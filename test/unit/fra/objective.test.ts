/**
 * The FRA objective (fra-spec §2, §2.5, §9.6, §9.8) on a tiny FRAB with dropout off: finite-difference
 * checks of the TOTAL loss's gradient with the target outputs held fixed, how the returned parts
 * compose (weights, view pairing, directions summed, clustering views averaged), symmetry under
 * swapping the two views, and that no gradient reaches the target network.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../helpers/engine.js';
import { randomViewPairBatch } from '../../../trainer/data/random-pairs.js';
import { FraModel, type FraNetwork } from '../../../trainer/fra/fra-model.js';
import { globalLoss, regionLoss, scoresToPixelRows, selfDistillationLoss } from '../../../trainer/fra/losses.js';
import { fraObjective, type FraLossTensors, type FraObjectiveWeights, type ViewEmbeddings } from '../../../trainer/fra/objective.js';

/** The reference weights (fra-spec §2, §5.1). */
const REFERENCE: FraObjectiveWeights = {
  globalWeight: 0.5,
  clusterWeight: 0.1,
  regionDecorrelationWeight: 0.02,
  studentTemperature: 0.1,
  teacherTemperature: 0.04,
  sinkhornIterations: 3,
  meMaxWeight: 1,
};

type Pair = readonly [ViewEmbeddings, ViewEmbeddings];

function embed(net: FraNetwork, images: tf.Tensor4D): ViewEmbeddings {
  return tf.tidy(() => {
    const out = net.forward(images, true);
    return { z: out.z, zRegion: out.zRegion, scores: out.scores };
  });
}

function disposePair(pair: Pair): void {
  tf.dispose(pair.flatMap((v) => [v.z, v.zRegion, v.scores]));
}

function scalars(parts: FraLossTensors): Record<keyof FraLossTensors, number> {
  const out = {} as Record<keyof FraLossTensors, number>;
  for (const [k, v] of Object.entries(parts) as [keyof FraLossTensors, tf.Scalar][]) out[k] = v.dataSync()[0]!;
  return out;
}

function close(actual: number, expected: number, relative: number, label: string): void {
  const tolerance = relative * Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tolerance, `${label}: got ${actual}, expected ${expected} (±${tolerance})`);
}

describe('FRA objective on a tiny FRAB (dropout off, 64 px → 2×2 maps, batch 4)', () => {
  let model: FraModel;
  let view1: tf.Tensor4D;
  let view2: tf.Tensor4D;
  /** Target outputs computed once and held fixed (the reference's no_grad + detach). */
  let target: Pair;
  let state: Map<string, tf.Variable>;

  const online = (): Pair => [embed(model.online, view1), embed(model.online, view2)];
  const totalLoss = (weights: FraObjectiveWeights = REFERENCE): tf.Scalar =>
    tf.tidy(() => fraObjective(online(), target, model.predictor, model.predictorObj, weights).total);
  const totalValue = (): number => {
    const t = totalLoss();
    const v = t.dataSync()[0]!;
    t.dispose();
    return v;
  };

  before(async () => {
    await useBackend('wasm');
    model = new FraModel({
      arch: 'FRAB',
      backbone: 'resnet18_slim_encoder',
      projDim: 16,
      hidDim: 32,
      numProto: 4,
      heatmapTemperature: 1,
      protoMomentum: 0.9,
      decoderLayers: 2,
      decoderHeads: 2,
      decoderFfnDim: 16,
      decoderDropout: 0, // deterministic forwards, so finite differences see one smooth function
      seed: 7,
    });
    ({ view1, view2 } = randomViewPairBatch({ seed: 3, epoch: 0, iterationInEpoch: 0 }, 4, 64));
    target = [embed(model.target, view1), embed(model.target, view2)];
    state = new Map(model.stateEntries().map((e) => [e.name, e.variable]));
  });

  after(() => {
    disposePair(target);
    tf.dispose([view1, view2]);
    model.dispose();
  });

  /**
   * Central difference of the total loss along `directions` (one per variable) against Σ g·d.
   * float32: the loss (≈4) carries ~1e-6 of rounding noise, so each eps is chosen per tensor to
   * make the first-order change dominate both the rounding noise and the curvature.
   */
  function checkDirectionalDerivative(names: readonly string[], directions: readonly tf.Tensor[], eps: number, tolerance: number): void {
    const variables = names.map((n) => {
      const v = state.get(n);
      assert.ok(v, `no parameter ${n}`);
      return v;
    });
    const { value, grads } = tf.variableGrads(() => totalLoss(), variables);
    const analytic = variables.reduce((sum, v, i) => {
      const g = grads[v.name];
      assert.ok(g, `no gradient for ${names[i]}`);
      return sum + tf.tidy(() => tf.sum(tf.mul(g, directions[i]!)).dataSync()[0]!);
    }, 0);
    tf.dispose([value, ...Object.values(grads)]);

    const originals = variables.map((v) => tf.clone(v));
    const at = (sign: number): number => {
      variables.forEach((v, i) => tf.tidy(() => v.assign(tf.add(originals[i]!, tf.mul(directions[i]!, sign * eps)))));
      return totalValue();
    };
    try {
      const plus = at(1);
      const minus = at(-1);
      const numeric = (plus - minus) / (2 * eps);
      const error = Math.abs(numeric - analytic) / Math.abs(analytic);
      assert.ok(
        error <= tolerance,
        `${names.join(' + ')}: finite difference ${numeric.toExponential(5)} vs gradient ${analytic.toExponential(5)} (relative error ${error.toExponential(2)}, eps ${eps})`,
      );
    } finally {
      variables.forEach((v, i) => v.assign(originals[i]!));
      tf.dispose(originals);
    }
  }

  /** A random direction with ‖d‖ = ‖w‖, so eps is a relative perturbation. */
  function randomDirection(name: string, seed: number): tf.Tensor {
    const w = state.get(name)!;
    return tf.tidy(() => {
      const r = tf.randomNormal(w.shape, 0, 1, 'float32', seed);
      return tf.mul(r, tf.div(tf.norm(w), tf.norm(r)));
    });
  }

  /**
   * Half random, half along the gradient (‖d‖ = ‖w‖). Along a purely random direction the
   * derivative of the heatmap-path tensors is ~1e-3, too close to float32 resolution; the gradient
   * component makes it large while the random component still probes the other directions.
   */
  function mixedDirection(name: string, seed: number): tf.Tensor {
    const w = state.get(name)!;
    const { value, grads } = tf.variableGrads(() => totalLoss(), [w]);
    const g = grads[w.name]!;
    const d = tf.tidy(() => {
      const r = tf.randomNormal(w.shape, 0, 1, 'float32', seed);
      const m = tf.add(tf.div(r, tf.norm(r)), tf.div(g, tf.norm(g)));
      return tf.mul(m, tf.div(tf.norm(w), tf.norm(m)));
    });
    tf.dispose([value, g]);
    return d;
  }

  const CHECKED: ReadonlyArray<readonly [name: string, eps: number]> = [
    ['online_net.backbone.layer4.1.conv2.weight', 1e-5], // backbone conv (strongly curved along the gradient)
    ['online_net.neck.proj_pixel.mlp.0.weight', 1e-3], // per-pixel projector → scores → heatmaps / clustering
    ['online_net.neck.proj_attn.query_embed.weight', 3e-3], // decoder queries → batch-mean Q̄ → scores
    ['predictor.mlp.0.weight', 1e-3], // global predictor
  ];

  for (const [index, [name, eps]] of CHECKED.entries()) {
    it(`∂L/∂(${name}) matches central differences (half-random direction)`, () => {
      const d = mixedDirection(name, 500 + index);
      try {
        checkDirectionalDerivative([name], [d], eps, 0.03);
      } finally {
        d.dispose();
      }
    });
  }

  it('the total gradient matches central differences along one random direction over all four tensors', () => {
    const names = CHECKED.map(([n]) => n);
    const directions = names.map((n, i) => randomDirection(n, 900 + i));
    try {
      checkDirectionalDerivative(names, directions, 3e-4, 0.03);
    } finally {
      tf.dispose(directions);
    }
  });

  it('composes its parts: total = λc·global + (1 − λc)·region + λr·cluster, directions summed, cluster views averaged', () => {
    const weights: FraObjectiveWeights = { ...REFERENCE, globalWeight: 0.3, clusterWeight: 0.7, regionDecorrelationWeight: 0.05, meMaxWeight: 0.5 };
    const o = online();
    const parts = fraObjective(o, target, model.predictor, model.predictorObj, weights);
    const v = scalars(parts);
    close(v.total, 0.3 * v.global + 0.7 * v.region + 0.7 * v.cluster, 1e-6, 'total');
    close(v.region, v.regionPositive + 0.05 * v.regionDecorrelation, 1e-6, 'region = positive + w·decorrelation');
    close(v.cluster, v.clusterCrossEntropy + 0.5 * v.clusterMeMax, 1e-6, 'cluster = CE + w·ME-MAX');

    // View pairing (§2.2, §2.3, §9.6): global/region pair online view a with target view b ≠ a;
    // clustering pairs online view k with target view k. Recomputed from the loss terms.
    const expected = tf.tidy(() => {
      const pred = (k: 0 | 1) => model.predictor.forward(o[k].z);
      const predRegion = (k: 0 | 1) => {
        const [b, n, d] = o[k].zRegion.shape;
        return tf.reshape(model.predictorObj.forward(tf.reshape(o[k].zRegion, [b * n, d])), [b, n, d]) as tf.Tensor3D;
      };
      const sd = (k: 0 | 1) =>
        selfDistillationLoss(scoresToPixelRows(o[k].scores), scoresToPixelRows(target[k].scores), {
          studentTemperature: 0.1,
          teacherTemperature: 0.04,
          sinkhornIterations: 3,
          meMaxWeight: 0.5,
        }).loss;
      return tf.stack([
        tf.add(globalLoss(pred(0), target[1].z), globalLoss(pred(1), target[0].z)),
        tf.add(regionLoss(predRegion(0), target[1].zRegion, 0.05).loss, regionLoss(predRegion(1), target[0].zRegion, 0.05).loss),
        tf.mul(tf.add(sd(0), sd(1)), 0.5),
        // the wrong pairing, to show the check can tell them apart
        tf.add(globalLoss(pred(0), target[0].z), globalLoss(pred(1), target[1].z)),
      ]).dataSync();
    });
    close(v.global, expected[0]!, 1e-5, 'global = L_inst(o1,t2) + L_inst(o2,t1)');
    close(v.region, expected[1]!, 1e-5, 'region = L_obj(o1,t2) + L_obj(o2,t1)');
    close(v.cluster, expected[2]!, 1e-5, 'cluster = ½(SD(o1,t1) + SD(o2,t2))');
    assert.ok(Math.abs(v.global - expected[3]!) > 1e-3, 'same-view pairing would give a different global term');
    tf.dispose(Object.values(parts));
    disposePair(o);
  });

  it('is symmetric: swapping the two views gives the same loss', () => {
    const o = online();
    const forward = scalars(fraObjective(o, target, model.predictor, model.predictorObj, REFERENCE));
    const swapped = scalars(fraObjective([o[1], o[0]], [target[1], target[0]], model.predictor, model.predictorObj, REFERENCE));
    for (const key of Object.keys(forward) as (keyof FraLossTensors)[]) close(swapped[key], forward[key], 1e-6, key);
    disposePair(o);
  });

  it('sends no gradient into the target network, even when its forwards run on the tape (§2.5)', () => {
    const floats = model.stateEntries().filter((e) => e.variable.dtype === 'float32');
    const nameOf = new Map(floats.map((e) => [e.variable.name, e.name]));
    const { value, grads } = tf.variableGrads(() => {
      const t: Pair = [embed(model.target, view1), embed(model.target, view2)];
      return fraObjective(online(), t, model.predictor, model.predictorObj, REFERENCE).total;
    }, floats.map((e) => e.variable));
    try {
      const received = new Map<string, tf.Tensor>();
      for (const [variableName, g] of Object.entries(grads)) if (g) received.set(nameOf.get(variableName)!, g);
      const targetParameters = model.target.namedParameters('target_net');
      assert.ok(targetParameters.length > 0);
      for (const p of targetParameters) {
        const g = received.get(p.name);
        if (g) assert.equal(tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]), 0, `gradient reached ${p.name}`);
      }
      // ...while every trainable tensor (online net + both predictors) is reached, with finite values.
      for (const p of model.trainableParameters()) {
        const g = received.get(p.name);
        assert.ok(g, `no gradient for ${p.name}`);
        assert.ok(tf.tidy(() => tf.all(tf.isFinite(g)).dataSync()[0]) === 1, `non-finite gradient for ${p.name}`);
      }
      // Buffers (BN running statistics, proto, center) are never differentiated.
      for (const b of model.namedBuffers()) {
        const g = received.get(b.name);
        assert.ok(!g || tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]) === 0, `gradient reached buffer ${b.name}`);
      }
    } finally {
      tf.dispose([value, ...Object.values(grads).filter((g): g is tf.Tensor => g != null)]);
    }
  });
});
