// Small response helpers shared by the server's handlers, so every reply carries the same
// hardening headers and every error has the same JSON shape as an API error.
import type { ServerResponse } from 'node:http';
import { ApiErrorCode, type ApiErrorInfo } from '../contract/api-error.js';

export function applySecurityHeaders(response: ServerResponse): void {
  response.setHeader('X-Content-Type-Options', 'nosniff');
  // The page URL may carry ?token=…; never leak it to other origins via Referer.
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}

/** An error in the API envelope shape, so the renderer shows transport errors like any other. */
export function sendError(response: ServerResponse, status: number, error: ApiErrorInfo): void {
  sendJson(response, status, { ok: false, error });
}

export function unauthorizedError(reason: 'missing-token' | 'wrong-token' | 'foreign-host'): ApiErrorInfo {
  if (reason === 'foreign-host') {
    return {
      code: ApiErrorCode.Unauthorized,
      message: 'This FRA Workbench server only answers requests addressed to localhost.',
      hint: 'Open it as http://127.0.0.1:<port>/, or restart it with --token to allow other host names.',
    };
  }
  return {
    code: ApiErrorCode.Unauthorized,
    message:
      reason === 'missing-token'
        ? 'This FRA Workbench server requires an access token.'
        : 'The access token is not valid for this FRA Workbench server.',
    hint: 'Open the full URL printed by "npm run serve" (it ends with ?token=…), or send "Authorization: Bearer <token>".',
  };
}
