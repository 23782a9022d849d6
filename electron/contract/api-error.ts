// The one error shape the UI knows how to show, and the response envelope that carries it.
// Hosts never throw across a transport: they answer `{ ok: false, error }`, because Electron IPC
// and HTTP both flatten thrown errors into strings and the UI needs `code` and `hint` intact.
import { z } from 'zod';

export const apiErrorInfoSchema = z.object({
  /** Stable, machine-readable; see ApiErrorCode for the ones the plumbing produces. */
  code: z.string().min(1),
  /** One sentence saying what went wrong. */
  message: z.string(),
  /** What the user can do about it, when we know. */
  hint: z.string().optional(),
});
export type ApiErrorInfo = z.infer<typeof apiErrorInfoSchema>;

/** Codes produced by the contract plumbing itself; services may add their own (e.g. 'not-found'). */
export const ApiErrorCode = {
  UnknownMethod: 'unknown-method',
  InvalidInput: 'invalid-input',
  InvalidOutput: 'invalid-output',
  HandlerFailed: 'handler-failed',
  Unauthorized: 'unauthorized',
  BadRequest: 'bad-request',
  TransportFailed: 'transport-failed',
  InvalidResponse: 'invalid-response',
} as const;

export const apiResponseSchema = z.discriminatedUnion('ok', [
  // Optional: JSON drops `value: undefined`, which is what a method with no result returns.
  z.object({ ok: z.literal(true), value: z.unknown().optional() }),
  z.object({ ok: z.literal(false), error: apiErrorInfoSchema }),
]);
export type ApiResponse<T = unknown> = { ok: true; value: T } | { ok: false; error: ApiErrorInfo };

/** Thrown by the client (and by handlers that want a specific code/hint) so callers can `catch` normally. */
export class ApiError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(info: ApiErrorInfo) {
    super(info.message);
    this.name = 'ApiError';
    this.code = info.code;
    this.hint = info.hint;
  }

  toInfo(): ApiErrorInfo {
    return this.hint === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, hint: this.hint };
  }
}

export function failure(info: ApiErrorInfo): ApiResponse<never> {
  return { ok: false, error: info };
}

export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
