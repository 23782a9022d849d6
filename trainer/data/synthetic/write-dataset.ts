/**
 * Writes synthetic faces to disk for users who want files (to inspect, or to
 * train elsewhere): PNG images in ImageFolder layout plus their part masks.
 *
 *   <dir>/images/<class>/<index>.png   class = expression (labelled) or "faces"
 *   <dir>/masks/<class>/<index>.png    8-bit grey, pixel value = part id
 *   <dir>/synthetic-faces.json         generator settings and PART_NAMES
 *
 * Images and masks sit in separate trees so `<dir>/images` is a clean
 * ImageFolder root whose class folders are not polluted by mask files.
 * Encoding uses sharp, loaded only here so the generator itself stays
 * dependency-free in worker threads.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { LabelMap, RgbImage } from '../image-source.js';
import { PART_NAMES } from './parts.js';
import { SyntheticFaceSource, type SyntheticFaceOptions } from './synthetic-face-source.js';

export interface WriteSyntheticOptions extends SyntheticFaceOptions {
  /** Also write the part masks (default true). */
  masks?: boolean;
  /** Called after each face is written. */
  onProgress?: (written: number, total: number) => void;
}

export interface WrittenSyntheticDataset {
  imagesRoot: string;
  masksRoot: string | null;
  count: number;
  classNames: readonly string[];
}

/** Files encoded at once: enough to keep libvips busy, bounded so memory stays flat. */
const IN_FLIGHT = 4;

export async function writeSyntheticDataset(dir: string, options: WriteSyntheticOptions = {}): Promise<WrittenSyntheticDataset> {
  const source = new SyntheticFaceSource(options);
  const withMasks = options.masks ?? true;
  const imagesRoot = join(dir, 'images');
  const masksRoot = withMasks ? join(dir, 'masks') : null;
  const folders = source.labelled ? source.classNames : ['faces'];
  for (const folder of folders) {
    await mkdir(join(imagesRoot, folder), { recursive: true });
    if (masksRoot !== null) await mkdir(join(masksRoot, folder), { recursive: true });
  }
  const digits = Math.max(5, String(source.size - 1).length);

  let next = 0;
  let written = 0;
  const worker = async (): Promise<void> => {
    while (next < source.size) {
      const index = next++;
      const { image, mask } = source.generate(index);
      const label = source.label(index);
      const folder = label === null ? 'faces' : folders[label]!;
      const name = `${String(index).padStart(digits, '0')}.png`;
      await writeRgbPng(join(imagesRoot, folder, name), image);
      if (masksRoot !== null) await writeLabelPng(join(masksRoot, folder, name), mask);
      options.onProgress?.(++written, source.size);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));

  const manifest = {
    generator: 'fra-workbench synthetic faces',
    size: source.imageSize,
    count: source.size,
    seed: source.seed,
    labelled: source.labelled,
    classNames: source.classNames,
    parts: PART_NAMES,
  };
  await writeFile(join(dir, 'synthetic-faces.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { imagesRoot, masksRoot, count: source.size, classNames: source.classNames };
}

export async function writeRgbPng(path: string, image: RgbImage): Promise<void> {
  await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toFile(path);
}

/** A label map as an 8-bit greyscale PNG (values are part ids, 0–7: view with a colour map, not as a photo). */
export async function writeLabelPng(path: string, mask: LabelMap): Promise<void> {
  await sharp(mask.data, { raw: { width: mask.width, height: mask.height, channels: 1 } }).toColourspace('b-w').png().toFile(path);
}
