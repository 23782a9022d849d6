// The local server: the same renderer and the same API as the desktop app, for a browser tab.
// Used by `npm run serve`, by the e2e tests, and for reaching a GPU box from another machine.
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiDispatcher } from '../contract/api-dispatcher.js';
import { ApiErrorCode } from '../contract/api-error.js';
import { createApiEventHub, type ApiEventHub } from '../contract/api-event-hub.js';
import { readAppMetadata } from '../services/app-metadata.js';
import type { TrainerLauncher } from '../services/trainer-host/trainer-process.js';
import { createWorkbench, type Workbench } from '../services/workbench.js';
import { resolveWorkspaceDir } from '../services/workspace-location.js';
import { createRequestAuthenticator, isLoopbackHost, tokenCookieName } from './auth.js';
import { createEventSocket, EVENTS_PATH, rejectUpgrade } from './event-socket.js';
import { handleInvokeRequest, INVOKE_PATH } from './http-api.js';
import { applySecurityHeaders, sendError, unauthorizedError } from './http-responses.js';
import { createStaticFileHandler } from './static-files.js';

export const DEFAULT_PORT = 5177;
export const DEFAULT_HOST = '127.0.0.1';

export interface ServerOptions {
  /** 0 picks a free port. Default 5177. */
  port?: number;
  /** Default 127.0.0.1. Any non-loopback address requires `token`. */
  host?: string;
  /** When set, every request and socket upgrade must present it. */
  token?: string;
  /** Default: see resolveWorkspaceDir. */
  workspace?: string;
  /** Folder with the built renderer (index.html). Default: <app root>/dist/renderer. */
  rendererDir?: string;
  /** How trainer processes start. Default: child_process.fork of the trainer entry. */
  launcher?: TrainerLauncher;
  /** Where to report handler crashes and other host bugs. Default: console.error. */
  onUnexpectedError?: (method: string, error: unknown) => void;
}

export interface RunningServer {
  /** The address to open, including `?token=` when a token is required. */
  url: string;
  host: string;
  port: number;
  token: string | undefined;
  workspace: string;
  /** Emit here to push events to every connected page. */
  events: ApiEventHub;
  /** The services behind the API (tests reach the run store and the trainer host through it). */
  workbench: Workbench;
  close(): Promise<void>;
}

/** A configuration the server refuses to start with; `message` is written for the person at the terminal. */
export class ServerConfigError extends Error {
  override readonly name = 'ServerConfigError';
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const token = options.token === '' ? undefined : options.token;
  if (token === undefined && !isLoopbackHost(host)) {
    throw new ServerConfigError(
      `Refusing to listen on ${host} without an access token: anyone who can reach this machine could use the API. ` +
        'Pass a token (the CLI generates one unless you give --token).',
    );
  }

  const app = readAppMetadata(path.dirname(fileURLToPath(import.meta.url)));
  const rendererDir = path.resolve(options.rendererDir ?? path.join(app.rootDir, 'dist', 'renderer'));
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    throw new ServerConfigError(
      `The browser UI has not been built: ${path.join(rendererDir, 'index.html')} is missing. Run: npm run build:renderer`,
    );
  }
  const workspace = resolveWorkspaceDir(options.workspace);

  const events = createApiEventHub();
  const workbench = await createWorkbench({ appName: app.name, appVersion: app.version, hostKind: 'server', workspace, events, ...(options.launcher ? { launcher: options.launcher } : {}) });
  const dispatcher = createApiDispatcher(
    workbench.handlers,
    { onUnexpectedError: options.onUnexpectedError ?? ((method, error) => console.error(`[api] ${method}:`, error)) },
  );
  const staticFiles = await createStaticFileHandler(rendererDir);
  const eventSocket = createEventSocket(events);

  const server = createServer();
  const boundPort = (): number => (server.address() as AddressInfo).port;
  const authenticator = createRequestAuthenticator(token, boundPort);

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    applySecurityHeaders(response);
    const rawPath = (request.url ?? '/').split('?')[0] ?? '/';
    const isApiPath = rawPath === '/api' || rawPath.startsWith('/api/');
    const isRead = request.method === 'GET' || request.method === 'HEAD';

    // The cookie only unlocks static files: API calls must present the token themselves,
    // so a page on another origin can never ride on the cookie.
    const auth = authenticator.check(request, { acceptCookie: isRead && !isApiPath });
    if (!auth.allowed) {
      if (auth.reason !== 'foreign-host') response.setHeader('WWW-Authenticate', 'Bearer');
      sendError(response, auth.reason === 'foreign-host' ? 403 : 401, unauthorizedError(auth.reason));
      return;
    }
    if (auth.setCookie && token !== undefined) {
      response.setHeader('Set-Cookie', `${tokenCookieName(boundPort())}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
    }

    if (rawPath === INVOKE_PATH) return handleInvokeRequest(request, response, dispatcher);
    if (isApiPath) return sendError(response, 404, { code: 'not-found', message: `No API endpoint at ${rawPath}.` });
    if (!isRead) {
      response.setHeader('Allow', 'GET, HEAD');
      return sendError(response, 405, { code: ApiErrorCode.BadRequest, message: `${request.method ?? 'This method'} is not supported here.` });
    }
    return staticFiles.serve(request, response, rawPath);
  }

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    handleRequest(request, response).catch((error: unknown) => {
      console.error('[server] request failed:', error);
      if (!response.headersSent) sendError(response, 500, { code: ApiErrorCode.HandlerFailed, message: 'Internal server error.' });
      else response.destroy();
    });
  });

  server.on('upgrade', (request: IncomingMessage, socket, head: Buffer) => {
    const rawPath = (request.url ?? '/').split('?')[0];
    if (rawPath !== EVENTS_PATH) return rejectUpgrade(socket, 404, { ok: false, error: { code: 'not-found', message: `No WebSocket endpoint at ${rawPath}.` } });
    // Browsers let any page open a WebSocket to any origin; only our own page may open this one.
    const origin = request.headers.origin;
    if (origin !== undefined && !sameHost(origin, request.headers.host)) {
      return rejectUpgrade(socket, 403, { ok: false, error: { code: ApiErrorCode.Unauthorized, message: 'Cross-origin WebSocket connections are not allowed.' } });
    }
    const auth = authenticator.check(request, { acceptCookie: false });
    if (!auth.allowed) return rejectUpgrade(socket, auth.reason === 'foreign-host' ? 403 : 401, { ok: false, error: unauthorizedError(auth.reason) });
    eventSocket.accept(request, socket, head);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const port = boundPort();
  const url = `http://${browsableHost(host)}:${port}/${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;

  return {
    url,
    host,
    port,
    token,
    workspace,
    events,
    workbench,
    async close() {
      // Live runs checkpoint and stop before the sockets go, so pages see their final state.
      await workbench.close();
      eventSocket.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A wildcard bind address cannot be typed into a browser; the loopback address reaches it locally. */
function browsableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function sameHost(origin: string, hostHeader: string | undefined): boolean {
  try {
    return new URL(origin).host === hostHeader;
  } catch {
    return false;
  }
}
