// Serves the built renderer. Requests are mapped to files only after the raw path has been
// decoded and checked segment by segment, so "..", encoded "%2e%2e", "%2f" and backslashes
// can never name a file outside the renderer folder (symlinks are checked via realpath too).
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { contentSecurityPolicyHeader } from '../contract/content-security-policy.js';
import { ApiErrorCode } from '../contract/api-error.js';
import { sendError } from './http-responses.js';

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export type StaticPathResult = { ok: true; relativePath: string } | { ok: false };

/**
 * Turns the path part of a request URL into a safe relative file path, or refuses it.
 * Works on the raw path: WHATWG URL parsing would silently normalise "/../x" to "/x", hiding the attempt.
 */
export function toSafeRelativePath(rawPath: string): StaticPathResult {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { ok: false };
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return { ok: false };
  const segments = decoded.slice(1).split('/');
  if (segments.some((segment) => segment === '..' || segment === '.')) return { ok: false };
  const relative = segments.filter((segment) => segment !== '').join('/');
  return { ok: true, relativePath: relative === '' || decoded.endsWith('/') ? path.posix.join(relative, 'index.html') : relative };
}

export interface StaticFileHandler {
  serve(request: IncomingMessage, response: ServerResponse, rawPath: string): Promise<void>;
}

export async function createStaticFileHandler(rootDir: string): Promise<StaticFileHandler> {
  const root = await realpath(rootDir);

  async function serve(request: IncomingMessage, response: ServerResponse, rawPath: string): Promise<void> {
    const safe = toSafeRelativePath(rawPath);
    if (!safe.ok) {
      sendError(response, 400, { code: ApiErrorCode.BadRequest, message: 'The requested path is not allowed.' });
      return;
    }
    const file = await resolveInside(root, safe.relativePath);
    if (file === undefined) {
      sendError(response, 404, { code: 'not-found', message: `Not found: ${rawPath}` });
      return;
    }
    const extension = path.extname(file.path).toLowerCase();
    const headers: Record<string, string | number> = {
      'Content-Type': MIME_TYPES[extension] ?? 'application/octet-stream',
      'Content-Length': file.size,
      // Vite fingerprints everything under assets/; index.html must be re-read to pick up new builds.
      'Cache-Control': safe.relativePath.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    if (extension === '.html') headers['Content-Security-Policy'] = contentSecurityPolicyHeader;
    response.writeHead(200, headers);
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(file.path)
      .on('error', () => response.destroy())
      .pipe(response);
  }

  return { serve };
}

async function resolveInside(root: string, relativePath: string): Promise<{ path: string; size: number } | undefined> {
  try {
    const real = await realpath(path.join(root, relativePath));
    const fromRoot = path.relative(root, real);
    if (fromRoot === '..' || fromRoot.startsWith(`..${path.sep}`) || path.isAbsolute(fromRoot)) return undefined;
    const info = await stat(real);
    return info.isFile() ? { path: real, size: info.size } : undefined;
  } catch {
    return undefined;
  }
}
