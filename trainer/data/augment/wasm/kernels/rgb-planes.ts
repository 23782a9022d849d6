/**
 * Shuffles between packed RGB bytes and planes, for SIMD kernels that work
 * on 16 pixels at a time: three 16-byte vectors (48 bytes, pixels 0…15)
 * ⇄ one u8x16 vector per channel.
 */
import { type Code, i8x16 } from '../wasm-code.js';

const channelOf = (byte: number): number => byte % 3;
const pixelOf = (byte: number): number => Math.floor(byte / 3);

/**
 * Channel `channel` of 16 packed pixels held in vectors v0, v1, v2: two
 * shuffles, first from v0 ++ v1, then the remaining lanes from v2.
 */
export function deinterleave(v0: Code, v1: Code, v2: Code, channel: 0 | 1 | 2): Code {
  const first: number[] = [];
  const fromV2: number[] = [];
  for (let p = 0; p < 16; p++) {
    const byte = 3 * p + channel;
    if (byte < 32) first.push(byte);
    else fromV2.push(16 + byte - 32);
  }
  const firstLanes = [...first, ...Array<number>(16 - first.length).fill(0)];
  const finalLanes = [...first.map((_, i) => i), ...fromV2];
  return i8x16.shuffle(i8x16.shuffle(v0, v1, firstLanes), v2, finalLanes);
}

/** Packed bytes 16·part … 16·part + 15 of 16 pixels given as R, G, B planes. */
export function interleave(r: Code, g: Code, b: Code, part: 0 | 1 | 2): Code {
  const bytes = Array.from({ length: 16 }, (_, j) => 16 * part + j);
  // First R and G (lanes of r ++ g), with B left as a placeholder; then B (lanes of t ++ b).
  const firstLanes = bytes.map((byte) => (channelOf(byte) === 0 ? pixelOf(byte) : channelOf(byte) === 1 ? 16 + pixelOf(byte) : 0));
  const finalLanes = bytes.map((byte, j) => (channelOf(byte) === 2 ? 16 + pixelOf(byte) : j));
  return i8x16.shuffle(i8x16.shuffle(r, g, firstLanes), b, finalLanes);
}
