/**
 * npm run bench:metrics-log (node --expose-gc --import tsx bench/metrics-log.bench.ts) — cost of the run store's metrics log (trainer/run/metrics-log.ts).
 *
 * Measures, on the disk holding the OS temp folder (or --dir):
 * - append overhead per logged step (µs): JSON.stringify alone, MetricsWriter with the default
 *   sync policy (fdatasync at most every second, off-thread) and with fdatasync after every line,
 *   next to per-line `fs.promises.appendFile` (open/write/close each step, what the trainer did);
 * - flush latency (one fdatasync after one line): the price of "metrics durable before a checkpoint";
 * - on-disk size per million steps and per million scalar points, for a realistic FRA step record;
 * - reading back: streaming a million-line log, seeking to a late step, reading the last record,
 *   and the peak heap while streaming (the file is never held whole).
 *
 * Options: --lines N (read test size, default 1000000), --appends N (default 200000), --dir PATH, --quick (100k / 50k).
 */
import { appendFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsWriter, readLastMetricsRecord, readMetrics } from '../trainer/run/metrics-log.js';
import type { MetricsRecord } from '../trainer/run/run-format.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const readLines = Number(option('--lines') ?? (quick ? 100_000 : 1_000_000));
const appends = Number(option('--appends') ?? (quick ? 50_000 : 200_000));

/** What trainer/fra/pretrain-run.ts logs per step: eight loss parts plus schedule, throughput and memory. */
function stepRecord(step: number): MetricsRecord {
  const t = step * 1e-4;
  return {
    step,
    epoch: Math.floor((step - 1) / 1251),
    iteration: (step - 1) % 1251,
    iterationsPerEpoch: 1251,
    losses: {
      total: 4.1 * Math.exp(-t) + 0.123456789,
      global: 1.9 * Math.exp(-t) + 0.0234567,
      region: 1.2 * Math.exp(-t) + 0.0345678,
      regionPositive: 0.8 * Math.exp(-t) + 0.0456789,
      regionDecorrelation: 0.4 * Math.exp(-t) + 0.0567891,
      cluster: 0.6 * Math.exp(-t) + 0.0678912,
      clusterCrossEntropy: 0.5 * Math.exp(-t) + 0.0789123,
      clusterMeMax: -0.1 * Math.exp(-t) - 0.0891234,
    },
    lr: 0.05 * Math.cos(t / 10),
    emaMomentum: 0.996 + 0.004 * (1 - Math.cos(t / 10)) / 2,
    secondsPerStep: 0.412345 + (step % 7) * 0.001,
    imagesPerSecond: 621.3456 - (step % 7),
    tfjsBytes: 3_221_225_472 + (step % 1000) * 4096,
    rssBytes: 5_368_709_120 + (step % 1000) * 8192,
  };
}

function countScalars(value: unknown): number {
  if (typeof value === 'number') return 1;
  if (typeof value === 'object' && value !== null) return Object.values(value).reduce((n: number, v) => n + countScalars(v), 0);
  return 0;
}

const usPerOp = (ms: number, n: number): string => ((ms * 1000) / n).toFixed(2);
const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

async function main(): Promise<void> {
  const base = option('--dir') ?? tmpdir();
  await mkdir(base, { recursive: true });
  const root = await mkdtemp(join(base, 'fra-metrics-bench-'));
  console.log(`metrics-log bench: node ${process.version}, ${process.platform}/${process.arch}, load ${loadavg()[0]!.toFixed(2)}, dir ${root}`);
  try {
    const records = Array.from({ length: 1000 }, (_, i) => stepRecord(i + 1));

    // Serialisation alone: the floor under any JSON Lines logger.
    let t0 = performance.now();
    let bytes = 0;
    for (let i = 0; i < appends; i++) bytes += JSON.stringify({ ...records[i % 1000]!, step: i + 1 }).length;
    const stringifyMs = performance.now() - t0;

    const appendRun = async (name: string, syncIntervalMs: number): Promise<{ mean: number; p99: number }> => {
      const dir = join(root, name);
      await mkdir(dir);
      const writer = await MetricsWriter.open(dir, { syncIntervalMs });
      const samples = new Float64Array(appends);
      for (let i = 0; i < appends; i++) {
        const record = { ...records[i % 1000]!, step: i + 1 };
        const start = performance.now();
        writer.append(record);
        samples[i] = performance.now() - start;
        // Let background fdatasyncs complete the way they would between training steps.
        if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
      }
      await writer.close();
      const sorted = Array.from(samples).sort((a, b) => a - b);
      const mean = sorted.reduce((a, b) => a + b, 0) / appends;
      return { mean: mean * 1000, p99: sorted[Math.floor(appends * 0.99)]! * 1000 };
    };
    const relaxed = await appendRun('relaxed', 1000);
    const strict = await appendRun('strict', 0);

    // What the trainer's loop did before (open/append/close per step, async).
    const naiveDir = join(root, 'naive');
    await mkdir(naiveDir);
    const naiveN = Math.min(appends, 20_000);
    t0 = performance.now();
    for (let i = 0; i < naiveN; i++) await appendFile(join(naiveDir, 'metrics.jsonl'), JSON.stringify({ ...records[i % 1000]!, step: i + 1 }) + '\n');
    const naiveMs = performance.now() - t0;

    // Durability on demand: one fdatasync after one line.
    const flushDir = join(root, 'flush');
    await mkdir(flushDir);
    const flusher = await MetricsWriter.open(flushDir);
    const flushes = 200;
    t0 = performance.now();
    for (let i = 0; i < flushes; i++) {
      flusher.append({ ...records[i % 1000]!, step: i + 1 });
      await flusher.flush();
    }
    const flushMs = performance.now() - t0;
    await flusher.close();

    console.log(`\nappend overhead per logged step (${appends} steps, ~${(bytes / appends).toFixed(0)} B/line)`);
    console.log(`  JSON.stringify only                         ${usPerOp(stringifyMs, appends).padStart(8)} µs`);
    console.log(`  MetricsWriter, fdatasync ≤ 1 s (default)    ${relaxed.mean.toFixed(2).padStart(8)} µs mean, ${relaxed.p99.toFixed(2)} µs p99`);
    console.log(`  MetricsWriter, fdatasync every line         ${strict.mean.toFixed(2).padStart(8)} µs mean, ${strict.p99.toFixed(2)} µs p99 (sync runs off-thread)`);
    console.log(`  fs.promises.appendFile per line (${naiveN})     ${usPerOp(naiveMs, naiveN).padStart(8)} µs`);
    console.log(`  flush() = append + fdatasync, awaited       ${usPerOp(flushMs, flushes).padStart(8)} µs`);

    // Size and read-back on a long log.
    const bigDir = join(root, 'big');
    await mkdir(bigDir);
    const big = await MetricsWriter.open(bigDir);
    t0 = performance.now();
    for (let i = 0; i < readLines; i++) {
      big.append(stepRecord(i + 1));
      if (i % 10_000 === 9_999) await new Promise((resolve) => setImmediate(resolve));
    }
    await big.close();
    const writeMs = performance.now() - t0;
    const size = (await stat(join(bigDir, 'metrics.jsonl'))).size;
    const scalars = countScalars(stepRecord(1));
    console.log(`\non-disk size (${readLines} steps, ${scalars} scalars per step, written in ${(writeMs / 1000).toFixed(1)} s)`);
    console.log(`  per million steps          ${mb((size / readLines) * 1e6).padStart(8)} MiB   (${(size / readLines).toFixed(0)} B per step)`);
    console.log(`  per million scalar points  ${mb((size / readLines / scalars) * 1e6).padStart(8)} MiB   (${(size / readLines / scalars).toFixed(1)} B per point)`);

    let count = 0;
    let sum = 0;
    t0 = performance.now();
    for await (const batch of readMetrics(bigDir).batches()) {
      for (const r of batch) {
        sum += r.losses?.['total'] ?? 0;
        count++;
      }
    }
    const readMs = performance.now() - t0;
    if (count !== readLines || !Number.isFinite(sum)) throw new Error(`read ${count} of ${readLines} lines`);

    // Retained memory while streaming (needs --expose-gc: garbage is collected before each sample).
    const gc = (globalThis as { gc?: () => void }).gc;
    let retained: string;
    if (gc !== undefined) {
      gc();
      const heapBefore = process.memoryUsage().heapUsed;
      let peak = heapBefore;
      let batches = 0;
      for await (const _batch of readMetrics(bigDir).batches()) {
        if (++batches % 25 === 0) {
          gc();
          peak = Math.max(peak, process.memoryUsage().heapUsed);
        }
      }
      retained = `${mb(peak - heapBefore)} MiB`;
    } else {
      retained = 'n/a (run node with --expose-gc)';
    }
    t0 = performance.now();
    let late = 0;
    for await (const batch of readMetrics(bigDir, { fromStep: readLines - 1000 }).batches()) late += batch.length;
    const seekMs = performance.now() - t0;
    t0 = performance.now();
    const last = await readLastMetricsRecord(bigDir);
    const lastMs = performance.now() - t0;

    console.log(`\nreading back (${mb(size)} MiB)`);
    console.log(`  stream + validate every line  ${(readMs / 1000).toFixed(2).padStart(7)} s   (${((readLines / readMs) * 1000 / 1e6).toFixed(2)} M lines/s, ${usPerOp(readMs, readLines)} µs/line)`);
    console.log(`  peak retained heap while streaming ${retained} (file: ${mb(size)} MiB)`);
    console.log(`  last 1001 steps via fromStep  ${seekMs.toFixed(1).padStart(7)} ms  (${late} records)`);
    console.log(`  last record (tail read)       ${lastMs.toFixed(2).padStart(7)} ms  (step ${last?.step})`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
