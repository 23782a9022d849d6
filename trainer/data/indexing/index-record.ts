/**
 * The on-disk record of one indexed file: fixed 40 bytes, little-endian, so a
 * 3.3M-image index is a 132 MB table that loads with one read and is
 * addressed by record number without parsing. The path lives in a separate
 * UTF-8 blob (index-paths.bin) referenced by offset and length.
 *
 *   off size field
 *     0  u32  pathOffset   byte offset in index-paths.bin
 *     4  u16  pathLength   UTF-8 bytes
 *     6  u8   status       0 = usable, else 1 + BAD_FILE_REASONS index
 *     7  u8   format       IMAGE_FORMATS index (detected from content)
 *     8  u8   split        index into the summary's splits
 *     9  u8   flags        bit 0: content ≠ extension; bit 1: reached through a symlink
 *    10  u16  (reserved, 0)
 *    12  i32  label        class/identity index, −1 for none
 *    16  u32  width        pixels, 0 if unknown
 *    20  u32  height
 *    24  f64  size         bytes
 *    32  f64  mtimeMs      modification time (ms since epoch)
 */
import { statusCode, statusFromCode, type FileStatus } from './file-status.js';
import { formatCode, formatFromCode, type ImageFormat } from './image-format.js';

export const RECORD_BYTES = 40;
export const RECORDS_HEADER_BYTES = 32;
export const RECORDS_MAGIC = 'FRAIDX\0\0';
export const INDEX_FORMAT_VERSION = 1;

const FLAG_WRONG_EXTENSION = 1;
const FLAG_VIA_SYMLINK = 2;

export interface IndexRecord {
  /** '/'-separated, relative to the dataset root. */
  path: string;
  status: FileStatus;
  format: ImageFormat;
  split: number;
  label: number | null;
  width: number;
  height: number;
  size: number;
  mtimeMs: number;
  /** The content is a different format than the extension says (still usable if decodable). */
  wrongExtension: boolean;
  viaSymlink: boolean;
}

/** A record without its path (which is stored separately). */
export type RecordFields = Omit<IndexRecord, 'path'>;

export function writeRecord(target: DataView, offset: number, pathOffset: number, pathLength: number, r: RecordFields): void {
  // DataView rather than Buffer.write*: this runs once per file and Buffer's
  // checked writers cost several microseconds per record at this rate.
  target.setUint32(offset, pathOffset, true);
  target.setUint16(offset + 4, pathLength, true);
  target.setUint8(offset + 6, statusCode(r.status));
  target.setUint8(offset + 7, formatCode(r.format));
  target.setUint8(offset + 8, r.split);
  target.setUint8(offset + 9, (r.wrongExtension ? FLAG_WRONG_EXTENSION : 0) | (r.viaSymlink ? FLAG_VIA_SYMLINK : 0));
  target.setUint16(offset + 10, 0, true);
  target.setInt32(offset + 12, r.label ?? -1, true);
  target.setUint32(offset + 16, Math.min(r.width, 0xffffffff), true);
  target.setUint32(offset + 20, Math.min(r.height, 0xffffffff), true);
  target.setFloat64(offset + 24, r.size, true);
  target.setFloat64(offset + 32, r.mtimeMs, true);
}

export function readRecordFields(source: Buffer, offset: number): RecordFields {
  const label = source.readInt32LE(offset + 12);
  const flags = source[offset + 9] ?? 0;
  return {
    status: statusFromCode(source[offset + 6] ?? 0),
    format: formatFromCode(source[offset + 7] ?? 0),
    split: source[offset + 8] ?? 0,
    label: label < 0 ? null : label,
    width: source.readUInt32LE(offset + 16),
    height: source.readUInt32LE(offset + 20),
    size: source.readDoubleLE(offset + 24),
    mtimeMs: source.readDoubleLE(offset + 32),
    wrongExtension: (flags & FLAG_WRONG_EXTENSION) !== 0,
    viaSymlink: (flags & FLAG_VIA_SYMLINK) !== 0,
  };
}

export function recordPathOffset(source: Buffer, offset: number): number {
  return source.readUInt32LE(offset);
}

export function recordPathLength(source: Buffer, offset: number): number {
  return source.readUInt16LE(offset + 4);
}

export function recordStatusCode(source: Buffer, offset: number): number {
  return source[offset + 6] ?? 0;
}

export function recordSplit(source: Buffer, offset: number): number {
  return source[offset + 8] ?? 0;
}

export function recordLabel(source: Buffer, offset: number): number {
  return source.readInt32LE(offset + 12);
}

/** The records file header: magic, version, record size, and the generation id that ties it to its summary. */
export function encodeRecordsHeader(generation: Buffer): Buffer {
  const header = Buffer.alloc(RECORDS_HEADER_BYTES);
  header.write(RECORDS_MAGIC, 0, 'latin1');
  header.writeUInt32LE(INDEX_FORMAT_VERSION, 8);
  header.writeUInt32LE(RECORD_BYTES, 12);
  generation.copy(header, 16, 0, 16);
  return header;
}

export function decodeRecordsHeader(header: Buffer): { version: number; recordBytes: number; generation: string } | string {
  if (header.length < RECORDS_HEADER_BYTES) return 'the records file is shorter than its header';
  if (header.toString('latin1', 0, 8) !== RECORDS_MAGIC) return 'the records file does not start with the FRA index signature';
  return { version: header.readUInt32LE(8), recordBytes: header.readUInt32LE(12), generation: header.toString('hex', 16, 32) };
}
