/**
 * Decodes one image file to 8-bit RGB the way the reference pipeline sees it
 * (PIL's Image.open(...).convert('RGB')): EXIF orientation applied, alpha
 * dropped, greyscale replicated to three channels, 16-bit scaled to 8-bit.
 * The format is taken from the content, not the extension, so a PNG named
 * .jpg decodes fine. Failures are Errors with a reason a user can act on.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { RgbImage } from '../image-source.js';
import { decodeBmp, isBmp } from './bmp-decoder.js';

export async function decodeImageFile(absolutePath: string, maxPixels: number): Promise<RgbImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(absolutePath);
  } catch (error) {
    throw new Error(readFailureReason(error));
  }
  if (bytes.length === 0) throw new Error('the file is empty (zero bytes)');
  if (isBmp(bytes)) return decodeBmp(bytes, maxPixels);
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'warning' })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels instead of 3`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (error) {
    throw new Error(decodeFailureReason((error as Error).message, maxPixels));
  }
}

function readFailureReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'the file no longer exists (refresh the dataset index)';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied (fix the file permissions)';
  if (code === 'EISDIR') return 'a folder, not an image file';
  return `cannot read the file (${(error as Error).message})`;
}

function decodeFailureReason(message: string, maxPixels: number): string {
  if (/pixel limit/i.test(message)) return `the image exceeds the ${(maxPixels / 1e6).toFixed(1)} MP pixel limit`;
  if (/premature end|truncated|unexpected end|not enough data/i.test(message)) return `the image data is cut short (truncated file): ${message}`;
  if (/unsupported image format/i.test(message)) return 'the content is not an image format the decoder reads';
  return `the decoder failed: ${message}`;
}
