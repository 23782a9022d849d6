/**
 * npm run bench:engine — conv kernel throughput and ResNet-18 training speed
 * on every backend this machine has, with the PyTorch CPU anchor (Debian's
 * python3-torch, when installed) measured in the same run.
 *
 * Options: --quick (fewer repetitions), --backends wasm,cpu, --skip-torch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initEngine, type BackendId } from '../trainer/engine/index.js';
import { stockWasmInputGradientKernel } from '../trainer/engine/wasm-kernels/register.js';
import { createResNetEncoder } from '../trainer/models/resnet.js';
import { SeedSequence } from '../trainer/nn/seed.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const backendsArg = args[args.indexOf('--backends') + 1];
const requested: BackendId[] = args.includes('--backends') && backendsArg ? (backendsArg.split(',') as BackendId[]) : ['node-gpu', 'node', 'wasm', 'cpu'];

interface ConvLayer {
  label: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: number;
}

const LAYERS: ConvLayer[] = [
  { label: '3×3 s1  16×32×32×64→64', x: [16, 32, 32, 64], filter: [3, 3, 64, 64], stride: 1, pad: 1 },
  { label: '3×3 s2  16×32×32×64→128', x: [16, 32, 32, 64], filter: [3, 3, 64, 128], stride: 2, pad: 1 },
  { label: '1×1 s1  16×32×32×64→256', x: [16, 32, 32, 64], filter: [1, 1, 64, 256], stride: 1, pad: 0 },
  { label: '1×1 s2  16×32×32×64→128', x: [16, 32, 32, 64], filter: [1, 1, 64, 128], stride: 2, pad: 0 },
];

async function timeMs(fn: () => tf.Tensor, reps: number, warmUp = true): Promise<number> {
  if (warmUp) {
    const warm = fn();
    await warm.data();
    warm.dispose();
  }
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) {
    const r = fn();
    await r.data();
    r.dispose();
  }
  return (performance.now() - t0) / reps;
}

const gflops = (flops: number, ms: number) => flops / ms / 1e6;

interface ConvRow {
  backend: string;
  layer: string;
  forward: number;
  inputGrad: number;
  filterGrad: number;
  stockInputGrad?: number;
}

async function benchConv(backend: BackendId, reps: number): Promise<ConvRow[]> {
  const rows: ConvRow[] = [];
  for (const full of LAYERS) {
    // The pure-JS cpu backend needs ~3 min for one batch-16 filter gradient: measure it at batch 1,
    // once, without warm-up (GFLOP/s is per FLOP anyway, and there is no JIT-free warm-up to amortise).
    const layer: ConvLayer = backend === 'cpu' ? { ...full, x: [1, full.x[1], full.x[2], full.x[3]] } : full;
    const warm = backend !== 'cpu';
    const x = tf.randomNormal(layer.x, 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal(layer.filter, 0, 1, 'float32', 2) as tf.Tensor4D;
    const y = tf.conv2d(x, w, layer.stride, layer.pad);
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3) as tf.Tensor4D;
    const flops = 2 * y.size * layer.filter[0] * layer.filter[1] * layer.filter[2];
    const r = backend === 'cpu' ? 1 : reps;
    // Kernels are run directly (not through tf.grads, which would compute dx and dW together).
    const attrs = { strides: layer.stride, pad: layer.pad, dataFormat: 'NHWC' as const };
    const kernel = (name: string, inputs: tf.NamedTensorMap, extra: object) => () =>
      tf.engine().runKernel(name, inputs, { ...attrs, ...extra } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const row: ConvRow = {
      backend,
      layer: layer.label,
      forward: gflops(flops, await timeMs(() => tf.conv2d(x, w, layer.stride, layer.pad), r, warm)),
      inputGrad: gflops(flops, await timeMs(kernel('Conv2DBackpropInput', { dy, filter: w }, { inputShape: layer.x }), r, warm)),
      filterGrad: gflops(flops, await timeMs(kernel('Conv2DBackpropFilter', { x, dy }, { filterShape: layer.filter }), r, warm)),
    };
    const stock = backend === 'wasm' ? stockWasmInputGradientKernel() : undefined;
    if (stock) {
      row.stockInputGrad = gflops(
        flops,
        await timeMs(
          () =>
            tf.engine().makeTensorFromTensorInfo(
              stock({ inputs: { dy, filter: w }, attrs: { ...attrs, inputShape: layer.x }, backend: tf.backend() }) as tf.TensorInfo,
            ),
          reps,
        ),
      );
    }
    rows.push(row);
    tf.dispose([x, w, y, dy]);
  }
  return rows;
}

interface ResNetRow {
  backend: string;
  batch: number;
  secondsPerStep: number;
  imagesPerSecond: number;
}

async function benchResNet18(backend: BackendId, batch: number, steps: number, warmUp = true): Promise<ResNetRow> {
  const model = createResNetEncoder('resnet18_encoder', new SeedSequence(7));
  const x = tf.randomNormal([batch, 112, 112, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
  const vars = model.namedParameters().map((p) => p.variable);
  const step = async () => {
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.forward(x))) as tf.Scalar, vars);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  };
  if (warmUp) await step(); // XNNPACK operator setup, wasm heap growth
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const seconds = (performance.now() - t0) / 1000 / steps;
  model.dispose();
  x.dispose();
  return { backend, batch, secondsPerStep: seconds, imagesPerSecond: batch / seconds };
}

function torchAnchor(): { imagesPerSecond: number; threads: number; batch: number } | string {
  if (args.includes('--skip-torch')) return 'skipped (--skip-torch)';
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return 'n/a: /usr/bin/python3 not found';
  const script = fileURLToPath(new URL('./torch_resnet18_anchor.py', import.meta.url));
  const res = spawnSync(python, [script, '--batch', '32', '--steps', quick ? '2' : '4'], { encoding: 'utf8', timeout: 600_000 });
  if (res.status !== 0) {
    const msg = (res.stderr || res.stdout || '').trim().split('\n').pop() ?? 'failed';
    return msg.includes("No module named 'torch'") ? 'n/a: python3-torch not installed (apt-get install python3-torch)' : `n/a: ${msg}`;
  }
  return JSON.parse(res.stdout.trim().split('\n').pop()!);
}

function fmt(n: number | undefined, digits = 1): string {
  return n === undefined ? '—' : n.toFixed(digits);
}

const report = await initEngine({ backend: 'auto' });
console.log(`FRA Workbench engine benchmark — ${report.device.cpuModel}, ${report.device.logicalCores} logical cores, tfjs ${report.tfjsVersion}`);
for (const s of report.skipped) console.log(`  skipped ${s.backend}: ${s.reason}`);

const available: BackendId[] = [];
for (const b of requested) {
  try {
    await initEngine({ backend: b });
    available.push(b);
  } catch {
    /* reported above for auto; explicit ones simply absent */
  }
}

const convRows: ConvRow[] = [];
const resnetRows: ResNetRow[] = [];
for (const b of available) {
  await initEngine({ backend: b });
  console.log(`\n… benchmarking ${b}`);
  convRows.push(...(await benchConv(b, quick ? 2 : 5)));
  // The pure-JS cpu backend needs over an hour per batch-32 step (its filter gradient runs at ~7 MFLOP/s):
  // it is measured once at batch 1 and compared per image.
  resnetRows.push(b === 'cpu' ? await benchResNet18(b, 1, 1, false) : await benchResNet18(b, 32, quick ? 2 : 3));
}

console.log('\nConv2D throughput (GFLOP/s; higher is better)');
console.log('backend  layer                      forward  input-grad  filter-grad  stock-wasm-input-grad  grad/fwd (in, filter)');
for (const r of convRows) {
  console.log(
    `${r.backend.padEnd(8)} ${r.layer.padEnd(26)} ${fmt(r.forward).padStart(7)}  ${fmt(r.inputGrad).padStart(10)}  ${fmt(r.filterGrad).padStart(11)}  ${fmt(r.stockInputGrad).padStart(21)}  ${(r.inputGrad / r.forward).toFixed(2)}, ${(r.filterGrad / r.forward).toFixed(2)}`,
  );
}

const torch = torchAnchor();
const wasmRow = resnetRows.find((r) => r.backend === 'wasm');
const cpuRow = resnetRows.find((r) => r.backend === 'cpu');
console.log('\nResNet-18 encoder, 112×112, forward + backward (images/s; higher is better)');
console.log('engine                          batch  s/step   images/s  vs tfjs cpu  vs PyTorch');
const torchIps = typeof torch === 'string' ? undefined : torch.imagesPerSecond;
for (const r of resnetRows) {
  console.log(
    `tfjs ${r.backend.padEnd(26)} ${String(r.batch).padStart(5)}  ${r.secondsPerStep.toFixed(2).padStart(6)}  ${fmt(r.imagesPerSecond, 2).padStart(9)}  ${cpuRow ? (r.imagesPerSecond / cpuRow.imagesPerSecond).toFixed(1) + '×' : '—'}`.padEnd(70) +
      `${torchIps ? (r.imagesPerSecond / torchIps).toFixed(2) + '×' : '—'}`,
  );
}
if (typeof torch === 'string') console.log(`PyTorch 1.13 CPU anchor: ${torch}`);
else console.log(`PyTorch CPU (${torch.threads} threads)      ${String(torch.batch).padStart(5)}  ${(torch.batch / torch.imagesPerSecond).toFixed(2).padStart(6)}  ${fmt(torch.imagesPerSecond, 2).padStart(9)}`);
if (wasmRow && cpuRow) console.log(`\nTarget: wasm ≥ 20× cpu → measured ${(wasmRow.imagesPerSecond / cpuRow.imagesPerSecond).toFixed(1)}×`);
