// An API client wired straight to host handlers, for store and component tests: the same
// validating dispatcher and client as production, minus the IPC/HTTP hop. Pass real service
// handlers (e.g. created over a temporary workspace) — never stand-ins for our own code.
import { createApiClient, createApiDispatcher, createApiEventHub, type ApiClient, type ApiEventHub, type ApiHandlers } from '@contract/api';

export interface InMemoryApi {
  client: ApiClient;
  events: ApiEventHub;
}

/** Pass `events` when the services were built over a hub already (their events then reach the client). */
export function createInMemoryApi(handlers: Partial<ApiHandlers>, events: ApiEventHub = createApiEventHub()): InMemoryApi {
  const dispatcher = createApiDispatcher(handlers as ApiHandlers);
  const client = createApiClient({
    invoke: (method, input) => dispatcher.dispatch(method, input),
    subscribe: (listener) => events.subscribe(listener),
  });
  return { client, events };
}
