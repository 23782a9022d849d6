/**
 * ToTensor + Normalize (fra-spec §3: VGGFace2 statistics), producing the
 * float32 HWC layout the tfjs trainer consumes (NHWC batches).
 *
 * torchvision computes, in float32: x = v / 255; y = (x − mean) / std. With
 * 8-bit inputs there are only 256 possible values per channel, so each
 * channel's results are precomputed in a table with the same float32
 * rounding steps — bit-identical to torch, and a single lookup per value.
 */
import type { RgbImage } from '../../image-source.js';
import { VGGFACE2_MEAN, VGGFACE2_STD } from '../../normalization-stats.js';
import type { ByteTable } from './lookup-table.js';
import { f32 } from './reference-numerics.js';

/** 3 × 256 table: entry [c·256 + v] is the normalised value of byte v in channel c. */
export type NormalizationTable = Float32Array;

export function normalizationTable(mean: readonly number[], std: readonly number[]): NormalizationTable {
  if (mean.length !== 3 || std.length !== 3) throw new RangeError('normalization needs 3 means and 3 stds');
  const table = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    const m = f32(mean[c] as number);
    const s = f32(std[c] as number);
    for (let v = 0; v < 256; v++) table[c * 256 + v] = f32(f32(f32(v / 255) - m) / s);
  }
  return table;
}

export const VGGFACE2_TABLE: NormalizationTable = normalizationTable(VGGFACE2_MEAN, VGGFACE2_STD);

/** `table` applied after the point-op table `through`: byte v normalises as through[v] would. */
export function normalizationThrough(through: ByteTable | null, table: NormalizationTable = VGGFACE2_TABLE): NormalizationTable {
  if (through === null) return table;
  const composed = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    for (let v = 0; v < 256; v++) composed[c * 256 + v] = table[c * 256 + (through[v] as number)] as number;
  }
  return composed;
}

/**
 * Normalise an 8-bit RGB image into float32 HWC. Writes into `out` at
 * `offset` when given (e.g. straight into a batch buffer), else allocates.
 */
export function toNormalizedTensor(
  image: RgbImage,
  out?: Float32Array,
  offset = 0,
  table: NormalizationTable = VGGFACE2_TABLE,
): Float32Array {
  const data = image.data;
  const target = out ?? new Float32Array(data.length);
  if (offset < 0 || offset + data.length > target.length) {
    throw new RangeError(`normalize: ${data.length} values do not fit at offset ${offset} of ${target.length}`);
  }
  for (let i = 0, o = offset; i < data.length; i += 3, o += 3) {
    target[o] = table[data[i] as number] as number;
    target[o + 1] = table[256 + (data[i + 1] as number)] as number;
    target[o + 2] = table[512 + (data[i + 2] as number)] as number;
  }
  return target;
}

/** Inverse of the normalisation for display: float HWC → nearest 8-bit RGB (clamped). */
export function denormalizeToRgb(
  values: Float32Array,
  width: number,
  height: number,
  mean: readonly number[] = VGGFACE2_MEAN,
  std: readonly number[] = VGGFACE2_STD,
): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) {
    const c = i % 3;
    const v = Math.round(((values[i] as number) * (std[c] as number) + (mean[c] as number)) * 255);
    data[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return { width, height, data };
}
