/**
 * The run store's and the ledger's errors as the one error shape the UI shows (code, message,
 * hint). Anything unrecognised is rethrown untouched, so the dispatcher reports it as a bug.
 */
import { ApiError } from '../../contract/api-error.js';
import { CheckpointLedgerError } from '../../../trainer/run/checkpoint-ledger.js';
import { RunStorageError } from '../../../trainer/run/disk-errors.js';
import { RunStoreError } from '../runs/run-store.js';

export function toApiError(error: unknown): unknown {
  if (error instanceof ApiError) return error;
  if (error instanceof RunStoreError) {
    // RunStoreError folds the hint into its message; give the UI the two parts again.
    const message = error.hint !== undefined && error.message.endsWith(error.hint) ? error.message.slice(0, -error.hint.length).trimEnd() : error.message;
    return new ApiError({ code: error.code, message, ...(error.hint !== undefined ? { hint: error.hint } : {}) });
  }
  if (error instanceof RunStorageError) return new ApiError(error.toInfo());
  if (error instanceof CheckpointLedgerError) {
    const missing = /There is no checkpoint named/.test(error.message);
    return new ApiError({
      code: missing ? 'not-found' : 'invalid-input',
      message: error.message,
      ...(missing ? { hint: 'Refresh the checkpoint list: it may have been deleted or removed by the retention policy.' } : {}),
    });
  }
  return error;
}

/** Runs `task`, translating known errors (see toApiError). */
export async function translated<T>(task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (error) {
    throw toApiError(error);
  }
}
