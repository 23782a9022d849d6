/**
 * Input normalisation used by FRA pre-training and fine-tuning (fra-spec §3:
 * VGGFace2 statistics, not ImageNet's).
 */
import * as tf from '@tensorflow/tfjs-core';

export const VGGFACE2_MEAN = [0.5231, 0.4044, 0.3489] as const;
export const VGGFACE2_STD = [0.2536, 0.2194, 0.207] as const;

/** RGB images with values in [0, 255] (uint8 data or floats), NHWC → normalised float32. */
export function normalizeRgb255(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const unit = tf.div(tf.cast(images, 'float32'), 255);
    return tf.div(tf.sub(unit, tf.tensor1d([...VGGFACE2_MEAN])), tf.tensor1d([...VGGFACE2_STD])) as tf.Tensor4D;
  });
}
