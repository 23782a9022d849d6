/**
 * Worker side: an image source → the exact pixels the model sees (RGB, square, `size` px: the
 * whole image resized bilinearly, no crop — the preprocessing the exports document), plus the
 * true part mask for synthetic faces. Decoding follows trainer/data/decode (EXIF orientation,
 * alpha dropped, greyscale to RGB).
 */
import sharp from 'sharp';
import type { LabelMap, RgbImage } from '../../../trainer/data/image-source.js';
import { decodeImageFile } from '../../../trainer/data/decode/decode-image.js';
import { decodeBmp, isBmp } from '../../../trainer/data/decode/bmp-decoder.js';
import { SYNTHETIC_MAX_SIZE, SyntheticFaceSource } from '../../../trainer/data/synthetic/index.js';
import { SYNTHETIC_SAMPLE_COUNT } from '../../contract/heatmaps-api.js';
import { SYNTHETIC_VIEW_SEED, type WorkerImageSource } from './heatmap-protocol.js';

/** Larger images are refused rather than decoded (memory): 50 MP, as the dataset indexer. */
const MAX_PIXELS = 50_000_000;

export interface PreparedImage {
  /** size·size·3 RGB. */
  pixels: Uint8Array;
  size: number;
  /** Synthetic faces only, at the resolution the face was drawn. */
  mask?: LabelMap;
}

const syntheticSources = new Map<number, SyntheticFaceSource>();

/** The synthetic face `index` at `size` px (capped at the generator's largest size). */
export function syntheticFace(index: number, size: number): { image: RgbImage; mask: LabelMap } {
  const side = Math.min(size, SYNTHETIC_MAX_SIZE);
  let source = syntheticSources.get(side);
  if (source === undefined) {
    source = new SyntheticFaceSource({ size: side, count: SYNTHETIC_SAMPLE_COUNT, seed: SYNTHETIC_VIEW_SEED });
    syntheticSources.set(side, source);
  }
  const face = source.generate(index);
  return { image: face.image, mask: face.mask };
}

export async function prepareImage(source: WorkerImageSource, size: number): Promise<PreparedImage> {
  if (source.kind === 'synthetic') {
    const face = syntheticFace(source.index, size);
    return { pixels: await resizeRgb(face.image, size), size, mask: face.mask };
  }
  const decoded = source.kind === 'file' ? await decodeImageFile(source.path, MAX_PIXELS) : await decodeImageBytes(source.bytes);
  return { pixels: await resizeRgb(decoded, size), size };
}

/** An image file's bytes (an upload) → RGB; the reasons match decodeImageFile's. */
export async function decodeImageBytes(bytes: Uint8Array): Promise<RgbImage> {
  if (bytes.length === 0) throw new Error('the file is empty (zero bytes)');
  if (isBmp(bytes)) return decodeBmp(bytes, MAX_PIXELS);
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'error' })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels instead of 3`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (error) {
    const message = (error as Error).message;
    if (/unsupported image format/i.test(message)) throw new Error('the content is not an image format FRA Workbench reads (JPEG, PNG, WebP, GIF, TIFF, AVIF or BMP)');
    if (/pixel limit/i.test(message)) throw new Error(`the image exceeds the ${MAX_PIXELS / 1e6} MP limit`);
    throw new Error(`the image cannot be decoded: ${message}`);
  }
}

async function resizeRgb(image: RgbImage, size: number): Promise<Uint8Array> {
  if (image.width === size && image.height === size) return image.data;
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(size, size, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export async function pngDataUrl(pixels: Uint8Array, width: number, height: number, channels: 1 | 3 = 3): Promise<string> {
  const png = await sharp(pixels, { raw: { width, height, channels } }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}
