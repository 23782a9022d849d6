/**
 * Record access for the dataset browser, sized for millions of images:
 *
 * - Unfiltered browsing reads pages of records straight from the index at their offsets (a few
 *   KB per page, LRU-cached), so opening a 3.3M-image dataset costs nothing up front.
 * - Filters (label, split, status) and path search need every record once: the record table is
 *   loaded on first use (~70 bytes per image) and each distinct query's matches are kept as a
 *   compact list of record numbers, so paging through a filtered view is O(page).
 * - Scans yield to the event loop every few milliseconds: a search over millions of paths never
 *   stalls the host's other requests.
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { DatasetIndex, RecordTable } from '../../../trainer/data/indexing/index-reader.js';
import type { IndexRecord } from '../../../trainer/data/indexing/index-record.js';

export type StatusFilter = 'usable' | 'unusable' | 'all';

export interface RecordQuery {
  status: StatusFilter;
  label?: number | undefined;
  /** Index into the layout's splits. */
  split?: number | undefined;
  /** Path substring; ASCII letters match case-insensitively. */
  search?: string | undefined;
}

export interface RecordPage {
  total: number;
  records: { index: number; record: IndexRecord }[];
}

const PAGE_RECORDS = 512;
const CACHED_PAGES = 64;
const CACHED_QUERIES = 6;
const YIELD_EVERY_MS = 8;

export class DatasetRecords {
  private readonly pages = new Map<number, Promise<IndexRecord[]>>();
  private table: Promise<RecordTable> | null = null;
  private readonly matches = new Map<string, Promise<Uint32Array>>();

  constructor(private readonly index: DatasetIndex) {}

  get size(): number {
    return this.index.size;
  }

  get generation(): string {
    return this.index.summary.generation;
  }

  /** One record; throws RangeError outside the index. */
  async record(i: number): Promise<IndexRecord> {
    if (!(Number.isInteger(i) && i >= 0 && i < this.size)) throw new RangeError(`record ${i} is outside the index (0…${this.size - 1})`);
    if (this.table) return (await this.table).record(i);
    const page = await this.page(Math.floor(i / PAGE_RECORDS));
    const record = page[i % PAGE_RECORDS];
    if (!record) throw new RangeError(`record ${i} is missing from its page`);
    return record;
  }

  /** `limit` records from `offset` of the records matching `query`, and how many match in all. */
  async query(query: RecordQuery, offset: number, limit: number): Promise<RecordPage> {
    if (this.isEverything(query)) {
      const end = Math.min(this.size, offset + limit);
      const records: RecordPage['records'] = [];
      for (let i = offset; i < end; i++) records.push({ index: i, record: await this.record(i) });
      return { total: this.size, records };
    }
    const matches = await this.matchesOf(query);
    const end = Math.min(matches.length, offset + limit);
    const table = await this.loadTable();
    const records: RecordPage['records'] = [];
    for (let k = offset; k < end; k++) {
      const i = matches[k]!;
      records.push({ index: i, record: table.record(i) });
    }
    return { total: matches.length, records };
  }

  /** True when the query selects every record, so no scan is needed. */
  private isEverything(query: RecordQuery): boolean {
    if (query.label !== undefined || query.split !== undefined || (query.search ?? '') !== '') return false;
    if (query.status === 'all') return true;
    const statistics = this.index.summary.statistics.overall;
    return query.status === 'usable' ? statistics.bad === 0 : statistics.usable === 0;
  }

  private page(number: number): Promise<IndexRecord[]> {
    let page = this.pages.get(number);
    if (page) {
      // Re-insert: Map order is the LRU order.
      this.pages.delete(number);
      this.pages.set(number, page);
      return page;
    }
    page = this.index.readRecords(number * PAGE_RECORDS, PAGE_RECORDS);
    this.pages.set(number, page);
    page.catch(() => this.pages.delete(number));
    while (this.pages.size > CACHED_PAGES) this.pages.delete(this.pages.keys().next().value!);
    return page;
  }

  private loadTable(): Promise<RecordTable> {
    if (!this.table) {
      const loading = this.index.loadRecords();
      this.table = loading;
      loading.then(
        () => this.pages.clear(),
        () => {
          if (this.table === loading) this.table = null;
        },
      );
    }
    return this.table;
  }

  private matchesOf(query: RecordQuery): Promise<Uint32Array> {
    const key = JSON.stringify([query.status, query.label ?? null, query.split ?? null, (query.search ?? '').toLowerCase()]);
    let found = this.matches.get(key);
    if (found) {
      this.matches.delete(key);
      this.matches.set(key, found);
      return found;
    }
    found = this.loadTable().then((table) => scan(table, query));
    this.matches.set(key, found);
    found.catch(() => this.matches.delete(key));
    while (this.matches.size > CACHED_QUERIES) this.matches.delete(this.matches.keys().next().value!);
    return found;
  }
}

async function scan(table: RecordTable, query: RecordQuery): Promise<Uint32Array> {
  const out = new Uint32Array(table.size);
  const needle = query.search ? asciiLower(Buffer.from(query.search, 'utf8')) : null;
  const scratch = Buffer.alloc(needle ? 1 << 16 : 0);
  let count = 0;
  let lastYield = performance.now();
  for (let i = 0; i < table.size; i++) {
    if ((i & 4095) === 4095 && performance.now() - lastYield >= YIELD_EVERY_MS) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
    if (query.status !== 'all' && table.isUsable(i) !== (query.status === 'usable')) continue;
    if (query.label !== undefined && table.label(i) !== query.label) continue;
    if (query.split !== undefined && table.split(i) !== query.split) continue;
    if (needle && !containsFolded(table.pathBytes(i), needle, scratch)) continue;
    out[count++] = i;
  }
  return out.slice(0, count);
}

/** Lower-cases ASCII letters in place (UTF-8 multi-byte sequences never contain ASCII bytes). */
function asciiLower(bytes: Buffer): Buffer {
  for (let k = 0; k < bytes.length; k++) {
    const b = bytes[k]!;
    if (b >= 65 && b <= 90) bytes[k] = b + 32;
  }
  return bytes;
}

function containsFolded(path: Buffer, needle: Buffer, scratch: Buffer): boolean {
  if (needle.length > path.length) return false;
  const folded = scratch.subarray(0, path.length);
  path.copy(folded);
  return asciiLower(folded).includes(needle);
}
