// Transport for a browser tab served by the local server: fetch for calls, a WebSocket for events,
// the access token as a Bearer header (and as ?token= on the socket, which cannot carry headers).
import { ApiError, ApiErrorCode, type ApiTransport } from '@contract/api';
import { createBrowserEventSocket } from './browser-event-socket';

const SERVER_GONE_HINT = 'Check that "npm run serve" is still running in your terminal, then reload this page.';

export interface BrowserTransportOptions {
  /** The page's base URL; API paths are resolved against it so a reverse-proxy prefix keeps working. */
  baseUrl: string;
  token: string | undefined;
}

export function createBrowserTransport({ baseUrl, token }: BrowserTransportOptions): ApiTransport {
  const invokeUrl = new URL('api/invoke', baseUrl);
  const eventsUrl = new URL('api/events', baseUrl);
  eventsUrl.protocol = eventsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  if (token !== undefined) eventsUrl.searchParams.set('token', token);
  const events = createBrowserEventSocket(eventsUrl);

  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token !== undefined) headers['Authorization'] = `Bearer ${token}`;

  return {
    async invoke(method, input) {
      let response: Response;
      try {
        response = await fetch(invokeUrl, { method: 'POST', headers, body: JSON.stringify({ method, input }), cache: 'no-store' });
      } catch {
        throw new ApiError({ code: ApiErrorCode.TransportFailed, message: 'Could not reach the FRA Workbench server.', hint: SERVER_GONE_HINT });
      }
      // The server answers transport errors (401, 413, …) in the same envelope as API errors; pass those through.
      const body: unknown = await response.json().catch(() => undefined);
      if (typeof body === 'object' && body !== null && 'ok' in body) return body;
      throw new ApiError({
        code: ApiErrorCode.TransportFailed,
        message: `The server answered ${response.status} ${response.statusText} instead of an API response.`,
        hint: SERVER_GONE_HINT,
      });
    },
    subscribe: (listener) => events.subscribe(listener),
  };
}
