/**
 * Minimal zip reader for PyTorch's serialization archives: central directory (with zip64),
 * STORED entries (what torch writes) and DEFLATED ones (re-zipped files) via node:zlib.
 * Every offset is bounds-checked, so a truncated file fails with a clear message.
 */
import { inflateRawSync } from 'node:zlib';
import { TorchPickleError } from './unpickler.js';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const eocd = this.findEocd();
    let count = this.u16(eocd + 10);
    let cdSize = this.u32(eocd + 12);
    let cdOffset = this.u32(eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const locator = eocd - 20;
      if (locator < 0 || this.u32(locator) !== ZIP64_LOCATOR_SIG) this.corrupt('zip64 end-of-central-directory locator missing');
      const z64 = this.u64(locator + 8);
      if (this.u32(z64) !== ZIP64_EOCD_SIG) this.corrupt('zip64 end-of-central-directory record missing');
      count = this.u64(z64 + 32);
      cdSize = this.u64(z64 + 40);
      cdOffset = this.u64(z64 + 48);
    }
    if (cdOffset + cdSize > bytes.length) this.corrupt('central directory lies outside the file');
    let p = cdOffset;
    for (let i = 0; i < count; i++) {
      if (this.u32(p) !== CENTRAL_SIG) this.corrupt(`central directory entry ${i} is damaged`);
      const method = this.u16(p + 10);
      let compressedSize = this.u32(p + 20);
      let size = this.u32(p + 24);
      const nameLen = this.u16(p + 28);
      const extraLen = this.u16(p + 30);
      const commentLen = this.u16(p + 32);
      let localHeaderOffset = this.u32(p + 42);
      const name = new TextDecoder().decode(this.slice(p + 46, nameLen));
      // zip64 extended information: the 0xFFFFFFFF fields, in this order.
      let e = p + 46 + nameLen;
      const extraEnd = e + extraLen;
      while (e + 4 <= extraEnd) {
        const id = this.u16(e);
        const len = this.u16(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          if (size === 0xffffffff) (size = this.u64(q)), (q += 8);
          if (compressedSize === 0xffffffff) (compressedSize = this.u64(q)), (q += 8);
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = this.u64(q);
        }
        e += 4 + len;
      }
      this.entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
      p = extraEnd + commentLen;
    }
  }

  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (!entry) throw new TorchPickleError(`zip entry "${name}" not found`);
    const h = entry.localHeaderOffset;
    if (this.u32(h) !== LOCAL_SIG) this.corrupt(`local header of "${name}" is damaged`);
    const start = h + 30 + this.u16(h + 26) + this.u16(h + 28);
    if (start + entry.compressedSize > this.bytes.length) this.corrupt(`data of "${name}" extends past the end of the file`);
    const raw = this.bytes.subarray(start, start + entry.compressedSize);
    if (entry.method === 0) return raw;
    if (entry.method === 8) {
      const out = inflateRawSync(raw);
      if (out.length !== entry.size) this.corrupt(`"${name}" inflates to ${out.length} bytes, expected ${entry.size}`);
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    }
    throw new TorchPickleError(`zip entry "${name}" uses unsupported compression method ${entry.method}`);
  }

  private findEocd(): number {
    const min = Math.max(0, this.bytes.length - 22 - 0xffff);
    for (let p = this.bytes.length - 22; p >= min; p--) {
      if (this.view.getUint32(p, true) === EOCD_SIG) return p;
    }
    return this.corrupt('end-of-central-directory record not found (the file is truncated or not a zip)');
  }

  private corrupt(message: string): never {
    throw new TorchPickleError(`corrupt or truncated zip checkpoint: ${message}`);
  }
  private check(p: number, n: number): void {
    if (p < 0 || p + n > this.bytes.length) this.corrupt(`read past the end of the file at byte ${p}`);
  }
  private u16(p: number): number {
    this.check(p, 2);
    return this.view.getUint16(p, true);
  }
  private u32(p: number): number {
    this.check(p, 4);
    return this.view.getUint32(p, true);
  }
  private u64(p: number): number {
    this.check(p, 8);
    const v = this.view.getBigUint64(p, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.corrupt(`offset ${v} is too large`);
    return Number(v);
  }
  private slice(p: number, n: number): Uint8Array {
    this.check(p, n);
    return this.bytes.subarray(p, p + n);
  }
}
