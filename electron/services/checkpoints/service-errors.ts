/**
 * The ledger's errors as the one error shape the UI shows (code, message, hint); the run store's
 * and the disk's are translated as the runs service does. Anything unrecognised is rethrown
 * untouched, so the dispatcher reports it as a bug.
 */
import { ApiError } from '../../contract/api-error.js';
import { CheckpointLedgerError } from '../../../trainer/run/checkpoint-ledger.js';
import { toApiError as runErrorToApiError } from '../runs/run-errors.js';

export function toApiError(error: unknown): unknown {
  if (error instanceof CheckpointLedgerError) {
    const missing = /There is no checkpoint named/.test(error.message);
    return new ApiError({
      code: missing ? 'not-found' : 'invalid-input',
      message: error.message,
      ...(missing ? { hint: 'Refresh the checkpoint list: it may have been deleted or removed by the retention policy.' } : {}),
    });
  }
  return runErrorToApiError(error);
}

/** Runs `task`, translating known errors (see toApiError). */
export async function translated<T>(task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (error) {
    throw toApiError(error);
  }
}
