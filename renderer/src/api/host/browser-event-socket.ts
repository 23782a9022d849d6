// One WebSocket to /api/events shared by all listeners; opened on the first subscription,
// closed after the last, and re-opened with backoff when the server restarts or the network blips.
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

export interface BrowserEventSocket {
  subscribe(listener: (message: unknown) => void): () => void;
}

export function createBrowserEventSocket(url: URL): BrowserEventSocket {
  const listeners = new Set<(message: unknown) => void>();
  let socket: WebSocket | undefined;
  let retryMs = FIRST_RETRY_MS;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  function open(): void {
    const current = new WebSocket(url);
    socket = current;
    current.addEventListener('open', () => {
      retryMs = FIRST_RETRY_MS;
    });
    current.addEventListener('message', (event: MessageEvent) => {
      if (typeof event.data !== 'string') return;
      let message: unknown;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      for (const listener of [...listeners]) listener(message);
    });
    current.addEventListener('close', () => {
      if (socket !== current || listeners.size === 0) return;
      socket = undefined;
      retryTimer = setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    });
  }

  function shutDown(): void {
    clearTimeout(retryTimer);
    const current = socket;
    socket = undefined;
    current?.close();
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (socket === undefined && retryTimer === undefined) open();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          shutDown();
          retryTimer = undefined;
        }
      };
    },
  };
}
