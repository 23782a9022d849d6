// Where the window reopens: the saved bounds when they still fit a connected display, otherwise
// a default size centred on the primary display. Pure (no Electron import) so it is unit-tested;
// window-state.ts does the reading, writing and event wiring.

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SavedWindowState {
  bounds: Rectangle;
  maximized: boolean;
  fullScreen: boolean;
}

export const DEFAULT_WINDOW_SIZE = { width: 1280, height: 820 } as const;
export const MIN_WINDOW_SIZE = { width: 900, height: 600 } as const;

/** Minimum overlap (px, each axis) with some display's work area for saved bounds to count as visible. */
const MIN_VISIBLE = 64;

/** Parses what was saved; anything malformed (hand-edited, older format, truncated) reads as "nothing saved". */
export function parseSavedWindowState(value: unknown): SavedWindowState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const b = v['bounds'] as Record<string, unknown> | undefined;
  if (typeof b !== 'object' || b === null) return undefined;
  const numbers = [b['x'], b['y'], b['width'], b['height']];
  if (!numbers.every((n) => typeof n === 'number' && Number.isFinite(n))) return undefined;
  const [x, y, width, height] = numbers as [number, number, number, number];
  if (width <= 0 || height <= 0) return undefined;
  return { bounds: { x, y, width, height }, maximized: v['maximized'] === true, fullScreen: v['fullScreen'] === true };
}

function overlap(a: Rectangle, b: Rectangle): { x: number; y: number } {
  return {
    x: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    y: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/**
 * The bounds to open with. A display that was unplugged (or a resolution that shrank) must never
 * leave the window off-screen: saved bounds are used only when a good part of them lies on a
 * display, and are shrunk to fit that display's work area.
 */
export function restoreWindowBounds(saved: SavedWindowState | undefined, workAreas: readonly Rectangle[], primary: Rectangle): Rectangle {
  const centred = (area: Rectangle): Rectangle => {
    const width = Math.min(DEFAULT_WINDOW_SIZE.width, area.width);
    const height = Math.min(DEFAULT_WINDOW_SIZE.height, area.height);
    return { x: Math.round(area.x + (area.width - width) / 2), y: Math.round(area.y + (area.height - height) / 2), width, height };
  };
  if (saved === undefined) return centred(primary);
  const host = workAreas.find((area) => {
    const o = overlap(saved.bounds, area);
    return o.x >= MIN_VISIBLE && o.y >= MIN_VISIBLE;
  });
  if (host === undefined) return centred(primary);
  const width = Math.min(Math.max(saved.bounds.width, MIN_WINDOW_SIZE.width), host.width);
  const height = Math.min(Math.max(saved.bounds.height, MIN_WINDOW_SIZE.height), host.height);
  const x = Math.min(Math.max(saved.bounds.x, host.x), host.x + host.width - width);
  const y = Math.min(Math.max(saved.bounds.y, host.y), host.y + host.height - height);
  return { x, y, width, height };
}
