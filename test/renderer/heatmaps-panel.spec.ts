// One comparison panel: what it shows for a computed result (region count for end-to-end tests,
// the region score for synthetic faces) and for a checkpoint that cannot be compared.
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { regionPalette } from '../../renderer/src/components/heatmaps/region-palette';
import type { ImageResult, SideState } from '../../renderer/src/stores/heatmaps';
import ComparePanel from '../../renderer/src/views/compare/ComparePanel.vue';

const PIXEL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function side(overrides: Partial<SideState> = {}): SideState {
  return { checkpoint: { runId: 'run-1', name: 'epoch-0001-step-00000010' }, computing: false, progress: null, error: null, numRegions: 2, inputSize: 112, ...overrides };
}

const result: ImageResult = {
  ok: true,
  maps: {
    label: 'Synthetic face #0',
    input: PIXEL,
    size: [1, 2],
    regions: [Uint8Array.from([255, 0]), Uint8Array.from([0, 255])],
    argmax: Uint8Array.from([0, 1]),
    regionScore: { nmi: 0.5, foregroundNmi: 0.4, meanBestIoU: 0.25, perRegionIoU: [0.5, 0], perRegionPart: [1, null] },
  },
};

function props(overrides: Record<string, unknown>) {
  return {
    side: 'a' as const,
    checkpointLabel: 'run · epoch-0001-step-00000010',
    imageLabel: 'Synthetic face #0',
    result: undefined,
    state: side(),
    palette: regionPalette(2),
    enabled: [true, true],
    opacity: 0.5,
    mode: 'heatmaps' as const,
    contrast: 'probability' as const,
    parts: [
      { id: 0, name: 'background', color: [0, 0, 0] as [number, number, number] },
      { id: 1, name: 'skin', color: [222, 184, 135] as [number, number, number] },
    ],
    size: 64,
    ...overrides,
  };
}

describe('compare panel', () => {
  it('shows a computed result with its region count and region score', () => {
    const panel = mount(ComparePanel, { props: props({ result }) });
    const figure = panel.get('[data-testid=compare-panel-a]');
    expect(figure.attributes('data-regions')).toBe('2');
    expect(panel.get('canvas').attributes('aria-label')).toContain('2 of 2 regions shown');
    const score = panel.get('[data-testid=compare-score]');
    expect(score.text()).toContain('NMI 0.50');
    expect(score.text()).toContain('IoU 0.25');
    expect(score.text()).toContain('Region 1 → skin (0.50)');
    expect(score.text()).toContain('Region 2 → nothing (0.00)');
  });

  it("says why a checkpoint cannot be compared, and shows no region count", () => {
    const error = { code: 'no-region-decoder', message: 'This checkpoint has no region decoder (backbone only).', hint: 'Compare FRA pre-training checkpoints.' };
    const panel = mount(ComparePanel, { props: props({ state: side({ error }) }) });
    expect(panel.get('[data-testid=compare-panel-a]').attributes('data-regions')).toBeUndefined();
    expect(panel.get('[data-testid=compare-panel-error]').text()).toContain('no region decoder');
    expect(panel.get('[role=alert]').text()).toContain('Compare FRA pre-training checkpoints.');
  });

  it('shows progress while computing and asks for a checkpoint when none is chosen', () => {
    const computing = mount(ComparePanel, { props: props({ state: side({ computing: true, progress: { done: 1, total: 3 } }) }) });
    expect(computing.text()).toContain('Computing 1 / 3');
    const none = mount(ComparePanel, { props: props({ side: 'b', state: side({ checkpoint: null }) }) });
    expect(none.text()).toContain('Choose checkpoint B above.');
  });
});
