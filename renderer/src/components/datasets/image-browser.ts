// Client side of browsing one dataset's images at any size: records arrive in pages by
// offset/limit (filtered and searched on the host) and thumbnails in batches for the visible range
// only, both cached with a bound so memory stays flat while scrolling through millions of images.
// When the query changes (filter, search, a new index generation) everything cached is dropped and
// late answers to old queries are ignored.
import type { ApiClient, ApiErrorInfo, DatasetImageItem } from '@contract/api';
import { ref, shallowRef } from 'vue';
import { toErrorInfo } from '../../api';

export interface ImageQuery {
  datasetId: string;
  /** The dataset's index generation: a new one invalidates every cached page and thumbnail. */
  generation: string | null;
  label?: number | undefined;
  split?: string | undefined;
  search?: string | undefined;
  status?: 'usable' | 'unusable' | 'all' | undefined;
}

export interface ImageBrowserOptions {
  pageSize?: number;
  /** Pages kept (LRU). */
  maxPages?: number;
  /** Thumbnails kept (LRU). */
  maxThumbnails?: number;
  thumbnailBatch?: number;
  /** Thumbnail batches in flight at once. */
  thumbnailConcurrency?: number;
  thumbnailSize?: number;
}

/** A thumbnail: its data URL, null when it cannot be made (with the reason), undefined while unknown. */
export interface ThumbnailState {
  dataUrl: string | null;
  error?: string | undefined;
}

export type ImageBrowser = ReturnType<typeof createImageBrowser>;

export function createImageBrowser(api: ApiClient, options: ImageBrowserOptions = {}) {
  const pageSize = options.pageSize ?? 200;
  const maxPages = options.maxPages ?? 60;
  const maxThumbnails = options.maxThumbnails ?? 3000;
  const batch = Math.min(100, options.thumbnailBatch ?? 60);
  const concurrency = options.thumbnailConcurrency ?? 2;

  /** Matching images; null until the first page of the current query arrives. */
  const total = ref<number | null>(null);
  const error = ref<ApiErrorInfo | null>(null);
  /** Bumped whenever cached data changes; readers touch it so Vue re-renders them. */
  const revision = ref(0);
  const query = shallowRef<ImageQuery | null>(null);

  let epoch = 0;
  let pages = new Map<number, DatasetImageItem[]>();
  let pendingPages = new Set<number>();
  let thumbnails = new Map<number, ThumbnailState>();
  let pendingThumbnails = new Set<number>();
  let thumbnailsInFlight = 0;
  let wanted = { first: 0, last: -1 };

  function touch(): void {
    revision.value++;
  }

  function setQuery(next: ImageQuery): void {
    const current = query.value;
    if (current && sameQuery(current, next)) return;
    query.value = next;
    epoch++;
    pages = new Map();
    pendingPages = new Set();
    thumbnails = new Map();
    pendingThumbnails = new Set();
    thumbnailsInFlight = 0;
    total.value = null;
    error.value = null;
    wanted = { first: 0, last: -1 };
    touch();
    void loadPage(0);
  }

  /** The item at position `i` of the current query, or undefined while its page loads. */
  function itemAt(i: number): DatasetImageItem | undefined {
    void revision.value;
    const page = pages.get(Math.floor(i / pageSize));
    return page?.[i % pageSize];
  }

  function thumbnailOf(recordIndex: number): ThumbnailState | undefined {
    void revision.value;
    return thumbnails.get(recordIndex);
  }

  /** Makes sure positions first…last (inclusive) get their records and thumbnails. */
  function ensureRange(first: number, last: number): void {
    wanted = { first, last };
    if (last < first) return;
    for (let page = Math.floor(first / pageSize); page <= Math.floor(last / pageSize); page++) void loadPage(page);
    pumpThumbnails();
  }

  async function loadPage(page: number): Promise<void> {
    const current = query.value;
    if (!current || pages.has(page) || pendingPages.has(page)) {
      if (pages.has(page)) remember(pages, page, pages.get(page)!, maxPages);
      return;
    }
    const started = epoch;
    pendingPages.add(page);
    try {
      const result = await api.datasets.images({
        datasetId: current.datasetId,
        offset: page * pageSize,
        limit: pageSize,
        ...(current.label === undefined ? {} : { label: current.label }),
        ...(current.split === undefined ? {} : { split: current.split }),
        ...(current.search ? { search: current.search } : {}),
        ...(current.status === undefined ? {} : { status: current.status }),
      });
      if (started !== epoch) return;
      total.value = result.total;
      remember(pages, page, result.items, maxPages);
      error.value = null;
      touch();
      pumpThumbnails();
    } catch (caught) {
      if (started === epoch) error.value = toErrorInfo(caught);
    } finally {
      if (started === epoch) pendingPages.delete(page);
    }
  }

  /** Requests thumbnails for the wanted range, nearest first, a few batches at a time. */
  function pumpThumbnails(): void {
    const current = query.value;
    while (current && thumbnailsInFlight < concurrency) {
      const indices: number[] = [];
      for (let i = wanted.first; i <= wanted.last && indices.length < batch; i++) {
        const item = itemAt(i);
        if (!item || thumbnails.has(item.index) || pendingThumbnails.has(item.index)) continue;
        indices.push(item.index);
      }
      if (indices.length === 0) return;
      void loadThumbnails(current, indices);
    }
  }

  async function loadThumbnails(current: ImageQuery, indices: number[]): Promise<void> {
    const started = epoch;
    thumbnailsInFlight++;
    for (const index of indices) pendingThumbnails.add(index);
    try {
      const { items } = await api.datasets.thumbnails({ datasetId: current.datasetId, indices, ...(options.thumbnailSize ? { size: options.thumbnailSize } : {}) });
      if (started !== epoch) return;
      for (const item of items) remember(thumbnails, item.index, { dataUrl: item.dataUrl, error: item.error }, maxThumbnails);
      touch();
    } catch (caught) {
      if (started !== epoch) return;
      const reason = toErrorInfo(caught).message;
      for (const index of indices) remember(thumbnails, index, { dataUrl: null, error: reason }, maxThumbnails);
      touch();
    } finally {
      if (started === epoch) {
        for (const index of indices) pendingThumbnails.delete(index);
        thumbnailsInFlight--;
        pumpThumbnails();
      }
    }
  }

  return {
    total,
    error,
    query,
    revision,
    setQuery,
    itemAt,
    thumbnailOf,
    ensureRange,
    /** Cached pages and thumbnails (for tests and diagnostics). */
    cacheSizes: () => ({ pages: pages.size, thumbnails: thumbnails.size }),
  };
}

/** Insert or refresh `key` as most recently used, evicting the oldest beyond `max`. */
function remember<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value as K);
}

function sameQuery(a: ImageQuery, b: ImageQuery): boolean {
  return a.datasetId === b.datasetId && a.generation === b.generation && a.label === b.label && a.split === b.split && (a.search ?? '') === (b.search ?? '') && a.status === b.status;
}
