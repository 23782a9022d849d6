// A run on a folder registered in the Datasets view uses the app's index instead of indexing again.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { indexDataset } from '../../../trainer/data/indexing/indexer.js';
import { openExistingDatasetIndex } from '../../../trainer/data/training-data.js';
import { registeredIndexDir } from '../../../trainer/data/workspace-datasets.js';

describe('workspace datasets (registered indexes)', () => {
  let dir: string;
  let workspace: string;
  let root: string;
  const env = (): NodeJS.ProcessEnv => ({ FRA_WORKSPACE: workspace });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fra-ws-datasets-'));
    workspace = join(dir, 'ws');
    root = join(dir, 'faces');
    for (const cls of ['a', 'b']) {
      await mkdir(join(root, cls), { recursive: true });
      for (let i = 0; i < 3; i++) {
        await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 40 * i, g: 90, b: 200 } } }).png().toFile(join(root, cls, `${i}.png`));
      }
    }
    await mkdir(join(workspace, 'datasets'), { recursive: true });
    await writeFile(
      join(workspace, 'datasets', 'registry.json'),
      JSON.stringify({ format: 'fra-workbench/datasets-registry', version: 1, datasets: [{ id: 'faces-1', name: 'faces', root, addedAt: new Date().toISOString(), synthetic: false }] }),
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('finds the registered index folder by the dataset root, also through a symlink', async () => {
    assert.equal(await registeredIndexDir(root, env()), join(workspace, 'cache', 'datasets', 'faces-1', 'index'));
    const link = join(dir, 'faces-link');
    await symlink(root, link);
    assert.equal(await registeredIndexDir(link, env()), join(workspace, 'cache', 'datasets', 'faces-1', 'index'));
    assert.equal(await registeredIndexDir(join(dir, 'elsewhere'), env()), undefined);
  });

  it('opens the app index once it exists, and reads an unreadable registry as none', async () => {
    assert.equal(await openExistingDatasetIndex(root, env()), null, 'nothing indexed yet');
    await indexDataset({ root, cacheDir: join(workspace, 'cache', 'datasets', 'faces-1', 'index') });
    const found = await openExistingDatasetIndex(root, env());
    assert.equal(found?.dir, join(workspace, 'cache', 'datasets', 'faces-1', 'index'));
    assert.equal(found?.index.summary.statistics.overall.usable, 6);
    await writeFile(join(workspace, 'datasets', 'registry.json'), '{ torn');
    assert.equal(await registeredIndexDir(root, env()), undefined);
  });
});
