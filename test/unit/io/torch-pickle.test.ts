/**
 * Restricted unpickler and torch containers (trainer/io/torch-pickle): real files written by
 * torch 1.13 (test/fixtures/torch-pth/make_fixtures.py), hand-made pickles for the opcodes,
 * refusal of foreign globals without executing anything, truncation and int64 overflow.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadTorchBytes, loadTorchFile, PyTuple, tensorData, TorchPickleError, TorchTensor, UnsafePickleError, unpickle } from '../../../trainer/io/torch-pickle/index.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/torch-pth/', import.meta.url));
/** What the malicious fixtures' `touch` would create if anything executed them. */
const EXECUTED_MARKER = '/tmp/fra_torch_pickle_executed';

const bytes = (...parts: (number[] | string)[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));
const binunicode = (s: string): number[] => {
  const b = [...Buffer.from(s, 'utf8')];
  return [0x58, b.length & 0xff, (b.length >> 8) & 0xff, 0, 0, ...b];
};

describe('unpickle: opcodes', () => {
  it('reads protocol-2 containers, scalars, memo and protocol-4 framing/STACK_GLOBAL', () => {
    // {'a': [1, 300, 70000, -1, 2**70, 1.5, True, None, ('x', 'y')], 'b': (), 0: 'a'-memo}
    const p = bytes(
      [0x80, 4, 0x95, 0, 0, 0, 0, 0, 0, 0, 0], // PROTO 4, FRAME
      [0x7d, 0x94], // EMPTY_DICT, MEMOIZE (0)
      [0x28], // MARK
      [0x8c, 1], 'a', [0x94], // SHORT_BINUNICODE 'a', MEMOIZE (1)
      [0x5d, 0x28], // EMPTY_LIST, MARK
      [0x4b, 1, 0x4d, 0x2c, 0x01, 0x4a, 0x70, 0x11, 0x01, 0x00, 0x4a, 0xff, 0xff, 0xff, 0xff],
      [0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x40], // LONG1 2**70
      [0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0], // BINFLOAT 1.5
      [0x88, 0x4e],
      binunicode('x'), [0x8c, 1], 'y', [0x86], // TUPLE2
      [0x65], // APPENDS
      [0x8c, 1], 'b', [0x29], // EMPTY_TUPLE
      [0x4b, 0], [0x68, 1], // 0 -> memo 1 ('a')
      [0x75, 0x2e], // SETITEMS, STOP
    );
    const { value, end } = unpickle(p);
    assert.equal(end, p.length);
    assert.ok(value instanceof Map);
    const list = value.get('a') as unknown[];
    assert.deepEqual(list.slice(0, 8), [1, 300, 70000, -1, 2n ** 70n, 1.5, true, null]);
    assert.ok(list[8] instanceof PyTuple);
    assert.deepEqual((list[8] as PyTuple).items, ['x', 'y']);
    assert.deepEqual((value.get('b') as PyTuple).items, []);
    assert.equal(value.get(0), 'a');
  });

  it('refuses a global by name before reading its arguments, for GLOBAL and STACK_GLOBAL', () => {
    assert.throws(() => unpickle(bytes([0x80, 2], 'cos\nsystem\n')), (e: unknown) => e instanceof UnsafePickleError && e.globalName === 'os.system');
    const stackGlobal = bytes([0x80, 4, 0x8c, 8], 'builtins', [0x8c, 4], 'eval', [0x93]);
    assert.throws(() => unpickle(stackGlobal), /refusing global "builtins\.eval": this file is not a plain weights checkpoint/);
    assert.throws(() => unpickle(bytes([0x80, 2], 'cargparse\nNamespace\n)\x81.')), /refusing global "argparse\.Namespace"/);
  });

  it('refuses object-construction opcodes and unknown opcodes, and reports truncation', () => {
    assert.throws(() => unpickle(bytes([0x80, 2, 0x29, 0x29, 0x81, 0x2e])), UnsafePickleError); // NEWOBJ
    assert.throws(() => unpickle(bytes([0x80, 2, 0xff])), /unsupported pickle opcode 0xff/);
    assert.throws(() => unpickle(bytes([0x80, 2], binunicode('abcdef').slice(0, 7))), /truncated/);
    assert.throws(() => unpickle(bytes([0x80, 2, 0x7d])), /truncated/); // no STOP
  });
});

describe('torch containers', () => {
  it('reads the zip format: nested dicts, shared and offset storages, non-contiguous views, bf16 parameters', async () => {
    const file = await loadTorchFile(FIXTURES + 'fra_checkpoint.pth.tar');
    assert.equal(file.format, 'zip');
    const top = file.value as Map<string, unknown>;
    assert.equal(top.get('epoch'), 3);
    assert.equal(top.get('arch'), 'FRAB');
    assert.equal((top.get('scaler') as Map<string, unknown>).get('scale'), 65536);
    const sd = top.get('state_dict') as Map<string, TorchTensor>;
    const online = sd.get('module.online_net.backbone.layer1.0.conv1.weight')!;
    const alias = sd.get('module.encoder_q.layer1.0.conv1.weight')!;
    assert.equal(online, alias, 'encoder_q is the same tensor object (memo), as in the reference');
    assert.ok(online.offset > 0, 'views into one flat storage keep their offsets');
    const predictor = sd.get('module.predictor.mlp.0.weight')!;
    assert.deepEqual([predictor.shape, predictor.stride], [[16, 8], [1, 16]]);
    const proto = tensorData('proto', sd.get('module.online_net.neck.proto')!);
    assert.equal(proto.sourceDtype, 'bfloat16');
    assert.equal(proto.data.length, 128);
    const nbt = tensorData('nbt', sd.get('module.online_net.backbone.bn1.num_batches_tracked')!);
    assert.deepEqual([nbt.dtype, nbt.sourceDtype, nbt.shape, [...nbt.data]], ['int32', 'int64', [], [7]]);
  });

  it('the transposed view gathers through its strides (values checked against the contiguous storage)', async () => {
    const sd = ((await loadTorchFile(FIXTURES + 'fra_checkpoint.pth.tar')).value as Map<string, unknown>).get('state_dict') as Map<string, TorchTensor>;
    const t = sd.get('module.predictor.mlp.0.weight')!;
    const transposed = tensorData('w', t).data;
    const base = tensorData('base', new TorchTensor(t.storage, t.offset, [8, 16], [16, 1], false)).data;
    for (let i = 0; i < 16; i++) for (let j = 0; j < 8; j++) assert.equal(transposed[i * 8 + j], base[j * 16 + i]);
  });

  it('reads the legacy format (extract_backbone.py) with the same values as the zip files', async () => {
    const legacy = await loadTorchFile(FIXTURES + 'backbone_legacy.pth');
    assert.equal(legacy.format, 'legacy');
    const zip = (await loadTorchFile(FIXTURES + 'resnet_plain.pth')).value as Map<string, TorchTensor>;
    const l = legacy.value as Map<string, TorchTensor>;
    assert.equal(l.size, zip.size - 2, 'no fc.weight / fc.bias');
    for (const [k, t] of l) assert.deepEqual(tensorData(k, t).data, tensorData(k, zip.get(k)!).data, k);
  });

  for (const name of ['malicious_os_system.pth', 'malicious_raw.pkl', 'malicious_eval.pkl']) {
    it(`refuses ${name} and executes nothing`, async () => {
      rmSync(EXECUTED_MARKER, { force: true });
      await assert.rejects(loadTorchFile(FIXTURES + name), (e: unknown) => {
        assert.ok(e instanceof UnsafePickleError);
        assert.match(e.message, new RegExp(`${name}: refusing global "(os\\.system|builtins\\.eval)": this file is not a plain weights checkpoint`));
        assert.match(e.message, /nothing in it was evaluated/);
        return true;
      });
      assert.equal(existsSync(EXECUTED_MARKER), false);
    });
  }

  it('refuses a real torch.save of argparse.Namespace', async () => {
    await assert.rejects(loadTorchFile(FIXTURES + 'namespace_args.pth'), /refusing global "argparse\.Namespace"/);
  });

  it('reports truncated zip and legacy files clearly', async () => {
    const zip = new Uint8Array(await readFile(FIXTURES + 'fra_checkpoint.pth.tar'));
    for (const cut of [zip.length - 10, Math.floor(zip.length / 2), 100]) {
      assert.throws(() => loadTorchBytes(zip.subarray(0, cut)), /corrupt or truncated zip checkpoint: end-of-central-directory record not found/);
    }
    const legacy = new Uint8Array(await readFile(FIXTURES + 'backbone_legacy.pth'));
    assert.throws(() => loadTorchBytes(legacy.subarray(0, legacy.length - 100)), /legacy checkpoint is truncated/);
    assert.throws(() => loadTorchBytes(legacy.subarray(0, 500)), /truncated/);
    assert.throws(() => loadTorchBytes(new Uint8Array([1, 2, 3])), /not a PyTorch checkpoint/);
  });

  it('an int64 value beyond int32 is an error naming the tensor', async () => {
    const sd = (await loadTorchFile(FIXTURES + 'int64_overflow.pth')).value as Map<string, TorchTensor>;
    assert.throws(() => tensorData('big', sd.get('big')!), (e: unknown) => e instanceof TorchPickleError && /tensor "big": int64 value 1099511627776 at index 1 does not fit int32/.test(e.message));
  });
});
