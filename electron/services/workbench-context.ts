// What every host service is built from. The Electron main process and the local server each make
// one context and hand it to createWorkbench; tests make one over a temporary workspace.
// No Electron import here or in any service: they run unchanged behind the HTTP server.
import type { ApiEventHub } from '../contract/api-event-hub.js';
import type { HostKind } from '../contract/system-api.js';
import type { RunStore } from './runs/run-store.js';
import type { TrainerLauncher } from './trainer-host/trainer-process.js';

export type HostLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface WorkbenchContext {
  appName: string;
  appVersion: string;
  hostKind: HostKind;
  /** Absolute path of the workspace (runs/, datasets/, cache/, trash/). */
  workspace: string;
  /** Services emit their `*.changed` / progress events here; every transport forwards them. */
  events: ApiEventHub;
  /** The one RunStore of this workspace (runs and checkpoints services share it). */
  runStore: RunStore;
  /** How trainer processes start: child_process.fork (server, tests) or Electron's utilityProcess. */
  launcher: TrainerLauncher;
  /** A line for the host log (the status bar shows the latest as a `system.log` event). */
  log(level: HostLogLevel, message: string): void;
}
