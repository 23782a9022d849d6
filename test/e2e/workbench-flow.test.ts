// The researcher's first session, end to end in a real browser: Debian's Chromium driving the built
// renderer, served by the real local server, with real trainer processes and real files in a
// temporary workspace. Nothing below the page is replaced.
//
//   datasets: a bad path is refused with its fix → the built-in synthetic faces are generated and
//   indexed → the grid shows thumbnails → the augmentation preview draws two views, and redraws
//   with a new seed;
//   runs: the quick-demo preset, shrunk to a few steps; an invalid value blocks Start with a message
//   → Start → charts gain points → pause → resume → stop → resume from checkpoint → finished;
//   checkpoints: listed with markers → two (or the only one, twice) compared as region heatmaps.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { startServer, type RunningServer } from '../../electron/server/server.js';

const CHROMIUM = '/usr/bin/chromium';
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** Generous: trainer start-up and synthetic-face generation share two cores with the rest of the suite. */
const SLOW = { timeout: 240_000 };

let tempDir: string;
let server: RunningServer;
let browser: Browser;
let page: Page;
const pageProblems: string[] = [];

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is needed for the browser tests but ${CHROMIUM} is missing. Install it with: apt-get install -y chromium`);
  tempDir = await mkdtemp(path.join(os.tmpdir(), 'fra-e2e-flow-'));
  const rendererDir = path.join(tempDir, 'renderer');
  await build({ configFile: path.join(repoRoot, 'renderer', 'vite.config.ts'), logLevel: 'warn', build: { outDir: rendererDir, emptyOutDir: true, sourcemap: false } });
  server = await startServer({ port: 0, token: 'flow-token', rendererDir, workspace: path.join(tempDir, 'workspace') });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  const context = await browser.newContext({ viewport: { width: 1440, height: 960 } });
  context.setDefaultTimeout(60_000);
  page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') pageProblems.push(message.text());
  });
  page.on('pageerror', (error) => pageProblems.push(error.message));
  await page.goto(server.url);
  await page.locator('[data-testid="status-bar"][data-state="ready"]').waitFor();
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
});

/** With FRA_SCREENSHOTS_DIR set, the flow also saves the README's screenshots there. */
const screenshotsDir = process.env['FRA_SCREENSHOTS_DIR'];
async function screenshot(name: string): Promise<void> {
  if (screenshotsDir !== undefined) await page.screenshot({ path: path.join(screenshotsDir, `${name}.png`) });
}

async function go(hash: string): Promise<void> {
  await page.evaluate((h) => {
    (globalThis as unknown as { location: { hash: string } }).location.hash = h;
  }, hash);
}

/** Fills a New Run field, opening its "Advanced" section first when it is folded away. */
async function setField(key: string, value: string): Promise<void> {
  const input = page.getByTestId(`newrun-field-${key}`);
  if (!(await input.isVisible())) {
    const section = page.getByTestId('newrun-advanced').filter({ has: input });
    await section.locator('summary').click();
  }
  const tag = await input.evaluate((element) => element.tagName.toLowerCase());
  if (tag === 'select') await input.selectOption(value);
  else await input.fill(value);
}

type Comparison = { op: 'changed-from'; value: string | null } | { op: 'at-least' | 'more-than' | 'equals'; value: number };

/** Resolves once attribute `name` of the first element matching `selector` satisfies `test` (re-checked every animation frame). */
async function waitForAttribute(selector: string, name: string, test: Comparison): Promise<void> {
  await page.waitForFunction(
    ({ selector, name, test }) => {
      // Runs in the page, where globalThis is the window.
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(n: string): string | null } | null } }).document;
      const value = doc.querySelector(selector)?.getAttribute(name) ?? null;
      if (test.op === 'changed-from') return value !== null && value !== test.value;
      const n = Number(value ?? Number.NaN);
      return test.op === 'at-least' ? n >= test.value : test.op === 'more-than' ? n > test.value : n === test.value;
    },
    { selector, name, test },
    { timeout: SLOW.timeout },
  );
}

async function pointsOf(chartId: string): Promise<number> {
  return Number((await page.getByTestId(`chart-${chartId}`).getAttribute('data-points')) ?? '0');
}

describe('a first session in the workbench (browser, real server, real trainer)', () => {
  it('datasets: refuses a bad folder with the fix, adds the built-in synthetic faces, browses them and previews the two FRA views', async () => {
    await go('#datasets');
    await page.getByTestId('datasets-empty').waitFor();

    // With no datasets yet, the add form is part of the empty state.
    await page.getByTestId('datasets-add-path').fill('/no/such/folder/vggface2');
    await page.getByTestId('datasets-add-submit').click();
    const addError = page.getByTestId('datasets-add-error');
    await addError.waitFor();
    assert.match((await addError.textContent()) ?? '', /no folder or file at \/no\/such\/folder\/vggface2/i);

    await page.getByTestId('datasets-add-synthetic').first().click();
    await page.locator('[data-testid="dataset-state"][data-state="ready"]').first().waitFor(SLOW);
    const cells = page.getByTestId('image-grid-cell');
    await cells.first().waitFor();
    assert.ok((await cells.count()) > 4, 'the grid shows a screenful of thumbnails');
    assert.match((await page.getByTestId('image-count').textContent()) ?? '', /2[,.\s]?000/);

    await cells.nth(3).click();
    await page.getByTestId('image-detail').waitFor();
    const views = page.getByTestId('augment-view');
    await page.locator('[data-testid="augment-view"][data-seed]').first().waitFor();
    assert.equal(await views.count(), 2, 'two augmented views');
    const firstSeed = await views.first().getAttribute('data-seed');
    await page.getByTestId('augment-redraw').click();
    await waitForAttribute('[data-testid="augment-view"]', 'data-seed', { op: 'changed-from', value: firstSeed });
    await screenshot('datasets');
  });

  it('runs: an invalid value blocks Start with a message; the quick demo trains live, pauses, resumes, stops and resumes from its checkpoint', SLOW, async () => {
    await go('#runs');
    await page.getByTestId('runs-new').first().click();
    await page.getByTestId('newrun-form').waitFor();
    await page.getByTestId('newrun-preset').selectOption('quick-demo');

    await setField('lr', '-1');
    const lrProblem = page.getByTestId('newrun-problem-lr');
    await lrProblem.waitFor();
    assert.match((await lrProblem.textContent()) ?? '', /-1|> 0|greater/);
    assert.equal(await page.getByTestId('newrun-start').isDisabled(), true, 'Start is blocked while a field is invalid');
    await page.getByTestId('newrun-blocked').waitFor();

    // The quick demo, shrunk to 2 epochs × 6 steps so the test stays short.
    await setField('lr', '0.03');
    await setField('batchSize', '4');
    await setField('trainPercent', '0.0024');
    await setField('hidDim', '64');
    await setField('projDim', '32');
    await setField('workers', '1');
    await page.getByTestId('newrun-name').fill('e2e quick demo');
    await screenshot('new-run');
    await page.locator('[data-testid="newrun-start"]:enabled').click();

    const detail = page.getByTestId('run-detail');
    await page.locator('[data-testid="run-detail"][data-state="running"]').waitFor(SLOW);
    await waitForAttribute('[data-testid="chart-loss/total"]', 'data-points', { op: 'at-least', value: 1 });
    const before = await pointsOf('loss/total');

    await page.getByTestId('run-pause').click();
    await page.locator('[data-testid="run-detail"][data-state="paused"]').waitFor(SLOW);
    await page.getByTestId('run-resume').click();
    await page.locator('[data-testid="run-detail"][data-state="running"]').waitFor(SLOW);
    await waitForAttribute('[data-testid="chart-loss/total"]', 'data-points', { op: 'more-than', value: before });

    await page.getByTestId('run-stop').click();
    await page.locator('[data-testid="run-detail"][data-state="stopped"]').waitFor(SLOW);
    const restart = page.getByTestId('run-restart');
    assert.match((await restart.textContent()) ?? '', /Resume from checkpoint/);
    await restart.click();
    await page.locator('[data-testid="run-detail"][data-state="finished"]').waitFor(SLOW);
    const total = Number(await page.getByTestId('run-progress').getAttribute('data-total'));
    assert.ok(total >= 2, `the run has several steps (${total})`);
    await waitForAttribute('[data-testid="chart-loss/total"]', 'data-points', { op: 'equals', value: total });
    await screenshot('run');
    assert.equal(await detail.getAttribute('data-state'), 'finished');
  });

  it('checkpoints: lists the run’s checkpoints and compares region heatmaps of two side by side', SLOW, async () => {
    await go('#checkpoints');
    const rows = page.getByTestId('checkpoint-row');
    await rows.first().waitFor();
    await screenshot('checkpoints');
    assert.ok((await page.getByTestId('checkpoint-marker').count()) >= 1, 'markers (last / top-k) are shown');

    const count = await rows.count();
    const a = { run: await rows.nth(0).getAttribute('data-run-id'), name: await rows.nth(0).getAttribute('data-name') };
    const b = count > 1 ? { run: await rows.nth(1).getAttribute('data-run-id'), name: await rows.nth(1).getAttribute('data-name') } : a;
    if (count > 1) {
      await rows.nth(0).getByTestId('checkpoint-select').check();
      await rows.nth(1).getByTestId('checkpoint-select').check();
      await page.getByTestId('checkpoints-compare').click();
    } else {
      await go(`#compare?a=${a.run}:${a.name}&b=${b.run}:${b.name}`);
    }

    await page.getByTestId('compare-checkpoint-a').waitFor();
    await page.getByTestId('compare-pick').first().click();
    await page.getByTestId('compare-run').click();
    const panelA = page.locator('[data-testid="compare-panel-a"][data-regions]').first();
    const panelB = page.locator('[data-testid="compare-panel-b"][data-regions]').first();
    await panelA.waitFor(SLOW);
    await panelB.waitFor(SLOW);
    assert.equal(await panelA.getAttribute('data-regions'), '8', 'the quick demo learns N = 8 regions');
    assert.equal(await panelB.getAttribute('data-regions'), '8');
    await page.getByTestId('compare-score').first().waitFor();
    await screenshot('compare');
  });

  it('left no errors in the page console (including CSP violations)', () => {
    assert.deepEqual(pageProblems, []);
  });
});
