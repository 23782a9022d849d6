/**
 * `npm run finetune` (bin/fra-finetune.js → trainer/cli/fra-finetune.ts): bad flags exit 2 with
 * every problem named; --help lists the flags; a tiny run prints progress and the evaluation
 * report table and leaves a run folder; -e --resume re-evaluates a checkpoint into it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

/** Runs the CLI to its exit (asynchronously, so the test runner stays responsive). */
function finetune(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/fra-finetune.js'), ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const TINY = ['--data-root', 'synthetic-expressions', '--backbone', 'resnet18_slim_encoder', '--image_size', '32', '-b', '8', '--train-percent', '0.008', '--epochs', '1', '--warmup_epochs', '0', '--workers', '1', '--backend', 'wasm'];

describe('fra-finetune CLI', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fra-finetune-cli-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('refuses bad flags with exit 2, naming every problem; --help exits 0', async () => {
    const bad = await finetune(['--optimizer', 'adam', '--lr', '-3', '--epoch', '2x']);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /invalid configuration/);
    assert.match(bad.stderr, /--optimizer: got "adam"; must be one of adamw, sgd/);
    assert.match(bad.stderr, /--lr: got -3; must be > 0 and ≤ 100/);
    assert.match(bad.stderr, /--epochs: got "2x"/);
    const help = await finetune(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--pretrained, --init <path>/);
  });

  it('a tiny run prints progress and the report table, and leaves a run folder; -e re-evaluates its checkpoint', async () => {
    const out = join(dir, 'run');
    const run = await finetune([...TINY, '--save-dir', out]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /warning: --pretrained: no checkpoint to start from/);
    assert.match(run.stdout, /Epoch \[0\]\[5\/5\] step 5 {2}loss \d\.\d{4}/);
    assert.match(run.stdout, /Last evaluation: test split, 250 images, epoch 0, step 5/);
    assert.match(run.stdout, /class\s+support\s+predicted\s+precision\s+recall\s+F1/);
    assert.match(run.stdout, /surprised\s+50\s+\d+/);
    assert.match(run.stdout, /confusion matrix \(rows: true class, columns: predicted; counts\)/);
    assert.deepEqual((await readdir(join(out, 'evaluation'))).sort(), ['best.json', 'last.json', 'step-00000005.json']);
    const top1 = /top-1 (\d+\.\d\d)%/.exec(run.stdout)![1]!;

    const checkpoint = join(out, 'checkpoints', 'epoch-0001-step-00000005.safetensors');
    const again = await finetune([...TINY, '--save-dir', out, '-e', '--resume', checkpoint]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`Last evaluation: test split, 250 images, epoch 0, step 5[^\\n]*\\n {2}top-1 ${top1.replace('.', '\\.')}%`));
  });
});
