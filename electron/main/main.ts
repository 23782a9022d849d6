// Electron main process: one instance, one window, one IPC channel into the same services the
// local server uses. Everything security-relevant lives in window.ts, session-policy.ts and ipc.ts.
import { app, BrowserWindow, session } from 'electron';
import { pathToFileURL } from 'node:url';
import { createApiDispatcher } from '../contract/api-dispatcher.js';
import { createApiEventHub } from '../contract/api-event-hub.js';
import { APP_DISPLAY_NAME } from '../services/app-metadata.js';
import { createWorkbench } from '../services/workbench.js';
import { resolveWorkspaceDir } from '../services/workspace-location.js';
import { appPaths } from './app-paths.js';
import { registerApiIpc } from './ipc.js';
import { UtilityProcessLauncher } from './utility-trainer-host.js';
import { installApplicationMenu } from './menu.js';
import { isAppUrl } from './navigation-policy.js';
import { applySessionPolicy } from './session-policy.js';
import { createMainWindow } from './window.js';

// Every renderer sandboxed, whatever a future window forgets to set.
app.enableSandbox();
app.setName(APP_DISPLAY_NAME);

function focusExistingWindow(): void {
  const [window] = BrowserWindow.getAllWindows();
  if (window === undefined) return;
  if (window.isMinimized()) window.restore();
  window.focus();
}

async function startApp(): Promise<void> {
  await app.whenReady();
  applySessionPolicy(session.defaultSession);
  const events = createApiEventHub();
  const workspace = resolveWorkspaceDir(undefined);
  installApplicationMenu({ workspace });
  const workbench = await createWorkbench({
    appName: APP_DISPLAY_NAME,
    appVersion: app.getVersion(),
    hostKind: 'electron',
    workspace,
    events,
    launcher: new UtilityProcessLauncher(),
  });
  const dispatcher = createApiDispatcher(workbench.handlers, {
    onUnexpectedError: (method, error) => console.error(`[api] ${method}:`, error),
  });
  // Live runs save a checkpoint and stop before the app goes (a second quit then waits for nothing).
  let closed = false;
  app.on('before-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    void workbench.close().finally(() => {
      closed = true;
      app.quit();
    });
  });
  const rendererDirUrl = pathToFileURL(appPaths.rendererDir).href;
  registerApiIpc({ dispatcher, events, isTrustedFrame: (frame) => isAppUrl(frame.url, rendererDirUrl) });

  createMainWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow();
  });
}

// A second launch (e.g. from the desktop menu) focuses the running window instead of opening
// another copy that would fight over the same workspace and run directories.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', focusExistingWindow);
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  startApp().catch((error: unknown) => {
    console.error('FRA Workbench failed to start:', error);
    app.exit(1);
  });
}
