// THE typed API object of the renderer. Components and stores import `api` from here and nothing
// from the host layer, e.g. `await api.system.getInfo()`.
import { ApiError, createApiClient, type ApiErrorInfo } from '@contract/api';
import { connectToHost } from './host';

const host = connectToHost();
export const api = createApiClient(host.transport);

/** Any failure as the one error shape the UI shows (message + optional hint). */
export function toErrorInfo(error: unknown): ApiErrorInfo {
  if (error instanceof ApiError) return error.toInfo();
  return { code: 'unexpected', message: error instanceof Error ? error.message : String(error) };
}
