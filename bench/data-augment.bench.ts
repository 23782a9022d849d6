/**
 * Data-augmentation benchmark (issue 4, benchmark part b/c): decode + FRA two-view augmentation
 * (fra-spec §3) images/s on ONE core at 112 and 224 px, side by side with the reference pipeline in
 * torchvision + PIL (bench/torchvision_two_view_anchor.py, Debian's python3-torchvision, one
 * thread) on the same machine and the same JPEGs, and their ratio. One image = decode + both views,
 * exactly as the loader does it (`decodeImageFile`, then `fraTwoViews` into batch buffers).
 *
 * Then a per-stage breakdown of the same work on both sides (decode, crop + resize + flip, colour
 * jitter, grayscale, blur, solarize + normalisation), timed in a separate pass so the headline
 * rates carry no timer overhead, and a parity check (bench/data-augment-parity.ts): views rendered
 * here are replayed with torchvision's functional ops from the same drawn parameters and compared
 * byte for byte.
 *
 * Inputs: 200 face-crop-sized JPEGs (220–280 × 240–310 px: smooth shapes, gradients and noise),
 * generated once into bench/.cache/augment-jpegs/.
 *
 * One core: the process re-executes itself under `taskset` pinned to one CPU (when taskset is
 * available), libvips runs with concurrency 1, and images are processed one at a time; the
 * anchor pins itself and sets torch.set_num_threads(1). Rates are images per second of process
 * CPU time (user + system, all threads — sharp decodes on a libuv thread), which is the per-core
 * rate and stays meaningful on a machine shared with other work; wall-clock rates are shown too.
 * Both sides run in alternating rounds and the best round of each is compared.
 *
 * Options:
 *   --quick              1 round of 1 s per side (default 3 rounds of 5 s), 32 parity samples (default 96)
 *   --rounds N           alternating measurement rounds per size (the best of each side is reported)
 *   --sizes a,b          output sizes (default 112,224)
 *   --min-seconds S      seconds per measurement
 *   --skip-torch         do not run the torchvision anchor (no ratio, no parity)
 *   --no-stages          skip the per-stage breakdown
 *   --no-parity          skip the parity check
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { RgbImage } from '../trainer/data/image-source.js';
import { createRng } from '../trainer/data/augment/random.js';
import { describeTwoViews, fraTwoViews, viewRendererKind } from '../trainer/data/augment/two-view.js';
import { loadAugmentKernels } from '../trainer/data/augment/wasm/kernel-module.js';
import { type AugmentStage, KernelViewRenderer } from '../trainer/data/augment/wasm/kernel-view-renderer.js';
import { decodeImageFile } from '../trainer/data/decode/decode-image.js';
import { DEFAULT_MAX_PIXELS } from '../trainer/data/indexing/indexer.js';
import { checkParity } from './data-augment-parity.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const skipTorch = args.includes('--skip-torch');
const parity = !args.includes('--no-parity') && !skipTorch;
const stages = !args.includes('--no-stages');

function option(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const sizes = (option('--sizes') ?? '112,224').split(',').map((s) => Number(s.trim()));
if (sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`--sizes expects positive integers, got '${option('--sizes')}'`);
const minSeconds = Number(option('--min-seconds') ?? (quick ? 1 : 5));
const paritySamples = quick ? 32 : 96;
const rounds = Number(option('--rounds') ?? (quick ? 1 : 3));

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const cacheDir = join(benchDir, '.cache', 'augment-jpegs', 'v1');
const anchor = join(benchDir, 'torchvision_two_view_anchor.py');
const python = '/usr/bin/python3';
const IMAGE_COUNT = 200;

// ---------------------------------------------------------------------------------------------
// One core: re-run pinned under taskset (once).

if (process.env.FRA_BENCH_PINNED === undefined && existsSync('/usr/bin/taskset')) {
  const cpu = String(cpus().length - 1);
  const res = spawnSync('/usr/bin/taskset', ['-c', cpu, process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), ...args], {
    stdio: 'inherit',
    env: { ...process.env, FRA_BENCH_PINNED: cpu, UV_THREADPOOL_SIZE: '1' },
  });
  process.exit(res.status ?? 1);
}
sharp.concurrency(1);
sharp.cache(false);

// ---------------------------------------------------------------------------------------------
// Inputs

async function ensureJpegs(): Promise<string[]> {
  mkdirSync(cacheDir, { recursive: true });
  const existing = readdirSync(cacheDir).filter((f) => f.endsWith('.jpg'));
  if (existing.length < IMAGE_COUNT) {
    console.log(`generating ${IMAGE_COUNT} JPEGs in ${cacheDir} …`);
    for (let i = 0; i < IMAGE_COUNT; i++) {
      const image = syntheticPhoto(i);
      await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
        .jpeg({ quality: 90 })
        .toFile(join(cacheDir, `${String(i).padStart(4, '0')}.jpg`));
    }
  }
  return readdirSync(cacheDir)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .slice(0, IMAGE_COUNT)
    .map((f) => join(cacheDir, f));
}

/** A face-crop-sized image with photo-like statistics: smooth gradient, soft blobs, sensor noise. */
function syntheticPhoto(i: number): RgbImage {
  const rng = createRng(1000 + i);
  const width = 220 + ((i * 37) % 61);
  const height = 240 + ((i * 53) % 71);
  const data = new Uint8Array(width * height * 3);
  const base = [rng.uniform(40, 200), rng.uniform(30, 180), rng.uniform(20, 160)];
  const grad = [rng.uniform(-0.4, 0.4), rng.uniform(-0.4, 0.4)];
  const blobs = Array.from({ length: 6 }, () => ({
    x: rng.uniform(0, width),
    y: rng.uniform(0, height),
    r: rng.uniform(15, 90),
    color: [rng.uniform(-90, 90), rng.uniform(-90, 90), rng.uniform(-90, 90)],
  }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let v = (base[c] as number) + (grad[0] as number) * (x - width / 2) + (grad[1] as number) * (y - height / 2);
        for (const b of blobs) {
          const d2 = ((x - b.x) ** 2 + (y - b.y) ** 2) / (b.r * b.r);
          v += (b.color[c] as number) * Math.exp(-d2);
        }
        v += rng.uniform(-12, 12);
        data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return { width, height, data };
}

/** The loader's decode (trainer/data/indexed-source.ts). */
function decode(path: string): Promise<RgbImage> {
  return decodeImageFile(path, DEFAULT_MAX_PIXELS);
}

// ---------------------------------------------------------------------------------------------
// Throughput

interface Throughput {
  /** Images per second of process CPU time (all threads): the per-core rate, robust to other load. */
  imagesPerCpuSecond: number;
  /** Images per wall-clock second. */
  imagesPerSecond: number;
  images: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function measureOurs(paths: string[], size: number): Promise<Throughput> {
  // Like the loader: both views written straight into (here: one-sample) batch buffers.
  const view1 = new Float32Array(size * size * 3);
  const view2 = new Float32Array(size * size * 3);
  for (let i = 0; i < 10; i++) fraTwoViews(await decode(paths[i] as string), { size, seed: 1, epoch: 0, index: i }, { view1, view2, offset: 0 });
  let count = 0;
  const start = process.hrtime.bigint();
  const cpuStart = cpuSeconds();
  let elapsed = 0;
  for (let epoch = 0; elapsed < minSeconds; epoch++) {
    for (let i = 0; i < paths.length; i++) {
      const image = await decode(paths[i] as string);
      fraTwoViews(image, { size, seed: 1, epoch, index: i }, { view1, view2, offset: 0 });
      count++;
    }
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return { imagesPerCpuSecond: count / (cpuSeconds() - cpuStart), imagesPerSecond: count / elapsed, images: count };
}

interface AnchorThroughput {
  imagesPerCpuSecond: number;
  imagesPerSecond: number;
  versions: string;
}

function measureTorch(size: number): AnchorThroughput | string {
  if (skipTorch) return 'skipped (--skip-torch)';
  if (!existsSync(python)) return 'n/a: /usr/bin/python3 not found';
  const res = spawnSync(python, [anchor, 'bench', '--images', cacheDir, '--size', String(size), '--min-seconds', String(minSeconds)], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (res.status !== 0) {
    const msg = (res.stderr || res.stdout || String(res.error)).trim().split('\n').slice(-1)[0] ?? 'failed';
    return msg.includes('No module named') ? `n/a: ${msg} (apt-get install python3-torchvision)` : `n/a: ${msg}`;
  }
  const line = res.stdout.trim().split('\n').slice(-1)[0] ?? '{}';
  const r = JSON.parse(line) as { imagesPerSecond: number; imagesPerCpuSecond: number; torch: string; torchvision: string; pillow: string };
  return {
    imagesPerCpuSecond: r.imagesPerCpuSecond,
    imagesPerSecond: r.imagesPerSecond,
    versions: `torch ${r.torch}, torchvision ${r.torchvision}, Pillow ${r.pillow}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Per-stage breakdown (ms of CPU time per image, both views)

const STAGES = ['decode', 'resize', 'jitter', 'grayscale', 'blur', 'output'] as const;
type Stage = (typeof STAGES)[number];
type StageTimes = Record<Stage, number>;
const STAGE_LABELS: Record<Stage, string> = {
  decode: 'decode (JPEG → RGB)',
  resize: 'crop + resize + flip',
  jitter: 'colour jitter',
  grayscale: 'grayscale',
  blur: 'Gaussian blur',
  output: 'solarize + normalise',
};

/** Our stages, through the same kernels `fraTwoViews` uses, with a CPU-time mark after each. */
async function measureOurStages(paths: string[], size: number, passes: number): Promise<StageTimes | string> {
  const kernels = loadAugmentKernels();
  if (kernels === null) return 'n/a: no WebAssembly SIMD in this runtime (the reference renderer runs)';
  const renderer = new KernelViewRenderer(kernels);
  const totals: StageTimes = { decode: 0, resize: 0, jitter: 0, grayscale: 0, blur: 0, output: 0 };
  const cpuMs = (): number => cpuSeconds() * 1000;
  let last = 0;
  const mark = (stage: Stage): void => {
    const now = cpuMs();
    totals[stage] += now - last;
    last = now;
  };
  const clock = { mark: (stage: AugmentStage) => mark(stage) };
  const out = new Float32Array(size * size * 3);
  let count = 0;
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < paths.length; i++) {
      last = cpuMs();
      const image = await decode(paths[i] as string);
      mark('decode');
      const params = describeTwoViews(image, { size, seed: 1, epoch: pass, index: i });
      const source = renderer.load(image);
      for (const view of [params.view1, params.view2]) {
        renderer.writeNormalized(renderer.render(source, view, size, clock), out, 0);
        mark('output');
      }
      count++;
    }
  }
  for (const s of STAGES) totals[s] /= count;
  return totals;
}

function measureTorchStages(size: number, passes: number): StageTimes | string {
  if (skipTorch) return 'skipped (--skip-torch)';
  const res = spawnSync(python, [anchor, 'stages', '--images', cacheDir, '--size', String(size), '--passes', String(passes)], { encoding: 'utf8', timeout: 600_000 });
  if (res.status !== 0) return `n/a: ${(res.stderr || res.stdout || String(res.error)).trim().split('\n').slice(-1)[0]}`;
  const r = JSON.parse(res.stdout.trim().split('\n').slice(-1)[0] ?? '{}') as { stagesMs: StageTimes };
  return r.stagesMs;
}

function printStageTable(rows: { size: number; ours: StageTimes | string; torch: StageTimes | string }[]): void {
  const cell = (t: StageTimes | string, s: Stage | 'total'): string => {
    if (typeof t === 'string') return 'n/a'.padStart(7);
    const v = s === 'total' ? STAGES.reduce((a, k) => a + t[k], 0) : t[s];
    return v.toFixed(2).padStart(7);
  };
  console.log('\nper-stage CPU time, ms per image (decode + both views), separate timed pass:');
  console.log(`  ${''.padEnd(24)}${rows.map((r) => `  ${`${r.size} px: ours`.padStart(13)}  torchvision`).join('')}`);
  for (const s of [...STAGES, 'total'] as const) {
    const label = s === 'total' ? 'total' : STAGE_LABELS[s];
    console.log(`  ${label.padEnd(24)}${rows.map((r) => `  ${cell(r.ours, s).padStart(13)}  ${cell(r.torch, s).padStart(11)}`).join('')}`);
  }
  for (const r of rows) for (const t of [r.ours, r.torch]) if (typeof t === 'string') console.log(`  ${r.size} px: ${t}`);
}

// ---------------------------------------------------------------------------------------------

const paths = await ensureJpegs();
const renderer = viewRendererKind(await decode(paths[0] as string));
console.log(
  `FRA two-view augmentation benchmark — ${paths.length} JPEGs, one core (cpu ${process.env.FRA_BENCH_PINNED ?? 'unpinned'}), ` +
    `${rounds} alternating round(s) of ≥${minSeconds}s per side, best round reported; renderer ${renderer}; ` +
    `load ${loadavg().map((v) => v.toFixed(2)).join(' ')}`,
);
console.log('  rates are images per CPU-second (= per core; one image = decode + both views); wall-clock rates in brackets');
let versions = '';
const summary: string[] = [];
for (const size of sizes) {
  let ours: Throughput | undefined;
  let torch: AnchorThroughput | string | undefined;
  for (let round = 0; round < rounds; round++) {
    const o = await measureOurs(paths, size);
    if (ours === undefined || o.imagesPerCpuSecond > ours.imagesPerCpuSecond) ours = o;
    const t = measureTorch(size);
    if (typeof t === 'string') torch = t;
    else if (torch === undefined || typeof torch === 'string' || t.imagesPerCpuSecond > torch.imagesPerCpuSecond) torch = t;
  }
  if (ours === undefined || torch === undefined) throw new Error('no measurement');
  const ratio = typeof torch === 'string' ? 'n/a' : `${(ours.imagesPerCpuSecond / torch.imagesPerCpuSecond).toFixed(2)}×`;
  const torchText = typeof torch === 'string' ? torch : `${torch.imagesPerCpuSecond.toFixed(1)} img/s [${torch.imagesPerSecond.toFixed(1)}]`;
  if (typeof torch !== 'string') versions = torch.versions;
  console.log(
    `  ${String(size).padStart(3)} px: FRA Workbench ${ours.imagesPerCpuSecond.toFixed(1)} img/s [${ours.imagesPerSecond.toFixed(1)}] ` +
      `| torchvision+PIL ${torchText} | ratio ${ratio}`,
  );
  summary.push(`${size} px ${ratio}`);
}
if (versions) console.log(`  anchor: ${versions}`);
console.log(`ratio (ours / torchvision, per core; target ≥ 1.5×): ${summary.join(' | ')}`);
if (stages) {
  const passes = quick ? 1 : 2;
  const rows = [];
  for (const size of sizes) rows.push({ size, ours: await measureOurStages(paths, size, passes), torch: measureTorchStages(size, passes) });
  printStageTable(rows);
}
if (parity) {
  const result = await checkParity(paths, { decode, python, anchor, samples: paritySamples });
  console.log(`\nparity with torchvision/PIL from the same parameters: ${result}`);
}
