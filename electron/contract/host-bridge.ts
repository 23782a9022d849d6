// The shape of `window.fraHost`, the only thing the Electron preload exposes to the renderer,
// and the two IPC channels behind it. Shared by preload, main and renderer so they cannot drift.
import type { ApiResponse } from './api-error.js';
import type { ApiEventMessage } from './api-table.js';

/** Renderer → main: `(method, input)` → ApiResponse. The only invoke channel main handles. */
export const FRA_INVOKE_CHANNEL = 'fra:invoke';
/** Main → renderer: one ApiEventMessage per send. */
export const FRA_EVENT_CHANNEL = 'fra:event';

export interface FraHostBridge {
  /** Methods outside the contract's allow-list are answered with an 'unknown-method' error without touching IPC. */
  invoke(method: string, input?: unknown): Promise<ApiResponse>;
  /** Returns an unsubscribe function. */
  onEvent(listener: (message: ApiEventMessage) => void): () => void;
}
