// The one app window, locked down per Electron's security checklist: isolated, sandboxed,
// no Node in the page, no new windows, no navigation away from the bundled renderer.
import { BrowserWindow, nativeTheme, shell, type WebContents } from 'electron';
import { pathToFileURL } from 'node:url';
import { APP_DISPLAY_NAME } from '../services/app-metadata.js';
import { appPaths } from './app-paths.js';
import { isAppUrl, isSafeExternalUrl } from './navigation-policy.js';
import { MIN_WINDOW_SIZE } from './window-bounds.js';
import { loadWindowState, trackWindowState } from './window-state.js';

export function createMainWindow(): BrowserWindow {
  const { bounds, saved } = loadWindowState();
  const window = new BrowserWindow({
    ...bounds,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    title: APP_DISPLAY_NAME,
    show: false,
    // Matches the renderer's --bg so the window does not flash white before the first paint.
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#15181d' : '#f6f7f9',
    webPreferences: {
      preload: appPaths.preload,
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      webviewTag: false,
      spellcheck: false,
    },
  });
  trackWindowState(window, saved);
  confineNavigation(window.webContents, pathToFileURL(appPaths.rendererDir).href);
  window.once('ready-to-show', () => window.show());
  void window.loadFile(appPaths.rendererIndex);
  return window;
}

function confineNavigation(contents: WebContents, rendererDirUrl: string): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  const blockForeign = (event: { preventDefault(): void }, url: string): void => {
    if (!isAppUrl(url, rendererDirUrl)) event.preventDefault();
  };
  contents.on('will-navigate', blockForeign);
  contents.on('will-redirect', blockForeign);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
