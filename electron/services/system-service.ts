// The `system.*` handlers. Plain Node, no Electron import, so the Electron main process,
// the local server and the tests all run exactly this code.
import type { ApiHandlersFor } from '../contract/api-dispatcher.js';
import type { HostKind, SystemInfo } from '../contract/system-api.js';

export interface SystemServiceOptions {
  appName: string;
  appVersion: string;
  hostKind: HostKind;
  /** Absolute path; see resolveWorkspaceDir. */
  workspace: string;
}

export function createSystemHandlers(options: SystemServiceOptions): ApiHandlersFor<'system'> {
  return {
    'system.getInfo': (): SystemInfo => {
      const info: SystemInfo = {
        appName: options.appName,
        appVersion: options.appVersion,
        hostKind: options.hostKind,
        platform: process.platform,
        arch: process.arch,
        nodeVersion: process.versions.node,
        workspace: options.workspace,
      };
      // Read from the runtime rather than passed in: it is defined exactly when Electron runs this code.
      const electronVersion = process.versions['electron'];
      if (electronVersion !== undefined) info.electronVersion = electronVersion;
      return info;
    },
    'system.ping': ({ message }) => ({ message, time: new Date().toISOString() }),
  };
}
