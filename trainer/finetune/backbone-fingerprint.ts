/**
 * The linear probe's promise, checked (fra-spec §5.2: main_fer.py's sanity check that the frozen
 * weights are unchanged): a SHA-256 over every backbone state tensor — weights and batch-norm
 * running statistics — taken before training and compared after each epoch. Any difference,
 * even one bit, stops the run: a linear-probe number is only meaningful on the untouched backbone.
 */
import { createHash } from 'node:crypto';
import type { NamedTensor } from '../nn/module.js';

export function fingerprintState(entries: readonly NamedTensor[]): string {
  const hash = createHash('sha256');
  for (const { name, variable } of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const data = variable.dataSync();
    hash.update(`${name}:${variable.dtype}:${variable.shape.join('x')};`);
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return hash.digest('hex');
}

export class FrozenBackboneChangedError extends Error {
  override name = 'FrozenBackboneChangedError';
}

export class BackboneFingerprint {
  private constructor(
    private readonly entries: () => readonly NamedTensor[],
    readonly initial: string,
  ) {}

  static take(entries: () => readonly NamedTensor[]): BackboneFingerprint {
    return new BackboneFingerprint(entries, fingerprintState(entries()));
  }

  /** Throws FrozenBackboneChangedError when the state differs from the one taken. */
  verify(when: string): void {
    const now = fingerprintState(this.entries());
    if (now !== this.initial) {
      throw new FrozenBackboneChangedError(
        `linear probe: the frozen backbone changed ${when} (fingerprint ${this.initial.slice(0, 12)}… → ${now.slice(0, 12)}…). ` +
          'This is a bug in the trainer; the run stops so no linear-probe result is reported from a modified backbone.',
      );
    }
  }
}
