/** Image container formats recognised from magic numbers, and what each extension promises. */
import type { ImageExtension } from '../layouts/image-extensions.js';

export const IMAGE_FORMATS = ['unknown', 'jpeg', 'png', 'webp', 'bmp', 'gif', 'tiff', 'heif'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

export function formatCode(format: ImageFormat): number {
  return IMAGE_FORMATS.indexOf(format);
}

export function formatFromCode(code: number): ImageFormat {
  return IMAGE_FORMATS[code] ?? 'unknown';
}

const EXTENSION_FORMAT: Readonly<Record<ImageExtension, ImageFormat>> = {
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.png': 'png',
  '.webp': 'webp',
  '.bmp': 'bmp',
};

export function formatOfExtension(extension: ImageExtension): ImageFormat {
  return EXTENSION_FORMAT[extension];
}
