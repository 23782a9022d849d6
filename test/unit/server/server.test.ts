import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { ServerConfigError, startServer, type RunningServer } from '../../../electron/server/server.js';
import { parseCliArgs, runCli, UsageError } from '../../../electron/server/cli.js';
import { toSafeRelativePath } from '../../../electron/server/static-files.js';

const packageVersion = (JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Sends the path byte-for-byte: fetch() would normalise "/../x" before it ever left the client. */
function rawRequest(
  server: RunningServer,
  options: { path: string; method?: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: server.port, path: options.path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function invoke(server: RunningServer, body: unknown, token: string | undefined): Promise<RawResponse> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token !== undefined) headers['Authorization'] = `Bearer ${token}`;
  return rawRequest(server, { path: '/api/invoke', method: 'POST', headers, body: JSON.stringify(body) });
}

/** Resolves with the HTTP status of a refused upgrade, or 101 when the socket opens. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    socket.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

/** Buffers every message from the first moment, so none is lost between awaits. */
function messageQueue(socket: WebSocket): () => Promise<unknown> {
  const arrived: unknown[] = [];
  const waiting: Array<(message: unknown) => void> = [];
  socket.on('message', (data: Buffer) => {
    const message: unknown = JSON.parse(data.toString('utf8'));
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else arrived.push(message);
  });
  return () => (arrived.length > 0 ? Promise.resolve(arrived.shift()) : new Promise((resolve) => waiting.push(resolve)));
}

let fixtureDir: string;
let rendererDir: string;

before(async () => {
  fixtureDir = await mkdtemp(path.join(os.tmpdir(), 'fra-server-test-'));
  rendererDir = path.join(fixtureDir, 'renderer');
  await mkdir(path.join(rendererDir, 'assets'), { recursive: true });
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>fixture</title>');
  await writeFile(path.join(rendererDir, 'assets', 'app.js'), 'console.log("app");');
  await writeFile(path.join(rendererDir, 'assets', 'app.css'), 'body{}');
  await writeFile(path.join(rendererDir, 'assets', 'model.wasm'), Buffer.from([0, 97, 115, 109]));
  // A file next to (not inside) the renderer folder, which traversal attempts try to reach.
  await writeFile(path.join(fixtureDir, 'secret.txt'), 'TOP-SECRET');
});

after(async () => {
  await rm(fixtureDir, { recursive: true, force: true });
});

describe('local server without token (loopback)', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ port: 0, rendererDir, workspace: path.join(fixtureDir, 'ws') });
  });
  after(() => server.close());

  it('serves the renderer with correct MIME types and a CSP on HTML', async () => {
    const index = await rawRequest(server, { path: '/' });
    assert.equal(index.status, 200);
    assert.match(index.body, /<title>fixture<\/title>/);
    assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(String(index.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(index.headers['x-content-type-options'], 'nosniff');

    const expected: Record<string, string> = {
      '/assets/app.js': 'text/javascript; charset=utf-8',
      '/assets/app.css': 'text/css; charset=utf-8',
      '/assets/model.wasm': 'application/wasm',
    };
    for (const [file, type] of Object.entries(expected)) {
      const response = await rawRequest(server, { path: file });
      assert.equal(response.status, 200, file);
      assert.equal(response.headers['content-type'], type, file);
    }
    assert.equal((await rawRequest(server, { path: '/assets/missing.js' })).status, 404);
  });

  it('refuses path traversal in every spelling', async () => {
    const attempts = [
      '/../secret.txt',
      '/../package.json',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/..%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/assets%5c..%5c..%5csecret.txt',
      '/index.html%00.js',
      '/%',
    ];
    for (const attempt of attempts) {
      const response = await rawRequest(server, { path: attempt });
      assert.equal(response.status, 400, `${attempt} → ${response.status}`);
      assert.doesNotMatch(response.body, /TOP-SECRET/);
    }
    // Double encoding decodes once to a literal (non-existent) name, never to "..".
    assert.equal((await rawRequest(server, { path: '/%252e%252e/secret.txt' })).status, 404);
    assert.deepEqual(toSafeRelativePath('/assets/'), { ok: true, relativePath: 'assets/index.html' });
  });

  it('answers API calls through the dispatcher', async () => {
    const response = await invoke(server, { method: 'system.getInfo' }, undefined);
    assert.equal(response.status, 200);
    const body = JSON.parse(response.body) as { ok: boolean; value: Record<string, unknown> };
    assert.equal(body.ok, true);
    assert.equal(body.value['hostKind'], 'server');
    assert.equal(body.value['appVersion'], packageVersion);
    assert.equal(body.value['workspace'], path.join(fixtureDir, 'ws'));

    const unknown = JSON.parse((await invoke(server, { method: 'system.rm', input: {} }, undefined)).body) as { ok: boolean; error: { code: string } };
    assert.deepEqual([unknown.ok, unknown.error.code], [false, 'unknown-method']);
  });

  it('rejects malformed API requests with clear JSON errors', async () => {
    const notJson = await rawRequest(server, { path: '/api/invoke', method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{oops' });
    assert.equal(notJson.status, 400);
    assert.match(notJson.body, /not valid JSON/);
    const wrongType = await rawRequest(server, { path: '/api/invoke', method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' });
    assert.equal(wrongType.status, 415);
    assert.equal((await rawRequest(server, { path: '/api/invoke' })).status, 405);
    assert.equal((await rawRequest(server, { path: '/api/nothing' })).status, 404);
  });

  it('refuses requests addressed to a foreign host name (DNS rebinding)', async () => {
    const response = await rawRequest(server, { path: '/', headers: { Host: 'evil.example:80' } });
    assert.equal(response.status, 403);
    assert.equal(JSON.parse(response.body).error.code, 'unauthorized');
  });
});

describe('local server with token', () => {
  const token = 'test-token-123';
  let server: RunningServer;
  before(async () => {
    server = await startServer({ port: 0, token, rendererDir, workspace: fixtureDir });
  });
  after(() => server.close());

  it('puts the token in the URL it reports', () => {
    assert.equal(server.url, `http://127.0.0.1:${server.port}/?token=${token}`);
  });

  it('answers 401 with a JSON explanation without the token, 200 with it', async () => {
    const noToken = await invoke(server, { method: 'system.ping', input: { message: 'hi' } }, undefined);
    assert.equal(noToken.status, 401);
    assert.equal(noToken.headers['www-authenticate'], 'Bearer');
    const body = JSON.parse(noToken.body) as { ok: boolean; error: { code: string; message: string; hint: string } };
    assert.equal(body.error.code, 'unauthorized');
    assert.match(body.error.message, /requires an access token/);
    assert.match(body.error.hint, /\?token=/);

    const wrong = await invoke(server, { method: 'system.ping', input: { message: 'hi' } }, 'nope');
    assert.equal(wrong.status, 401);
    assert.match(JSON.parse(wrong.body).error.message, /not valid/);

    const right = await invoke(server, { method: 'system.ping', input: { message: 'hi' } }, token);
    assert.equal(right.status, 200);
    assert.equal(JSON.parse(right.body).value.message, 'hi');

    assert.equal((await rawRequest(server, { path: '/' })).status, 401);
    assert.equal((await rawRequest(server, { path: '/assets/app.js' })).status, 401);
  });

  it('lets the page URL token unlock the page, then its assets via cookie, but never the API', async () => {
    const page = await rawRequest(server, { path: `/?token=${token}` });
    assert.equal(page.status, 200);
    const cookie = String(page.headers['set-cookie']?.[0] ?? '');
    assert.match(cookie, new RegExp(`^fra_token_${server.port}=${token};`));
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const cookieHeader = cookie.split(';')[0] ?? '';

    assert.equal((await rawRequest(server, { path: '/assets/app.js', headers: { Cookie: cookieHeader } })).status, 200);
    const apiWithCookie = await rawRequest(server, {
      path: '/api/invoke',
      method: 'POST',
      headers: { Cookie: cookieHeader, 'Content-Type': 'application/json' },
      body: JSON.stringify({ method: 'system.getInfo' }),
    });
    assert.equal(apiWithCookie.status, 401);
  });

  it('requires the token for the event socket, then delivers events', async () => {
    const base = `ws://127.0.0.1:${server.port}/api/events`;
    assert.equal(await upgradeStatus(base), 401);
    assert.equal(await upgradeStatus(`${base}?token=wrong`), 401);
    assert.equal(await upgradeStatus(`${base}?token=${token}`, { Origin: 'http://evil.example' }), 403);
    assert.equal(await upgradeStatus(`ws://127.0.0.1:${server.port}/elsewhere?token=${token}`), 404);

    const socket = new WebSocket(`${base}?token=${token}`, { headers: { Origin: `http://127.0.0.1:${server.port}` } });
    const nextMessage = messageQueue(socket);
    const greeting = (await nextMessage()) as { event: string; data: { message: string } };
    assert.equal(greeting.event, 'system.log');
    assert.equal(greeting.data.message, 'Live updates connected.');

    const time = new Date().toISOString();
    server.events.emit('system.log', { level: 'info', message: 'hello socket', time });
    assert.deepEqual(await nextMessage(), { event: 'system.log', data: { level: 'info', message: 'hello socket', time } });
    socket.close();
  });
});

describe('local server configuration', () => {
  it('refuses a non-loopback address without a token', async () => {
    await assert.rejects(startServer({ port: 0, host: '0.0.0.0', rendererDir }), (error: unknown) => {
      return error instanceof ServerConfigError && /without an access token/.test(error.message);
    });
  });

  it('accepts a non-loopback address with a token', async () => {
    const server = await startServer({ port: 0, host: '0.0.0.0', token: 'abc', rendererDir });
    try {
      assert.equal(server.url, `http://127.0.0.1:${server.port}/?token=abc`);
      assert.equal((await rawRequest(server, { path: '/', headers: { Host: 'gpu-box.lan' } })).status, 401);
      assert.equal((await rawRequest(server, { path: '/?token=abc', headers: { Host: 'gpu-box.lan' } })).status, 200);
    } finally {
      await server.close();
    }
  });

  it('explains a missing renderer build', async () => {
    await assert.rejects(startServer({ port: 0, rendererDir: path.join(fixtureDir, 'nowhere') }), /npm run build:renderer/);
  });
});

describe('serve CLI', () => {
  it('parses options and generates a token by default', () => {
    const parsed = parseCliArgs(['serve', '--port', '0', '--workspace', '/data/ws']);
    assert.equal(parsed.kind, 'serve');
    if (parsed.kind !== 'serve') return;
    assert.equal(parsed.options.port, 0);
    assert.equal(parsed.options.host, '127.0.0.1');
    assert.equal(parsed.options.workspace, '/data/ws');
    assert.match(parsed.options.token ?? '', /^[\w-]{20,}$/);
    const tokenless = parseCliArgs(['--no-token']);
    assert.equal(tokenless.kind === 'serve' && tokenless.options.token, undefined);
  });

  it('rejects bad arguments with a usage error', () => {
    assert.throws(() => parseCliArgs(['serve', '--port', 'abc']), UsageError);
    assert.throws(() => parseCliArgs(['serve', '--port', '70000']), UsageError);
    assert.throws(() => parseCliArgs(['launch']), UsageError);
    assert.throws(() => parseCliArgs(['--bogus']), UsageError);
    assert.throws(() => parseCliArgs(['--host', '0.0.0.0', '--no-token']), /only allowed on a loopback/);
  });

  it('prints the URL and how to stop, and explains a busy port', async () => {
    const lines: string[] = [];
    const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(`ERR ${line}`) };
    const running = await runCli(['serve', '--port', '0', '--renderer-dir', rendererDir, '--workspace', fixtureDir], io);
    assert.notEqual(typeof running, 'number');
    if (typeof running === 'number') return;
    try {
      assert.match(lines[0] ?? '', new RegExp(`^FRA Workbench is running at http://127\\.0\\.0\\.1:${running.port}/\\?token=[\\w-]+$`));
      assert.ok(lines.includes('Press Ctrl+C to stop'));

      lines.length = 0;
      const exitCode = await runCli(['serve', '--port', String(running.port), '--renderer-dir', rendererDir], io);
      assert.equal(exitCode, 1);
      assert.match(lines.join('\n'), new RegExp(`ERR Port ${running.port} on 127\\.0\\.0\\.1 is already in use[\\s\\S]*--port ${running.port + 1}`));
    } finally {
      await running.close();
    }
  });
});
