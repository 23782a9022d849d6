/**
 * One message channel to the host, whatever started this process:
 * - an Electron utility process (`utilityProcess.fork`): `process.parentPort`, messages arrive
 *   as `{ data }` events;
 * - `child_process.fork` (local server, tests, development): `process.send` and
 *   `process.on('message')` over the IPC channel.
 *
 * Plain Node: no electron import (parentPort's shape is declared here).
 */

/** The part of Electron's `ParentPort` we use (Electron types it as `Electron.ParentPort`). */
interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  start?(): void;
}

export interface TrainerTransport {
  readonly kind: 'electron-utility' | 'node-ipc';
  /** Resolves once the message has been handed to the channel (so exiting after it loses nothing). */
  send(message: unknown): Promise<void>;
  onMessage(listener: (value: unknown) => void): void;
  /** Lets the process exit when nothing else keeps it alive (node-ipc: disconnects). */
  close(): void;
}

export class NoHostError extends Error {
  override name = 'NoHostError';
}

export function createTransport(): TrainerTransport {
  const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
  if (parentPort !== undefined && parentPort !== null) return parentPortTransport(parentPort);
  if (typeof process.send === 'function') return ipcTransport();
  throw new NoHostError('the trainer process was started without a host channel (neither an Electron utility process nor child_process.fork with IPC); use fra-train for the command line');
}

function parentPortTransport(port: ParentPortLike): TrainerTransport {
  return {
    kind: 'electron-utility',
    send(message) {
      port.postMessage(message);
      return Promise.resolve();
    },
    onMessage(listener) {
      port.on('message', (event) => listener(event.data));
      port.start?.();
    },
    close() {
      // The utility process ends when the trainer calls process.exit.
    },
  };
}

function ipcTransport(): TrainerTransport {
  return {
    kind: 'node-ipc',
    send(message) {
      return new Promise((resolve) => {
        if (!process.connected || process.send === undefined) return resolve();
        // The callback fires once the message is written to the channel; an error means the host is gone.
        process.send(message, undefined, {}, () => resolve());
      });
    },
    onMessage(listener) {
      process.on('message', (value: unknown) => listener(value));
    },
    close() {
      if (process.connected) process.disconnect();
    },
  };
}
