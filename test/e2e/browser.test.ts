// End to end in a real browser: the built renderer, served by the real local server, driven in
// Debian's Chromium. Proves the browser host transport, the token hand-off and the shell UI together.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { build } from 'vite';
import { startServer, type RunningServer } from '../../electron/server/server.js';

const CHROMIUM = '/usr/bin/chromium';
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const packageVersion = (JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const NAV_LABELS = ['Datasets', 'Runs', 'Checkpoints', 'Compare', 'Fine-tune'];

let tempDir: string;
let server: RunningServer;
let browser: Browser;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is needed for the browser tests but ${CHROMIUM} is missing. Install it with: apt-get install -y chromium`);
  tempDir = await mkdtemp(path.join(os.tmpdir(), 'fra-e2e-'));
  const rendererDir = path.join(tempDir, 'renderer');
  // Always build the current sources (into a temp folder, leaving dist/ alone): a stale dist/ would test old code.
  await build({
    configFile: path.join(repoRoot, 'renderer', 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: rendererDir, emptyOutDir: true, sourcemap: false },
  });
  server = await startServer({ port: 0, token: 'e2e-token', rendererDir, workspace: path.join(tempDir, 'workspace') });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
});

describe('workbench shell in a browser', () => {
  let context: BrowserContext;
  before(async () => {
    context = await browser.newContext();
  });
  after(() => context.close());

  it('shows the status bar from system.getInfo, the navigation and live host events, with no console errors', async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));

    await page.goto(server.url);
    const statusBar = page.locator('[data-testid="status-bar"][data-state="ready"]');
    await statusBar.waitFor();

    assert.equal(await page.getByTestId('status-host-kind').textContent(), 'server');
    assert.match((await page.getByTestId('status-version').textContent()) ?? '', new RegExp(`v${packageVersion.replaceAll('.', '\\.')}$`));
    assert.equal(await page.getByTestId('status-workspace').textContent(), path.join(tempDir, 'workspace'));

    const navLabels = (await page.locator('nav[aria-label="Workbench sections"] a').allTextContents()).map((label) => label.trim());
    assert.deepEqual(navLabels, NAV_LABELS);
    assert.equal(await page.getByTestId('error-banner').count(), 0);

    // Host events reach the page over the WebSocket: first the server's greeting, then anything emitted.
    await page.getByTestId('status-log').filter({ hasText: 'Live updates connected.' }).waitFor();
    server.events.emit('system.log', { level: 'warn', message: 'Workspace disk is almost full', time: new Date().toISOString() });
    await page.getByTestId('status-log').filter({ hasText: 'Workspace disk is almost full' }).waitFor();

    // The token was taken out of the address bar (it stays in this tab's session storage).
    assert.doesNotMatch(page.url(), /token=/);

    await page.getByTestId('nav-runs').click();
    await page.waitForURL(/#runs$/);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Runs');
    assert.equal(await page.getByTestId('nav-runs').getAttribute('aria-current'), 'page');

    // Reloading keeps working: assets come back via the cookie, API calls via the stored token.
    await page.reload();
    await statusBar.waitFor();
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Runs');

    assert.deepEqual(problems, [], 'no console errors (including CSP violations)');
  });

  it('shows the API error with its hint when a tab has no token', async () => {
    // A new tab in the same browser has the cookie (so the page loads) but not the token (so the API refuses).
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${server.port}/`);
    await page.locator('[data-testid="status-bar"][data-state="error"]').waitFor();
    assert.match((await page.getByTestId('error-message').textContent()) ?? '', /requires an access token/);
    assert.match((await page.getByTestId('error-hint').textContent()) ?? '', /\?token=/);
    assert.equal(await page.getByTestId('error-banner').getAttribute('data-code'), 'unauthorized');
  });
});
