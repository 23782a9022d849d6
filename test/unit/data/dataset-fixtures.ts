/**
 * Small real image files and dataset trees for the data-layer tests: images
 * are encoded by sharp (BMP by hand, as libvips cannot write it), trees are
 * written under a fresh temporary folder.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

export async function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `fra-data-${prefix}-`));
}

export async function removeDir(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

/** Writes files (relative path → bytes or text), creating folders as needed. */
export async function writeTree(root: string, files: Record<string, Uint8Array | string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

type Colour = { r: number; g: number; b: number };

export function solid(width: number, height: number, colour: Colour = { r: 200, g: 80, b: 40 }) {
  return sharp({ create: { width, height, channels: 3, background: colour } });
}

/** Noise compresses badly, so the JPEG has a long entropy-coded body (room to truncate it). */
export function noisy(width: number, height: number) {
  return sharp({ create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 50 } } });
}

export async function jpeg(width: number, height: number, colour?: Colour): Promise<Buffer> {
  return solid(width, height, colour).jpeg({ quality: 90 }).toBuffer();
}

export async function png(width: number, height: number, colour?: Colour): Promise<Buffer> {
  return solid(width, height, colour).png().toBuffer();
}

export async function webp(width: number, height: number): Promise<Buffer> {
  return solid(width, height).webp({ lossless: true }).toBuffer();
}

/** A PNG from explicit RGB pixel values (row-major), for exact decode checks. */
export async function pngFromPixels(width: number, height: number, rgb: number[]): Promise<Buffer> {
  return sharp(Buffer.from(rgb), { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** A bottom-up 24-bit BMP (BITMAPINFOHEADER) from row-major RGB pixels. */
export function bmp24(width: number, height: number, rgb: number[]): Buffer {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const dataOffset = 54;
  const out = Buffer.alloc(dataOffset + stride * height);
  out.write('BM', 0, 'latin1');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(dataOffset, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(24, 28);
  out.writeUInt32LE(stride * height, 34);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      out[row + x * 3] = rgb[i + 2]!;
      out[row + x * 3 + 1] = rgb[i + 1]!;
      out[row + x * 3 + 2] = rgb[i]!;
    }
  }
  return out;
}

/** A top-down 8-bit palette BMP: `indices` row-major, `palette` as RGB triples. */
export function bmp8(width: number, height: number, palette: number[][], indices: number[]): Buffer {
  const stride = Math.ceil(width / 4) * 4;
  const dataOffset = 54 + palette.length * 4;
  const out = Buffer.alloc(dataOffset + stride * height);
  out.write('BM', 0, 'latin1');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(dataOffset, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(-height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(8, 28);
  out.writeUInt32LE(palette.length, 46);
  palette.forEach(([r, g, b], i) => {
    out[54 + i * 4] = b!;
    out[54 + i * 4 + 1] = g!;
    out[54 + i * 4 + 2] = r!;
  });
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[dataOffset + y * stride + x] = indices[y * width + x]!;
  return out;
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
