/**
 * The heatmaps service with its real worker thread over a real temporary workspace holding a
 * real, very short pre-training run: N region maps of the right size for synthetic faces (with a
 * region score against their true part masks) and for an opened image file; a repeated request is
 * answered from the cache; one bad image does not spoil the others; an unusable checkpoint
 * (corrupted, backbone only, missing) fails the call with a message that says so.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ApiError } from '../../electron/contract/api-error.js';
import { createApiEventHub } from '../../electron/contract/api-event-hub.js';
import type { ApiEventMessage } from '../../electron/contract/api-table.js';
import type { HeatmapImageResult } from '../../electron/contract/heatmaps-api.js';
import { createDatasetsService, type DatasetsService } from '../../electron/services/datasets/datasets-service.js';
import { createHeatmapsService, type HeatmapsService } from '../../electron/services/heatmaps/heatmaps-service.js';
import { RunStore } from '../../electron/services/runs/run-store.js';
import { ForkLauncher } from '../../electron/services/trainer-host/trainer-process.js';
import type { WorkbenchContext } from '../../electron/services/workbench-context.js';
import { exportBackbone } from '../../trainer/run/export-backbone.js';
import { makeTinyRun, type TinyRun } from '../unit/services/checkpoints/tiny-run-fixture.js';

const REGIONS = 4;
// The tiny run trains at 32 px; heatmaps are computed at 112 px (4×4 cells after the ResNet's /32).
const INPUT = 112;
const GRID = 4;

function bytes(base64: string): Uint8Array {
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

function ok(result: HeatmapImageResult | undefined): Extract<HeatmapImageResult, { ok: true }> {
  assert.ok(result, 'a result for every image');
  assert.ok(result.ok, `expected a heatmap, got ${result.ok ? '' : `${result.error.code}: ${result.error.message}`}`);
  return result;
}

async function rejectsWith(promise: unknown, code: string, message?: RegExp): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, `expected an ApiError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return error;
  }
  assert.fail(`expected a rejection with code ${code}`);
}

async function pngDataUrl(width: number, height: number): Promise<string> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels.set([(x * 255) / width, (y * 255) / height, 128], (y * width + x) * 3);
  const png = await sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** Checks one computed result's maps against each other: sizes, ranges, probabilities, argmax. */
function assertConsistentMaps(result: Extract<HeatmapImageResult, { ok: true }>): void {
  assert.deepEqual(result.size, [GRID, GRID]);
  assert.equal(result.regions.length, REGIONS);
  const maps = result.regions.map(bytes);
  const labels = bytes(result.argmax);
  assert.equal(labels.length, GRID * GRID);
  for (const map of maps) assert.equal(map.length, GRID * GRID);
  for (let cell = 0; cell < GRID * GRID; cell++) {
    // Softmax over regions: the probabilities of a cell sum to 1 (255 after rounding each).
    const sum = maps.reduce((total, map) => total + map[cell]!, 0);
    assert.ok(Math.abs(sum - 255) <= REGIONS, `cell ${cell} sums to ${sum}/255`);
    const label = labels[cell]!;
    assert.ok(label < REGIONS);
    for (const map of maps) assert.ok(map[cell]! <= maps[label]![cell]! + 1, 'the argmax region is the most probable one');
  }
}

describe('heatmaps service (worker thread, real checkpoints)', () => {
  let workspace: string;
  let run: TinyRun;
  let datasets: DatasetsService;
  let service: HeatmapsService;
  let hub: ReturnType<typeof createApiEventHub>;
  const events: ApiEventMessage[] = [];

  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'fra-heatmaps-'));
    run = await makeTinyRun(workspace, { name: 'heatmap source' });
    hub = createApiEventHub();
    hub.subscribe((message) => events.push(message));
    const context: WorkbenchContext = {
      appName: 'FRA Workbench',
      appVersion: '0.0.0-test',
      hostKind: 'server',
      workspace,
      events: hub,
      runStore: new RunStore(workspace, { reserveBytes: 0, appVersion: '0.0.0-test' }),
      launcher: new ForkLauncher(),
      log: () => undefined,
    };
    datasets = await createDatasetsService(context);
    service = await createHeatmapsService(context, datasets);
  });

  after(async () => {
    await service?.close();
    await datasets?.close();
    await rm(workspace, { recursive: true, force: true });
  });

  it('computes N region maps and a region score for synthetic faces, then answers again from the cache', async () => {
    const checkpoint = { runId: run.runId, name: run.checkpoints[2]! };
    const images = [
      { kind: 'synthetic' as const, index: 0 },
      { kind: 'synthetic' as const, index: 5 },
    ];
    const before = events.length;
    const first = await service.handlers['heatmaps.compute']({ checkpoint, images });
    assert.equal(first.numRegions, REGIONS);
    assert.equal(first.inputSize, INPUT);
    assert.equal(first.scale, 'probability');
    assert.equal(first.cached, false);
    assert.equal(first.parts?.[0]?.name, 'background');
    assert.equal(first.results.length, 2);
    for (const raw of first.results) {
      const result = ok(raw);
      assert.equal(result.cached, false);
      assertConsistentMaps(result);
      const score = result.regionScore;
      assert.ok(score, 'synthetic faces carry a region score');
      assert.ok(score.nmi >= 0 && score.nmi <= 1);
      assert.ok(score.meanBestIoU >= 0 && score.meanBestIoU <= 1);
      assert.equal(score.perRegionIoU.length, REGIONS);
      assert.deepEqual(result.partMaskSize, [INPUT, INPUT]);
      const mask = bytes(result.partMask!);
      assert.equal(mask.length, INPUT * INPUT);
      assert.ok(mask.every((part) => part < first.parts!.length));
      assert.ok(new Set(mask).size >= 4, 'the true mask shows several face parts');
      const meta = await sharp(bytes(result.input.slice(result.input.indexOf(',') + 1))).metadata();
      assert.deepEqual([meta.width, meta.height], [INPUT, INPUT], 'the input is shown as the model saw it');
    }
    assert.notEqual(first.results[0]!.ok && first.results[0]!.argmax + first.results[0]!.regions.join(), first.results[1]!.ok && first.results[1]!.argmax + first.results[1]!.regions.join());
    const progress = events.slice(before).flatMap((m) => (m.event === 'heatmaps.progress' ? [m.data] : []));
    assert.deepEqual(
      progress.map((p) => [p.done, p.total]),
      [
        [1, 2],
        [2, 2],
      ],
    );

    const eventsBefore = events.length;
    const second = await service.handlers['heatmaps.compute']({ checkpoint, images });
    assert.equal(second.cached, true);
    second.results.forEach((raw, i) => {
      const result = ok(raw);
      const original = ok(first.results[i]);
      assert.equal(result.cached, true);
      assert.deepEqual({ ...result, cached: false }, original);
    });
    assert.equal(events.length, eventsBefore, 'a cached answer runs nothing');
  });

  it('computes heatmaps for an opened image file; a bad upload or a missing dataset image fails alone', async () => {
    const checkpoint = { runId: run.runId, name: run.checkpoints[1]! };
    const response = await service.handlers['heatmaps.compute']({
      checkpoint,
      images: [
        { kind: 'upload', name: 'gradient.png', dataUrl: await pngDataUrl(300, 200) },
        { kind: 'upload', name: 'notes.txt', dataUrl: `data:text/plain;base64,${Buffer.from('hello').toString('base64')}` },
        { kind: 'upload', name: 'broken.png', dataUrl: `data:image/png;base64,${Buffer.from('definitely not a png').toString('base64')}` },
        { kind: 'dataset', datasetId: 'no-such-dataset', index: 3 },
        { kind: 'synthetic', index: 1 },
      ],
    });
    assert.equal(response.cached, false);
    const upload = ok(response.results[0]);
    assert.equal(upload.label, 'gradient.png');
    assertConsistentMaps(upload);
    assert.equal(upload.regionScore, undefined, 'no true parts for a real image');
    assert.equal(upload.partMask, undefined);
    const [, text, broken, dataset] = response.results;
    assert.ok(text && !text.ok && text.error.code === 'unreadable-image' && /text\/plain/.test(text.error.message));
    assert.ok(broken && !broken.ok && broken.error.code === 'unreadable-image' && broken.error.hint);
    assert.ok(dataset && !dataset.ok && dataset.error.message.length > 0);
    ok(response.results[4]);

    // The same bytes under another name are the same image: cached.
    const again = await service.handlers['heatmaps.compute']({ checkpoint, images: [{ kind: 'upload', name: 'copy.png', dataUrl: await pngDataUrl(300, 200) }] });
    assert.equal(ok(again.results[0]).cached, true);
    assert.equal(ok(again.results[0]).label, 'copy.png');
  });

  it('computes heatmaps for an image of a registered dataset, resolved by the datasets service', async () => {
    const root = join(workspace, 'faces');
    for (const label of ['happy', 'sad']) {
      await mkdir(join(root, label), { recursive: true });
      for (const i of [0, 1]) {
        const png = await sharp({ create: { width: 96, height: 80, channels: 3, background: { r: 60 + 80 * i, g: label === 'happy' ? 150 : 90, b: 110 } } }).png().toBuffer();
        await writeFile(join(root, label, `face-${i}.png`), png);
      }
    }
    const ready = new Promise<void>((resolve) => {
      const stop = hub.subscribe((message) => {
        if (message.event === 'datasets.changed' && message.data.dataset.root === root && message.data.dataset.state !== 'indexing') {
          stop();
          resolve();
        }
      });
    });
    const { dataset } = await datasets.handlers['datasets.add']({ path: root, name: 'four faces' });
    if (dataset.state === 'indexing') await ready;
    const checkpoint = { runId: run.runId, name: run.checkpoints[2]! };
    const response = await service.handlers['heatmaps.compute']({ checkpoint, images: [{ kind: 'dataset', datasetId: dataset.id, index: 0 }] });
    const result = ok(response.results[0]);
    assertConsistentMaps(result);
    assert.match(result.label, /face-\d\.png · (happy|sad)/);
    assert.equal(result.regionScore, undefined);
    const again = await service.handlers['heatmaps.compute']({ checkpoint, images: [{ kind: 'dataset', datasetId: dataset.id, index: 0 }] });
    assert.equal(again.cached, true);
  });

  it('offers synthetic faces to pick from, as thumbnails', async () => {
    const { total, samples } = await service.handlers['heatmaps.syntheticSamples']({ offset: 4, count: 3 });
    assert.equal(total, 10_000);
    assert.deepEqual(
      samples.map((s) => s.index),
      [4, 5, 6],
    );
    for (const sample of samples) {
      const meta = await sharp(bytes(sample.thumbnail.slice(sample.thumbnail.indexOf(',') + 1))).metadata();
      assert.equal(meta.format, 'png');
      assert.equal(meta.width, 112);
    }
  });

  it('refuses a corrupted checkpoint, a backbone-only one and a missing one with a clear error', async () => {
    await rejectsWith(service.handlers['heatmaps.compute']({ checkpoint: { runId: run.runId, name: 'epoch-0009-step-00000999' }, images: [{ kind: 'synthetic', index: 0 }] }), 'not-found');

    const name = run.checkpoints[0]!;
    const file = join(run.runDir, 'checkpoints', `${name}.safetensors`);
    const original = await readFile(file);
    const damaged = Buffer.from(original);
    damaged[damaged.length - 64] = damaged[damaged.length - 64]! ^ 0xff;
    await writeFile(file, damaged);
    try {
      const error = await rejectsWith(service.handlers['heatmaps.compute']({ checkpoint: { runId: run.runId, name }, images: [{ kind: 'synthetic', index: 0 }] }), 'checkpoint-corrupted', /corrupted/);
      assert.ok(error.hint);
    } finally {
      await writeFile(file, original);
    }

    // Imported weights in a run folder: the backbone alone, registered like any checkpoint.
    const store = new RunStore(workspace, { reserveBytes: 0 });
    const imported = 'imported-backbone';
    const importedFile = join(run.runDir, 'checkpoints', `${imported}.safetensors`);
    await exportBackbone(file, importedFile);
    const sha256 = createHash('sha256').update(await readFile(importedFile)).digest('hex');
    await writeFile(
      join(run.runDir, 'checkpoints', `${imported}.json`),
      JSON.stringify({
        format: 'fra-workbench-checkpoint/1',
        position: { epoch: 0, iterationInEpoch: 0, globalStep: 0, iterationsPerEpoch: 1 },
        metrics: {},
        createdAt: new Date(0).toISOString(),
        tensorsFile: `${imported}.safetensors`,
        tensorsSha256: sha256,
      }),
    );
    // It has no metrics, so no rank: keep everything while registering it, and pin it to stay.
    const policy = (await store.openLedger(run.runId)).policy;
    const ledger = await store.openLedger(run.runId, { ...policy, saveTopK: -1 });
    await ledger.register(imported);
    await ledger.pin(imported);
    await ledger.setPolicy(policy);
    assert.ok(ledger.get(imported), 'the imported weights are listed like any checkpoint');
    await rejectsWith(
      service.handlers['heatmaps.compute']({ checkpoint: { runId: run.runId, name: imported }, images: [{ kind: 'synthetic', index: 0 }] }),
      'no-region-decoder',
      /no region decoder \(backbone only\)/,
    );
  });
});
