// Host side of events: services emit typed events here; each transport (IPC, WebSocket) subscribes
// once and forwards them. Payloads are validated on the way in so a bad emit fails at its source.
import { apiEvents, type ApiEvent, type ApiEventMessage, type ApiEventPayload } from './api-table.js';

export interface ApiEventHub {
  emit<E extends ApiEvent>(event: E, data: ApiEventPayload<E>): void;
  subscribe(listener: (message: ApiEventMessage) => void): () => void;
}

export function createApiEventHub(): ApiEventHub {
  const listeners = new Set<(message: ApiEventMessage) => void>();

  return {
    emit(event, data) {
      const message = { event, data: apiEvents[event].parse(data) } as ApiEventMessage;
      for (const listener of [...listeners]) {
        // One failing transport must not starve the others.
        try {
          listener(message);
        } catch (error) {
          console.error(`An event listener failed while handling "${event}":`, error);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
