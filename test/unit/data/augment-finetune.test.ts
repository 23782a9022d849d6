/** Fine-tuning transforms of fra-spec §7.1: probabilities, ranges, erasing, determinism. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RgbImage } from '../../../trainer/data/image-source.js';
import {
  describeFinetuneTrain,
  FINETUNE_POLICY,
  finetuneTestTransform,
  finetuneTrainTransform,
  renderFinetuneTrain,
  type FinetuneTrainParams,
} from '../../../trainer/data/augment/finetune.js';
import { toNormalizedTensor } from '../../../trainer/data/augment/ops/normalize.js';
import { resizeBilinear } from '../../../trainer/data/augment/ops/resize.js';
import { createRng } from '../../../trainer/data/augment/random.js';

function photo(width: number, height: number, seed: number): RgbImage {
  const rng = createRng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i % 251) ^ rng.int(32);
  return { width, height, data };
}

const SIZE = 64;
const params: FinetuneTrainParams[] = Array.from({ length: 4000 }, (_, index) => describeFinetuneTrain({ size: SIZE, seed: 3, epoch: 0, index }));

function frequency(pick: (p: FinetuneTrainParams) => boolean): number {
  return params.filter(pick).length / params.length;
}

describe('fine-tuning train transform parameters (fra-spec §7.1)', () => {
  it('applies each random op with probability 0.5', () => {
    assert.deepEqual(
      [FINETUNE_POLICY.flipP, FINETUNE_POLICY.jitterP, FINETUNE_POLICY.translateP, FINETUNE_POLICY.rotateP, FINETUNE_POLICY.erasingP],
      [0.5, 0.5, 0.5, 0.5, 0.5],
    );
    for (const [name, f] of [
      ['flip', frequency((p) => p.flip)],
      ['jitter', frequency((p) => p.jitter !== null)],
      ['translate', frequency((p) => p.translate !== null)],
      ['rotate', frequency((p) => p.rotation !== null)],
      ['erase', frequency((p) => p.erase !== null)],
    ] as const) {
      assert.ok(Math.abs(f - 0.5) < 0.035, `${name}: ${f}`);
    }
  });

  it('jitters brightness, contrast and saturation in [0.5, 1.5], random order, no hue', () => {
    const orders = new Set<string>();
    for (const p of params) {
      if (p.jitter === null) continue;
      assert.equal(p.jitter.hue, null);
      assert.deepEqual([...p.jitter.order].sort(), ['brightness', 'contrast', 'saturation']);
      for (const f of [p.jitter.brightness!, p.jitter.contrast!, p.jitter.saturation!]) assert.ok(f >= 0.5 && f < 1.5);
      orders.add(p.jitter.order.join(','));
    }
    assert.equal(orders.size, 6);
  });

  it('translates by at most 20 % and rotates by at most 10°', () => {
    let maxShift = 0;
    let maxAngle = 0;
    for (const p of params) {
      if (p.translate !== null) {
        assert.ok(Number.isInteger(p.translate.dx) && Number.isInteger(p.translate.dy));
        maxShift = Math.max(maxShift, Math.abs(p.translate.dx), Math.abs(p.translate.dy));
      }
      if (p.rotation !== null) maxAngle = Math.max(maxAngle, Math.abs(p.rotation));
    }
    assert.ok(maxShift <= Math.round(0.2 * SIZE) && maxShift >= Math.round(0.2 * SIZE) - 1, `max shift ${maxShift}`);
    assert.ok(maxAngle <= 10 && maxAngle > 9.5, `max angle ${maxAngle}`);
  });

  it('erases 2–33 % of the image with aspect 0.3–3.3', () => {
    const areas: number[] = [];
    for (const p of params) {
      if (p.erase === null) continue;
      const { top, left, height, width } = p.erase;
      assert.ok(top + height <= SIZE && left + width <= SIZE && height < SIZE && width < SIZE);
      areas.push((height * width) / (SIZE * SIZE));
      const aspect = height / width;
      assert.ok(aspect > 0.3 * 0.8 && aspect < 3.3 / 0.8, `aspect ${aspect}`);
    }
    assert.ok(Math.min(...areas) >= 0.02 * 0.8 && Math.max(...areas) <= 0.33 * 1.1, `${Math.min(...areas)}–${Math.max(...areas)}`);
    const mean = areas.reduce((a, b) => a + b, 0) / areas.length;
    assert.ok(Math.abs(mean - (0.02 + 0.33) / 2) < 0.02, `mean area ${mean}`);
  });
});

describe('fine-tuning transforms', () => {
  const source = photo(90, 110, 8);

  it('train: deterministic per key; the erased box is exactly 0 after normalisation', () => {
    const index = params.findIndex((p) => p.erase !== null && p.rotation === null && p.translate === null);
    const opts = { size: SIZE, seed: 3, epoch: 0, index };
    const tensor = finetuneTrainTransform(source, opts);
    assert.deepEqual(tensor, finetuneTrainTransform(source, opts));
    const p = params[index]!;
    const erase = p.erase!;
    const rendered = toNormalizedTensor(renderFinetuneTrain(source, p, SIZE));
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const inBox = y >= erase.top && y < erase.top + erase.height && x >= erase.left && x < erase.left + erase.width;
        for (let c = 0; c < 3; c++) {
          const i = (y * SIZE + x) * 3 + c;
          assert.equal(tensor[i], inBox ? 0 : rendered[i], `(${x}, ${y}, ${c})`);
        }
      }
    }
  });

  it('train: translation leaves a black band (normalised black) where the image moved away', () => {
    const index = params.findIndex((p) => p.translate !== null && p.translate.dx > 3 && p.rotation === null && p.erase === null && p.jitter === null);
    const p = params[index]!;
    const rgb = renderFinetuneTrain(source, p, SIZE);
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < p.translate!.dx; x++) assert.deepEqual(Array.from(rgb.data.subarray((y * SIZE + x) * 3, (y * SIZE + x) * 3 + 3)), [0, 0, 0]);
    }
  });

  it('test: resize to size × size then normalise, deterministic', () => {
    const tensor = finetuneTestTransform(source, { size: SIZE });
    assert.deepEqual(tensor, toNormalizedTensor(resizeBilinear(source, SIZE, SIZE)));
    const batch = new Float32Array(2 * SIZE * SIZE * 3);
    finetuneTestTransform(source, { size: SIZE }, batch, SIZE * SIZE * 3);
    assert.deepEqual(batch.subarray(SIZE * SIZE * 3), tensor);
    assert.throws(() => finetuneTestTransform(source, { size: -1 }), RangeError);
  });
});
