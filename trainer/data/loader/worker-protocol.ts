/** Messages between BatchLoader and its worker threads (structured-clone data only). */
import type { BatchBuffers, BatchRequest } from './batch-spec.js';

export type WorkerRequest = { type: 'batch'; id: number; request: BatchRequest };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'fatal'; message: string }
  | { type: 'batch'; id: number; batch: BatchBuffers }
  | { type: 'error'; id: number; message: string };
