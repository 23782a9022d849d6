// The comparison of two checkpoints' region heatmaps: which checkpoints (A, B), which images, and
// every result computed so far, kept per (checkpoint, image). Asking again for a pair already here
// costs nothing, so switching A or B, reordering images or toggling regions is instant; only new
// pairs go to the host (which has its own cache too).
import type { ApiErrorInfo, CheckpointRef, FacePart, HeatmapImageRef, HeatmapImageResult, RegionScoreInfo } from '@contract/api';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, reactive, ref, shallowReactive } from 'vue';
import { toErrorInfo, useApi } from '../api';
import { decodeBase64 } from '../components/heatmaps/heatmap-overlay';
import { checkpointKey } from './checkpoints';

export type CompareSide = 'a' | 'b';

/** An image picked for the comparison. `key` identifies it across checkpoints. */
export interface ImageChoice {
  key: string;
  ref: HeatmapImageRef;
  label: string;
  thumbnail?: string;
}

/** A computed result, decoded once for drawing. */
export interface RegionMaps {
  label: string;
  /** The image as the model saw it (data URL). */
  input: string;
  /** [h, w] of the maps. */
  size: [number, number];
  regions: Uint8Array[];
  argmax: Uint8Array;
  regionScore?: RegionScoreInfo;
  partMask?: Uint8Array;
  partMaskSize?: [number, number];
}

export type ImageResult = { ok: true; maps: RegionMaps } | { ok: false; error: ApiErrorInfo };

export interface SideState {
  checkpoint: CheckpointRef | null;
  computing: boolean;
  /** Images finished of those sent in the current call. */
  progress: { done: number; total: number } | null;
  /** Why this checkpoint cannot be compared (the whole call failed). */
  error: ApiErrorInfo | null;
  numRegions: number | null;
  inputSize: number | null;
}

export const MAX_COMPARE_IMAGES = 16;
/** Keeps each call under the local server's request limit even with large uploads. */
const MAX_CALL_PAYLOAD = 24 * 1024 * 1024;

export function imageRefKey(ref: HeatmapImageRef): string {
  switch (ref.kind) {
    case 'synthetic':
      return `synthetic:${ref.index}`;
    case 'dataset':
      return `dataset:${ref.datasetId}:${ref.index}`;
    case 'upload':
      return `upload:${ref.dataUrl.length}:${fnv1a(ref.dataUrl)}`;
  }
}

export function resultKey(checkpoint: CheckpointRef, imageKey: string): string {
  return `${checkpointKey(checkpoint)}|${imageKey}`;
}

function emptySide(): SideState {
  return { checkpoint: null, computing: false, progress: null, error: null, numRegions: null, inputSize: null };
}

export const useHeatmapsStore = defineStore('heatmaps', () => {
  const sides = reactive<Record<CompareSide, SideState>>({ a: emptySide(), b: emptySide() });
  const images = ref<ImageChoice[]>([]);
  /** (checkpoint, image) → result. Shallow: the typed arrays inside are never mutated. */
  const results = shallowReactive(new Map<string, ImageResult>());
  const parts = ref<FacePart[] | null>(null);
  /** Shared by both panels: region index → shown. */
  const regionShown = ref<Record<number, boolean>>({});
  const opacity = ref(0.6);
  const mode = ref<'heatmaps' | 'segmentation'>('heatmaps');
  const contrast = ref<'probability' | 'stretched'>('stretched');

  const inFlight = new Map<string, Promise<void>>();
  /** What the host said about each checkpoint (region count, input size), so a cached one needs no call. */
  const checkpointFacts = new Map<string, { numRegions: number; inputSize: number }>();
  let stopProgress: (() => void) | undefined;

  const regionCount = computed(() => Math.max(sides.a.numRegions ?? 0, sides.b.numRegions ?? 0));
  const enabledRegions = computed(() => Array.from({ length: regionCount.value }, (_, n) => regionShown.value[n] !== false));

  function listenForProgress(): void {
    stopProgress ??= useApi().events.on('heatmaps.progress', (event) => {
      for (const side of ['a', 'b'] as const) {
        const checkpoint = sides[side].checkpoint;
        if (sides[side].computing && checkpoint?.runId === event.runId && checkpoint.name === event.name) sides[side].progress = { done: event.done, total: event.total };
      }
    });
  }

  function setCheckpoint(side: CompareSide, checkpoint: CheckpointRef | null): void {
    const current = sides[side].checkpoint;
    if (current?.runId === checkpoint?.runId && current?.name === checkpoint?.name) return;
    Object.assign(sides[side], emptySide(), { checkpoint }, checkpoint === null ? {} : checkpointFacts.get(checkpointKey(checkpoint)));
  }

  function swap(): void {
    const a = { ...sides.a };
    Object.assign(sides.a, sides.b);
    Object.assign(sides.b, a);
  }

  function addImage(choice: ImageChoice): boolean {
    if (images.value.some((i) => i.key === choice.key) || images.value.length >= MAX_COMPARE_IMAGES) return false;
    images.value = [...images.value, choice];
    return true;
  }

  function removeImage(key: string): void {
    images.value = images.value.filter((i) => i.key !== key);
  }

  function setImages(choices: ImageChoice[]): void {
    const seen = new Set<string>();
    images.value = choices.filter((c) => !seen.has(c.key) && seen.add(c.key)).slice(0, MAX_COMPARE_IMAGES);
  }

  function resultFor(side: CompareSide, imageKey: string): ImageResult | undefined {
    const checkpoint = sides[side].checkpoint;
    return checkpoint === null ? undefined : results.get(resultKey(checkpoint, imageKey));
  }

  function toggleRegion(index: number): void {
    regionShown.value = { ...regionShown.value, [index]: regionShown.value[index] === false };
  }

  function showAllRegions(shown: boolean): void {
    regionShown.value = Object.fromEntries(Array.from({ length: regionCount.value }, (_, n) => [n, shown]));
  }

  /** Computes what is missing for one side: only (checkpoint, image) pairs not already here or on their way. */
  async function compute(side: CompareSide): Promise<void> {
    const checkpoint = sides[side].checkpoint;
    if (checkpoint === null) return;
    listenForProgress();
    const waiting: Promise<void>[] = [];
    const missing: ImageChoice[] = [];
    for (const image of images.value) {
      const key = resultKey(checkpoint, image.key);
      if (results.has(key)) continue;
      const pending = inFlight.get(key);
      if (pending !== undefined) waiting.push(pending);
      else missing.push(image);
    }
    if (missing.length > 0) {
      const state = sides[side];
      state.computing = true;
      state.error = null;
      state.progress = { done: 0, total: missing.length };
      try {
        for (const batch of batches(missing)) {
          const call = requestBatch(side, checkpoint, batch);
          for (const image of batch) inFlight.set(resultKey(checkpoint, image.key), call);
          try {
            await call;
          } finally {
            for (const image of batch) inFlight.delete(resultKey(checkpoint, image.key));
          }
        }
      } catch (caught) {
        if (sameCheckpoint(sides[side].checkpoint, checkpoint)) sides[side].error = toErrorInfo(caught);
      } finally {
        if (sameCheckpoint(sides[side].checkpoint, checkpoint)) {
          sides[side].computing = false;
          sides[side].progress = null;
        }
      }
    }
    await Promise.allSettled(waiting);
  }

  async function requestBatch(side: CompareSide, checkpoint: CheckpointRef, batch: ImageChoice[]): Promise<void> {
    const response = await useApi().heatmaps.compute({ checkpoint, images: batch.map((b) => b.ref) });
    if (response.parts !== undefined) parts.value = response.parts;
    const facts = { numRegions: response.numRegions, inputSize: response.inputSize };
    checkpointFacts.set(checkpointKey(checkpoint), facts);
    for (const s of ['a', 'b'] as const) if (sameCheckpoint(sides[s].checkpoint, checkpoint)) Object.assign(sides[s], facts);
    response.results.forEach((result, i) => {
      const image = batch[i];
      if (image !== undefined) results.set(resultKey(checkpoint, image.key), decodeResult(result));
    });
  }

  /** Both sides, in parallel (the host runs one model at a time and answers each as it finishes). */
  async function run(): Promise<void> {
    await Promise.all([compute('a'), compute('b')]);
  }

  return {
    sides,
    images,
    results,
    parts,
    regionShown,
    regionCount,
    enabledRegions,
    opacity,
    mode,
    contrast,
    setCheckpoint,
    swap,
    addImage,
    removeImage,
    setImages,
    resultFor,
    toggleRegion,
    showAllRegions,
    compute,
    run,
  };
});

function decodeResult(result: HeatmapImageResult): ImageResult {
  if (!result.ok) return { ok: false, error: result.error };
  return {
    ok: true,
    maps: {
      label: result.label,
      input: result.input,
      size: result.size,
      regions: result.regions.map(decodeBase64),
      argmax: decodeBase64(result.argmax),
      ...(result.regionScore !== undefined ? { regionScore: result.regionScore } : {}),
      ...(result.partMask !== undefined ? { partMask: decodeBase64(result.partMask) } : {}),
      ...(result.partMaskSize !== undefined ? { partMaskSize: result.partMaskSize } : {}),
    },
  };
}

function sameCheckpoint(a: CheckpointRef | null, b: CheckpointRef | null): boolean {
  return a !== null && b !== null && a.runId === b.runId && a.name === b.name;
}

/** Up to 16 images per call, and uploads spread so no call exceeds the payload limit. */
function batches(images: ImageChoice[]): ImageChoice[][] {
  const out: ImageChoice[][] = [];
  let current: ImageChoice[] = [];
  let payload = 0;
  for (const image of images) {
    const size = image.ref.kind === 'upload' ? image.ref.dataUrl.length : 100;
    if (current.length > 0 && (current.length >= MAX_COMPARE_IMAGES || payload + size > MAX_CALL_PAYLOAD)) {
      out.push(current);
      current = [];
      payload = 0;
    }
    current.push(image);
    payload += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** 32-bit FNV-1a over the UTF-16 code units: a cheap identity for an upload's bytes. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16);
}

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useHeatmapsStore, import.meta.hot));
