/**
 * `tsx trainer/cli/synthetic-faces.ts [--out DIR] [--grid PREVIEW.png] [--count 64] [--size 112]
 *   [--seed 0] [--labelled] [--no-masks] [--grid-masks] [--columns 8]`
 *
 * Writes the built-in synthetic face set as files (ImageFolder layout plus
 * part masks, see trainer/data/synthetic/write-dataset.ts) and/or a preview
 * contact sheet, and prints the generation speed. Nothing here is needed to
 * train on synthetic faces — the trainer generates them on the fly.
 */
import { parseArgs } from 'node:util';
import { maskToRgb, tileImages } from '../data/synthetic/preview-grid.js';
import { SyntheticFaceSource, SYNTHETIC_MAX_SIZE, SYNTHETIC_MIN_SIZE } from '../data/synthetic/synthetic-face-source.js';
import { writeRgbPng, writeSyntheticDataset } from '../data/synthetic/write-dataset.js';
import type { RgbImage } from '../data/image-source.js';

const USAGE =
  'Usage: synthetic-faces [--out DIR] [--grid PREVIEW.png] [options]\n' +
  '  --out DIR        write DIR/images/<class>/*.png, DIR/masks/<class>/*.png, DIR/synthetic-faces.json\n' +
  '  --grid FILE      write a preview contact sheet (first ≤ 64 faces)\n' +
  '  --grid-masks     put each face\'s colour-coded part mask next to it in the preview\n' +
  '  --columns N      preview columns (default 8)\n' +
  '  --count N        number of faces (default 64)\n' +
  `  --size PX        image side, ${SYNTHETIC_MIN_SIZE}–${SYNTHETIC_MAX_SIZE} (default 112)\n` +
  '  --seed N         dataset seed (default 0)\n' +
  '  --labelled       expression-labelled variant (class folders neutral/happy/sad/surprised/angry)\n' +
  '  --no-masks       with --out: skip the mask files';

const PREVIEW_LIMIT = 64;

async function main(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        grid: { type: 'string' },
        'grid-masks': { type: 'boolean' },
        columns: { type: 'string' },
        count: { type: 'string' },
        size: { type: 'string' },
        seed: { type: 'string' },
        labelled: { type: 'boolean' },
        'no-masks': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`synthetic-faces: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const out = values.out as string | undefined;
  const grid = values.grid as string | undefined;
  if (out === undefined && grid === undefined) {
    process.stderr.write(`synthetic-faces: nothing to do: give --out and/or --grid\n${USAGE}\n`);
    return 2;
  }
  try {
    const options = {
      count: integer(values.count, 64, 'count'),
      size: integer(values.size, 112, 'size'),
      seed: integer(values.seed, 0, 'seed'),
      labelled: values.labelled === true,
    };
    const source = new SyntheticFaceSource(options);

    if (source.size > 0) reportSpeed(source);

    if (grid !== undefined) {
      const tiles: RgbImage[] = [];
      for (let i = 0; i < Math.min(source.size, PREVIEW_LIMIT); i++) {
        const face = source.generate(i);
        tiles.push(face.image);
        if (values['grid-masks'] === true) tiles.push(maskToRgb(face.mask));
      }
      if (tiles.length === 0) throw new Error('--grid needs --count ≥ 1');
      await writeRgbPng(grid, tileImages(tiles, integer(values.columns, 8, 'columns')));
      process.stdout.write(`preview: ${grid}\n`);
    }
    if (out !== undefined) {
      const written = await writeSyntheticDataset(out, { ...options, masks: values['no-masks'] !== true });
      process.stdout.write(`dataset: ${written.count} faces in ${written.imagesRoot}${written.masksRoot === null ? '' : `, masks in ${written.masksRoot}`}\n`);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`synthetic-faces: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** Generation speed (no encoding) in CPU time, after a warm-up so the JIT has compiled the hot loops. */
function reportSpeed(source: SyntheticFaceSource): void {
  const WARM_UP = 30;
  const TIMED = 200;
  for (let i = 0; i < WARM_UP; i++) source.generate(i % source.size);
  const start = process.cpuUsage();
  for (let i = 0; i < TIMED; i++) source.generate((WARM_UP + i) % source.size);
  const used = process.cpuUsage(start);
  const msPerFace = (used.user + used.system) / 1000 / TIMED;
  process.stdout.write(`generation: ${msPerFace.toFixed(2)} ms CPU per ${source.imageSize}-px face (≈${Math.round(1000 / msPerFace)} faces/s per core)\n`);
}

function integer(value: string | boolean | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${String(value)}`);
  return n;
}

process.exitCode = await main(process.argv.slice(2));
