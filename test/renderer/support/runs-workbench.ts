// A real host for runs store/component specs: createWorkbench over a temporary workspace (real
// runs service, real trainer processes), its events forwarded to an in-memory API client the way
// a transport would, and a way to await host events without sleeping.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createApiEventHub, type ApiClient, type ApiEventHub, type ApiEventMessage, type ApiEventPayload } from '@contract/api';
import { ForkLauncher } from '../../../electron/services/trainer-host/trainer-process.js';
import { createWorkbench, type Workbench } from '../../../electron/services/workbench.js';
import { createInMemoryApi } from './in-memory-api.js';

/** random data: 2048 × trainPercent / batch 4 = 8 steps in the one epoch; a second or two per step on wasm. */
export const TINY_RUN_CONFIG = {
  dataset: 'random',
  trainPercent: 32 / 2048,
  backbone: 'resnet18_slim_encoder',
  imageSize: 32,
  batchSize: 4,
  hidDim: 32,
  projDim: 16,
  decoderHeads: 2,
  decoderFfnDim: 16,
  numProto: 4,
  epochs: 1,
  warmupEpochs: 0,
  backend: 'wasm',
  printFreq: 1,
} as const;
export const TINY_RUN_STEPS = 8;

export interface RunsWorkbench {
  workbench: Workbench;
  /** The host's hub: what services emit (a spec may emit here too, as the host would). */
  hub: ApiEventHub;
  client: ApiClient;
  /** The first event (already seen or still to come) of `event` that matches. */
  eventMatching<E extends ApiEventMessage['event']>(event: E, match: (data: ApiEventPayload<E>) => boolean): Promise<ApiEventPayload<E>>;
  close(): Promise<void>;
}

export async function startRunsWorkbench(): Promise<RunsWorkbench> {
  const workspace = await mkdtemp(join(tmpdir(), 'fra-runs-ui-'));
  const hub = createApiEventHub();
  // Under happy-dom import.meta.url is not a file URL, so the trainer entry is named here: the
  // TypeScript sources through tsx, as the default launcher runs them from sources.
  const launcher = new ForkLauncher({ modulePath: resolve('trainer/process/trainer-main.ts'), execArgv: ['--import', 'tsx'] });
  const workbench = await createWorkbench({ appName: 'FRA Workbench', appVersion: '0.0.0-test', hostKind: 'server', workspace, events: hub, launcher });
  const api = createInMemoryApi(workbench.handlers);
  const received: ApiEventMessage[] = [];
  const waiters = new Set<(message: ApiEventMessage) => boolean>();
  hub.subscribe((message) => {
    received.push(message);
    for (const waiter of [...waiters]) if (waiter(message)) waiters.delete(waiter);
    api.events.emit(message.event, message.data as never);
  });
  return {
    workbench,
    hub,
    client: api.client,
    eventMatching(event, match) {
      const test = (m: ApiEventMessage): boolean => m.event === event && match(m.data as never);
      const seen = received.find(test);
      if (seen !== undefined) return Promise.resolve(seen.data as never);
      return new Promise((done) => waiters.add((m) => (test(m) ? (done(m.data as never), true) : false)));
    },
    async close() {
      await workbench.close();
      await rm(workspace, { recursive: true, force: true });
    },
  };
}
