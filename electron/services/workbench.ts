// Composition root of the host: builds every service over one workspace and merges their handlers
// into the one table the dispatcher serves. Both hosts (Electron main, local server) call this, so
// the desktop app and a browser tab on a headless GPU box run exactly the same service code.
import type { ApiHandlers } from '../contract/api-dispatcher.js';
import type { ApiEventHub } from '../contract/api-event-hub.js';
import type { HostKind } from '../contract/system-api.js';
import { createCheckpointsService } from './checkpoints/checkpoints-service.js';
import { createDatasetsService } from './datasets/datasets-service.js';
import { createHeatmapsService } from './heatmaps/heatmaps-service.js';
import { RunStore } from './runs/run-store.js';
import { createRunsService } from './runs/runs-service.js';
import { createSystemHandlers } from './system-service.js';
import { ForkLauncher, type TrainerLauncher } from './trainer-host/trainer-process.js';
import type { HostLogLevel, WorkbenchContext } from './workbench-context.js';

export interface WorkbenchOptions {
  appName: string;
  appVersion: string;
  hostKind: HostKind;
  workspace: string;
  events: ApiEventHub;
  /** Default: child_process.fork of the trainer entry. Electron passes its utilityProcess launcher. */
  launcher?: TrainerLauncher;
}

export interface Workbench {
  handlers: ApiHandlers;
  context: WorkbenchContext;
  /** Stops live runs (each saves a checkpoint first), background indexing and caches. */
  close(): Promise<void>;
}

export async function createWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  const { events } = options;
  const log = (level: HostLogLevel, message: string): void => {
    events.emit('system.log', { level, message, time: new Date().toISOString() });
  };
  const runStore = new RunStore(options.workspace, { appVersion: options.appVersion });
  const context: WorkbenchContext = {
    appName: options.appName,
    appVersion: options.appVersion,
    hostKind: options.hostKind,
    workspace: options.workspace,
    events,
    runStore,
    launcher: options.launcher ?? new ForkLauncher(),
    log,
  };

  const datasets = await createDatasetsService(context);
  const runs = await createRunsService(context);
  const checkpoints = await createCheckpointsService(context);
  const heatmaps = await createHeatmapsService(context, datasets);
  const services = [heatmaps, checkpoints, runs, datasets];

  const handlers: ApiHandlers = {
    ...createSystemHandlers({ appName: options.appName, appVersion: options.appVersion, hostKind: options.hostKind, workspace: options.workspace }),
    ...datasets.handlers,
    ...runs.handlers,
    ...checkpoints.handlers,
    ...heatmaps.handlers,
  };

  let closing: Promise<void> | undefined;
  return {
    handlers,
    context,
    close: () => {
      // Later services depend on earlier ones, so close in reverse order of creation.
      closing ??= (async () => {
        for (const service of services) await service.close();
      })();
      return closing;
    },
  };
}
