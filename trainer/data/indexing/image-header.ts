/**
 * Header-only image probing: format from magic numbers, dimensions from the
 * header, and truncation from the file's tail (JPEG EOI marker, PNG IEND
 * chunk, RIFF/BMP declared sizes, GIF trailer). A pure function of a few
 * bytes, so indexing never decodes pixels — decoding every image of a
 * 3.3M-image dataset would take hours; this takes microseconds per file.
 */
import type { ImageFormat } from './image-format.js';

/** Random access to the probed file: its size, its first and last bytes, and reads elsewhere when a header is long. */
export interface ProbeBytes {
  size: number;
  /** The first bytes (the whole file when it is small). */
  head: Uint8Array;
  /** The last bytes; ends at `size`. */
  tail: Uint8Array;
  read(offset: number, length: number): Uint8Array;
}

export type HeaderStatus = 'ok' | 'truncated' | 'corrupt-header' | 'not-an-image' | 'unsupported-format';

export interface HeaderProbe {
  status: HeaderStatus;
  format: ImageFormat;
  width: number;
  height: number;
  /** Human detail for bad files ("JPEG has no end-of-image marker"), empty when ok. */
  detail: string;
  /** TIFF/HEIF: dimensions are left to the decoder's metadata call. */
  needsDecoderMetadata: boolean;
}

/** Where an end marker is looked for first: the last bytes (some writers pad after it). */
const END_MARKER_WINDOW = 1024;
/** How far back the end marker is searched when it is not in the last bytes (camera trailers). */
const DEEP_SEARCH_BYTES = 4 << 20;
const DEEP_SEARCH_CHUNK = 64 << 10;

export function probeImageHeader(bytes: ProbeBytes): HeaderProbe {
  const h = bytes.head;
  if (h[0] === 0xff && h[1] === 0xd8 && h[2] === 0xff) return probeJpeg(bytes);
  if (startsWith(h, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return probePng(bytes);
  if (ascii(h, 0, 4) === 'RIFF' && ascii(h, 8, 4) === 'WEBP') return probeWebp(bytes);
  if (ascii(h, 0, 2) === 'BM' && bytes.size >= 26) return probeBmp(bytes);
  if (ascii(h, 0, 6) === 'GIF87a' || ascii(h, 0, 6) === 'GIF89a') return probeGif(bytes);
  if (ascii(h, 0, 4) === 'II*\0' || ascii(h, 0, 4) === 'MM\0*') return pending('tiff');
  if (ascii(h, 4, 4) === 'ftyp' && /^(heic|heix|hevc|heim|heis)$/.test(ascii(h, 8, 4))) {
    // libvips as shipped with sharp has no HEVC decoder (patents), only AV1 (AVIF).
    return bad('heif', 'unsupported-format', 'HEIC (HEVC-coded) image: this decoder reads AVIF but not HEIC; convert it to JPEG');
  }
  if (ascii(h, 4, 4) === 'ftyp' && /^(avif|avis|mif1|msf1)$/.test(ascii(h, 8, 4))) return pending('heif');
  return { ...bad('unknown', 'not-an-image', describeNonImage(h)) };
}

function probeJpeg(bytes: ProbeBytes): HeaderProbe {
  const reader = new WindowedReader(bytes);
  let pos = 2;
  let width = 0;
  let height = 0;
  // Walk the marker segments up to the start of scan: the frame header (SOF)
  // gives the size, and the scan start bounds where the EOI search may look
  // (an EXIF thumbnail carries its own EOI inside the header).
  for (;;) {
    if (pos + 4 > bytes.size) return bad('jpeg', 'truncated', `JPEG ends inside its header (the file has only ${bytes.size} bytes)`);
    if (reader.u8(pos) !== 0xff) return bad('jpeg', 'corrupt-header', `JPEG header has no marker at byte ${pos}`);
    while (pos < bytes.size && reader.u8(pos) === 0xff) pos++;
    const marker = reader.u8(pos++);
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (marker === 0xd9) return bad('jpeg', 'corrupt-header', 'JPEG ends (EOI) before any image data');
    if (pos + 2 > bytes.size) return bad('jpeg', 'truncated', 'JPEG ends inside its header');
    const length = reader.u16be(pos);
    if (length < 2) return bad('jpeg', 'corrupt-header', `JPEG segment with invalid length ${length} at byte ${pos}`);
    const isFrameHeader = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrameHeader) {
      if (pos + 7 > bytes.size) return bad('jpeg', 'truncated', 'JPEG ends inside its frame header');
      height = reader.u16be(pos + 3);
      width = reader.u16be(pos + 5);
      if (width === 0 || height === 0) return bad('jpeg', 'corrupt-header', `JPEG frame header gives a ${width}×${height} image`);
    }
    if (marker === 0xda) {
      if (width === 0) return bad('jpeg', 'corrupt-header', 'JPEG image data starts before any frame header (no size)');
      const scanStart = pos + length;
      if (scanStart >= bytes.size) return { ...bad('jpeg', 'truncated', 'JPEG ends right after its header (no image data)'), width, height };
      if (!hasMarkerNearEnd(bytes, [0xff, 0xd9], scanStart)) {
        return { ...bad('jpeg', 'truncated', 'JPEG has no end-of-image marker (FF D9) at its end: the file is cut short'), width, height };
      }
      return ok('jpeg', width, height);
    }
    pos += length;
  }
}

function probePng(bytes: ProbeBytes): HeaderProbe {
  const h = bytes.head;
  if (bytes.size < 33) return bad('png', 'truncated', 'PNG ends inside its header');
  if (ascii(h, 12, 4) !== 'IHDR') return bad('png', 'corrupt-header', 'PNG does not start with an IHDR chunk');
  const width = u32be(h, 16);
  const height = u32be(h, 20);
  if (width === 0 || height === 0) return bad('png', 'corrupt-header', `PNG header gives a ${width}×${height} image`);
  if (!hasMarkerNearEnd(bytes, [0x49, 0x45, 0x4e, 0x44], 33)) {
    return { ...bad('png', 'truncated', 'PNG has no IEND chunk at its end: the file is cut short'), width, height };
  }
  return ok('png', width, height);
}

function probeWebp(bytes: ProbeBytes): HeaderProbe {
  const h = bytes.head;
  if (bytes.size < 30) return bad('webp', 'truncated', 'WebP ends inside its header');
  const declared = u32le(h, 4) + 8;
  const chunk = ascii(h, 12, 4);
  let width = 0;
  let height = 0;
  if (chunk === 'VP8 ') {
    if (h[23] !== 0x9d || h[24] !== 0x01 || h[25] !== 0x2a) return bad('webp', 'corrupt-header', 'WebP (VP8) key frame signature missing');
    width = u16le(h, 26) & 0x3fff;
    height = u16le(h, 28) & 0x3fff;
  } else if (chunk === 'VP8L') {
    if (h[20] !== 0x2f) return bad('webp', 'corrupt-header', 'WebP (lossless) signature missing');
    const bits = u32le(h, 21);
    width = (bits & 0x3fff) + 1;
    height = ((bits >>> 14) & 0x3fff) + 1;
  } else if (chunk === 'VP8X') {
    width = 1 + u24le(h, 24);
    height = 1 + u24le(h, 27);
  } else return bad('webp', 'corrupt-header', `WebP with unknown first chunk "${chunk}"`);
  if (width === 0 || height === 0) return bad('webp', 'corrupt-header', `WebP header gives a ${width}×${height} image`);
  if (declared > bytes.size) return { ...bad('webp', 'truncated', `WebP declares ${declared} bytes but the file has ${bytes.size}: it is cut short`), width, height };
  return ok('webp', width, height);
}

function probeBmp(bytes: ProbeBytes): HeaderProbe {
  const h = bytes.head;
  const dataOffset = u32le(h, 10);
  const dibSize = u32le(h, 14);
  let width: number;
  let height: number;
  let bitsPerPixel: number;
  let compression = 0;
  if (dibSize === 12) {
    width = u16le(h, 18);
    height = u16le(h, 20);
    bitsPerPixel = u16le(h, 24);
  } else if (dibSize >= 40 && bytes.size >= 54) {
    width = i32le(h, 18);
    height = Math.abs(i32le(h, 22));
    bitsPerPixel = u16le(h, 28);
    compression = u32le(h, 30);
  } else return bad('bmp', bytes.size < 54 ? 'truncated' : 'corrupt-header', `BMP with an unsupported info header (${dibSize} bytes)`);
  if (width <= 0 || height === 0) return bad('bmp', 'corrupt-header', `BMP header gives a ${width}×${height} image`);
  if (![1, 4, 8, 16, 24, 32].includes(bitsPerPixel)) return bad('bmp', 'corrupt-header', `BMP with ${bitsPerPixel} bits per pixel`);
  // The BMP decoder reads uncompressed and bit-field BMPs (0, 3, 6), which is what image tools write;
  // RLE (1, 2) and embedded JPEG/PNG (4, 5) are refused here rather than failing at training time.
  if (![0, 3, 6].includes(compression)) {
    const kind = compression === 1 || compression === 2 ? 'RLE-compressed' : 'JPEG/PNG-in-BMP';
    return { ...bad('bmp', 'unsupported-format', `${kind} BMP (compression ${compression}) is not supported; convert it to PNG`), width, height };
  }
  const stride = Math.ceil((width * bitsPerPixel) / 32) * 4;
  const needed = dataOffset + stride * height;
  if (needed > bytes.size) return { ...bad('bmp', 'truncated', `BMP pixel data needs ${needed} bytes but the file has ${bytes.size}: it is cut short`), width, height };
  return ok('bmp', width, height);
}

function probeGif(bytes: ProbeBytes): HeaderProbe {
  if (bytes.size < 14) return bad('gif', 'truncated', 'GIF ends inside its header');
  const width = u16le(bytes.head, 6);
  const height = u16le(bytes.head, 8);
  if (width === 0 || height === 0) return bad('gif', 'corrupt-header', `GIF header gives a ${width}×${height} image`);
  if (bytes.tail[bytes.tail.length - 1] !== 0x3b) return { ...bad('gif', 'truncated', 'GIF has no trailer byte (3B) at its end: the file is cut short'), width, height };
  return ok('gif', width, height);
}

function ok(format: ImageFormat, width: number, height: number): HeaderProbe {
  return { status: 'ok', format, width, height, detail: '', needsDecoderMetadata: false };
}

function bad(format: ImageFormat, status: HeaderStatus, detail: string): HeaderProbe {
  return { status, format, width: 0, height: 0, detail, needsDecoderMetadata: false };
}

function pending(format: ImageFormat): HeaderProbe {
  return { status: 'ok', format, width: 0, height: 0, detail: '', needsDecoderMetadata: true };
}

/**
 * Whether `marker` occurs after `notBefore`: first in the last
 * END_MARKER_WINDOW bytes (the common case, no extra read), then — only when
 * that fails — searching backwards through up to DEEP_SEARCH_BYTES more, as
 * some writers append trailers after the end marker (phone cameras add
 * hundreds of KB). A JPEG's entropy-coded data cannot contain FF D9, so a
 * truncated JPEG never false-passes this search.
 */
function hasMarkerNearEnd(bytes: ProbeBytes, marker: readonly number[], notBefore: number): boolean {
  const tail = bytes.tail;
  const tailStart = bytes.size - tail.length;
  const from = Math.max(0, notBefore - tailStart, tail.length - END_MARKER_WINDOW);
  if (findBackwards(tail, marker, from)) return true;
  let end = tailStart + from + marker.length - 1;
  const stop = Math.max(notBefore, bytes.size - DEEP_SEARCH_BYTES);
  while (end > stop) {
    const start = Math.max(stop, end - DEEP_SEARCH_CHUNK);
    // Overlap by marker.length − 1 bytes so a marker split across chunks is still found.
    if (findBackwards(bytes.read(start, end - start), marker, 0)) return true;
    end = start + marker.length - 1;
    if (start === stop) break;
  }
  return false;
}

function findBackwards(data: Uint8Array, marker: readonly number[], from: number): boolean {
  outer: for (let i = data.length - marker.length; i >= from; i--) {
    for (let k = 0; k < marker.length; k++) if (data[i + k] !== marker[k]) continue outer;
    return true;
  }
  return false;
}

function describeNonImage(h: Uint8Array): string {
  if (h.length === 0) return 'the file is empty';
  if (ascii(h, 0, 4) === '%PDF') return 'the content is a PDF document, not an image';
  if (ascii(h, 0, 2) === 'PK') return 'the content is a ZIP archive, not an image';
  const sample = h.subarray(0, 64);
  const printable = sample.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 0x80);
  if (printable) {
    const text = Buffer.from(sample).toString('utf8').replace(/\s+/g, ' ').trim().slice(0, 40);
    return `the content is text ("${text}${sample.length < h.length ? '…' : ''}"), not an image (an error page saved with an image name?)`;
  }
  const magic = [...h.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return `the content starts with bytes ${magic}, which is no known image format`;
}

/** Reads bytes past the head lazily, in chunks, for JPEG headers with large EXIF/ICC segments. */
class WindowedReader {
  private window: Uint8Array;
  private windowStart = 0;
  constructor(private readonly bytes: ProbeBytes) {
    this.window = bytes.head;
  }
  u8(pos: number): number {
    if (pos < this.windowStart || pos >= this.windowStart + this.window.length) {
      this.window = this.bytes.read(pos, 16384);
      this.windowStart = pos;
    }
    return this.window[pos - this.windowStart] ?? 0;
  }
  u16be(pos: number): number {
    return (this.u8(pos) << 8) | this.u8(pos + 1);
  }
}

function startsWith(h: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((b, i) => h[i] === b);
}

function ascii(h: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = offset; i < offset + length && i < h.length; i++) s += String.fromCharCode(h[i]!);
  return s;
}

function u16le(h: Uint8Array, o: number): number {
  return (h[o] ?? 0) | ((h[o + 1] ?? 0) << 8);
}
function u24le(h: Uint8Array, o: number): number {
  return u16le(h, o) | ((h[o + 2] ?? 0) << 16);
}
function u32le(h: Uint8Array, o: number): number {
  return (u16le(h, o) | (u16le(h, o + 2) << 16)) >>> 0;
}
function i32le(h: Uint8Array, o: number): number {
  return u32le(h, o) | 0;
}
function u32be(h: Uint8Array, o: number): number {
  return (((h[o] ?? 0) << 24) | ((h[o + 1] ?? 0) << 16) | ((h[o + 2] ?? 0) << 8) | (h[o + 3] ?? 0)) >>> 0;
}
