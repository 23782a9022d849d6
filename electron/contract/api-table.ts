// The method and event tables of the renderer⇄host API, and the TypeScript types derived from them.
// Defined once with zod so the same object is both the compile-time contract and the runtime validator.
// Must stay free of electron, vue and node-only imports: renderer, preload and both hosts import it.
import type { z } from 'zod';
import { checkpointsEvents, checkpointsMethods } from './checkpoints-api.js';
import { datasetsEvents, datasetsMethods } from './datasets-api.js';
import { heatmapsEvents, heatmapsMethods } from './heatmaps-api.js';
import { runsEvents, runsMethods } from './runs-api.js';
import { systemEvents, systemMethods } from './system-api.js';

export interface MethodSpec {
  readonly input: z.ZodType;
  readonly output: z.ZodType;
}

export const apiMethods = {
  ...systemMethods,
  ...datasetsMethods,
  ...runsMethods,
  ...checkpointsMethods,
  ...heatmapsMethods,
} as const satisfies Record<string, MethodSpec>;

export const apiEvents = {
  ...systemEvents,
  ...datasetsEvents,
  ...runsEvents,
  ...checkpointsEvents,
  ...heatmapsEvents,
} as const satisfies Record<string, z.ZodType>;

type ApiMethodTable = typeof apiMethods;
type ApiEventTable = typeof apiEvents;

/** A method name such as `'system.getInfo'`. */
export type ApiMethod = keyof ApiMethodTable & string;
/** What a caller passes (before schema defaults/transforms apply). */
export type ApiInput<M extends ApiMethod> = z.input<ApiMethodTable[M]['input']>;
/** What a handler receives (after validation). */
export type ApiHandlerInput<M extends ApiMethod> = z.output<ApiMethodTable[M]['input']>;
/** What a caller receives. */
export type ApiOutput<M extends ApiMethod> = z.output<ApiMethodTable[M]['output']>;

/** An event name such as `'system.log'`. */
export type ApiEvent = keyof ApiEventTable & string;
export type ApiEventPayload<E extends ApiEvent> = z.output<ApiEventTable[E]>;
/** One event as it travels over a transport: plain JSON-able data, never a class instance. */
export type ApiEventMessage = { [E in ApiEvent]: { event: E; data: ApiEventPayload<E> } }[ApiEvent];

/** The allow-list the preload and the dispatcher check before anything reaches a handler. */
export const apiMethodNames = Object.freeze(Object.keys(apiMethods)) as readonly ApiMethod[];
export const apiEventNames = Object.freeze(Object.keys(apiEvents)) as readonly ApiEvent[];

// Object.hasOwn rather than `in`: a method named "toString" or "__proto__" must not pass.
export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && Object.hasOwn(apiMethods, name);
}

export function isApiEvent(name: unknown): name is ApiEvent {
  return typeof name === 'string' && Object.hasOwn(apiEvents, name);
}
