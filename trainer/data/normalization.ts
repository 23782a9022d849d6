/**
 * Input normalisation used by FRA pre-training and fine-tuning (fra-spec §3:
 * VGGFace2 statistics, not ImageNet's).
 */
import * as tf from '@tensorflow/tfjs-core';
import { VGGFACE2_MEAN, VGGFACE2_STD } from './normalization-stats.js';

export { VGGFACE2_MEAN, VGGFACE2_STD };

/** RGB images with values in [0, 255] (uint8 data or floats), NHWC → normalised float32. */
export function normalizeRgb255(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const unit = tf.div(tf.cast(images, 'float32'), 255);
    return tf.div(tf.sub(unit, tf.tensor1d([...VGGFACE2_MEAN])), tf.tensor1d([...VGGFACE2_STD])) as tf.Tensor4D;
  });
}
