/**
 * Which images an epoch visits, in which order: a fixed `--train-percent`
 * subset (drawn once from the run seed, like the reference's random subset),
 * shuffled per epoch from (seed, epoch), cut into full batches (drop_last).
 * Pure and deterministic, so a resumed run continues the same sequence.
 */

/** mulberry32: tiny, fast, good enough for permutations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mix(...values: number[]): number {
  let h = 0x811c9dc5;
  for (const v of values) {
    h = Math.imul(h ^ (v >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  }
  return h >>> 0;
}

function shuffleInPlace(values: Uint32Array, random: () => number): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = values[i]!;
    values[i] = values[j]!;
    values[j] = t;
  }
}

export class EpochOrder {
  /** Dataset indices in the training subset (ascending). */
  readonly subset: Uint32Array;
  readonly iterationsPerEpoch: number;

  constructor(
    readonly datasetSize: number,
    readonly batchSize: number,
    readonly seed: number,
    trainPercent = 1,
  ) {
    if (!(trainPercent > 0 && trainPercent <= 1)) throw new RangeError(`trainPercent must be in (0, 1], got ${trainPercent}`);
    const all = Uint32Array.from({ length: datasetSize }, (_, i) => i);
    if (trainPercent < 1) {
      shuffleInPlace(all, prng(mix(seed, 0x5eed)));
      this.subset = all.slice(0, Math.floor(datasetSize * trainPercent)).sort();
    } else {
      this.subset = all;
    }
    this.iterationsPerEpoch = Math.floor(this.subset.length / batchSize);
  }

  /** The dataset indices of every batch of `epoch`, in visiting order. */
  epochPermutation(epoch: number): Uint32Array {
    const order = this.subset.slice();
    shuffleInPlace(order, prng(mix(this.seed, epoch)));
    return order;
  }

  /** Dataset indices of batch `iteration` of `epoch`. */
  batch(permutation: Uint32Array, iteration: number): Uint32Array {
    if (iteration < 0 || iteration >= this.iterationsPerEpoch) throw new RangeError(`iteration ${iteration} outside 0…${this.iterationsPerEpoch - 1}`);
    return permutation.subarray(iteration * this.batchSize, (iteration + 1) * this.batchSize);
  }
}
