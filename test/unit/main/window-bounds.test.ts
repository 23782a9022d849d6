import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_WINDOW_SIZE, parseSavedWindowState, restoreWindowBounds } from '../../../electron/main/window-bounds.js';

const laptop = { x: 0, y: 0, width: 1440, height: 875 };
const external = { x: 1440, y: 0, width: 2560, height: 1415 };

describe('window bounds', () => {
  it('opens centred at the default size when nothing was saved', () => {
    const b = restoreWindowBounds(undefined, [laptop], laptop);
    assert.deepEqual(b, { x: 80, y: 28, width: DEFAULT_WINDOW_SIZE.width, height: DEFAULT_WINDOW_SIZE.height });
  });

  it('restores saved bounds that are on a connected display', () => {
    const saved = { bounds: { x: 1600, y: 100, width: 1800, height: 1000 }, maximized: false, fullScreen: false };
    assert.deepEqual(restoreWindowBounds(saved, [laptop, external], laptop), saved.bounds);
  });

  it('never reopens off-screen after the external display is unplugged', () => {
    const saved = { bounds: { x: 1600, y: 100, width: 1800, height: 1000 }, maximized: false, fullScreen: false };
    const b = restoreWindowBounds(saved, [laptop], laptop);
    assert.ok(b.x >= 0 && b.x + b.width <= laptop.width && b.y >= 0 && b.y + b.height <= laptop.height, JSON.stringify(b));
  });

  it('shrinks and moves bounds that are larger than the display they are on', () => {
    const saved = { bounds: { x: -100, y: -50, width: 3000, height: 2000 }, maximized: true, fullScreen: false };
    assert.deepEqual(restoreWindowBounds(saved, [laptop], laptop), { x: 0, y: 0, width: laptop.width, height: laptop.height });
  });

  it('reads malformed saved state as nothing saved', () => {
    for (const bad of [null, 42, {}, { bounds: { x: 0, y: 0, width: -5, height: 10 } }, { bounds: { x: 'a', y: 0, width: 5, height: 5 } }]) {
      assert.equal(parseSavedWindowState(bad), undefined, JSON.stringify(bad));
    }
    assert.deepEqual(parseSavedWindowState({ bounds: { x: 1, y: 2, width: 3, height: 4 }, maximized: true }), {
      bounds: { x: 1, y: 2, width: 3, height: 4 },
      maximized: true,
      fullScreen: false,
    });
  });
});
