/**
 * Finds a previous index record by path during a refresh, without a JS Map of
 * millions of strings: an open-addressing table of record numbers keyed by an
 * FNV-1a hash of the path's UTF-8 bytes, compared against the record table's
 * path bytes. About 8 bytes per record on top of the loaded table.
 */
import type { RecordTable } from './index-reader.js';

const EMPTY = 0xffffffff;

export class PathLookup {
  private readonly slots: Uint32Array;
  private readonly mask: number;
  /** Which previous records were found again (the rest were removed). */
  readonly matched: Uint8Array;

  constructor(private readonly table: RecordTable) {
    let capacity = 16;
    while (capacity < table.size * 2) capacity *= 2;
    this.slots = new Uint32Array(capacity).fill(EMPTY);
    this.mask = capacity - 1;
    this.matched = new Uint8Array(table.size);
    for (let i = 0; i < table.size; i++) {
      let slot = hashBytes(table.pathBytes(i)) & this.mask;
      while (this.slots[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.slots[slot] = i;
    }
  }

  /** The record number of the path (UTF-8 bytes) in the previous index, or −1; marks it as matched. */
  find(bytes: Uint8Array): number {
    let slot = hashBytes(bytes) & this.mask;
    for (;;) {
      const candidate = this.slots[slot] ?? EMPTY;
      if (candidate === EMPTY) return -1;
      if (Buffer.compare(this.table.pathBytes(candidate), bytes) === 0) {
        this.matched[candidate] = 1;
        return candidate;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  get matchedCount(): number {
    let n = 0;
    for (const m of this.matched) n += m;
    return n;
  }
}

function hashBytes(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
