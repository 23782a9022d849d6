/**
 * The fine-tuning learning rate of fra-spec §7.1: per-iteration warm-up from 0, then a cosine
 * to --min_lr set every iteration from the fractional epoch, or a step decay at milestones.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { finetuneLearningRate, type FinetuneLrSchedule } from '../../../trainer/finetune/schedule.js';

const SEED: FinetuneLrSchedule = { scheduler: 'cos', epochs: 100, warmupEpochs: 5, minLr: 1e-6, milestones: [60, 80], gamma: 0.1 };
const BASE = 2e-4;
const ITERS = 48;
const close = (a: number, b: number, label: string) => assert.ok(Math.abs(a - b) <= 1e-12 + 1e-9 * Math.abs(b), `${label}: ${a} vs ${b}`);

describe('fine-tuning learning-rate schedule', () => {
  it('warm-up: linear in t = epoch + i/iters, starting at exactly 0', () => {
    close(finetuneLearningRate(SEED, BASE, 0, 0, ITERS), 0, 'first iteration');
    close(finetuneLearningRate(SEED, BASE, 0, 24, ITERS), (BASE * 0.5) / 5, 't = 0.5');
    close(finetuneLearningRate(SEED, BASE, 2, 12, ITERS), (BASE * 2.25) / 5, 't = 2.25');
    close(finetuneLearningRate(SEED, BASE, 4, 47, ITERS), (BASE * (4 + 47 / 48)) / 5, 'last warm-up iteration');
  });

  it('cosine: base at the end of warm-up, halfway at t = 52.5, near min_lr at the end, changing within an epoch', () => {
    close(finetuneLearningRate(SEED, BASE, 5, 0, ITERS), BASE, 't = 5');
    close(finetuneLearningRate(SEED, BASE, 52, 24, ITERS), 1e-6 + (BASE - 1e-6) * 0.5, 't = 52.5');
    const t = 99 + 47 / 48;
    close(finetuneLearningRate(SEED, BASE, 99, 47, ITERS), 1e-6 + (BASE - 1e-6) * 0.5 * (1 + Math.cos((Math.PI * (t - 5)) / 95)), 'last iteration');
    assert.ok(finetuneLearningRate(SEED, BASE, 30, 1, ITERS) < finetuneLearningRate(SEED, BASE, 30, 0, ITERS), 'decays per iteration');
  });

  it('each parameter group follows the curve from its own base', () => {
    const head = finetuneLearningRate(SEED, 0.02, 40, 3, ITERS);
    const trunk = finetuneLearningRate(SEED, 30, 40, 3, ITERS);
    const shape = (base: number, lr: number) => (lr - 1e-6) / (base - 1e-6);
    close(shape(0.02, head), shape(30, trunk), 'same cosine fraction');
  });

  it('step: ×gamma at each milestone reached, after the warm-up', () => {
    const step: FinetuneLrSchedule = { ...SEED, scheduler: 'step' };
    close(finetuneLearningRate(step, 1, 2, 0, ITERS), 2 / 5, 'still warming up');
    close(finetuneLearningRate(step, 1, 59, 47, ITERS), 1, 'before the first milestone');
    close(finetuneLearningRate(step, 1, 60, 0, ITERS), 0.1, 'first milestone');
    close(finetuneLearningRate(step, 1, 85, 3, ITERS), 0.1 * 0.1, 'both milestones');
  });

  it('no warm-up: the first iteration already gets the base rate', () => {
    close(finetuneLearningRate({ ...SEED, warmupEpochs: 0 }, BASE, 0, 0, ITERS), BASE, 'epoch 0');
  });

  it('refuses positions outside the run', () => {
    assert.throws(() => finetuneLearningRate(SEED, BASE, 100, 0, ITERS), /outside a 100-epoch/);
    assert.throws(() => finetuneLearningRate(SEED, BASE, 0, 48, ITERS), /outside an epoch/);
    assert.throws(() => finetuneLearningRate(SEED, -1, 0, 0, ITERS), /baseLr/);
  });
});
