/**
 * Parity stage of bench/data-augment.bench.ts: samples rendered here are replayed with
 * torchvision's functional ops on PIL images from the same drawn parameters
 * (bench/torchvision_two_view_anchor.py replay) and compared byte for byte — the 8-bit views
 * (`renderView`), the normalised float32 tensors the loader gets (`fraTwoViews`), the fine-tuning
 * transforms, and sharp's JPEG decode against PIL's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RgbImage } from '../trainer/data/image-source.js';
import { describeFinetuneTrain, finetuneTestTransform, finetuneTrainTransform, renderFinetuneTrain } from '../trainer/data/augment/finetune.js';
import { describeTwoViews, fraTwoViews, renderView } from '../trainer/data/augment/two-view.js';

export interface ParityOptions {
  decode: (path: string) => Promise<RgbImage>;
  /** Debian's python3 with torchvision. */
  python: string;
  /** bench/torchvision_two_view_anchor.py */
  anchor: string;
  /** Number of two-view samples (alternating 224 and 112 px). */
  samples: number;
}

interface ParityCase {
  kind: 'view' | 'finetune' | 'decode';
  label: string;
  expectU8?: Uint8Array;
  expectF32?: Float32Array;
  json: Record<string, unknown>;
}

export async function checkParity(paths: string[], options: ParityOptions): Promise<string> {
  const { decode, python, anchor, samples: paritySamples } = options;
  const dir = mkdtempSync(join(tmpdir(), 'fra-augment-parity-'));
  try {
    const cases: ParityCase[] = [];
    const images: RgbImage[] = [];
    const imageCount = Math.min(16, paths.length);
    for (let k = 0; k < imageCount; k++) {
      const image = await decode(paths[k] as string);
      images.push(image);
      writeFileSync(join(dir, `${k}.rgb`), image.data);
      cases.push({ kind: 'decode', label: `decode ${k}`, expectU8: image.data, json: { kind: 'decode', jpeg: paths[k] } });
    }
    for (let n = 0; n < paritySamples; n++) {
      const k = n % imageCount;
      const image = images[k] as RgbImage;
      const size = n % 2 === 0 ? 224 : 112;
      const raw = { raw: join(dir, `${k}.rgb`), width: image.width, height: image.height, size };
      const params = describeTwoViews(image, { size, seed: 11, epoch: 3, index: n });
      // The floats the loader gets (fraTwoViews), and the 8-bit views the GUI preview shows (renderView).
      const normalized = fraTwoViews(image, { size, seed: 11, epoch: 3, index: n });
      for (const [name, p] of [['view1', params.view1], ['view2', params.view2]] as const) {
        cases.push({ kind: 'view', label: `sample ${n} ${name}`, expectU8: renderView(image, p, size).data, expectF32: normalized[name], json: { kind: 'view', ...raw, params: p } });
      }
      if (n % 4 === 0) {
        const opts = { size, seed: 11, epoch: 3, index: n };
        const ft = describeFinetuneTrain(opts);
        cases.push({
          kind: 'finetune',
          label: `sample ${n} finetune-train`,
          expectU8: renderFinetuneTrain(image, ft, size).data,
          expectF32: finetuneTrainTransform(image, opts),
          json: { kind: 'finetune', ...raw, params: ft },
        });
        cases.push({ kind: 'finetune', label: `sample ${n} finetune-test`, expectF32: finetuneTestTransform(image, { size }), json: { kind: 'finetune', ...raw, params: null } });
      }
    }
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases.map((c) => c.json)));
    const res = spawnSync(python, [anchor, 'replay', '--cases', join(dir, 'cases.json'), '--out', join(dir, 'out')], { encoding: 'utf8', timeout: 600_000 });
    if (res.status !== 0) return `n/a: replay failed: ${(res.stderr || res.stdout).trim().split('\n').slice(-1)[0]}`;
    const tally = new Map<string, { same: number; total: number; maxDiff: number; firstBad?: string }>();
    cases.forEach((c, i) => {
      const group = c.kind;
      const t = tally.get(group) ?? { same: 0, total: 0, maxDiff: 0 };
      let identical = true;
      if (c.expectU8 !== undefined) {
        const got = readFileSync(join(dir, 'out', `${i}.u8`));
        for (let j = 0; j < c.expectU8.length; j++) {
          const d = Math.abs((got[j] ?? -999) - (c.expectU8[j] as number));
          if (d !== 0) identical = false;
          t.maxDiff = Math.max(t.maxDiff, d);
        }
      }
      if (c.expectF32 !== undefined) {
        const buf = readFileSync(join(dir, 'out', `${i}.f32`));
        const got = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
        for (let j = 0; j < c.expectF32.length; j++) if (got[j] !== c.expectF32[j]) identical = false;
      }
      t.total++;
      if (identical) t.same++;
      else t.firstBad ??= c.label;
      tally.set(group, t);
    });
    return [...tally.entries()]
      .map(([g, t]) => `${g}: ${t.same}/${t.total} bit-identical${t.same < t.total ? ` (max |Δ| ${t.maxDiff} levels, first: ${t.firstBad})` : ''}`)
      .join('; ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
