/**
 * The `fra-train` command line, run as real child processes (`node bin/fra-train.js …`): help,
 * configuration errors (exit 2), the reference README command's notices, a tiny `--log-json` run
 * and its files, the not-yet-supported VGGFace2 dataset, and Ctrl+C (SIGINT) saving a checkpoint.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { CheckpointMeta } from '../../trainer/run/checkpoint.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'fra-train.js');

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI to completion. `onStdoutLine` sees each complete stdout line as it arrives
 * (with the child, to signal it). A watchdog kills a hung child so a failure cannot stall the suite.
 */
function runCli(
  args: readonly string[],
  onStdoutLine?: (line: string, child: ReturnType<typeof spawn>) => void,
  extraEnv: Record<string, string> = {},
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...extraEnv };
    delete env['FRA_BACKEND'];
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        onStdoutLine?.(line, child);
      }
    });
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    const watchdog = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(watchdog);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The smallest complete FRAB run on the random dataset. */
function tinyRunArgs(saveDir: string): string[] {
  return [
    '--dataset', 'random',
    '--backbone', 'resnet18_slim_encoder',
    '--image-size', '32',
    '-b', '4',
    '--hid-dim', '32',
    '--proj-dim', '16',
    '--decoder-heads', '2',
    '--decoder-ffn-dim', '16',
    '--num_proto', '4',
    '--epochs', '1',
    '--warmup-epoch', '0',
    '--lr', '0.1',
    '--backend', 'wasm',
    '--save-dir', saveDir,
  ];
}

const JSON_FIELDS = [
  'step', 'epoch', 'iteration', 'loss', 'loss_global', 'loss_region', 'loss_cluster', 'lr', 'ema_momentum', 'seconds_per_step', 'images_per_second',
] as const;
type LoggedStep = Record<(typeof JSON_FIELDS)[number], number>;

/** Every stdout line must be one JSON object with every documented field a finite number. */
function parseJsonLines(stdout: string): LoggedStep[] {
  const lines = stdout.split('\n').filter((l) => l !== '');
  return lines.map((line) => {
    let value: unknown;
    assert.doesNotThrow(() => (value = JSON.parse(line)), `stdout line is not JSON: ${line}`);
    assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), line);
    const record = value as Record<string, unknown>;
    for (const field of JSON_FIELDS) assert.ok(Number.isFinite(record[field]), `${field} in ${line}`);
    return record as LoggedStep;
  });
}

async function readMeta(dir: string): Promise<CheckpointMeta> {
  return JSON.parse(await readFile(join(dir, 'checkpoint.json'), 'utf8')) as CheckpointMeta;
}

describe('fra-train CLI (child processes)', () => {
  let root: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fra-cli-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('--help prints the usage and exits 0', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: fra-train/);
    for (const flag of ['--lr', '--num_proto', '--max-steps', '--log-json', '--resume']) assert.ok(r.stdout.includes(flag), `help lists ${flag}`);
    assert.equal(r.stderr, '');
  });

  it('exits 2 on an invalid configuration, naming every bad flag with its range', async () => {
    const saveDir = join(root, 'never');
    const r = await runCli(['--dataset', 'random', '--lr', '-1', '--num_proto', '0', '--save-dir', saveDir]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /invalid configuration/);
    assert.ok(r.stderr.includes('--lr: got -1; must be > 0 and ≤ 100'), r.stderr);
    assert.ok(r.stderr.includes('--num_proto: got 0; must be an integer from 1 to 256'), r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(existsSync(saveDir), false, 'nothing is created for a refused configuration');
  });

  it('accepts the README command (launcher prefix, --amp, --norm SyncBN) and says how fp32 and SyncBN are realised', async () => {
    const saveDir = join(root, 'readme');
    // fra-spec §5.1 / the FRA README, as a shell would split it (with $DEVICES and $DATA_ROOT expanded).
    const readme = [
      'python3', 'launch.py', '--device=0', '--launch', 'main.py',
      '--arch', 'FRAB', '--backbone', 'resnet50_encoder',
      '--dataset', 'vggface2', '--data-root', join(root, 'VGG-Face2-crop'),
      '--lr', '0.9', '-b', '512', '--wd', '0.000001', '--epochs', '50', '--cos', '--warmup-epoch', '10', '--workers', '16',
      '--enc-m', '0.996', '--norm', 'SyncBN', '--lewel-loss-weight', '0.5',
      '--mask_type=attn', '--num_proto', '8', '--teacher_temp', '0.04', '--loss_w_cluster', '0.1',
      '--amp', '--save-dir', saveDir, '--save-freq', '50', '--print-freq', '100',
    ];
    // The data root does not exist, so even once VGGFace2 loading is built this stops before training.
    const r = await runCli(readme);
    assert.ok(r.stdout.includes('warning: --amp: tfjs has no float16: this run trains in fp32'), r.stdout);
    assert.ok(r.stdout.includes('note: --norm: one device: SyncBN is plain batch norm over the whole batch'), r.stdout);
    assert.match(r.stdout, /FRA FRAB · resnet50_encoder · 224px · batch 512 · 50 epochs/);
    // It is parsed and accepted; it stops only because the data root does not exist.
    assert.notEqual(r.code, 2, 'the README command is a valid configuration');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /dataset folder .*VGG-Face2-crop does not exist or cannot be read/);
  });

  it('--dataset vggface2 indexes a real identity-folder tree on first use and trains on it', async () => {
    const data = join(root, 'vgg');
    for (const id of ['n000001', 'n000002']) {
      await mkdir(join(data, 'train', id), { recursive: true });
      for (let i = 0; i < 4; i++) {
        const jpeg = await sharp({ create: { width: 48, height: 56, channels: 3, background: { r: 40 * i, g: 120, b: id.endsWith('1') ? 200 : 30 } } }).jpeg().toBuffer();
        await writeFile(join(data, 'train', id, `${i}.jpg`), jpeg);
      }
    }
    const saveDir = join(root, 'vggface2');
    const args = tinyRunArgs(saveDir).map((a) => (a === 'random' ? 'vggface2' : a));
    const r = await runCli([...args, '--data-root', data, '--max-steps', '1'], undefined, { FRA_WORKSPACE: join(root, 'workspace') });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /indexing .*vgg/);
    assert.match(r.stdout, /training data: 8 images from .*vgg \(vggface2, train split\)/);
    assert.ok(existsSync(join(saveDir, 'checkpoint.safetensors')));
  });

  it('--log-json prints exactly the logged steps as JSON on stdout and writes checkpoint + metrics', async () => {
    const saveDir = join(root, 'tiny');
    const r = await runCli([...tinyRunArgs(saveDir), '--max-steps', '3', '--print-freq', '2', '--log-json']);
    assert.equal(r.code, 0, r.stderr);
    // Steps 1 (always) and 2 (--print-freq 2) are logged; step 3 is not. Nothing else goes to stdout.
    const logged = parseJsonLines(r.stdout);
    assert.deepEqual(logged.map((l) => l.step), [1, 2]);
    assert.ok(logged.every((l) => l.epoch === 0 && l.lr === 0.1 && l.ema_momentum >= 0.996 && l.ema_momentum < 1));
    assert.match(r.stderr, /finished \(max-steps\) after 3 steps/);

    const metrics = (await readFile(join(saveDir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { step: number; losses: { total: number } });
    assert.deepEqual(metrics.map((m) => m.step), [1, 2, 3]);
    // metrics.jsonl stores 9 significant digits (exact for float32, docs/run-format.md); stdout prints the double.
    assert.deepEqual(logged.map((l) => Number(l.loss.toPrecision(9))), metrics.slice(0, 2).map((m) => m.losses.total));
    assert.ok(existsSync(join(saveDir, 'checkpoint.safetensors')));
    const meta = await readMeta(saveDir);
    assert.equal(meta.position.globalStep, 3);
    assert.equal(meta.backend, 'wasm');
  });

  it('SIGINT during a run finishes the step, saves a checkpoint and exits 0', async () => {
    const saveDir = join(root, 'interrupted');
    let interruptedAt: number | null = null;
    const r = await runCli([...tinyRunArgs(saveDir), '--print-freq', '1', '--log-json'], (line, child) => {
      if (interruptedAt === null && line.startsWith('{')) {
        interruptedAt = (JSON.parse(line) as { step: number }).step;
        child.kill('SIGINT');
      }
    });
    assert.equal(interruptedAt, 1, 'interrupted after the first logged step');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.signal, null);
    assert.match(r.stderr, /stopping after this step/);
    assert.match(r.stderr, /finished \(stopped\)/);

    assert.ok(existsSync(join(saveDir, 'checkpoint.safetensors')));
    const meta = await readMeta(saveDir);
    assert.ok(meta.position.globalStep >= 2, `checkpoint is past step 1 (at ${meta.position.globalStep})`);
    assert.ok(meta.position.globalStep < 512, 'the run stopped early');
    const metrics = (await readFile(join(saveDir, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(metrics.length, meta.position.globalStep, 'the checkpoint holds every step that was logged');
    assert.deepEqual(parseJsonLines(r.stdout).map((l) => l.step), Array.from({ length: metrics.length }, (_, i) => i + 1));
  });
});
