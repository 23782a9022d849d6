/** The per-epoch region-awareness probe on held-out synthetic faces. */
import * as tf from '@tensorflow/tfjs-core';
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useBackend } from '../../helpers/engine.js';
import { FraModel } from '../../../trainer/fra/fra-model.js';
import { RegionProbe } from '../../../trainer/fra/region-probe.js';

describe('RegionProbe', () => {
  before(() => useBackend('wasm'));

  it('scores an untrained model near chance, leaves it in train mode and does not touch proto or BN statistics', () => {
    const model = new FraModel({
      arch: 'FRAB', backbone: 'resnet18_slim_encoder', projDim: 16, hidDim: 32, numProto: 4, heatmapTemperature: 1,
      protoMomentum: 0.9, decoderLayers: 1, decoderHeads: 2, decoderFfnDim: 16, decoderDropout: 0.1, seed: 3,
    });
    const probe = new RegionProbe(1, 64, 4);
    const protoBefore = model.online.neck.proto.dataSync().slice();
    const statsBefore = model.online.backbone.stateEntries().find((e) => e.name.endsWith('bn1.running_mean'))!.variable.dataSync().slice();
    const tensorsBefore = tf.memory().numTensors;
    const result = probe.measure(model);
    assert.equal(result.imageSize, 112);
    assert.equal(result.gridSize, 4);
    for (const v of [result.nmi, result.foregroundNmi, result.meanBestIoU]) assert.ok(v >= 0 && v <= 1, `${v} in [0, 1]`);
    assert.ok(result.nmi < 0.3, `untrained NMI ${result.nmi} should be near chance`);
    assert.equal(model.training, true);
    assert.deepEqual(model.online.neck.proto.dataSync(), protoBefore);
    assert.deepEqual(model.online.backbone.stateEntries().find((e) => e.name.endsWith('bn1.running_mean'))!.variable.dataSync(), statsBefore);
    assert.equal(tf.memory().numTensors, tensorsBefore);
    probe.dispose();
    model.dispose();
  });
});
