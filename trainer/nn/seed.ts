/**
 * Deterministic stream of integer seeds derived from one run seed, so every
 * initialiser, dropout mask and augmentation draw is reproducible.
 * (splitmix32: tiny, well mixed, and identical in every JS engine.)
 */
export class SeedSequence {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next 31-bit non-negative integer seed (tfjs random ops take a number seed). */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 1;
  }

  /** A child sequence, so independent components don't shift each other's draws. */
  fork(): SeedSequence {
    return new SeedSequence(this.next());
  }

  /** Current position, for checkpoints. */
  get position(): number {
    return this.state;
  }

  /** Continue from a checkpointed position (in place: modules share this instance). */
  restore(position: number): void {
    this.state = position >>> 0;
  }

  static fromPosition(position: number): SeedSequence {
    const s = new SeedSequence(0);
    s.state = position >>> 0;
    return s;
  }
}
