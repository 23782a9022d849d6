// THE typed API object of the renderer. Stores and components call `useApi()` and never touch the
// host layer, e.g. `await useApi().system.getInfo()`.
//
// The client is created on first use from whatever host this page runs in (Electron preload or the
// local server). Tests install a client over an in-memory transport to real service handlers
// with `installApi` before the first call, so stores run unchanged against real host code.
import { ApiError, createApiClient, type ApiClient, type ApiErrorInfo } from '@contract/api';
import { connectToHost } from './host';

let current: ApiClient | undefined;

export function useApi(): ApiClient {
  current ??= createApiClient(connectToHost().transport);
  return current;
}

/** Replaces the API client (tests, or a host switch); later `useApi()` calls return it. */
export function installApi(client: ApiClient): void {
  current = client;
}

/** Any failure as the one error shape the UI shows (message + optional hint). */
export function toErrorInfo(error: unknown): ApiErrorInfo {
  if (error instanceof ApiError) return error.toInfo();
  return { code: 'unexpected', message: error instanceof Error ? error.message : String(error) };
}
