// Renderer side of the contract: turns a transport into the one typed API object
// (`api.system.getInfo()`), validating every answer so the UI only ever sees contract-shaped data.
import { z } from 'zod';
import { ApiError, ApiErrorCode, apiResponseSchema, errorMessageOf } from './api-error.js';
import {
  apiEvents,
  apiMethodNames,
  apiMethods,
  isApiEvent,
  type ApiEvent,
  type ApiEventPayload,
  type ApiInput,
  type ApiMethod,
  type ApiOutput,
} from './api-table.js';

/**
 * How a client reaches a host. Deliberately untyped at this boundary (`unknown` in and out):
 * whatever crosses it is validated by the client, never assumed.
 */
export interface ApiTransport {
  /** Resolves with the host's response envelope; rejects only when the host cannot be reached. */
  invoke(method: ApiMethod, input: unknown): Promise<unknown>;
  /** Delivers raw event messages (`{ event, data }`); returns an unsubscribe function. */
  subscribe(listener: (message: unknown) => void): () => void;
}

type ClientMethod<M extends ApiMethod> = undefined extends ApiInput<M>
  ? (input?: ApiInput<M>) => Promise<ApiOutput<M>>
  : (input: ApiInput<M>) => Promise<ApiOutput<M>>;

type NamespaceOf<M extends string> = M extends `${infer Namespace}.${string}` ? Namespace : never;
type ApiNamespace = NamespaceOf<ApiMethod>;

type ApiMethodsObject = {
  [Namespace in ApiNamespace]: {
    [M in ApiMethod as M extends `${Namespace}.${infer Name}` ? Name : never]: ClientMethod<M>;
  };
};

export interface ApiEventsObject {
  /** Calls `listener` with each valid payload of `event`; returns an unsubscribe function. */
  on<E extends ApiEvent>(event: E, listener: (data: ApiEventPayload<E>) => void): () => void;
}

export type ApiClient = ApiMethodsObject & { readonly events: ApiEventsObject };

const eventMessageSchema = z.object({ event: z.string(), data: z.unknown().optional() });

export function createApiClient(transport: ApiTransport): ApiClient {
  async function call(method: ApiMethod, input: unknown): Promise<unknown> {
    let raw: unknown;
    try {
      raw = await transport.invoke(method, input);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError({
        code: ApiErrorCode.TransportFailed,
        message: `Could not reach the FRA Workbench host: ${errorMessageOf(error)}`,
      });
    }
    const envelope = apiResponseSchema.safeParse(raw);
    if (!envelope.success) {
      throw new ApiError({
        code: ApiErrorCode.InvalidResponse,
        message: `The host sent an unreadable answer to ${method}.`,
        hint: 'The renderer and the host may come from different versions; reload or restart FRA Workbench.',
      });
    }
    if (!envelope.data.ok) throw new ApiError(envelope.data.error);

    const output = apiMethods[method].output.safeParse(envelope.data.value);
    if (!output.success) {
      throw new ApiError({
        code: ApiErrorCode.InvalidOutput,
        message: `The host answered ${method} with data that does not match the contract: ${z.prettifyError(output.error)}`,
      });
    }
    return output.data;
  }

  const methods: Record<string, Record<string, (input?: unknown) => Promise<unknown>>> = {};
  for (const method of apiMethodNames) {
    const dot = method.indexOf('.');
    const namespace = method.slice(0, dot);
    const name = method.slice(dot + 1);
    (methods[namespace] ??= {})[name] = (input?: unknown) => call(method, input);
  }

  const events: ApiEventsObject = {
    on(event, listener) {
      if (!isApiEvent(event)) throw new Error(`Unknown API event ${JSON.stringify(event)}.`);
      const schema: z.ZodType = apiEvents[event];
      return transport.subscribe((raw) => {
        const message = eventMessageSchema.safeParse(raw);
        if (!message.success || message.data.event !== event) return;
        const payload = schema.safeParse(message.data.data);
        // A malformed event is dropped rather than thrown: there is no caller to throw to.
        if (!payload.success) {
          console.warn(`Dropped malformed "${event}" event: ${z.prettifyError(payload.error)}`);
          return;
        }
        listener(payload.data as Parameters<typeof listener>[0]);
      });
    },
  };

  return Object.freeze({ ...(methods as ApiMethodsObject), events });
}
