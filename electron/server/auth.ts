// Who may talk to the local server. With a token, every request must prove it knows the token;
// without one (loopback only), requests must at least name a loopback Host, which defeats
// DNS-rebinding pages that would otherwise reach 127.0.0.1 through a hostile domain name.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(?:\.\d{1,3}){3}$/.test(bare);
}

/** Name of the cookie that lets the page's own static assets load (they cannot carry a header). */
export function tokenCookieName(port: number): string {
  // Cookies ignore ports, so two servers on one machine would otherwise overwrite each other's cookie.
  return `fra_token_${port}`;
}

export type AuthOutcome =
  | { allowed: true; /** The token arrived in the URL: remember it in a cookie for the page's assets. */ setCookie: boolean }
  | { allowed: false; reason: 'missing-token' | 'wrong-token' | 'foreign-host' };

export interface RequestAuthenticator {
  readonly tokenRequired: boolean;
  check(request: IncomingMessage, options: { acceptCookie: boolean }): AuthOutcome;
}

export function createRequestAuthenticator(token: string | undefined, port: () => number): RequestAuthenticator {
  const expected = token === undefined ? undefined : digest(token);

  function check(request: IncomingMessage, { acceptCookie }: { acceptCookie: boolean }): AuthOutcome {
    if (expected === undefined) {
      const hostHeader = request.headers.host ?? '';
      return isLoopbackHost(hostnameOf(hostHeader)) ? { allowed: true, setCookie: false } : { allowed: false, reason: 'foreign-host' };
    }
    const fromHeader = bearerToken(request.headers.authorization);
    const fromQuery = queryToken(request.url ?? '');
    const fromCookie = acceptCookie ? cookieValue(request.headers.cookie, tokenCookieName(port())) : undefined;
    const presented = fromHeader ?? fromQuery ?? fromCookie;
    if (presented === undefined) return { allowed: false, reason: 'missing-token' };
    if (!timingSafeEqual(digest(presented), expected)) return { allowed: false, reason: 'wrong-token' };
    return { allowed: true, setCookie: fromHeader === undefined && fromQuery !== undefined };
  }

  return { tokenRequired: expected !== undefined, check };
}

// Comparing fixed-length digests keeps timingSafeEqual usable when lengths differ.
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

function queryToken(rawUrl: string): string | undefined {
  const queryStart = rawUrl.indexOf('?');
  if (queryStart < 0) return undefined;
  return new URLSearchParams(rawUrl.slice(queryStart + 1)).get('token') ?? undefined;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  const colon = hostHeader.lastIndexOf(':');
  return colon >= 0 ? hostHeader.slice(0, colon) : hostHeader;
}
