/**
 * npm run bench:fra — one full FRA training step (fra-spec §2.6: four separate forwards, the
 * objective, backward, LARS, EMA) with `FraTrainStep` on every backend this machine has, next to
 * an independent PyTorch implementation of the same step (bench/torch_fra_anchor.py, Debian's
 * python3-torch, when installed) measured in the same run.
 *
 * Model: FRAB with the FRA defaults except backbone resnet18_encoder, image 112, batch 32
 * (N 8, D 256, hidden 4096, 2 decoder layers, dropout 0.1). One image = one pair of views.
 * On wasm that batch needs ~4 GiB of wasm heap (the wasm32 ceiling): the first step may pass, a
 * later one fails; the row then reports the failure instead of a time. `--batch 16` fits (~2.7 GiB).
 *
 * Options:
 *   --quick              1 timed step (default 3) and 1 PyTorch timed step
 *   --backends a,b       backends to try (default node-gpu,node,wasm; cpu only when named here,
 *                        and then at batch 2 with no warm-up: pure JS needs minutes per step)
 *   --skip-torch         do not run the PyTorch anchor
 *   --torch-threads N    PyTorch threads (default: every core; on a busy 2-core machine 2 threads
 *                        collapse under contention, 1 thread is the steadier per-core figure)
 *   --batch N            views per batch (default 32)
 *   --image-size N       square view size (default 112)
 *   --hidden N           MLP hidden width (default 4096)
 *   --steps K            timed steps (overrides --quick)
 *   --no-profile         skip the extra profiled step (kernel split, tf peak bytes)
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { pretrainConfigDefaults, type PretrainConfig } from '../trainer/contract/run-config.js';
import { randomViewPairBatch } from '../trainer/data/random-pairs.js';
import { initEngine, type BackendId } from '../trainer/engine/index.js';
import { FraModel } from '../trainer/fra/fra-model.js';
import { larsFromConfig, modelOptionsFromConfig, objectiveWeightsFromConfig } from '../trainer/fra/pretrain-run.js';
import { FraTrainStep } from '../trainer/fra/train-step.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');

function option(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function intOption(name: string, fallback: number): number {
  const raw = option(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} expects a positive integer, got '${raw}'`);
  return value;
}

const batch = intOption('--batch', 32);
const imageSize = intOption('--image-size', 112);
const hidden = intOption('--hidden', 4096);
const timedSteps = intOption('--steps', quick ? 1 : 3);
const torchThreads = option('--torch-threads') === undefined ? undefined : intOption('--torch-threads', 1);
const profileStep = !args.includes('--no-profile');
const CPU_BATCH = 2;
const backendsArg = option('--backends');
const requested: BackendId[] = backendsArg ? (backendsArg.split(',').map((b) => b.trim()) as BackendId[]) : ['node-gpu', 'node', 'wasm'];

const config: PretrainConfig = { ...pretrainConfigDefaults(), backbone: 'resnet18_encoder', hidDim: hidden, imageSize, batchSize: batch };
/** lr ∝ B (fra-spec §4: 0.9 at batch 512); the PyTorch anchor uses the same value. */
const learningRate = (config.lr * batch) / 512;
const EMA_MOMENTUM = 0.996;

// ---------------------------------------------------------------------------------------------
// Memory probes

const GiB = 1024 ** 3;

/** Linux: reset the process's peak RSS (VmHWM) so each backend gets its own peak. */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Peak RSS since the last reset (VmHWM) or since start (getrusage). */
function peakRssBytes(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m?.[1]) return Number(m[1]) * 1024;
  } catch {
    /* not Linux */
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** Size of the wasm backend's linear memory (it grows, never shrinks). */
function wasmHeapBytes(): number | undefined {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.buffer.byteLength;
}

// ---------------------------------------------------------------------------------------------
// Kernel profile: top-level kernels only (ops run inside our composite wasm kernels, e.g. the
// conv filter gradient, are charged to that kernel, not counted twice).

interface KernelTotal {
  name: string;
  ms: number;
  calls: number;
}

interface ProfilerLike {
  profileKernel: (name: string, inputs: unknown, f: () => unknown) => unknown;
}

interface ProfileResult {
  kernels: KernelTotal[];
  /** The same top-level time keyed by kernel + input shapes → output shapes. */
  signatures: KernelTotal[];
  peakBytes: number;
  wallMs: number;
}

const shapeList = (tensors: ReadonlyArray<{ shape: readonly number[] } | null | undefined>) =>
  tensors.map((t) => (t ? `[${t.shape.join(',')}]` : '-')).join(' ');

async function profileOneStep(run: () => void): Promise<ProfileResult> {
  const engine = tf.engine() as unknown as { profiler: ProfilerLike; state: { kernelDepth: number } };
  const profiler = engine.profiler;
  const original = profiler.profileKernel;
  const totals = new Map<string, KernelTotal>();
  const bySignature = new Map<string, KernelTotal>();
  const add = (map: Map<string, KernelTotal>, key: string, ms: number) => {
    const entry = map.get(key) ?? { name: key, ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls += 1;
    map.set(key, entry);
  };
  profiler.profileKernel = (name, inputs, f) => {
    const depth = engine.state.kernelDepth;
    const t0 = performance.now();
    const out = original.call(profiler, name, inputs, f);
    if (depth === 1) {
      // A name that is no registered kernel is the scope name of a customGrad op (e.g. tf.logSoftmax).
      const ms = performance.now() - t0;
      const label = tf.getKernel(name, tf.getBackend()) ? name : `customGrad op (${name || 'no scope'})`;
      add(totals, label, ms);
      const ins = Object.values((inputs ?? {}) as Record<string, tf.Tensor | null>);
      const outs = (out as { outputs?: tf.Tensor[] }).outputs ?? [];
      add(bySignature, `${label} ${shapeList(ins)} → ${shapeList(outs)}`, ms);
    }
    return out;
  };
  try {
    const t0 = performance.now();
    const info = await tf.profile(() => {
      run();
    });
    const wallMs = performance.now() - t0;
    const sorted = (map: Map<string, KernelTotal>) => [...map.values()].sort((a, b) => b.ms - a.ms);
    return { kernels: sorted(totals), signatures: sorted(bySignature), peakBytes: info.peakBytes, wallMs };
  } finally {
    profiler.profileKernel = original;
  }
}

// ---------------------------------------------------------------------------------------------
// One backend

interface PhaseSplit {
  targetForwardMs: number;
  onlineForwardMs: number;
  /** From the end of the last online forward to the start of LARS: the objective + backprop. */
  objectiveAndBackwardMs: number;
  larsMs: number;
  emaMs: number;
  /** Loss read-back and disposal. */
  otherMs: number;
}

interface FraRow {
  backend: BackendId;
  batch: number;
  imageSize: number;
  steps: number;
  warmUp: boolean;
  secondsPerStep: number;
  imagesPerSecond: number;
  lossAtInit: number;
  peakRssBytes: number;
  peakRssIsProcessLifetime: boolean;
  tfPeakBytes?: number;
  tfHeldBytes: number;
  wasmHeapBytes?: number;
  phases?: PhaseSplit;
  kernels?: KernelTotal[];
  signatures?: KernelTotal[];
  profiledStepMs?: number;
  note?: string;
  /** Set when a step threw; the other fields hold what was measured before. */
  error?: string;
}

/** wasm32 linear memory cannot grow past 4 GiB (emscripten getHeapMax). */
const WASM32_HEAP_LIMIT = 4294901760;

function describeFailure(backend: BackendId, error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (backend !== 'wasm') return message;
  const heap = wasmHeapBytes();
  const exhausted = /memory access out of bounds|out of memory|Cannot enlarge memory|Aborted/i.test(message);
  if (!exhausted || heap === undefined) return message;
  return (
    `${message} — wasm heap exhausted (${gib(heap)} of the ${gib(WASM32_HEAP_LIMIT)} wasm32 limit); ` +
    `try a smaller --batch${imageSize === 112 ? ' (16 fits at 112 px, 32 does not)' : ''}`
  );
}

async function benchBackend(backend: BackendId): Promise<FraRow> {
  const isCpu = backend === 'cpu';
  const b = isCpu ? Math.min(CPU_BATCH, batch) : batch;
  const steps = isCpu ? 1 : timedSteps;
  const warmUp = !isCpu;
  const peakIsLifetime = !resetPeakRss();

  const model = new FraModel(modelOptionsFromConfig({ ...config, batchSize: b }));
  const optimizer = larsFromConfig(config);
  const trainStep = new FraTrainStep(model, optimizer, objectiveWeightsFromConfig(config));

  // Phase timers: wrap this instance's methods (FraTrainStep calls them in this order:
  // target ×2, online ×2, objective + backprop inside variableGrads, LARS, EMA, read-back).
  const phase = { target: 0, online: 0, objectiveAndBackward: 0, lars: 0, ema: 0, lastOnlineEnd: 0 };
  const timeMethod = <A extends unknown[], R>(fn: (...a: A) => R, onDone: (start: number, end: number) => void) =>
    (...a: A): R => {
      const start = performance.now();
      try {
        return fn(...a);
      } finally {
        onDone(start, performance.now());
      }
    };
  const targetForward = model.target.forward.bind(model.target);
  model.target.forward = timeMethod(targetForward, (s, e) => (phase.target += e - s));
  const onlineForward = model.online.forward.bind(model.online);
  model.online.forward = timeMethod(onlineForward, (s, e) => {
    phase.online += e - s;
    phase.lastOnlineEnd = e;
  });
  const applyGradients = optimizer.applyGradients.bind(optimizer);
  optimizer.applyGradients = timeMethod(applyGradients, (s, e) => {
    phase.objectiveAndBackward += s - phase.lastOnlineEnd;
    phase.lars += e - s;
  });
  const updateTarget = model.updateTarget.bind(model);
  model.updateTarget = timeMethod(updateTarget, (s, e) => (phase.ema += e - s));
  const resetPhases = () => Object.assign(phase, { target: 0, online: 0, objectiveAndBackward: 0, lars: 0, ema: 0, lastOnlineEnd: 0 });

  let iteration = 0;
  let rssMax = 0;
  let lossAtInit = Number.NaN;
  const step = (): number => {
    const { view1, view2 } = randomViewPairBatch({ seed: config.seed, epoch: 0, iterationInEpoch: iteration++ }, b, imageSize);
    const t0 = performance.now();
    const losses = trainStep.run(view1, view2, { learningRate, emaMomentum: EMA_MOMENTUM });
    const ms = performance.now() - t0;
    tf.dispose([view1, view2]);
    if (iteration === 1) lossAtInit = losses.total;
    if (!Number.isFinite(losses.total)) throw new Error(`${backend}: loss is ${losses.total} at step ${iteration}`);
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
    return ms;
  };

  const memoryNote = () => {
    const heap = wasmHeapBytes();
    return `tensors ${gib(tf.memory().numBytes)}${heap === undefined ? '' : `, wasm heap ${gib(heap)}`}, RSS ${gib(process.memoryUsage().rss)}`;
  };
  const failed = (error: unknown, measured: Partial<FraRow>): FraRow => {
    const row: FraRow = {
      backend,
      batch: b,
      imageSize,
      steps: 0,
      warmUp,
      secondsPerStep: Number.NaN,
      imagesPerSecond: Number.NaN,
      lossAtInit,
      peakRssBytes: Math.max(peakRssBytes(), rssMax),
      peakRssIsProcessLifetime: peakIsLifetime,
      tfHeldBytes: tf.memory().numBytes,
      ...measured,
      error: describeFailure(backend, error),
    };
    const heap = backend === 'wasm' ? wasmHeapBytes() : undefined;
    if (heap !== undefined) row.wasmHeapBytes = heap;
    console.log(`  FAILED: ${row.error}`);
    // After a wasm abort the heap may be unusable: best-effort release only.
    try {
      optimizer.dispose();
      model.dispose();
    } catch {
      /* ignore */
    }
    return row;
  };

  if (warmUp) {
    try {
      const ms = step(); // XNNPACK operator setup, wasm heap growth, tape warm-up
      console.log(`  warm-up step: ${(ms / 1000).toFixed(2)} s, loss ${lossAtInit.toFixed(3)}; ${memoryNote()}`);
    } catch (error) {
      return failed(error, {});
    }
  }
  let totalMs = 0;
  let split: PhaseSplit | undefined;
  for (let i = 0; i < steps; i++) {
    resetPhases();
    let ms: number;
    try {
      ms = step();
    } catch (error) {
      return failed(error, totalMs > 0 ? { steps: i, secondsPerStep: totalMs / 1000 / i, imagesPerSecond: (b * i * 1000) / totalMs } : {});
    }
    totalMs += ms;
    console.log(`  step ${i + 1}/${steps}: ${(ms / 1000).toFixed(2)} s; ${memoryNote()}`);
    if (i === steps - 1) {
      const known = phase.target + phase.online + phase.objectiveAndBackward + phase.lars + phase.ema;
      split = {
        targetForwardMs: phase.target,
        onlineForwardMs: phase.online,
        objectiveAndBackwardMs: phase.objectiveAndBackward,
        larsMs: phase.lars,
        emaMs: phase.ema,
        otherMs: ms - known,
      };
    }
  }
  const secondsPerStep = totalMs / 1000 / steps;
  const row: FraRow = {
    backend,
    batch: b,
    imageSize,
    steps,
    warmUp,
    secondsPerStep,
    imagesPerSecond: b / secondsPerStep,
    lossAtInit,
    peakRssBytes: Math.max(peakRssBytes(), rssMax),
    peakRssIsProcessLifetime: peakIsLifetime,
    tfHeldBytes: tf.memory().numBytes,
    ...(split ? { phases: split } : {}),
    ...(isCpu ? { note: `pure JS: batch ${b}, no warm-up, 1 step (a batch-${batch} step would take many minutes)` } : {}),
  };

  if (profileStep && !isCpu) {
    console.log('  profiled step …');
    try {
      const profile = await profileOneStep(() => void step());
      row.kernels = profile.kernels;
      row.signatures = profile.signatures;
      row.tfPeakBytes = profile.peakBytes;
      row.profiledStepMs = profile.wallMs;
      row.peakRssBytes = Math.max(row.peakRssBytes, peakRssBytes());
    } catch (error) {
      return { ...failed(error, {}), ...row, error: `profiled step: ${describeFailure(backend, error)}` };
    }
  }
  if (backend === 'wasm') {
    const heap = wasmHeapBytes();
    if (heap !== undefined) row.wasmHeapBytes = heap;
  }
  optimizer.dispose();
  model.dispose();
  return row;
}

// ---------------------------------------------------------------------------------------------
// PyTorch anchor

interface TorchResult {
  secondsPerStep: number;
  imagesPerSecond: number;
  threads: number;
  batch: number;
  imageSize: number;
  lossAtInit: number;
  peakRssBytes?: number;
}

function torchAnchor(): TorchResult | string {
  if (args.includes('--skip-torch')) return 'skipped (--skip-torch)';
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return 'n/a: /usr/bin/python3 not found';
  const script = fileURLToPath(new URL('./torch_fra_anchor.py', import.meta.url));
  const torchArgs = [script, '--batch', String(batch), '--image-size', String(imageSize), '--steps', String(timedSteps), '--hidden', String(hidden)];
  if (torchThreads !== undefined) torchArgs.push('--threads', String(torchThreads));
  const res = spawnSync(python, torchArgs, { encoding: 'utf8', timeout: 1_800_000 });
  if (res.error) return `n/a: ${res.error.message}`;
  if (res.status !== 0) {
    const msg = (res.stderr || res.stdout || '').trim().split('\n').pop() ?? 'failed';
    return msg.includes("No module named 'torch'") ? 'n/a: python3-torch not installed (apt-get install python3-torch)' : `n/a: ${msg}`;
  }
  return JSON.parse(res.stdout.trim().split('\n').pop()!) as TorchResult;
}

// ---------------------------------------------------------------------------------------------
// Report

const fmt = (n: number | undefined, digits = 2) => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits));
const gib = (bytes: number | undefined) => (bytes === undefined ? '—' : `${(bytes / GiB).toFixed(2)} GiB`);
const load = () => loadavg().map((v) => v.toFixed(2)).join(' ');

const report = await initEngine({ backend: 'auto' });
console.log(`FRA Workbench FRA-step benchmark — ${report.device.cpuModel}, ${report.device.logicalCores} logical cores, tfjs ${report.tfjsVersion}`);
console.log(
  `FRAB ${config.backbone}, ${imageSize}×${imageSize}, batch ${batch}, N ${config.numProto}, D ${config.projDim}, hidden ${hidden}, ` +
    `${config.decoderLayers} decoder layers, dropout ${config.decoderDropout}; lr ${learningRate.toFixed(4)}, EMA ${EMA_MOMENTUM}; ` +
    `${timedSteps} timed step(s) after 1 warm-up; load average ${load()}`,
);

const notes: string[] = [];
if (!requested.includes('cpu')) notes.push('cpu: skipped (pure JS, minutes per step; `--backends cpu` measures it at batch 2)');
const available: BackendId[] = [];
for (const b of requested) {
  try {
    await initEngine({ backend: b });
    available.push(b);
  } catch (error) {
    notes.push(`${b}: unavailable — ${error instanceof Error ? error.message : String(error)}`);
  }
}

const rows: FraRow[] = [];
for (const b of available) {
  await initEngine({ backend: b });
  console.log(`\n… benchmarking ${b}`);
  rows.push(await benchBackend(b));
}

console.log(`\n… PyTorch anchor (load average ${load()})`);
const torch = torchAnchor();
const torchIps = typeof torch === 'string' ? undefined : torch.imagesPerSecond;

console.log(`\nFRA training step, ${config.backbone} ${imageSize} px, hidden ${hidden} (one image = one pair of views; higher images/s is better)`);
console.log('engine                      batch  s/step  images/s  loss@init  peak RSS    tf peak     wasm heap   vs PyTorch');
for (const r of rows) {
  if (r.error && r.steps === 0) {
    console.log(`tfjs ${r.backend.padEnd(22)} ${String(r.batch).padStart(5)}  failed (see note)${' '.repeat(20)}${gib(r.peakRssBytes).padEnd(10)}  ${'—'.padEnd(10)}  ${gib(r.wasmHeapBytes)}`);
    continue;
  }
  console.log(
    `tfjs ${r.backend.padEnd(22)} ${String(r.batch).padStart(5)}  ${fmt(r.secondsPerStep).padStart(6)}  ${fmt(r.imagesPerSecond).padStart(8)}  ` +
      `${fmt(r.lossAtInit, 3).padStart(9)}  ${gib(r.peakRssBytes).padEnd(10)}  ${gib(r.tfPeakBytes).padEnd(10)}  ${gib(r.wasmHeapBytes).padEnd(10)}  ` +
      `${torchIps ? (r.imagesPerSecond / torchIps).toFixed(2) + '×' : '—'}`,
  );
}
if (typeof torch === 'string') console.log(`PyTorch 1.13 CPU anchor: ${torch}`);
else {
  const label = `PyTorch CPU (${torch.threads} thr)`;
  console.log(
    `${label.padEnd(27)} ${String(torch.batch).padStart(5)}  ${fmt(torch.secondsPerStep).padStart(6)}  ${fmt(torch.imagesPerSecond).padStart(8)}  ` +
      `${fmt(torch.lossAtInit, 3).padStart(9)}  ${gib(torch.peakRssBytes).padEnd(10)}  ${'—'.padEnd(10)}  ${'—'.padEnd(10)}  1.00×`,
  );
}
for (const r of rows) if (r.note) notes.push(`${r.backend}: ${r.note}`);
for (const r of rows) if (r.error) notes.push(`${r.backend} FAILED at batch ${r.batch}: ${r.error}`);
notes.push('tf peak: engine tensor bytes (tf.memory().numBytes) at its peak in the profiled step; reshape views are counted again, so it overstates');
notes.push(`tfjs wasm runs on 1 thread in Node; PyTorch ${typeof torch === 'string' ? 'would use every core' : `ran on ${torch.threads} thread(s)`}`);
if (rows.some((r) => r.peakRssIsProcessLifetime)) notes.push('peak RSS: could not reset VmHWM, so it is the process-lifetime peak');
notes.push('loss@init: tfjs on randomViewPairBatch views, PyTorch on Gaussian noise (platform.md: ≈ 4.22 at init)');
for (const n of notes) console.log(`  note: ${n}`);

for (const r of rows) {
  if (r.phases) {
    const p = r.phases;
    const sum = p.targetForwardMs + p.onlineForwardMs + p.objectiveAndBackwardMs + p.larsMs + p.emaMs + p.otherMs;
    const part = (label: string, ms: number) => `${label} ${(ms / 1000).toFixed(2)} s (${((100 * ms) / sum).toFixed(0)}%)`;
    console.log(`\nStep split, tfjs ${r.backend} (last timed step, ${(sum / 1000).toFixed(2)} s):`);
    console.log(
      '  ' +
        [
          part('target fwd ×2', p.targetForwardMs),
          part('online fwd ×2', p.onlineForwardMs),
          part('objective + backward', p.objectiveAndBackwardMs),
          part('LARS', p.larsMs),
          part('EMA', p.emaMs),
          part('other', p.otherMs),
        ].join(', '),
    );
  }
  if (r.kernels && r.profiledStepMs !== undefined) {
    const kernelMs = r.kernels.reduce((s, k) => s + k.ms, 0);
    const calls = r.kernels.reduce((s, k) => s + k.calls, 0);
    console.log(
      `Top kernels, tfjs ${r.backend} (one profiled step: ${(r.profiledStepMs / 1000).toFixed(2)} s wall, ` +
        `${(kernelMs / 1000).toFixed(2)} s in ${calls} top-level kernel calls):`,
    );
    console.log('  kernel                              calls   seconds   share of step');
    for (const k of r.kernels.slice(0, 8)) {
      console.log(`  ${k.name.padEnd(34)} ${String(k.calls).padStart(6)}  ${(k.ms / 1000).toFixed(2).padStart(8)}   ${((100 * k.ms) / r.profiledStepMs).toFixed(1).padStart(5)}%`);
    }
    if (r.signatures) {
      console.log('  heaviest kernel shapes (inputs → outputs):');
      for (const k of r.signatures.slice(0, 8)) {
        console.log(`  ${(k.ms / 1000).toFixed(2).padStart(6)} s ${String(k.calls).padStart(4)}×  ${k.name}`);
      }
    }
  }
}
console.log(`\nload average at the end: ${load()} (2-core machines are shared: compare runs made under similar load)`);
