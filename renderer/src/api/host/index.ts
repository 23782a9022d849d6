// Picks the transport for wherever this renderer is running — the Netron-style host object:
// the UI above this line never knows whether it lives in Electron or in a browser tab.
import type { ApiTransport } from '@contract/api';
import { takeAccessToken } from './access-token';
import { createBrowserTransport } from './browser-host';
import { createElectronTransport } from './electron-host';

export interface HostConnection {
  kind: 'electron' | 'browser';
  transport: ApiTransport;
}

export function connectToHost(): HostConnection {
  if (window.fraHost !== undefined) return { kind: 'electron', transport: createElectronTransport(window.fraHost) };
  const token = takeAccessToken(window.location, window.history, window.sessionStorage);
  return { kind: 'browser', transport: createBrowserTransport({ baseUrl: document.baseURI, token }) };
}
