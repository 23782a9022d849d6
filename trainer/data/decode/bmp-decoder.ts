/**
 * A small BMP decoder. The libvips build shipped with sharp has no BMP loader
 * (that would come from ImageMagick), yet BMP is a supported dataset format.
 * Reads what image tools write: uncompressed 1/4/8-bit palette, 16/24/32-bit,
 * and bit-field masks (BI_BITFIELDS / BI_ALPHABITFIELDS), bottom-up or
 * top-down. Alpha is dropped, like PIL's convert('RGB') in the reference.
 */
import type { RgbImage } from '../image-source.js';

export function isBmp(bytes: Uint8Array): boolean {
  return bytes[0] === 0x42 && bytes[1] === 0x4d;
}

/** Decodes a BMP file's bytes; throws an Error with a human reason when it cannot. */
export function decodeBmp(bytes: Uint8Array, maxPixels: number): RgbImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 26 || !isBmp(bytes)) throw new Error('not a BMP file');
  const dataOffset = view.getUint32(10, true);
  const dibSize = view.getUint32(14, true);
  let width: number;
  let rawHeight: number;
  let bits: number;
  let compression = 0;
  let paletteCount = 0;
  const paletteEntryBytes = dibSize === 12 ? 3 : 4;
  if (dibSize === 12) {
    width = view.getUint16(18, true);
    rawHeight = view.getUint16(20, true);
    bits = view.getUint16(24, true);
  } else {
    if (bytes.length < 54) throw new Error('BMP ends inside its header');
    width = view.getInt32(18, true);
    rawHeight = view.getInt32(22, true);
    bits = view.getUint16(28, true);
    compression = view.getUint32(30, true);
    paletteCount = view.getUint32(46, true);
  }
  const height = Math.abs(rawHeight);
  const topDown = rawHeight < 0;
  if (width <= 0 || height === 0) throw new Error(`BMP header gives a ${width}×${height} image`);
  if (width * height > maxPixels) throw new Error(`${width}×${height} exceeds the ${maxPixels}-pixel limit`);
  if (![0, 3, 6].includes(compression)) throw new Error(`BMP compression ${compression} is not supported`);

  let masks: [number, number, number] | null = null;
  if (compression === 3 || compression === 6) {
    // Masks follow a 40-byte header, or are part of a V4/V5 header.
    const at = 14 + 40;
    masks = [view.getUint32(at, true), view.getUint32(at + 4, true), view.getUint32(at + 8, true)];
  } else if (bits === 16) {
    masks = [0x7c00, 0x03e0, 0x001f];
  }

  let palette: Uint8Array | null = null;
  if (bits <= 8) {
    const count = paletteCount || 1 << bits;
    const start = 14 + dibSize;
    palette = new Uint8Array(count * 3);
    for (let i = 0; i < count; i++) {
      const at = start + i * paletteEntryBytes;
      palette[i * 3] = bytes[at + 2] ?? 0;
      palette[i * 3 + 1] = bytes[at + 1] ?? 0;
      palette[i * 3 + 2] = bytes[at] ?? 0;
    }
  }

  const stride = Math.ceil((width * bits) / 32) * 4;
  if (dataOffset + stride * height > bytes.length) throw new Error('BMP pixel data is cut short (truncated file)');
  const out = new Uint8Array(width * height * 3);
  const channel = masks?.map(maskShape) ?? null;
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (palette) {
        const bitOffset = x * bits;
        const byte = bytes[row + (bitOffset >> 3)] ?? 0;
        const index = bits === 8 ? byte : (byte >> (8 - bits - (bitOffset & 7))) & ((1 << bits) - 1);
        out[o] = palette[index * 3] ?? 0;
        out[o + 1] = palette[index * 3 + 1] ?? 0;
        out[o + 2] = palette[index * 3 + 2] ?? 0;
      } else if (channel) {
        const p = row + x * (bits >> 3);
        const value = bits === 16 ? view.getUint16(p, true) : bits === 32 ? view.getUint32(p, true) : (bytes[p] ?? 0) | ((bytes[p + 1] ?? 0) << 8) | ((bytes[p + 2] ?? 0) << 16);
        for (let c = 0; c < 3; c++) out[o + c] = extract(value, channel[c]!);
      } else {
        const p = row + x * (bits >> 3);
        out[o] = bytes[p + 2] ?? 0;
        out[o + 1] = bytes[p + 1] ?? 0;
        out[o + 2] = bytes[p] ?? 0;
      }
    }
  }
  return { width, height, data: out };
}

interface MaskShape {
  mask: number;
  shift: number;
  max: number;
}

function maskShape(mask: number): MaskShape {
  if (mask === 0) return { mask: 0, shift: 0, max: 1 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  return { mask, shift, max: (mask >>> shift) >>> 0 };
}

/** A masked channel scaled to 0…255 (e.g. 5-bit 31 → 255). */
function extract(value: number, shape: MaskShape): number {
  if (shape.mask === 0) return 0;
  return Math.round(((((value & shape.mask) >>> 0) >>> shape.shift) * 255) / shape.max);
}
