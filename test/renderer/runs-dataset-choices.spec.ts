// How a workspace dataset fills the run configuration's `dataset` and `dataRoot`.
import { describe, expect, it } from 'vitest';
import { datasetConfigFor, datasetUnavailableReason, type DatasetChoice } from '../../renderer/src/views/runs/use-dataset-choices.js';

function dataset(overrides: Partial<DatasetChoice>): DatasetChoice {
  return {
    id: 'd1',
    name: 'faces',
    root: '/data/faces',
    state: 'ready',
    imageCount: 100,
    fileCount: 100,
    problemCount: 0,
    layoutKind: 'image-folder',
    layoutDescription: 'Class folders',
    labelRole: 'identity',
    synthetic: false,
    classNames: [],
    splits: ['train'],
    addedAt: '2026-11-28T00:00:00.000Z',
    indexedAt: '2026-11-28T00:00:00.000Z',
    indexGeneration: 'g1',
    ...overrides,
  } as DatasetChoice;
}

describe('dataset choices', () => {
  it('maps the synthetic faces, VGGFace2 and any other folder to the trainer\'s datasets', () => {
    expect(datasetConfigFor(dataset({ synthetic: true, root: '/ws/datasets/synthetic' }))).toEqual({ dataset: 'synthetic', dataRoot: '' });
    expect(datasetConfigFor(dataset({ layoutKind: 'vggface2', root: '/data/vgg' }))).toEqual({ dataset: 'vggface2', dataRoot: '/data/vgg' });
    expect(datasetConfigFor(dataset({ layoutKind: 'raf-db', root: '/data/raf' }))).toEqual({ dataset: 'image_folder', dataRoot: '/data/raf' });
  });

  it('says why a dataset cannot be chosen yet', () => {
    expect(datasetUnavailableReason(dataset({}))).toBeNull();
    expect(datasetUnavailableReason(dataset({ state: 'indexing' }))).toBe('still being indexed');
    expect(datasetUnavailableReason(dataset({ state: 'missing' }))).toBe('its folder is missing');
    expect(datasetUnavailableReason(dataset({ state: 'failed', stateReason: 'no images found' }))).toBe('no images found');
    expect(datasetUnavailableReason(dataset({ imageCount: 0 }))).toBe('no usable images');
  });
});
