// The whole surface the sandboxed renderer gets: one global, `window.fraHost`, with `invoke` and
// `onEvent`. No ipcRenderer passthrough — like VS Code's preload, channels are fixed here and method
// names are checked against the contract's allow-list before anything reaches IPC.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { ApiErrorCode, failure, type ApiResponse } from '../contract/api-error.js';
import { isApiMethod, type ApiEventMessage } from '../contract/api-table.js';
import { FRA_EVENT_CHANNEL, FRA_INVOKE_CHANNEL, type FraHostBridge } from '../contract/host-bridge.js';

const bridge: FraHostBridge = {
  invoke(method: string, input?: unknown): Promise<ApiResponse> {
    if (!isApiMethod(method)) {
      return Promise.resolve(failure({ code: ApiErrorCode.UnknownMethod, message: `Unknown API method ${JSON.stringify(method)}.` }));
    }
    return ipcRenderer.invoke(FRA_INVOKE_CHANNEL, method, input) as Promise<ApiResponse>;
  },
  onEvent(listener: (message: ApiEventMessage) => void): () => void {
    // Only the message crosses into the page; the IPC event object (with `sender`) never does.
    const forward = (_event: IpcRendererEvent, message: ApiEventMessage): void => listener(message);
    ipcRenderer.on(FRA_EVENT_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(FRA_EVENT_CHANNEL, forward);
    };
  },
};

contextBridge.exposeInMainWorld('fraHost', bridge);
