/**
 * Seedable random numbers for data augmentation.
 *
 * Every augmented sample must be reproducible from (seed, epoch, index) alone —
 * whichever worker thread produces it, in whatever order — so that a resumed
 * run and the GUI's augmentation preview see exactly the views training saw.
 * `sampleRng` therefore derives a fresh generator per (seed, epoch, index,
 * stream) instead of sharing one sequential generator; `stream` separates the
 * independent draws of view 1 and view 2 (fra-spec §3: "each view is an
 * independent draw from the same source image").
 *
 * Generator: xoshiro128** (Blackman & Vigna), 128-bit state, 32-bit outputs,
 * only 32-bit integer ops — fast in V8 and good enough for augmentation
 * parameters. The state is filled by four independent MurmurHash3-style hashes
 * of the key, so distinct keys collide with probability ~2^-128 rather than the
 * 2^-32 a single 32-bit seed would give over millions of samples.
 *
 * This does not reproduce PyTorch's generator (the reference draws from
 * torch's Mersenne Twister); only the distributions of the drawn parameters
 * follow the reference.
 */

/** Named streams so call sites never collide by accident. */
export const RNG_STREAMS = {
  /** fra-spec §3, view 1 (blur p 1.0, solarize p 0). */
  pretrainView1: 1,
  /** fra-spec §3, view 2 (blur p 0.1, solarize p 0.2). */
  pretrainView2: 2,
  /** fra-spec §7.1 fine-tuning train transform. */
  finetuneTrain: 3,
} as const;

const TWO_POW_32 = 4294967296;

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Use `createRng` / `sampleRng`; the four words are the raw xoshiro state. */
  constructor(s0: number, s1: number, s2: number, s3: number) {
    this.s0 = s0 | 0;
    this.s1 = s1 | 0;
    this.s2 = s2 | 0;
    this.s3 = s3 | 0;
    // The all-zero state is the one fixed point of xoshiro; never start there.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 0x9e3779b9 | 0;
  }

  /** Next raw output, an unsigned 32-bit integer. */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = s1 ^ n2;
    this.s0 = s0 ^ n3;
    this.s2 = n2 ^ t;
    this.s3 = rotl(n3, 11);
    return result >>> 0;
  }

  /** Uniform double in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform double in [a, b) (torch's `uniform_(a, b)` / Python's `random.uniform`). */
  uniform(a: number, b: number): number {
    return a + (b - a) * this.next();
  }

  /**
   * True with probability p. Matches torchvision's `torch.rand(1) < p` tests
   * (RandomHorizontalFlip, RandomGrayscale, RandomErasing) and RandomApply's
   * `p >= torch.rand(1)`, which differ only on a measure-zero event.
   */
  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /**
   * Uniform integer in [0, n). Unbiased (rejection sampling on the 32-bit
   * output), like `torch.randint(0, n)`.
   */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) {
      throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    }
    // Largest multiple of n that fits in 2^32; values at or above it are redrawn.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Fisher–Yates shuffle, in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  /** A uniformly random permutation of 0…n−1 (torch.randperm). */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }
}

/** A generator for a single integer seed (e.g. a dataset-level shuffle). */
export function createRng(seed: number): Rng {
  return rngFromKey([seed]);
}

/**
 * The generator for one sample: deterministic for a given (seed, epoch, index,
 * stream), statistically independent between different keys.
 */
export function sampleRng(seed: number, epoch: number, index: number, stream: number): Rng {
  return rngFromKey([seed, epoch, index, stream]);
}

function rngFromKey(key: readonly number[]): Rng {
  const words: number[] = [];
  for (const value of key) {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`random key parts must be safe integers, got ${value}`);
    }
    // Split into low and high 32-bit halves so keys above 2^32 (or negative) stay distinct.
    const low = value % TWO_POW_32;
    words.push(low | 0, Math.floor((value - low) / TWO_POW_32) | 0);
  }
  return new Rng(
    hashWords(words, 0x243f6a88),
    hashWords(words, 0x85a308d3),
    hashWords(words, 0x13198a2e),
    hashWords(words, 0x03707344),
  );
}

/** MurmurHash3 (x86, 32-bit) over 32-bit words, with the given seed. */
function hashWords(words: readonly number[], seed: number): number {
  let h = seed | 0;
  for (const word of words) {
    let k = Math.imul(word, 0xcc9e2d51);
    k = rotl(k, 15);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = rotl(h, 13);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= words.length * 4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
