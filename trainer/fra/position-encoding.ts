/**
 * DETR's `PositionEmbeddingSine(num_pos_feats=128, temperature=10000, normalize=True, scale=2π)`,
 * as built by MaskFormer's `TransformerPredictor` for the FRA mask-embedding generator
 * (fra-spec §1.4 step 3). It is added to the decoder's cross-attention keys only (§9.18).
 *
 * For an h×w map (no padding mask, so the cumulative sums are just 1-based indices):
 *   y_embed[r] = (r+1)/(h+1e-6)·2π,   x_embed[c] = (c+1)/(w+1e-6)·2π
 *   dim_t[i]   = 10000^(2·floor(i/2)/128),  i = 0..127
 *   channel i of an axis = sin(e/dim_t[i]) for even i, cos(e/dim_t[i]) for odd i
 *   256 channels = the 128 y-channels followed by the 128 x-channels.
 *
 * Layout here: [h·w, 2·featuresPerAxis] with pixels row-major (p = r·w + c), which is the
 * order of an NHWC map flattened to [h·w, C] — the decoder's memory rows.
 * The values depend only on (h, w), so they are computed once per size in float64 and cached
 * as plain arrays; a tensor is made per call, so the cache never owns tfjs memory (nothing to
 * leak or to be disposed by an enclosing `tf.tidy`).
 */
import * as tf from '@tensorflow/tfjs-core';

/** DETR defaults used by FRA (hidden_dim 256 ⇒ N_steps = 128 per axis). */
const TEMPERATURE = 10000;
const SCALE = 2 * Math.PI;
const NORMALIZE_EPS = 1e-6;

const cache = new Map<string, Float32Array>();

/**
 * The embedding values, [h·w · 2·featuresPerAxis] row-major as described above.
 * The returned array is shared (cached): treat it as read-only.
 */
export function sinePositionEmbeddingValues(height: number, width: number, featuresPerAxis = 128): Float32Array {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`sinePositionEmbedding: invalid map size ${height}×${width}`);
  }
  if (!Number.isInteger(featuresPerAxis) || featuresPerAxis < 2 || featuresPerAxis % 2 !== 0) {
    throw new Error(`sinePositionEmbedding: featuresPerAxis must be an even integer ≥ 2, got ${featuresPerAxis}`);
  }
  const key = `${height}x${width}x${featuresPerAxis}`;
  const cached = cache.get(key);
  if (cached) return cached;

  const channels = 2 * featuresPerAxis;
  const inverseFrequency = Array.from(
    { length: featuresPerAxis },
    (_, i) => 1 / Math.pow(TEMPERATURE, (2 * Math.floor(i / 2)) / featuresPerAxis),
  );
  const axisEmbedding = (position: number, i: number): number => {
    const angle = position * inverseFrequency[i]!;
    return i % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
  };

  const values = new Float32Array(height * width * channels);
  for (let r = 0; r < height; r++) {
    const y = ((r + 1) / (height + NORMALIZE_EPS)) * SCALE;
    for (let c = 0; c < width; c++) {
      const x = ((c + 1) / (width + NORMALIZE_EPS)) * SCALE;
      const base = (r * width + c) * channels;
      for (let i = 0; i < featuresPerAxis; i++) {
        values[base + i] = axisEmbedding(y, i);
        values[base + featuresPerAxis + i] = axisEmbedding(x, i);
      }
    }
  }
  cache.set(key, values);
  return values;
}

/** The embedding as a new tensor [h·w, 2·featuresPerAxis] (the caller owns it). */
export function sinePositionEmbedding(height: number, width: number, featuresPerAxis = 128): tf.Tensor2D {
  return tf.tensor2d(sinePositionEmbeddingValues(height, width, featuresPerAxis), [height * width, 2 * featuresPerAxis]);
}
