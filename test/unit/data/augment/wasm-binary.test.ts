/**
 * The hand-written WebAssembly writer and instruction DSL the augmentation
 * kernels are built with: LEB128 encodings, a module that the runtime accepts
 * and runs, control-flow helpers, and the assembled kernel module itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assembleModule, sleb128, uleb128 } from '../../../../trainer/data/augment/wasm/wasm-binary.js';
import { doWhile, forRange, FunctionBuilder, I32, i32, ifElse, switchCases } from '../../../../trainer/data/augment/wasm/wasm-code.js';
import { kernelModuleBytes, loadAugmentKernels } from '../../../../trainer/data/augment/wasm/kernel-module.js';

interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

function instantiate(bytes: Uint8Array): Record<string, unknown> {
  return new wasm.Instance(new wasm.Module(bytes), {}).exports;
}

describe('WebAssembly binary writer', () => {
  it('encodes LEB128 like the spec examples', () => {
    assert.deepEqual(uleb128(0), [0]);
    assert.deepEqual(uleb128(127), [0x7f]);
    assert.deepEqual(uleb128(128), [0x80, 0x01]);
    assert.deepEqual(uleb128(624485), [0xe5, 0x8e, 0x26]);
    assert.deepEqual(uleb128(0xffffffff), [0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert.deepEqual(sleb128(0), [0]);
    assert.deepEqual(sleb128(-1), [0x7f]);
    assert.deepEqual(sleb128(63), [0x3f]);
    assert.deepEqual(sleb128(64), [0xc0, 0x00]);
    assert.deepEqual(sleb128(-64), [0x40]);
    assert.deepEqual(sleb128(-123456), [0xc0, 0xbb, 0x78]);
    assert.deepEqual(sleb128(-0x80000000), [0x80, 0x80, 0x80, 0x80, 0x78]);
    assert.throws(() => uleb128(-1), RangeError);
    assert.throws(() => sleb128(2 ** 31), RangeError);
  });

  it('assembles functions the runtime validates and runs (loops, branches, switch)', () => {
    // sumTo(n) = 0 + 1 + … + (n − 1); classify(x) = 10·(x in 0…2) via switch, else 99.
    const sum = new FunctionBuilder('sumTo').returns(I32);
    const n = sum.param(I32);
    const i = sum.local(I32);
    const total = sum.local(I32);
    const sumTo = sum.build(forRange(i, i32.const(0), n.get(), 1, total.increment(i.get())), total.get());

    const cls = new FunctionBuilder('classify').returns(I32);
    const x = cls.param(I32);
    const out = cls.local(I32);
    const classify = cls.build(
      switchCases(x.get(), [out.set(i32.const(10)), out.set(i32.const(20)), out.set(i32.const(30)), out.set(i32.const(99))]),
      out.get(),
    );

    const pow = new FunctionBuilder('countDown').returns(I32);
    const start = pow.param(I32);
    const steps = pow.local(I32);
    const countDown = pow.build(
      ifElse(i32.gtS(start.get(), i32.const(0)), doWhile(i32.gtS(start.get(), i32.const(0)), start.increment(-1), steps.increment(1)), steps.set(i32.const(-1))),
      steps.get(),
    );

    const bytes = assembleModule([sumTo, classify, countDown], 1);
    assert.ok(wasm.validate(bytes));
    const exports = instantiate(bytes) as { sumTo(n: number): number; classify(x: number): number; countDown(n: number): number };
    assert.equal(exports.sumTo(0), 0);
    assert.equal(exports.sumTo(101), 5050);
    assert.deepEqual([0, 1, 2, 3, 7, -1].map((v) => exports.classify(v)), [10, 20, 30, 99, 99, 99]);
    assert.deepEqual([5, 1, 0, -3].map((v) => exports.countDown(v)), [5, 1, -1, -1]);
  });

  it('rejects duplicate export names', () => {
    const f = new FunctionBuilder('memory').build();
    assert.throws(() => assembleModule([f], 1), /duplicate wasm export 'memory'/);
  });

  it('builds a valid kernel module, and Node runs it (the fast path is active here)', () => {
    assert.ok(wasm.validate(kernelModuleBytes()), 'the kernel module must validate; otherwise every image takes the slow path');
    assert.notEqual(loadAugmentKernels(), null);
  });
});
