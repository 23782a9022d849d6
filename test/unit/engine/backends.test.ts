import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import {
  BackendUnavailableError,
  classifyNativeLoadError,
  formatEngineReport,
  initEngine,
  pickBackendRequest,
  type EngineReport,
  type ModuleLoader,
} from '../../../trainer/engine/index.js';
import { NO_GPU_VISIBLE_REASON } from '../../../trainer/engine/backends.js';

const GPU_PACKAGE = '@tensorflow/tfjs-node-gpu';
const CPU_PACKAGE = '@tensorflow/tfjs-node';
const GPU_NOT_INSTALLED =
  '@tensorflow/tfjs-node-gpu is not installed (optional dependency). Install it with `npm install @tensorflow/tfjs-node-gpu@4.22.0` ' +
  'on a machine with CUDA 11.2 + cuDNN 8.1 and network access to download libtensorflow 2.9.1.';
const CPU_NOT_INSTALLED =
  '@tensorflow/tfjs-node is not installed (optional dependency). Install it with `npm install @tensorflow/tfjs-node@4.22.0` ' +
  'on a machine with network access to download libtensorflow 2.9.1.';

/** The error Node's require throws for a package that is absent from node_modules. */
function moduleNotFound(name: string): Error {
  return Object.assign(new Error(`Cannot find module '${name}'\nRequire stack:\n- /work/main/trainer/engine/backends.ts`), {
    code: 'MODULE_NOT_FOUND',
  });
}

/** The error process.dlopen throws when the addon or a library it links against cannot be loaded. */
function dlopenFailure(detail: string): Error {
  return Object.assign(new Error(detail), { code: 'ERR_DLOPEN_FAILED' });
}

/** A loader where each package either throws the given error or runs the given side effect. */
function loaderFrom(behaviour: Record<string, Error | (() => void)>, calls: string[] = []): ModuleLoader {
  return (name) => {
    calls.push(name);
    const entry = behaviour[name];
    if (entry === undefined) throw moduleNotFound(name);
    if (entry instanceof Error) throw entry;
    entry();
    return {};
  };
}

/**
 * What importing tfjs-node(-gpu) does to our tfjs-core: register a 'tensorflow'
 * backend whose instance says whether libtensorflow found a GPU.
 */
class StandInTensorflowBackend extends tf.KernelBackend {
  constructor(readonly isUsingGpuDevice: boolean) {
    super();
  }
  override dispose(): void {}
}

function registersTensorflowBackend(isUsingGpuDevice: boolean): () => void {
  return () => {
    tf.registerBackend('tensorflow', () => new StandInTensorflowBackend(isUsingGpuDevice), 3);
  };
}

function forgetTensorflowBackend(): void {
  if (tf.findBackendFactory('tensorflow') != null) tf.removeBackend('tensorflow');
}

describe('initEngine backend resolution on this machine (no native packages installed)', () => {
  it("'auto' skips both native packages with the not-installed reason and activates wasm", async () => {
    const report = await initEngine({ env: {} });
    assert.equal(report.requested, 'auto');
    assert.equal(report.active, 'wasm');
    assert.equal(report.tfjsBackendName, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(report.tfjsVersion, '4.22.0');
    assert.deepEqual(report.skipped, [
      { backend: 'node-gpu', reason: GPU_NOT_INSTALLED },
      { backend: 'node', reason: CPU_NOT_INSTALLED },
    ]);
    assert.match(report.notes.join('\n'), /^wasm: 1 thread \(tfjs-wasm has no threads in Node\), SIMD (on|off)/m);
    assert.ok(report.device.logicalCores > 0);
    // The backend is really usable, not just named.
    assert.deepEqual(Array.from(await tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).data()), [4, 6]);
  });

  it("explicit 'cpu' activates only the cpu backend", async () => {
    const calls: string[] = [];
    const report = await initEngine({ backend: 'cpu', env: {}, loadModule: loaderFrom({}, calls) });
    assert.equal(report.requested, 'cpu');
    assert.equal(report.active, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    assert.deepEqual(report.skipped, []);
    assert.deepEqual(calls, [], 'an explicit request must not try the native packages');
    assert.match(report.notes.join('\n'), /^cpu: /m);
  });

  it('honours FRA_BACKEND when no option is given', async () => {
    const report = await initEngine({ env: { FRA_BACKEND: 'cpu' } });
    assert.equal(report.requested, 'cpu');
    assert.equal(report.active, 'cpu');
  });

  it('lets the explicit option beat FRA_BACKEND', async () => {
    const report = await initEngine({ backend: 'wasm', env: { FRA_BACKEND: 'cpu' } });
    assert.equal(report.requested, 'wasm');
    assert.equal(report.active, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
  });

  it('rejects an invalid request and lists the allowed values', async () => {
    await assert.rejects(initEngine({ backend: 'gpu', env: {} }), {
      message: "Invalid backend 'gpu' (from backend option). Allowed values: auto, node-gpu, node, wasm, cpu.",
    });
    await assert.rejects(initEngine({ env: { FRA_BACKEND: 'cuda' } }), {
      message: "Invalid backend 'cuda' (from environment variable FRA_BACKEND). Allowed values: auto, node-gpu, node, wasm, cpu.",
    });
  });

  it("explicit 'node-gpu' rejects with the actionable reason instead of falling back", async () => {
    await initEngine({ backend: 'cpu', env: {} });
    await assert.rejects(initEngine({ backend: 'node-gpu', env: {} }), (error: unknown) => {
      assert.ok(error instanceof BackendUnavailableError);
      assert.equal(error.backend, 'node-gpu');
      assert.equal(error.reason, GPU_NOT_INSTALLED);
      assert.equal(error.message, `Backend 'node-gpu' was requested but is unavailable: ${GPU_NOT_INSTALLED}`);
      return true;
    });
    assert.equal(tf.getBackend(), 'cpu', 'a failed explicit request leaves the previous backend in place');
  });
});

describe('pickBackendRequest', () => {
  it('treats an empty FRA_BACKEND as unset and accepts any letter case', () => {
    assert.equal(pickBackendRequest({ env: { FRA_BACKEND: '' } }), 'auto');
    assert.equal(pickBackendRequest({ backend: ' WASM ', env: {} }), 'wasm');
    assert.equal(pickBackendRequest({ backend: '', env: { FRA_BACKEND: 'node' } }), 'node');
  });
});

describe('classifyNativeLoadError', () => {
  const rebuild = /npm rebuild @tensorflow\/tfjs-node-gpu`/;
  const cases: Array<{ name: string; error: unknown; expected: string | RegExp }> = [
    { name: 'package not installed', error: moduleNotFound(GPU_PACKAGE), expected: GPU_NOT_INSTALLED },
    {
      name: 'CUDA runtime missing',
      error: dlopenFailure('libcudart.so.11.0: cannot open shared object file: No such file or directory'),
      expected: 'libcudart.so.11.0 not found: install CUDA 11.2 (and cuDNN 8.1) or add their lib folder to LD_LIBRARY_PATH',
    },
    {
      name: 'cuDNN missing',
      error: dlopenFailure('libcudnn.so.8: cannot open shared object file: No such file or directory'),
      expected: 'libcudnn.so.8 not found: install CUDA 11.2 (and cuDNN 8.1) or add their lib folder to LD_LIBRARY_PATH',
    },
    {
      name: 'libtensorflow never downloaded',
      error: dlopenFailure('libtensorflow.so.2: cannot open shared object file: No such file or directory'),
      expected:
        /^libtensorflow\.so\.2 not found: the install script of @tensorflow\/tfjs-node-gpu did not download libtensorflow 2\.9\.1 \(offline install\?\)\. .*`npm rebuild @tensorflow\/tfjs-node-gpu`.*TFJS_NODE_CDN_STORAGE=.*libtensorflow-gpu-linux-x86_64-2\.9\.1\.tar\.gz/,
    },
    {
      name: 'libtensorflow_framework missing',
      error: dlopenFailure('libtensorflow_framework.so.2: cannot open shared object file: No such file or directory'),
      expected: /^libtensorflow_framework\.so\.2 not found: the install script/,
    },
    {
      name: 'Windows DLL missing',
      error: dlopenFailure(
        'The specified module could not be found.\r\n\\\\?\\C:\\app\\node_modules\\@tensorflow\\tfjs-node-gpu\\lib\\napi-v8\\tfjs_binding.node',
      ),
      expected: /^the native addon of @tensorflow\/tfjs-node-gpu cannot be loaded by this runtime .*The specified module could not be found\..*npm rebuild/,
    },
    {
      name: 'NODE_MODULE_VERSION mismatch',
      error: dlopenFailure(
        "The module '/app/node_modules/@tensorflow/tfjs-node-gpu/lib/napi-v8/tfjs_binding.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 128. Please try re-compiling or re-installing\nthe module (for instance, using `npm rebuild` or `npm install`).",
      ),
      expected: rebuild,
    },
    {
      name: "tfjs-node's own missing-addon error",
      error: new Error(
        "The Node.js native addon module (tfjs_binding.node) can not be found at path: /app/node_modules/@tensorflow/tfjs-node-gpu/lib/napi-v8/tfjs_binding.node. \nPlease run command 'npm rebuild @tensorflow/tfjs-node build-addon-from-source' to rebuild the native addon module.",
      ),
      expected: /^@tensorflow\/tfjs-node-gpu is installed but its native addon \(tfjs_binding\.node\) was never built: .*npm rebuild @tensorflow\/tfjs-node-gpu`/,
    },
    {
      name: 'addon file absent',
      error: moduleNotFound('/app/node_modules/@tensorflow/tfjs-node-gpu/lib/napi-v8/tfjs_binding.node'),
      expected: /^@tensorflow\/tfjs-node-gpu is installed but its native addon was never built/,
    },
    {
      name: 'dependency of the package missing',
      error: moduleNotFound('@tensorflow/tfjs'),
      expected: /^@tensorflow\/tfjs-node-gpu is installed but its dependency '@tensorflow\/tfjs' is missing: reinstall it/,
    },
    {
      name: 'anything else',
      error: new Error('std::bad_alloc\n    at Object.<anonymous> (/app/node_modules/@tensorflow/tfjs-node-gpu/dist/index.js:60:16)'),
      expected: '@tensorflow/tfjs-node-gpu failed to load: std::bad_alloc',
    },
  ];
  for (const { name, error, expected } of cases) {
    it(name, () => {
      const reason = classifyNativeLoadError('node-gpu', error);
      if (typeof expected === 'string') assert.equal(reason, expected);
      else assert.match(reason, expected);
    });
  }

  it('names the CPU package and tarball for tfjs-node', () => {
    const reason = classifyNativeLoadError(
      'node',
      dlopenFailure('libtensorflow.so.2: cannot open shared object file: No such file or directory'),
    );
    assert.match(reason, /@tensorflow\/tfjs-node did not download/);
    assert.match(reason, /libtensorflow-cpu-linux-x86_64-2\.9\.1\.tar\.gz/);
  });
});

describe('initEngine with native package loaders', () => {
  afterEach(forgetTensorflowBackend);

  it("'auto' records a CUDA load failure for node-gpu, then tries node, then falls back to wasm", async () => {
    const calls: string[] = [];
    const loadModule = loaderFrom(
      { [GPU_PACKAGE]: dlopenFailure('libcudart.so.11.0: cannot open shared object file: No such file or directory') },
      calls,
    );
    const report = await initEngine({ env: {}, loadModule });
    assert.deepEqual(calls, [GPU_PACKAGE, CPU_PACKAGE]);
    assert.equal(report.active, 'wasm');
    assert.deepEqual(report.skipped, [
      {
        backend: 'node-gpu',
        reason: 'libcudart.so.11.0 not found: install CUDA 11.2 (and cuDNN 8.1) or add their lib folder to LD_LIBRARY_PATH',
      },
      { backend: 'node', reason: CPU_NOT_INSTALLED },
    ]);
  });

  it("explicit 'node' fails with its own classified reason", async () => {
    const loadModule = loaderFrom({ [CPU_PACKAGE]: dlopenFailure('libtensorflow.so.2: cannot open shared object file') });
    await assert.rejects(initEngine({ backend: 'node', env: {}, loadModule }), (error: unknown) => {
      assert.ok(error instanceof BackendUnavailableError);
      assert.equal(error.backend, 'node');
      assert.match(error.reason, /^libtensorflow\.so\.2 not found: the install script of @tensorflow\/tfjs-node /);
      return true;
    });
  });

  it("activates the 'tensorflow' backend when node-gpu loads and uses the GPU", async () => {
    const loadModule = loaderFrom({ [GPU_PACKAGE]: registersTensorflowBackend(true) });
    const report = await initEngine({ env: { CUDA_VISIBLE_DEVICES: '0' }, loadModule });
    assert.equal(report.active, 'node-gpu');
    assert.equal(report.tfjsBackendName, 'tensorflow');
    assert.equal(tf.getBackend(), 'tensorflow');
    assert.deepEqual(report.skipped, []);
    assert.deepEqual(report.warnings, []);
    assert.match(report.notes.join('\n'), /CUDA_VISIBLE_DEVICES \(now '0'\)/);
  });

  it('warns when node-gpu loads but TensorFlow found no GPU', async () => {
    const loadModule = loaderFrom({ [GPU_PACKAGE]: registersTensorflowBackend(false) });
    const report = await initEngine({ backend: 'node-gpu', env: {}, loadModule });
    assert.equal(report.active, 'node-gpu');
    assert.deepEqual(report.warnings, [`@tensorflow/tfjs-node-gpu is running on the CPU: ${NO_GPU_VISIBLE_REASON}`]);
    assert.match(NO_GPU_VISIBLE_REASON, /^no CUDA-capable GPU visible to TensorFlow \(check nvidia-smi, CUDA_VISIBLE_DEVICES/);
  });

  it('moves on to node when node-gpu registers a backend that fails to initialise', async () => {
    const loadModule = loaderFrom({
      [GPU_PACKAGE]: () =>
        tf.registerBackend('tensorflow', () => {
          throw new Error('Failed to create TF session');
        }),
      [CPU_PACKAGE]: registersTensorflowBackend(false),
    });
    const report = await initEngine({ env: {}, loadModule });
    assert.equal(report.active, 'node');
    assert.equal(report.tfjsBackendName, 'tensorflow');
    assert.equal(report.skipped.length, 1);
    assert.equal(report.skipped[0]?.backend, 'node-gpu');
    assert.match(report.skipped[0]?.reason ?? '', /backend failed to initialise/);
    assert.deepEqual(report.warnings, [], 'the CPU package is not expected to use a GPU');
  });

  it('reports a package that registered on a second copy of tfjs-core', async () => {
    const loadModule = loaderFrom({ [CPU_PACKAGE]: () => {} });
    await assert.rejects(initEngine({ backend: 'node', env: {}, loadModule }), {
      message: /second copy of tfjs-core.*npm ls @tensorflow\/tfjs-core/,
    });
  });
});

describe('formatEngineReport', () => {
  it('prints one labelled row per fact, with continuation lines aligned', () => {
    const report: EngineReport = {
      requested: 'auto',
      active: 'wasm',
      tfjsBackendName: 'wasm',
      tfjsVersion: '4.22.0',
      device: {
        cpuModel: 'AMD EPYC 9654',
        logicalCores: 16,
        totalMemoryBytes: 128 * 1024 ** 3,
        gpus: [
          {
            index: 0,
            name: 'NVIDIA H200',
            memoryTotalMiB: 143771,
            memoryUsedMiB: 0,
            utilizationPercent: 0,
            temperatureC: 31,
            driverVersion: '570.86.15',
          },
        ],
      },
      skipped: [
        { backend: 'node-gpu', reason: 'not installed' },
        { backend: 'node', reason: 'not installed either' },
      ],
      warnings: ['1 GPU(s) present'],
      notes: ['wasm: 1 thread'],
    };
    assert.equal(
      formatEngineReport(report),
      [
        'FRA engine',
        '  requested  auto',
        "  active     wasm (tfjs backend 'wasm', tfjs-core 4.22.0)",
        '  cpu        AMD EPYC 9654, 16 logical cores',
        '  memory     128.0 GiB',
        '  gpus       #0 NVIDIA H200: 0.0/140.4 GiB used, 0% util, 31 °C, driver 570.86.15',
        '  skipped    node-gpu: not installed',
        '             node: not installed either',
        '  warnings   1 GPU(s) present',
        '  notes      wasm: 1 thread',
      ].join('\n'),
    );
  });
});
