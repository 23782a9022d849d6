/**
 * Checkpoint files are self-describing: the description and checksum live in
 * the safetensors header, so a kill between replacing the tensors and
 * refreshing the human-readable sidecar can never produce an unloadable pair.
 */
import * as tf from '@tensorflow/tfjs-core';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '../../helpers/engine.js';
import { loadCheckpoint, saveCheckpoint } from '../../../trainer/run/checkpoint.js';

const position = (step: number) => ({ epoch: 0, iterationInEpoch: step, globalStep: step, iterationsPerEpoch: 100 });
const describeAt = (step: number) => ({ kind: 'fra-pretrain' as const, position: position(step), config: {}, rng: { dropoutSeedPosition: step }, metrics: { total: step }, backend: 'cpu' });

describe('checkpoint files', () => {
  let dir: string;
  before(async () => {
    await useBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'fra-ckpt-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('round-trips tensors and the description, and loads without the sidecar', async () => {
    const path = join(dir, 'a.safetensors');
    await saveCheckpoint(path, new Map<string, tf.Tensor>([['w', tf.tensor2d([[1, 2], [3, 4]])], ['n', tf.scalar(7, 'int32')]]), describeAt(3));
    await rm(join(dir, 'a.json'));
    const { meta, tensors } = await loadCheckpoint(path);
    assert.deepEqual(meta.position, position(3));
    assert.deepEqual([...tensors.get('w')!.dataSync()], [1, 2, 3, 4]);
    assert.equal(tensors.get('n')!.dtype, 'int32');
    tf.dispose([...tensors.values()]);
  });

  it('stays consistent when a kill leaves the previous sidecar next to new tensors', async () => {
    const path = join(dir, 'rolling.safetensors');
    await saveCheckpoint(path, new Map([['w', tf.tensor1d([1])]]), describeAt(10));
    await copyFile(join(dir, 'rolling.json'), join(dir, 'old-sidecar.json'));
    await saveCheckpoint(path, new Map([['w', tf.tensor1d([2])]]), describeAt(20));
    await copyFile(join(dir, 'old-sidecar.json'), join(dir, 'rolling.json')); // as if killed before the sidecar rename
    const { meta, tensors } = await loadCheckpoint(path);
    assert.equal(meta.position.globalStep, 20, 'the description travels with the tensors');
    assert.deepEqual([...tensors.get('w')!.dataSync()], [2]);
    tf.dispose([...tensors.values()]);
  });

  it('refuses flipped bytes in tensor data and foreign safetensors files', async () => {
    const path = join(dir, 'flip.safetensors');
    await saveCheckpoint(path, new Map([['w', tf.tensor1d([1, 2, 3, 4])]]), describeAt(1));
    const bytes = await readFile(path);
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 0xff;
    await writeFile(path, bytes);
    await assert.rejects(loadCheckpoint(path), /corrupted or truncated \(checksum mismatch/);
    const foreign = join(dir, 'foreign.safetensors');
    const { writeSafetensors } = await import('../../../trainer/io/safetensors.js');
    await writeFile(foreign, writeSafetensors(new Map([['x', { dtype: 'F32', shape: [1], data: new Float32Array([1]) }]])));
    await assert.rejects(loadCheckpoint(foreign), /is not a FRA Workbench checkpoint/);
  });
});
