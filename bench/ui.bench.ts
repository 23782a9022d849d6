/**
 * npm run bench:ui — how the UI feels, measured in Debian's Chromium (headless, software rendering):
 * - time to interactive of the app served by the real local server (navigation → status bar ready),
 *   and to the runs list showing a run with 100,000 logged steps;
 * - frame times while flinging the thumbnail grid over 1,000,000 generated entries (the app's
 *   VirtualGrid) and while panning a metrics chart of 1,000,000 points (the app's MetricsChart, with
 *   and without smoothing), on a bench page built from the real components (bench/ui/); for the
 *   chart also the main-thread work of one pan step rendered synchronously (not rounded up to whole
 *   frames, so it shows changes that frame times hide);
 * - API round trip over HTTP for a live-sized metrics batch (250 rows) and for a whole 100,000-step history.
 *
 * Targets (issue 6): frames under 16.7 ms keep 60 fps; the machine is shared, so read the medians.
 * Options: --frames N (default 120), --runs N (TTI repetitions, default 3).
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';
import { RunStore } from '../electron/services/runs/run-store.js';
import { startServer } from '../electron/server/server.js';
import { pretrainConfigDefaults } from '../trainer/contract/run-config.js';

const CHROMIUM = '/usr/bin/chromium';
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const FRAMES = option('--frames', 120);
const TTI_RUNS = option('--runs', 3);
const HISTORY_STEPS = 100_000;
const LIVE_BATCH = 250;

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

function frameSummary(frameMs: readonly number[]): string {
  const slow = frameMs.filter((ms) => ms > 1000 / 30).length;
  return `median ${quantile(frameMs, 0.5).toFixed(1)} ms · p95 ${quantile(frameMs, 0.95).toFixed(1)} ms · max ${Math.max(...frameMs).toFixed(1)} ms · ${((100 * slow) / frameMs.length).toFixed(0)}% of frames > 33 ms (≈ ${(1000 / quantile(frameMs, 0.5)).toFixed(0)} fps)`;
}

async function buildPages(dir: string): Promise<{ appDir: string; benchDir: string }> {
  const appDir = join(dir, 'renderer');
  const benchDir = join(dir, 'bench-page');
  await build({ configFile: join(repoRoot, 'renderer', 'vite.config.ts'), logLevel: 'warn', build: { outDir: appDir, emptyOutDir: true, sourcemap: false } });
  await build({
    configFile: false,
    root: join(repoRoot, 'bench', 'ui'),
    base: './',
    logLevel: 'warn',
    plugins: [vue()],
    resolve: { alias: { '@contract': join(repoRoot, 'electron', 'contract') } },
    build: { outDir: benchDir, emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 4096 },
  });
  return { appDir, benchDir };
}

/** A static file server for the bench page (module scripts do not load from file://). */
async function serveStatic(root: string): Promise<{ server: Server; url: string }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = createServer((request, response) => {
    const path = normalize(join(root, decodeURIComponent((request.url ?? '/').split('?')[0] ?? '/')));
    const file = path.endsWith('/') || path === root ? join(root, 'index.html') : path;
    if (!file.startsWith(root) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return { server, url: `http://127.0.0.1:${address.port}/` };
}

/** A stopped run whose metrics.jsonl holds `steps` FRA-shaped records (what the trainer writes). */
async function seedRun(workspace: string, steps: number): Promise<string> {
  const store = new RunStore(workspace);
  const run = await store.createRun({ name: 'bench history', kind: 'pretrain', config: { ...pretrainConfigDefaults(), dataset: 'random' }, seed: 1 });
  await store.transition(run.id, 'stopped', 'seeded by bench:ui');
  const out = createWriteStream(run.paths.metrics);
  const start = Date.now() - steps * 400;
  for (let step = 1; step <= steps; step++) {
    const t = step * 1e-4;
    const record = {
      step,
      epoch: Math.floor((step - 1) / 1251),
      iteration: (step - 1) % 1251,
      iterationsPerEpoch: 1251,
      losses: { total: 4.1 * Math.exp(-t) + 0.12, global: 1.9 * Math.exp(-t), region: 1.2 * Math.exp(-t), cluster: 0.6 * Math.exp(-t) },
      lr: 0.05 * Math.cos(t / 10),
      emaMomentum: 0.996,
      secondsPerStep: 0.41,
      imagesPerSecond: 621,
      tfjsBytes: 3.2e9,
      rssBytes: 5.3e9,
      time: start + step * 400,
    };
    if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return run.id;
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`bench:ui needs Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  const dir = await mkdtemp(join(tmpdir(), 'fra-bench-ui-'));
  let browser: Browser | undefined;
  const closers: (() => Promise<unknown>)[] = [];
  try {
    console.log(`bench:ui — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, load ${loadavg()[0]?.toFixed(1)}, Chromium headless (software rendering)\n`);
    const { appDir, benchDir } = await buildPages(dir);
    const workspace = join(dir, 'workspace');
    const runId = await seedRun(workspace, HISTORY_STEPS);
    const token = 'bench-token';
    const server = await startServer({ port: 0, token, rendererDir: appDir, workspace });
    closers.push(() => server.close());
    const bench = await serveStatic(benchDir);
    closers.push(() => new Promise((resolve) => bench.server.close(resolve)));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });

    // 1. Time to interactive.
    const ready: number[] = [];
    const runsListed: number[] = [];
    for (let i = 0; i < TTI_RUNS; i++) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${server.url}#runs`);
      await page.locator('[data-testid="status-bar"][data-state="ready"]').waitFor();
      ready.push(await page.evaluate(() => performance.now()));
      await page.getByTestId('run-list-item').first().waitFor();
      runsListed.push(await page.evaluate(() => performance.now()));
      await context.close();
    }

    // 2. Frame times on the bench page.
    const renderWork = new Map<string, number[]>();
    const frames = async (query: string): Promise<number[]> => {
      const context = await browser!.newContext({ viewport: { width: 1440, height: 1000 } });
      const page = await context.newPage();
      await page.goto(`${bench.url}?${query}`);
      // These callbacks run in the page, where globalThis is the window.
      await page.waitForFunction(() => (globalThis as unknown as { bench?: { ready: boolean } }).bench?.ready === true);
      if (query.startsWith('scene=chart')) await page.locator('[data-testid="chart-bench"][data-points="1000000"]').waitFor();
      const run = (n: number): Promise<{ frameMs: number[] }> =>
        page.evaluate((count) => (globalThis as unknown as { bench: { run(frames: number): Promise<{ frameMs: number[] }> } }).bench.run(count), n);
      await run(10); // warm-up: JIT, first layout
      const { frameMs } = await run(FRAMES);
      if (query.startsWith('scene=chart')) {
        const work = await page.evaluate((count) => (globalThis as unknown as { bench: { renderMs(frames: number): number[] } }).bench.renderMs(count), FRAMES);
        renderWork.set(query, work);
      }
      await context.close();
      return frameMs;
    };
    const gridFrames = await frames('scene=grid');
    const chartFrames = await frames('scene=chart&smoothing=0.6');
    const chartRawFrames = await frames('scene=chart&smoothing=0');

    // 3. API round trips over HTTP (what the browser host does).
    const invoke = async (method: string, input: unknown): Promise<{ ms: number; bytes: number; rows: number }> => {
      const started = performance.now();
      const response = await fetch(new URL('/api/invoke', server.url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ method, input }),
      });
      const text = await response.text();
      const ms = performance.now() - started;
      const body = JSON.parse(text) as { ok: boolean; value?: { columns: { step: number[] } }; error?: { message: string } };
      if (!body.ok) throw new Error(`${method} failed: ${body.error?.message}`);
      return { ms, bytes: text.length, rows: body.value?.columns.step.length ?? 0 };
    };
    const batch: number[] = [];
    let batchInfo = { bytes: 0, rows: 0 };
    for (let i = 0; i < 40; i++) {
      const r = await invoke('runs.metrics', { runId, afterStep: HISTORY_STEPS - LIVE_BATCH });
      batch.push(r.ms);
      batchInfo = r;
    }
    const history: number[] = [];
    let historyInfo = { bytes: 0, rows: 0 };
    for (let i = 0; i < 3; i++) {
      const r = await invoke('runs.metrics', { runId });
      history.push(r.ms);
      historyInfo = r;
    }

    console.log('| measurement | result |');
    console.log('|---|---|');
    console.log(`| time to interactive (status bar ready) | median ${quantile(ready, 0.5).toFixed(0)} ms (runs: ${ready.map((v) => v.toFixed(0)).join(', ')}) |`);
    console.log(`| runs list shown (incl. a run with ${HISTORY_STEPS.toLocaleString('en')} steps) | median ${quantile(runsListed, 0.5).toFixed(0)} ms |`);
    console.log(`| grid fling over 1,000,000 entries (600 px/frame) | ${frameSummary(gridFrames)} |`);
    console.log(`| chart pan, 1,000,000 points, smoothing 0.6 | ${frameSummary(chartFrames)} |`);
    console.log(`| chart pan, 1,000,000 points, no smoothing | ${frameSummary(chartRawFrames)} |`);
    for (const [query, label] of [['scene=chart&smoothing=0.6', 'smoothing 0.6'], ['scene=chart&smoothing=0', 'no smoothing']] as const) {
      const work = renderWork.get(query) ?? [];
      console.log(`| chart pan step, main-thread work (render + raster, unpaced), ${label} | median ${quantile(work, 0.5).toFixed(1)} ms · p95 ${quantile(work, 0.95).toFixed(1)} ms |`);
    }
    console.log(`| runs.metrics live batch (${batchInfo.rows} rows, ${(batchInfo.bytes / 1024).toFixed(0)} KiB) over HTTP | median ${quantile(batch, 0.5).toFixed(1)} ms · p95 ${quantile(batch, 0.95).toFixed(1)} ms |`);
    console.log(`| runs.metrics whole history (${historyInfo.rows.toLocaleString('en')} rows, ${(historyInfo.bytes / 1048576).toFixed(1)} MiB) | median ${quantile(history, 0.5).toFixed(0)} ms |`);
    console.log(`\nframe budget for 60 fps: 16.7 ms; ratio grid median / budget = ${(quantile(gridFrames, 0.5) / 16.7).toFixed(2)}, chart (smoothed) = ${(quantile(chartFrames, 0.5) / 16.7).toFixed(2)}`);
  } finally {
    await browser?.close();
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
