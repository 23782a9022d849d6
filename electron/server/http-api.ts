// POST /api/invoke {method, input} → the dispatcher's envelope.
// HTTP status describes the transport (malformed request, too large, wrong verb); once a request
// reaches the dispatcher the answer is 200 and success/failure lives in the envelope, exactly as over
// Electron IPC, so the renderer handles both hosts with the same code.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { ApiDispatcher } from '../contract/api-dispatcher.js';
import { ApiErrorCode } from '../contract/api-error.js';
import { sendError, sendJson } from './http-responses.js';

export const INVOKE_PATH = '/api/invoke';
// Large enough for an image a user drops into the heatmap comparison (sent as base64).
const MAX_BODY_BYTES = 32 * 1024 * 1024;

const invokeRequestSchema = z.object({ method: z.string(), input: z.unknown().optional() });

class RequestBodyTooLarge extends Error {}

export async function handleInvokeRequest(
  request: IncomingMessage,
  response: ServerResponse,
  dispatcher: ApiDispatcher,
): Promise<void> {
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST');
    sendError(response, 405, { code: ApiErrorCode.BadRequest, message: `${INVOKE_PATH} only accepts POST.` });
    return;
  }
  // Requiring JSON also forces a CORS preflight for any cross-origin caller.
  if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
    sendError(response, 415, { code: ApiErrorCode.BadRequest, message: 'Send the request body as application/json.' });
    return;
  }

  let body: string;
  try {
    body = await readBody(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof RequestBodyTooLarge) {
      sendError(response, 413, { code: ApiErrorCode.BadRequest, message: `Request body exceeds ${MAX_BODY_BYTES} bytes.` });
    } else {
      response.destroy();
    }
    return;
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    sendError(response, 400, { code: ApiErrorCode.BadRequest, message: 'The request body is not valid JSON.' });
    return;
  }
  const invocation = invokeRequestSchema.safeParse(parsed);
  if (!invocation.success) {
    sendError(response, 400, { code: ApiErrorCode.BadRequest, message: 'Expected a JSON body of the form {"method": string, "input": …}.' });
    return;
  }

  sendJson(response, 200, await dispatcher.dispatch(invocation.data.method, invocation.data.input));
}

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.pause();
        reject(new RequestBodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
