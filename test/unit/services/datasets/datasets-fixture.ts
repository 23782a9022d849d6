/**
 * What the datasets tests share: a real datasets service over a temporary workspace, reached
 * through the real validating dispatcher (as every host does), small image trees written with
 * sharp, and a way to await events without sleeping.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { ApiError, createApiDispatcher, createApiEventHub, type ApiEvent, type ApiEventHub, type ApiEventPayload, type ApiHandlers, type ApiInput, type ApiMethod, type ApiOutput } from '../../../../electron/contract/api.js';
import { createDatasetsService, type DatasetsService } from '../../../../electron/services/datasets/datasets-service.js';
import { RunStore } from '../../../../electron/services/runs/run-store.js';
import { createSystemHandlers } from '../../../../electron/services/system-service.js';
import { ForkLauncher } from '../../../../electron/services/trainer-host/trainer-process.js';
import type { WorkbenchContext } from '../../../../electron/services/workbench-context.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export async function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `fra-datasets-${prefix}-`));
}

export async function removeDir(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

export function createContext(workspace: string, events: ApiEventHub = createApiEventHub()): WorkbenchContext {
  const logs: string[] = [];
  return {
    appName: 'FRA Workbench',
    appVersion: '0.0.0-test',
    hostKind: 'server',
    workspace,
    events,
    runStore: new RunStore(workspace, { appVersion: '0.0.0-test' }),
    // Never started by the datasets service; an explicit entry keeps Vitest (which rewrites `new URL(…, import.meta.url)`) happy.
    launcher: new ForkLauncher({ modulePath: join(REPO_ROOT, 'trainer', 'process', 'trainer-main.ts'), execArgv: ['--import', 'tsx'] }),
    log: (level, message) => {
      logs.push(`${level}: ${message}`);
    },
  };
}

/** The datasets service behind the real dispatcher, called like a transport would. */
export interface DatasetsHost {
  service: DatasetsService;
  events: ApiEventHub;
  workspace: string;
  call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>>;
  /** The ApiError a call fails with (fails the test if it succeeds). */
  failure(method: ApiMethod, input: unknown): Promise<ApiError>;
  close(): Promise<void>;
}

export async function startDatasetsHost(workspace: string): Promise<DatasetsHost> {
  const events = createApiEventHub();
  const context = createContext(workspace, events);
  const service = await createDatasetsService(context);
  const handlers = { ...createSystemHandlers(context), ...service.handlers } as ApiHandlers;
  const dispatcher = createApiDispatcher(handlers, { onUnexpectedError: (method, error) => console.error(method, error) });
  async function raw(method: ApiMethod, input: unknown): Promise<unknown> {
    // Through JSON, like IPC and HTTP: nothing but plain data may cross.
    const response = JSON.parse(JSON.stringify(await dispatcher.dispatch(method, input))) as { ok: boolean; value?: unknown; error?: { code: string; message: string; hint?: string } };
    if (!response.ok) throw new ApiError(response.error!);
    return response.value;
  }
  return {
    service,
    events,
    workspace,
    call: (method, input) => raw(method, input) as never,
    failure: async (method, input) => {
      try {
        await raw(method, input);
      } catch (error) {
        if (error instanceof ApiError) return error;
        throw error;
      }
      throw new Error(`${method} was expected to fail`);
    },
    close: () => service.close(),
  };
}

/** Resolves with the first `event` payload matching `accept`; subscribe before triggering the action. */
export function nextEvent<E extends ApiEvent>(events: ApiEventHub, event: E, accept: (data: ApiEventPayload<E>) => boolean = () => true): Promise<ApiEventPayload<E>> {
  return new Promise((resolve) => {
    const unsubscribe = events.subscribe((message) => {
      if (message.event !== event) return;
      const data = message.data as ApiEventPayload<E>;
      if (!accept(data)) return;
      unsubscribe();
      resolve(data);
    });
  });
}

/** Every payload of `event` until stopped. */
export function recordEvents<E extends ApiEvent>(events: ApiEventHub, event: E): { list: ApiEventPayload<E>[]; stop: () => void } {
  const list: ApiEventPayload<E>[] = [];
  const stop = events.subscribe((message) => {
    if (message.event === event) list.push(message.data as ApiEventPayload<E>);
  });
  return { list, stop };
}

/** Resolves when dataset `id` leaves the 'indexing' state, with its summary. */
export function settled(events: ApiEventHub, datasetId: string): Promise<ApiEventPayload<'datasets.changed'>['dataset']> {
  return nextEvent(events, 'datasets.changed', (data) => data.dataset.id === datasetId && data.dataset.state !== 'indexing').then((data) => data.dataset);
}

export async function writeFiles(root: string, files: Record<string, Uint8Array | string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

/** A small JPEG whose colour encodes `seed`, so different files have different content. */
export async function jpeg(width: number, height: number, seed: number): Promise<Buffer> {
  const background = { r: (seed * 53) % 256, g: (seed * 97) % 256, b: (seed * 31) % 256 };
  return sharp({ create: { width, height, channels: 3, background } })
    .composite([{ input: { create: { width: Math.max(1, width >> 1), height: Math.max(1, height >> 1), channels: 3, background: { r: 255 - background.r, g: 40, b: 200 } } }, left: width >> 2, top: height >> 3 }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

/**
 * A class-folder dataset: `classes` × `perClass` usable JPEGs named <class>/<class>-<k>.jpg (sizes
 * vary), plus a truncated JPEG and an empty file in the first class.
 */
export async function writeClassFolders(root: string, classes: readonly string[], perClass: number): Promise<void> {
  const files: Record<string, Uint8Array> = {};
  let seed = 1;
  for (const name of classes) {
    for (let k = 0; k < perClass; k++) files[`${name}/${name}-${k}.jpg`] = await jpeg(40 + ((seed * 7) % 60), 48 + ((seed * 13) % 40), seed++);
  }
  const whole = await jpeg(64, 64, 999);
  files[`${classes[0]}/broken-truncated.jpg`] = whole.subarray(0, Math.floor(whole.length / 2));
  files[`${classes[0]}/broken-empty.jpg`] = new Uint8Array(0);
  await writeFiles(root, files);
}
