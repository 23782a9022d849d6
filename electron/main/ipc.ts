// The single IPC entry point: `fra:invoke` → the validating dispatcher, and host events → `fra:event`
// to every window. Senders are checked too (Electron security checklist: validate IPC senders).
import { BrowserWindow, ipcMain, type WebFrameMain } from 'electron';
import type { ApiDispatcher } from '../contract/api-dispatcher.js';
import { ApiErrorCode, failure } from '../contract/api-error.js';
import type { ApiEventHub } from '../contract/api-event-hub.js';
import { FRA_EVENT_CHANNEL, FRA_INVOKE_CHANNEL } from '../contract/host-bridge.js';

export interface ApiIpcOptions {
  dispatcher: ApiDispatcher;
  events: ApiEventHub;
  /** Only frames showing our own renderer may call the API. */
  isTrustedFrame(frame: WebFrameMain): boolean;
}

/** Returns a function that unregisters the handler and stops forwarding events. */
export function registerApiIpc({ dispatcher, events, isTrustedFrame }: ApiIpcOptions): () => void {
  ipcMain.handle(FRA_INVOKE_CHANNEL, (event, method: unknown, input: unknown) => {
    const frame = event.senderFrame;
    if (frame === null || !isTrustedFrame(frame)) {
      return failure({ code: ApiErrorCode.Unauthorized, message: 'API calls are only accepted from the FRA Workbench window.' });
    }
    return dispatcher.dispatch(method, input);
  });

  const stopForwarding = events.subscribe((message) => {
    for (const window of BrowserWindow.getAllWindows()) {
      if (!window.isDestroyed()) window.webContents.send(FRA_EVENT_CHANNEL, message);
    }
  });

  return () => {
    ipcMain.removeHandler(FRA_INVOKE_CHANNEL);
    stopForwarding();
  };
}
