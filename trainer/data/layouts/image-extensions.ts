/**
 * Which files count as dataset images: by extension, case-insensitive
 * (VGGFace2 is .jpg, FERPlus .png, user datasets mix all of these).
 * The indexer later checks that the content matches the extension.
 */

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.bmp'] as const;

export type ImageExtension = (typeof IMAGE_EXTENSIONS)[number];

/** The image extension of a file name (lower-cased), or null if it is not an image name. */
export function imageExtensionOf(name: string): ImageExtension | null {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || name.length - dot > 5) return null;
  const ext = name.slice(dot).toLowerCase();
  return (IMAGE_EXTENSIONS as readonly string[]).includes(ext) ? (ext as ImageExtension) : null;
}

export function isImageFileName(name: string): boolean {
  return imageExtensionOf(name) !== null;
}
