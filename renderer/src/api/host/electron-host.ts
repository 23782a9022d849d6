// Transport for the Electron window: everything goes through the preload's `window.fraHost`,
// which already restricts calls to the contract's methods.
import type { ApiTransport } from '@contract/api';
import type { FraHostBridge } from '@contract/host-bridge';

export function createElectronTransport(bridge: FraHostBridge): ApiTransport {
  return {
    invoke: (method, input) => bridge.invoke(method, input),
    subscribe: (listener) => bridge.onEvent(listener),
  };
}
