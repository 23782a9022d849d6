// The datasets service's lifecycle beyond one folder: the built-in synthetic faces (generated on
// first use, reused after), cancelling, an unfinished add resumed at startup, a damaged registry.
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, nextEvent, recordEvents, removeDir, settled, startDatasetsHost, writeClassFolders, type DatasetsHost } from './datasets-fixture.js';

describe('datasets service lifecycle', () => {
  let temp: string;
  let workspace: string;
  let host: DatasetsHost;

  before(async () => {
    temp = await makeTempDir('lifecycle');
    workspace = join(temp, 'workspace');
    host = await startDatasetsHost(workspace);
  });

  after(async () => {
    await host.close();
    await removeDir(temp);
  });

  it('generates the built-in synthetic faces on first use, indexes them, and reuses them afterwards', async () => {
    const progress = recordEvents(host.events, 'datasets.indexProgress');
    const { dataset } = await host.call('datasets.addSynthetic', { count: 12, size: 64 });
    assert.equal(dataset.synthetic, true);
    assert.equal(dataset.state, 'indexing');
    const ready = await settled(host.events, dataset.id);
    progress.stop();

    assert.equal(ready.state, 'ready', ready.stateReason);
    assert.equal(ready.imageCount, 12);
    assert.equal(ready.layoutKind, 'image-folder');
    assert.deepEqual(ready.classNames, ['angry', 'happy', 'neutral', 'sad', 'surprised']);
    assert.equal(ready.root, join(workspace, 'datasets', 'synthetic-faces-12x64', 'images'));
    const phases = new Set(progress.list.map((p) => p.phase));
    assert.ok(phases.has('generating') && phases.has('done'), [...phases].join());
    const generating = progress.list.filter((p) => p.phase === 'generating');
    assert.equal(generating.at(-1)?.filesSeen, 12);
    assert.equal(generating.at(-1)?.expectedFiles, 12);
    const masks = await readdir(join(workspace, 'datasets', 'synthetic-faces-12x64', 'masks', 'happy'));
    assert.ok(masks.length > 0, 'part masks are written beside the images');

    const again = recordEvents(host.events, 'datasets.indexProgress');
    const second = await host.call('datasets.addSynthetic', { count: 12, size: 64 });
    again.stop();
    assert.equal(second.dataset.id, dataset.id);
    assert.equal(second.dataset.state, 'ready');
    assert.equal(again.list.length, 0, 'nothing is generated or indexed twice');

    // Removing it keeps the generated faces: re-adding indexes them without generating again.
    await host.call('datasets.remove', { datasetId: dataset.id });
    assert.ok((await stat(join(ready.root, 'happy'))).isDirectory());
    const readd = recordEvents(host.events, 'datasets.indexProgress');
    const back = await host.call('datasets.addSynthetic', { count: 12, size: 64 });
    const backReady = await settled(host.events, back.dataset.id);
    readd.stop();
    assert.equal(backReady.imageCount, 12);
    assert.ok(readd.list.every((p) => p.phase !== 'generating'));
    await host.call('datasets.remove', { datasetId: back.dataset.id });
  });

  it('cancels a running generation: the dataset is failed with the reason, and no partial folder is left', async () => {
    const started = nextEvent(host.events, 'datasets.indexProgress', (p) => p.phase === 'generating' && p.filesSeen > 0);
    const { dataset } = await host.call('datasets.addSynthetic', { count: 5000, size: 64 });
    await started;
    const done = settled(host.events, dataset.id);
    const cancelled = await host.call('datasets.cancelIndexing', { datasetId: dataset.id });
    assert.equal(cancelled.dataset.state, 'failed');
    assert.match(cancelled.dataset.stateReason ?? '', /cancelled/);
    assert.match(cancelled.dataset.stateHint ?? '', /Refresh/);
    assert.equal((await done).state, 'failed');
    const left = await readdir(join(workspace, 'datasets'));
    assert.ok(!left.some((name) => name.endsWith('.partial')), left.join());

    // Not retried behind the user's back on the next start…
    await host.close();
    host = await startDatasetsHost(workspace);
    const listed = (await host.call('datasets.list', undefined)).datasets.find((d) => d.id === dataset.id);
    assert.equal(listed?.state, 'failed');
    // …and removable.
    await host.call('datasets.remove', { datasetId: dataset.id });
  });

  it('resumes an add that never finished indexing when the service starts again', async () => {
    const root = join(temp, 'unfinished');
    await writeClassFolders(root, ['x', 'y'], 2);
    await host.close();
    const registry = { format: 'fra-workbench/datasets-registry', version: 1, datasets: [{ id: 'unfinished-abc123', name: 'unfinished', root, addedAt: new Date().toISOString(), synthetic: false }] };
    await mkdir(join(workspace, 'datasets'), { recursive: true });
    await writeFile(join(workspace, 'datasets', 'registry.json'), JSON.stringify(registry));
    host = await startDatasetsHost(workspace);
    const listed = (await host.call('datasets.list', undefined)).datasets;
    assert.equal(listed[0]?.id, 'unfinished-abc123');
    const ready = listed[0]!.state === 'indexing' ? await settled(host.events, 'unfinished-abc123') : listed[0]!;
    assert.equal(ready.state, 'ready');
    assert.equal(ready.imageCount, 4);
  });

  it('keeps a damaged registry aside instead of overwriting it', async () => {
    await host.close();
    await writeFile(join(workspace, 'datasets', 'registry.json'), '{ this is not json');
    host = await startDatasetsHost(workspace);
    assert.deepEqual((await host.call('datasets.list', undefined)).datasets, []);
    const names = await readdir(join(workspace, 'datasets'));
    const kept = names.find((name) => name.startsWith('registry.json.damaged-'));
    assert.ok(kept, names.join());
    assert.equal(await readFile(join(workspace, 'datasets', kept), 'utf8'), '{ this is not json');
  });
});
