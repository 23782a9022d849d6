/**
 * Backend resolution: the one place that decides which tfjs backend the
 * trainer runs on (architecture.md, "One place decides the backend").
 *
 * 'auto' tries node-gpu → node → wasm → cpu (platform.md §3). The two native
 * packages are optional dependencies that cannot be installed offline
 * (platform.md §2), so every way they fail to load is turned into a reason a
 * user can act on instead of a raw dlopen stack. An explicit request tries
 * only that backend: someone who asked for the GPU must not silently get wasm.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { activateCpuBackend, activateWasmBackend } from './local-backends.js';

export const BACKEND_REQUESTS = ['auto', 'node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendRequest = (typeof BACKEND_REQUESTS)[number];
export type BackendId = Exclude<BackendRequest, 'auto'>;

/** Fastest first; cpu is last because it always works but is ~60× slower than wasm. */
export const AUTO_BACKEND_ORDER: readonly BackendId[] = ['node-gpu', 'node', 'wasm', 'cpu'];

/** Environment variable consulted when no explicit backend option is given. */
export const BACKEND_ENV_VAR = 'FRA_BACKEND';

export interface SkippedBackend {
  backend: BackendId;
  reason: string;
}

/** Loads a CommonJS package by name; injectable so tests can simulate native load failures. */
export type ModuleLoader = (name: string) => unknown;

export interface BackendResolution {
  requested: BackendRequest;
  active: BackendId;
  /** What tfjs itself calls the backend ('tensorflow' for both native packages). */
  tfjsBackendName: string;
  skipped: SkippedBackend[];
  warnings: string[];
  notes: string[];
}

/** Thrown when an explicitly requested backend (or, under 'auto', every backend) cannot be used. */
export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: BackendId | 'auto',
    readonly reason: string,
  ) {
    super(
      backend === 'auto'
        ? `No tfjs backend could be activated: ${reason}`
        : `Backend '${backend}' was requested but is unavailable: ${reason}`,
    );
    this.name = 'BackendUnavailableError';
  }
}

/** Validates a backend name from the CLI, the environment or a config file. */
export function parseBackendRequest(value: string, source = 'backend option'): BackendRequest {
  const normalised = value.trim().toLowerCase();
  const match = BACKEND_REQUESTS.find((allowed) => allowed === normalised);
  if (match === undefined) {
    throw new Error(
      `Invalid backend '${value}' (from ${source}). Allowed values: ${BACKEND_REQUESTS.join(', ')}.`,
    );
  }
  return match;
}

/** Precedence: explicit option, then FRA_BACKEND, then 'auto'. An empty value counts as unset. */
export function pickBackendRequest(options: {
  backend?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}): BackendRequest {
  const explicit = options.backend?.trim();
  if (explicit) return parseBackendRequest(explicit, 'backend option');
  const fromEnv = (options.env ?? process.env)[BACKEND_ENV_VAR]?.trim();
  if (fromEnv) return parseBackendRequest(fromEnv, `environment variable ${BACKEND_ENV_VAR}`);
  return 'auto';
}

// ---------------------------------------------------------------------------
// Native backends (tfjs-node, tfjs-node-gpu)

type NativeBackendId = Extract<BackendId, 'node-gpu' | 'node'>;

/** Both packages register their backend under this name (tfjs-node/src/index.ts). */
const NATIVE_TFJS_BACKEND_NAME = 'tensorflow';
const NATIVE_PACKAGE_VERSION = '4.22.0';
const LIBTENSORFLOW_VERSION = '2.9.1';

const NATIVE_PACKAGES: Record<NativeBackendId, { packageName: string; installWhere: string }> = {
  'node-gpu': {
    packageName: '@tensorflow/tfjs-node-gpu',
    installWhere: `on a machine with CUDA 11.2 + cuDNN 8.1 and network access to download libtensorflow ${LIBTENSORFLOW_VERSION}`,
  },
  node: {
    packageName: '@tensorflow/tfjs-node',
    installWhere: `on a machine with network access to download libtensorflow ${LIBTENSORFLOW_VERSION}`,
  },
};

export const NO_GPU_VISIBLE_REASON =
  'no CUDA-capable GPU visible to TensorFlow (check nvidia-smi, CUDA_VISIBLE_DEVICES and CUDA 11 libraries)';

export function nativePackageName(backend: NativeBackendId): string {
  return NATIVE_PACKAGES[backend].packageName;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? '(empty error message)';
}

// CUDA 11 SONAMEs that libtensorflow 2.9 dlopens; CUDA 12+ toolkits do not ship them (platform.md §2).
const CUDA_LIBRARY_PATTERN =
  /\b(lib(?:cudart|cudnn|cublasLt|cublas|cufft|curand|cusolver|cusparse|cupti|nvinfer)[\w-]*\.so(?:\.\d+)*)/;
const LIBTENSORFLOW_PATTERN = /\b(libtensorflow(?:_framework)?\.so(?:\.\d+)*|tensorflow\.dll)/;
const ABI_MISMATCH_PATTERN =
  /The specified module could not be found|NODE_MODULE_VERSION|Module did not self-register|N-API|napi_|undefined symbol|invalid ELF header|wrong ELF class/i;

/**
 * Turns a failure to `require` a native tfjs package into one actionable sentence.
 * Order matters: a missing CUDA library is reported before the generic dlopen
 * rules because the fix (install CUDA 11.2 / set LD_LIBRARY_PATH) is different.
 */
export function classifyNativeLoadError(backend: NativeBackendId, error: unknown): string {
  const { packageName, installWhere } = NATIVE_PACKAGES[backend];
  const message = errorMessage(error);
  const rebuildAdvice =
    `rebuild it with \`npm rebuild ${packageName}\` (needs network access for the prebuilt addon) ` +
    `or \`npm rebuild ${packageName} --build-addon-from-source\``;

  const missingModule = /Cannot find module '([^']+)'/.exec(message)?.[1];
  const code = errorCode(error);
  if (missingModule !== undefined && (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND' || code === undefined)) {
    if (missingModule === packageName || missingModule.startsWith(`${packageName}/package.json`)) {
      return `${packageName} is not installed (optional dependency). Install it with \`npm install ${packageName}@${NATIVE_PACKAGE_VERSION}\` ${installWhere}.`;
    }
    if (missingModule.endsWith('.node')) {
      return `${packageName} is installed but its native addon was never built (its install script did not run or failed): ${rebuildAdvice}.`;
    }
    return `${packageName} is installed but its dependency '${missingModule}' is missing: reinstall it with \`npm install ${packageName}@${NATIVE_PACKAGE_VERSION}\` ${installWhere}.`;
  }

  // tfjs-node's own check when lib/napi-v*/tfjs_binding.node is absent.
  if (message.includes('tfjs_binding.node) can not be found')) {
    return `${packageName} is installed but its native addon (tfjs_binding.node) was never built: ${rebuildAdvice}.`;
  }

  const cudaLibrary = CUDA_LIBRARY_PATTERN.exec(message)?.[1];
  if (cudaLibrary !== undefined) {
    return `${cudaLibrary} not found: install CUDA 11.2 (and cuDNN 8.1) or add their lib folder to LD_LIBRARY_PATH`;
  }

  const libtensorflow = LIBTENSORFLOW_PATTERN.exec(message)?.[1];
  if (libtensorflow !== undefined) {
    const flavour = backend === 'node-gpu' ? 'gpu' : 'cpu';
    return (
      `${libtensorflow} not found: the install script of ${packageName} did not download libtensorflow ${LIBTENSORFLOW_VERSION} (offline install?). ` +
      `Re-run it with network access: \`npm rebuild ${packageName}\`, or set TFJS_NODE_CDN_STORAGE=http://<mirror>/ ` +
      `(serving tensorflow/libtensorflow/libtensorflow-${flavour}-linux-x86_64-${LIBTENSORFLOW_VERSION}.tar.gz) and run \`npm rebuild ${packageName}\`.`
    );
  }

  if (ABI_MISMATCH_PATTERN.test(message)) {
    return (
      `the native addon of ${packageName} cannot be loaded by this runtime ` +
      `(Node ${process.versions.node}, N-API ${process.versions.napi ?? 'unknown'}): ${firstLine(message)}. ` +
      `It was built for another Node/Electron version or is missing a library: ${rebuildAdvice}.`
    );
  }

  return `${packageName} failed to load: ${firstLine(message)}`;
}

class NativeBackendFailure extends Error {}

async function activateNativeBackend(
  backend: NativeBackendId,
  loadModule: ModuleLoader,
  warnings: string[],
): Promise<void> {
  const { packageName } = NATIVE_PACKAGES[backend];
  try {
    loadModule(packageName);
  } catch (error) {
    throw new NativeBackendFailure(classifyNativeLoadError(backend, error));
  }

  // If the package resolved its own copy of tfjs-core, its backend lives on another
  // engine and ours never sees it (platform.md §3: keep a single tfjs-core).
  if (tf.findBackendFactory(NATIVE_TFJS_BACKEND_NAME) == null) {
    throw new NativeBackendFailure(
      `${packageName} loaded but its '${NATIVE_TFJS_BACKEND_NAME}' backend is not registered with our @tensorflow/tfjs-core ` +
        `(${tf.version_core}); it probably uses a second copy of tfjs-core. Keep exactly one: check \`npm ls @tensorflow/tfjs-core\`.`,
    );
  }

  let initialised: boolean;
  try {
    initialised = await tf.setBackend(NATIVE_TFJS_BACKEND_NAME);
  } catch (error) {
    forgetNativeBackend();
    throw new NativeBackendFailure(classifyNativeLoadError(backend, error));
  }
  if (!initialised) {
    forgetNativeBackend();
    throw new NativeBackendFailure(
      `${packageName} loaded but its '${NATIVE_TFJS_BACKEND_NAME}' backend failed to initialise (see the TensorFlow log above)`,
    );
  }
  await tf.ready();

  if (backend === 'node-gpu' && !isUsingGpuDevice(tf.backend())) {
    warnings.push(`${packageName} is running on the CPU: ${NO_GPU_VISIBLE_REASON}`);
  }
}

/** Unregisters a half-initialised native backend so the next package (node after node-gpu) can register its own. */
function forgetNativeBackend(): void {
  try {
    if (tf.findBackendFactory(NATIVE_TFJS_BACKEND_NAME) != null) tf.removeBackend(NATIVE_TFJS_BACKEND_NAME);
  } catch {
    // Disposing a backend that never initialised can throw; there is nothing left to clean up.
  }
}

/** NodeJSKernelBackend exposes whether libtensorflow found a GPU (tfjs-node/src/nodejs_kernel_backend.ts). */
function isUsingGpuDevice(backend: unknown): boolean {
  return (
    typeof backend === 'object' &&
    backend !== null &&
    (backend as { isUsingGpuDevice?: unknown }).isUsingGpuDevice === true
  );
}

// ---------------------------------------------------------------------------
// Resolution

async function describeWasm(): Promise<string> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const threads = wasm.getThreadsCount();
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  return (
    `wasm: ${threads} thread${threads === 1 ? '' : 's'} (tfjs-wasm has no threads in Node), ` +
    `SIMD ${simd ? 'on' : 'off'}, heap capped at 4 GB`
  );
}

async function notesFor(backend: BackendId, env: NodeJS.ProcessEnv): Promise<string[]> {
  switch (backend) {
    case 'node-gpu': {
      const notes = [
        `node-gpu: libtensorflow ${LIBTENSORFLOW_VERSION} uses one GPU (the last visible one); choose it with CUDA_VISIBLE_DEVICES` +
          (env['CUDA_VISIBLE_DEVICES'] !== undefined ? ` (now '${env['CUDA_VISIBLE_DEVICES']}')` : ''),
      ];
      if (env['TF_FORCE_GPU_ALLOW_GROWTH'] !== 'true') {
        notes.push('node-gpu: set TF_FORCE_GPU_ALLOW_GROWTH=true to stop TensorFlow reserving all GPU memory up front');
      }
      return notes;
    }
    case 'node':
      return [`node: libtensorflow ${LIBTENSORFLOW_VERSION} on the CPU`];
    case 'wasm':
      return [await describeWasm()];
    case 'cpu':
      return ['cpu: pure-JavaScript reference backend; correct but about 60× slower than wasm for training'];
  }
}

async function activate(backend: BackendId, loadModule: ModuleLoader, warnings: string[]): Promise<void> {
  switch (backend) {
    case 'node-gpu':
    case 'node':
      return activateNativeBackend(backend, loadModule, warnings);
    case 'wasm':
      return activateWasmBackend();
    case 'cpu':
      return activateCpuBackend();
  }
}

/** The real loader: native packages are CommonJS, so they are required, not imported. */
export const defaultModuleLoader: ModuleLoader = (name) => createRequire(import.meta.url)(name);

/**
 * Activates the requested backend (or the first that works under 'auto') and
 * reports what was skipped and why. Rejects with BackendUnavailableError when
 * an explicitly requested backend cannot be used.
 */
export async function resolveBackend(
  requested: BackendRequest,
  options: { loadModule?: ModuleLoader; env?: NodeJS.ProcessEnv } = {},
): Promise<BackendResolution> {
  const loadModule = options.loadModule ?? defaultModuleLoader;
  const env = options.env ?? process.env;
  const candidates = requested === 'auto' ? AUTO_BACKEND_ORDER : [requested];
  const skipped: SkippedBackend[] = [];
  const warnings: string[] = [];

  for (const backend of candidates) {
    try {
      await activate(backend, loadModule, warnings);
    } catch (error) {
      const reason = error instanceof NativeBackendFailure ? error.message : firstLine(errorMessage(error));
      if (requested !== 'auto') throw new BackendUnavailableError(backend, reason);
      skipped.push({ backend, reason });
      continue;
    }
    return {
      requested,
      active: backend,
      tfjsBackendName: tf.getBackend(),
      skipped,
      warnings,
      notes: await notesFor(backend, env),
    };
  }
  throw new BackendUnavailableError(
    'auto',
    skipped.map((entry) => `${entry.backend}: ${entry.reason}`).join('; '),
  );
}
