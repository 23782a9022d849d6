/**
 * Images as data: URLs for the renderer — thumbnails from the on-disk ThumbnailCache, and the
 * detail view's bigger image. sharp does the decoding and scaling on libuv's thread pool, so the
 * host's event loop only copies bytes. BMP, which libvips cannot read, goes through the data
 * layer's own decoder.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { decodeImageFile } from '../../../trainer/data/decode/decode-image.js';
import type { ThumbnailCache } from '../../../trainer/data/thumbnails.js';

export interface EncodedImage {
  dataUrl: string;
  width: number;
  height: number;
}

export async function thumbnailDataUrl(cache: ThumbnailCache, absolutePath: string, format: string, size: number, maxPixels: number): Promise<string> {
  if (format === 'bmp') {
    const image = await decodeImageFile(absolutePath, maxPixels);
    const webp = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
      .resize(size, size, { fit: 'cover' })
      .webp({ quality: 80 })
      .toBuffer();
    return toDataUrl(webp, 'image/webp');
  }
  const file = await cache.get(absolutePath, size);
  return toDataUrl(await readFile(file), file.endsWith('.webp') ? 'image/webp' : 'image/jpeg');
}

/** The image scaled down (never up) to fit `maxSide`, EXIF orientation applied. Rejects with a reason a user can act on. */
export async function fittedImageDataUrl(absolutePath: string, format: string, maxSide: number, maxPixels: number): Promise<EncodedImage> {
  const input =
    format === 'bmp'
      ? await decodeImageFile(absolutePath, maxPixels).then((image) => sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }))
      : sharp(absolutePath, { limitInputPixels: maxPixels, failOn: 'error' }).rotate();
  try {
    const { data, info } = await input
      .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 90 })
      .toBuffer({ resolveWithObject: true });
    return { dataUrl: toDataUrl(data, 'image/webp'), width: info.width, height: info.height };
  } catch (error) {
    throw new Error(`the image cannot be decoded: ${(error as Error).message}`);
  }
}

function toDataUrl(bytes: Buffer, mime: string): string {
  return `data:${mime};base64,${bytes.toString('base64')}`;
}
