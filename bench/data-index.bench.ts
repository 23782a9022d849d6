/**
 * Dataset indexing benchmark (the indexing half of `npm run bench:data`).
 *
 * Generates once, under bench/.cache/ (git-ignored), a VGGFace2-layout tree of
 * 200,000 tiny valid JPEGs in 2,000 identity folders — one ~1 KB JPEG's bytes
 * copied under different names, since indexing reads headers and tails only
 * and its cost is per file, not per pixel. Then, each in a fresh process so
 * peak memory is the phase's own:
 *   cold     — first index of the dataset (walk + stat + header probe of every file)
 *   reopen   — opening the persisted index (summary only), and loading the record table
 *   refresh  — incremental refresh with nothing changed (walk + stat, no probing)
 *
 * The files are in the OS page cache after generation, so "cold" means "no
 * previous index", not a cold disk: on a cold spinning disk the walk is I/O-bound.
 *
 * Options: --files N (default 200000), --identities N (default 2000), --regenerate.
 * Target (issue #4): cold indexing ≥ 20,000 files/s.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { detectLayout } from '../trainer/data/layouts/detect-layout.js';
import { indexDataset } from '../trainer/data/indexing/indexer.js';
import { DatasetIndex } from '../trainer/data/indexing/index-reader.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const fileCount = option('--files', 200_000);
const identities = option('--identities', 2_000);
const treeRoot = join(here, '.cache', `data-index-vggface2-${fileCount}-${identities}`);
const cacheDir = join(here, '.cache', `data-index-index-${fileCount}-${identities}`);
const TARGET_FILES_PER_SECOND = 20_000;

interface PhaseResult {
  phase: string;
  ms: number;
  /** CPU time (user + system) of the phase: less sensitive than wall time to other work on a shared machine. */
  cpuMs?: number;
  files: number;
  probed: number;
  maxRssMb: number;
  extra?: Record<string, number | string>;
}

async function generateTree(): Promise<void> {
  const marker = join(treeRoot, '.complete');
  if (existsSync(marker) && !args.includes('--regenerate')) return;
  rmSync(treeRoot, { recursive: true, force: true });
  const jpeg = await sharp({ create: { width: 48, height: 48, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg({ quality: 70 })
    .toBuffer();
  const started = performance.now();
  const perIdentity = Math.ceil(fileCount / identities);
  let written = 0;
  for (let id = 0; id < identities && written < fileCount; id++) {
    const folder = join(treeRoot, 'train', `n${String(id + 1).padStart(6, '0')}`);
    mkdirSync(folder, { recursive: true });
    for (let k = 0; k < perIdentity && written < fileCount; k++, written++) {
      writeFileSync(join(folder, `${String(k + 1).padStart(4, '0')}_01.jpg`), jpeg);
    }
  }
  writeFileSync(marker, JSON.stringify({ fileCount, identities, jpegBytes: jpeg.length }));
  console.log(`generated ${written} files (${jpeg.length}-byte JPEG each) in ${identities} identity folders in ${((performance.now() - started) / 1000).toFixed(1)} s → ${treeRoot}`);
}

/** Runs one phase in this same script, in a child process, and returns its JSON line. */
function runPhase(phase: string): PhaseResult {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--phase', phase, '--files', String(fileCount), '--identities', String(identities)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`phase ${phase} failed (exit ${child.status})`);
  const line = child.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as PhaseResult;
}

function maxRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function phase(name: string): Promise<PhaseResult> {
  const cpuBefore = process.cpuUsage();
  const result = await runPhaseBody(name);
  const cpu = process.cpuUsage(cpuBefore);
  return { ...result, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function runPhaseBody(name: string): Promise<PhaseResult> {
  switch (name) {
    case 'baseline': {
      const started = performance.now();
      await DatasetIndex.open(cacheDir).catch(() => null);
      return { phase: name, ms: performance.now() - started, files: 0, probed: 0, maxRssMb: maxRssMb() };
    }
    case 'cold': {
      rmSync(cacheDir, { recursive: true, force: true });
      const started = performance.now();
      const detection = await detectLayout(treeRoot);
      const detectMs = performance.now() - started;
      const index = await indexDataset({ detection, cacheDir });
      const ms = performance.now() - started;
      const s = index.summary;
      return { phase: name, ms, files: s.recordCount, probed: s.changes.probed, maxRssMb: maxRssMb(), extra: { detectMs: Math.round(detectMs), usable: s.statistics.overall.usable, identities: s.statistics.overall.labelsWithImages } };
    }
    case 'reopen': {
      const started = performance.now();
      const index = await DatasetIndex.open(cacheDir);
      const openMs = performance.now() - started;
      const table = await index.loadRecords();
      const loadMs = performance.now() - started - openMs;
      const lastPath = table.path(table.size - 1);
      return { phase: name, ms: openMs, files: index.size, probed: 0, maxRssMb: maxRssMb(), extra: { loadRecordsMs: Number(loadMs.toFixed(1)), lastPath } };
    }
    case 'refresh': {
      const started = performance.now();
      const index = await indexDataset({ root: treeRoot, cacheDir });
      const c = index.summary.changes;
      return { phase: name, ms: performance.now() - started, files: index.size, probed: c.probed, maxRssMb: maxRssMb(), extra: { added: c.added, removed: c.removed, changed: c.changed, unchanged: c.unchanged } };
    }
    default:
      throw new Error(`unknown phase ${name}`);
  }
}

const phaseArg = args.indexOf('--phase');
if (phaseArg >= 0) {
  console.log(JSON.stringify(await phase(args[phaseArg + 1] ?? '')));
} else {
  await generateTree();
  const meta = JSON.parse(readFileSync(join(treeRoot, '.complete'), 'utf8')) as { jpegBytes: number };
  console.log(`\nDataset indexing — ${fileCount} files (${meta.jpegBytes}-byte JPEGs, VGGFace2 layout, ${identities} identities), Node ${process.version}`);
  console.log('(files are in the page cache: "cold" = no previous index, not a cold disk)\n');
  const baseline = runPhase('baseline');
  const results = [runPhase('cold'), runPhase('reopen'), runPhase('refresh')];
  for (const r of results) {
    const timed = r.files > 0 && r.phase !== 'reopen';
    const rate = timed ? `${Math.round((r.files * 1000) / r.ms).toLocaleString('en')} files/s` : '';
    const cpuRate = timed && r.cpuMs ? `${Math.round((r.files * 1000) / r.cpuMs).toLocaleString('en')} files/CPU-s` : '';
    const extra = r.extra ? Object.entries(r.extra).map(([k, v]) => `${k}=${v}`).join(' ') : '';
    console.log(
      `${r.phase.padEnd(8)} ${r.ms.toFixed(1).padStart(9)} ms  ${rate.padStart(15)}  ${cpuRate.padStart(19)}  probed=${r.probed}  peak RSS ${r.maxRssMb.toFixed(0)} MB (process baseline ${baseline.maxRssMb.toFixed(0)} MB)  ${extra}`,
    );
  }
  const cold = results[0]!;
  const coldRate = (cold.files * 1000) / cold.ms;
  console.log(`\ncold indexing ${Math.round(coldRate).toLocaleString('en')} files/s wall clock — target ≥ ${TARGET_FILES_PER_SECOND.toLocaleString('en')}: ${coldRate >= TARGET_FILES_PER_SECOND ? 'met' : 'NOT met'}`);
  console.log(`machine load average during the run: ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores (wall-clock rates drop when other work shares the CPUs)`);
}
