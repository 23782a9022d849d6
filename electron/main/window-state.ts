// Persists the main window's position, size and maximised/full-screen state in the user-data
// folder, so the app reopens where the researcher left it (and never off-screen: window-bounds.ts).
import { app, screen, type BrowserWindow } from 'electron';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../trainer/run/atomic-file.js';
import { parseSavedWindowState, restoreWindowBounds, type Rectangle, type SavedWindowState } from './window-bounds.js';

const FILE_NAME = 'window-state.json';

function statePath(): string {
  return path.join(app.getPath('userData'), FILE_NAME);
}

export function loadWindowState(): { bounds: Rectangle; saved: SavedWindowState | undefined } {
  let saved: SavedWindowState | undefined;
  try {
    saved = parseSavedWindowState(JSON.parse(readFileSync(statePath(), 'utf8')));
  } catch {
    saved = undefined; // first start, or an unreadable file: open with defaults
  }
  const bounds = restoreWindowBounds(
    saved,
    screen.getAllDisplays().map((d) => d.workArea),
    screen.getPrimaryDisplay().workArea,
  );
  return { bounds, saved };
}

/** Saves on close (normal bounds, so un-maximising later restores the size the user chose). */
export function trackWindowState(window: BrowserWindow, saved: SavedWindowState | undefined): void {
  if (saved?.maximized) window.maximize();
  if (saved?.fullScreen) window.setFullScreen(true);
  window.on('close', () => {
    const state: SavedWindowState = { bounds: window.getNormalBounds(), maximized: window.isMaximized(), fullScreen: window.isFullScreen() };
    void writeFileAtomic(statePath(), `${JSON.stringify(state, null, 2)}\n`).catch((error: unknown) => {
      console.warn('Could not save the window position:', error);
    });
  });
}
