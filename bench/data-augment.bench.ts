/**
 * Data-augmentation benchmark (issue 4, benchmark part b/c): decode + FRA two-view augmentation
 * (fra-spec §3) images/s on ONE core at 112 and 224 px, side by side with the reference pipeline in
 * torchvision + PIL (bench/torchvision_two_view_anchor.py, Debian's python3-torchvision, one
 * thread) on the same machine and the same JPEGs, and their ratio. One image = decode + both views.
 *
 * Also checks parity: samples rendered here are replayed with torchvision's functional ops from
 * the same drawn parameters and compared byte for byte (8-bit views and float32 tensors), plus
 * sharp's JPEG decode against PIL's.
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
 *   --no-parity          skip the parity check
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { RgbImage } from '../trainer/data/image-source.js';
import { describeFinetuneTrain, finetuneTestTransform, finetuneTrainTransform, renderFinetuneTrain } from '../trainer/data/augment/finetune.js';
import { toNormalizedTensor } from '../trainer/data/augment/ops/normalize.js';
import { createRng } from '../trainer/data/augment/random.js';
import { describeTwoViews, fraTwoViews, renderView } from '../trainer/data/augment/two-view.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const skipTorch = args.includes('--skip-torch');
const parity = !args.includes('--no-parity') && !skipTorch;

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

async function decode(path: string): Promise<RgbImage> {
  const bytes = readFileSync(path);
  const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${path}: decoded to ${info.channels} channels`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

// ---------------------------------------------------------------------------------------------
// Throughput

interface Throughput {
  /** Images per second of process CPU time (all threads): the per-core rate, robust to other load. */
  imagesPerCpuSecond: number;
  /** Images per wall-clock second. */
  imagesPerSecond: number;
  images: number;
  decodeMsPerImage: number;
  augmentMsPerImage: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function measureOurs(paths: string[], size: number): Promise<Throughput> {
  for (let i = 0; i < 10; i++) fraTwoViews(await decode(paths[i] as string), { size, seed: 1, epoch: 0, index: i });
  let count = 0;
  let decodeNs = 0n;
  let augmentNs = 0n;
  const start = process.hrtime.bigint();
  const cpuStart = cpuSeconds();
  let elapsed = 0;
  for (let epoch = 0; elapsed < minSeconds; epoch++) {
    for (let i = 0; i < paths.length; i++) {
      const t0 = process.hrtime.bigint();
      const image = await decode(paths[i] as string);
      const t1 = process.hrtime.bigint();
      const views = fraTwoViews(image, { size, seed: 1, epoch, index: i });
      const t2 = process.hrtime.bigint();
      if (views.view1.length !== size * size * 3) throw new Error('bad view size');
      decodeNs += t1 - t0;
      augmentNs += t2 - t1;
      count++;
    }
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return {
    imagesPerCpuSecond: count / (cpuSeconds() - cpuStart),
    imagesPerSecond: count / elapsed,
    images: count,
    decodeMsPerImage: Number(decodeNs) / 1e6 / count,
    augmentMsPerImage: Number(augmentNs) / 1e6 / count,
  };
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
// Parity with torchvision's functional ops, from the same drawn parameters

interface ParityCase {
  kind: 'view' | 'finetune' | 'decode';
  label: string;
  expectU8?: Uint8Array;
  expectF32?: Float32Array;
  json: Record<string, unknown>;
}

async function checkParity(paths: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'fra-augment-parity-'));
  try {
    const cases: ParityCase[] = [];
    const images: RgbImage[] = [];
    const imageCount = Math.min(16, paths.length);
    for (let k = 0; k < imageCount; k++) {
      const image = await decode(paths[k] as string);
      images.push(image);
      writeFileSync(join(dir, `${k}.rgb`), image.data);
      cases.push({ kind: 'decode', label: `decode ${k}`, expectU8: image.data, json: { kind: 'decode', jpeg: paths[k] } });
    }
    for (let n = 0; n < paritySamples; n++) {
      const k = n % imageCount;
      const image = images[k] as RgbImage;
      const size = n % 2 === 0 ? 224 : 112;
      const raw = { raw: join(dir, `${k}.rgb`), width: image.width, height: image.height, size };
      const params = describeTwoViews(image, { size, seed: 11, epoch: 3, index: n });
      for (const [name, p] of [['view1', params.view1], ['view2', params.view2]] as const) {
        const rgb = renderView(image, p, size);
        cases.push({ kind: 'view', label: `sample ${n} ${name}`, expectU8: rgb.data, expectF32: toNormalizedTensor(rgb), json: { kind: 'view', ...raw, params: p } });
      }
      if (n % 4 === 0) {
        const opts = { size, seed: 11, epoch: 3, index: n };
        const ft = describeFinetuneTrain(opts);
        cases.push({
          kind: 'finetune',
          label: `sample ${n} finetune-train`,
          expectU8: renderFinetuneTrain(image, ft, size).data,
          expectF32: finetuneTrainTransform(image, opts),
          json: { kind: 'finetune', ...raw, params: ft },
        });
        cases.push({ kind: 'finetune', label: `sample ${n} finetune-test`, expectF32: finetuneTestTransform(image, { size }), json: { kind: 'finetune', ...raw, params: null } });
      }
    }
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases.map((c) => c.json)));
    const res = spawnSync(python, [anchor, 'replay', '--cases', join(dir, 'cases.json'), '--out', join(dir, 'out')], { encoding: 'utf8', timeout: 600_000 });
    if (res.status !== 0) return `n/a: replay failed: ${(res.stderr || res.stdout).trim().split('\n').slice(-1)[0]}`;
    const tally = new Map<string, { same: number; total: number; maxDiff: number; firstBad?: string }>();
    cases.forEach((c, i) => {
      const group = c.kind;
      const t = tally.get(group) ?? { same: 0, total: 0, maxDiff: 0 };
      let identical = true;
      if (c.expectU8 !== undefined) {
        const got = readFileSync(join(dir, 'out', `${i}.u8`));
        for (let j = 0; j < c.expectU8.length; j++) {
          const d = Math.abs((got[j] ?? -999) - (c.expectU8[j] as number));
          if (d !== 0) identical = false;
          t.maxDiff = Math.max(t.maxDiff, d);
        }
      }
      if (c.expectF32 !== undefined) {
        const buf = readFileSync(join(dir, 'out', `${i}.f32`));
        const got = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
        for (let j = 0; j < c.expectF32.length; j++) if (got[j] !== c.expectF32[j]) identical = false;
      }
      t.total++;
      if (identical) t.same++;
      else t.firstBad ??= c.label;
      tally.set(group, t);
    });
    return [...tally.entries()]
      .map(([g, t]) => `${g}: ${t.same}/${t.total} bit-identical${t.same < t.total ? ` (max |Δ| ${t.maxDiff} levels, first: ${t.firstBad})` : ''}`)
      .join('; ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

const paths = await ensureJpegs();
console.log(
  `FRA two-view augmentation benchmark — ${paths.length} JPEGs, one core (cpu ${process.env.FRA_BENCH_PINNED ?? 'unpinned'}), ` +
    `${rounds} alternating round(s) of ≥${minSeconds}s per side, best round reported; load ${loadavg().map((v) => v.toFixed(2)).join(' ')}`,
);
console.log('  rates are images per CPU-second (= per core; one image = decode + both views); wall-clock rates in brackets');
let versions = '';
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
      `(wall per image: decode ${ours.decodeMsPerImage.toFixed(2)} ms + two views ${ours.augmentMsPerImage.toFixed(2)} ms)` +
      ` | torchvision+PIL ${torchText} | ratio ${ratio}`,
  );
}
if (versions) console.log(`  anchor: ${versions}`);
if (parity) console.log(`parity with torchvision/PIL from the same parameters: ${await checkParity(paths)}`);
