// GET /api/events (WebSocket): pushes every host event to every connected page.
// One-way by design; clients never send commands here (those go through /api/invoke and the dispatcher).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import type { ApiEventHub } from '../contract/api-event-hub.js';
import type { ApiEventMessage } from '../contract/api-table.js';

export const EVENTS_PATH = '/api/events';

export interface EventSocket {
  accept(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

export function createEventSocket(events: ApiEventHub): EventSocket {
  // Clients have nothing to say; a small cap stops anyone from using the socket to push large frames.
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 });
  // Each page is told its live channel works, so the UI (and the e2e test) can tell "connected" from "quiet".
  sockets.on('connection', (client: WebSocket) => {
    const greeting: ApiEventMessage = { event: 'system.log', data: { level: 'info', message: 'Live updates connected.', time: new Date().toISOString() } };
    client.send(JSON.stringify(greeting));
  });
  const unsubscribe = events.subscribe((message) => {
    const text = JSON.stringify(message);
    for (const client of sockets.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(text);
    }
  });

  return {
    accept(request, socket, head) {
      sockets.handleUpgrade(request, socket, head, (client) => sockets.emit('connection', client, request));
    },
    close() {
      unsubscribe();
      for (const client of sockets.clients) client.terminate();
      sockets.close();
    },
  };
}

/** Refuses an upgrade before any WebSocket handshake, with a plain HTTP status and a JSON reason. */
export function rejectUpgrade(socket: Duplex, status: 401 | 403 | 404, body: unknown): void {
  const text = JSON.stringify(body);
  const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[status];
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n` +
      text,
  );
}
