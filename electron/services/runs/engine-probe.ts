/**
 * What `--backend auto` will resolve to on this machine, and why, answered without loading tfjs.
 *
 * The host is the Electron main process: initialising tfjs there (native addons, a 4 GB wasm
 * heap) would cost memory and start-up time for a question a package lookup answers. So this
 * mirrors trainer/engine/backends.ts's order (node-gpu → node → wasm → cpu) by checking which
 * packages resolve, plus nvidia-smi for GPUs. A native package can resolve and still fail to
 * load (missing CUDA libraries); the notes say so, and the trainer's own engine report at run
 * start (kept in the run's events, shown in the run view) is the final word.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { sampleGpus, type GpuSample } from '../../../trainer/engine/device.js';

export type EngineBackend = 'node-gpu' | 'node' | 'wasm' | 'cpu';

export interface EngineGuess {
  backend: EngineBackend;
  /** Human description of where training runs ("NVIDIA H200", "CPU: AMD EPYC …, one thread"). */
  device: string;
  notes: string[];
}

export interface EngineProbeOptions {
  /** True when the package resolves from the app's node_modules. Injectable for tests. */
  isInstalled?: (packageName: string) => boolean;
  gpus?: () => Promise<GpuSample[] | { unavailable: string }>;
  wasmSimd?: () => boolean;
}

const PACKAGES = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
} as const;

const requireHere = createRequire(import.meta.url);

function defaultIsInstalled(name: string): boolean {
  try {
    requireHere.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** The smallest module using a SIMD instruction (v128 const, i8x16.popcnt…): validates only where SIMD exists. */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

function defaultWasmSimd(): boolean {
  try {
    // Node has WebAssembly; the ES2023 + node typings this project compiles with do not declare it.
    const wasm = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
    return wasm.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

export async function probeAutoEngine(options: EngineProbeOptions = {}): Promise<EngineGuess> {
  const isInstalled = options.isInstalled ?? defaultIsInstalled;
  const reading = await (options.gpus ?? (() => sampleGpus()))();
  const gpus = Array.isArray(reading) ? reading : [];
  const noGpuReason = Array.isArray(reading) ? undefined : reading.unavailable;
  const cpus = os.cpus();
  const cpuModel = cpus[0]?.model.trim() || 'unknown CPU';
  const cores = cpus.length > 0 ? cpus.length : os.availableParallelism();
  const notes: string[] = [];
  let guess: { backend: EngineBackend; device: string } | undefined;

  if (isInstalled(PACKAGES['node-gpu'])) {
    guess =
      gpus.length > 0
        ? { backend: 'node-gpu', device: gpus.map((g) => g.name).join(', ') }
        : { backend: 'node-gpu', device: `CPU: ${cpuModel} (no CUDA GPU visible${noGpuReason !== undefined ? `: ${noGpuReason}` : ''})` };
    notes.push(`${PACKAGES['node-gpu']} is installed: auto tries it first. It needs CUDA 11.2 and cuDNN 8.1; if they are missing the trainer falls back to the next backend and says why in the run log.`);
  } else {
    notes.push(`${PACKAGES['node-gpu']} is not installed (optional; it needs CUDA 11.2 + cuDNN 8.1 and network access to install), so training does not use a GPU.`);
  }
  if (guess === undefined) {
    if (isInstalled(PACKAGES.node)) {
      guess = { backend: 'node', device: `CPU: ${cpuModel}, ${cores} logical cores` };
      notes.push(`${PACKAGES.node} is installed: native TensorFlow on the CPU (if its libtensorflow cannot load, the trainer falls back to wasm).`);
    } else {
      notes.push(`${PACKAGES.node} is not installed (optional), so native TensorFlow on the CPU is not available.`);
    }
  }
  if (guess === undefined) {
    if (isInstalled(PACKAGES.wasm)) {
      const simd = (options.wasmSimd ?? defaultWasmSimd)();
      guess = { backend: 'wasm', device: `CPU: ${cpuModel}, one thread` };
      notes.push(`wasm: WebAssembly${simd ? ' with SIMD' : ' without SIMD (slower)'}, one thread (tfjs-wasm has no threads in Node), memory capped at 4 GB.`);
    } else {
      guess = { backend: 'cpu', device: `CPU: ${cpuModel}, one thread` };
      notes.push(`${PACKAGES.wasm} is missing (it ships with the app: reinstall FRA Workbench); falling back to the pure-JavaScript backend, about 60× slower.`);
    }
  }
  if (gpus.length > 0 && guess.backend !== 'node-gpu') {
    const names = [...new Set(gpus.map((g) => g.name))].join(', ');
    notes.push(`${gpus.length} GPU${gpus.length === 1 ? '' : 's'} present (${names}) but auto trains on ${guess.backend}: install ${PACKAGES['node-gpu']} to use ${gpus.length === 1 ? 'it' : 'them'}.`);
  }
  return { ...guess, notes };
}
