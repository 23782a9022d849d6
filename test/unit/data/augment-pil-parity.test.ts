/**
 * The 8-bit augmentation ops against outputs of the reference itself:
 * torchvision 0.14 functional ops on PIL 9.4 images, for one small random
 * image. Generated once with Debian's python3-torchvision:
 *
 *   src = np.random.default_rng(2024).integers(0, 256, (5, 6, 3), dtype=np.uint8)
 *   img = Image.fromarray(src)
 *   img.resize((9, 7), Image.BILINEAR); img.resize((4, 3), Image.BILINEAR)
 *   F.resized_crop(img, 1, 2, 3, 4, [5, 5], InterpolationMode.BILINEAR)
 *   img.filter(ImageFilter.GaussianBlur(radius=0.7 / 1.9))
 *   F.adjust_brightness(img, 1.37); F.adjust_contrast(img, 0.71)
 *   F.adjust_saturation(img, 1.18); F.adjust_hue(img, 0.083 / -0.061)
 *   F.rgb_to_grayscale(img, 3); ImageOps.solarize(img, 128)
 *   F.rotate(img, 7.5 / -9.2, NEAREST, expand=False, fill=0)
 *   F.affine(img, angle=0, translate=[2, -1], scale=1, shear=[0, 0], NEAREST, fill=0)
 *   F.normalize(F.to_tensor(img), VGGFACE2_MEAN, VGGFACE2_STD)  (first 8 values, HWC)
 *
 * (The benchmark's parity stage repeats this on full-size random views.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RgbImage } from '../../../trainer/data/image-source.js';
import { adjustBrightnessInPlace } from '../../../trainer/data/augment/ops/brightness.js';
import { adjustContrastInPlace } from '../../../trainer/data/augment/ops/contrast.js';
import { gaussianBlurInPlace } from '../../../trainer/data/augment/ops/gaussian-blur.js';
import { grayscaleInPlace } from '../../../trainer/data/augment/ops/grayscale.js';
import { adjustHueInPlace } from '../../../trainer/data/augment/ops/hue.js';
import { toNormalizedTensor } from '../../../trainer/data/augment/ops/normalize.js';
import { resizedCrop } from '../../../trainer/data/augment/ops/random-resized-crop.js';
import { resizeBilinear } from '../../../trainer/data/augment/ops/resize.js';
import { rotateNearest } from '../../../trainer/data/augment/ops/rotate.js';
import { adjustSaturationInPlace } from '../../../trainer/data/augment/ops/saturation.js';
import { solarizeInPlace } from '../../../trainer/data/augment/ops/solarize.js';
import { translate } from '../../../trainer/data/augment/ops/translate.js';

const PIL = {
  source: { width: 6, height: 5, data: [232,202,212,61,86,72,3,173,217,208,163,23,164,226,221,54,225,96,81,81,144,63,56,79,228,59,159,232,99,207,169,204,114,165,83,234,231,226,236,254,8,236,26,20,227,77,105,36,103,166,48,222,72,91,39,20,70,46,126,42,46,120,74,46,196,226,239,233,149,209,17,92,200,96,138,67,202,42,108,43,40,84,95,117,53,238,184,150,28,145] },
  'resize_9x7': [232,202,212,147,144,142,51,101,96,13,158,193,106,168,120,201,174,56,171,215,188,109,226,159,54,225,96,146,133,173,104,101,125,74,76,94,120,101,166,177,117,156,212,141,133,176,198,155,142,179,168,117,144,175,124,122,170,121,83,147,127,44,133,161,47,170,179,74,168,181,116,147,157,177,106,166,137,144,181,80,193,231,226,236,243,117,236,216,10,234,64,18,229,52,63,132,81,115,38,99,156,46,163,119,70,222,72,91,94,79,117,100,86,107,95,92,100,51,92,115,48,131,145,79,177,163,176,207,129,207,123,106,213,33,92,108,53,99,82,106,71,58,146,45,70,99,57,67,120,120,78,166,177,143,221,167,172,128,140,184,22,115,200,96,138,134,149,90,74,175,42,101,70,40,96,69,79,79,119,128,58,214,173,102,133,165,150,28,145],
  'resize_4x3': [128,122,143,100,108,143,188,161,137,126,183,163,159,109,171,109,57,165,116,138,113,184,110,109,104,103,84,72,114,62,91,164,153,159,103,140],
  'crop_1_2_3x4_to_5': [228,59,159,231,87,193,201,152,161,168,168,150,165,83,234,147,43,186,163,84,153,157,146,113,156,156,114,188,79,177,26,20,227,62,80,93,90,136,42,139,138,61,222,72,91,38,80,135,52,136,145,122,183,130,194,156,104,214,39,92,46,120,74,46,173,180,143,215,188,230,168,132,209,17,92],
  'blur_0.7': [175,161,176,90,111,121,83,139,158,170,162,109,155,203,159,96,199,135,129,113,160,114,73,131,148,81,159,180,122,146,164,167,138,155,125,169,171,137,186,157,67,175,94,62,166,104,117,113,144,150,93,191,91,110,100,80,106,85,106,88,66,107,106,85,155,149,161,172,136,193,68,111,148,102,110,92,142,64,89,92,66,83,124,126,101,172,158,147,68,141],
  'blur_1.9': [135,124,154,133,126,149,133,130,143,134,139,139,137,147,137,140,153,136,131,119,147,130,121,144,130,125,139,132,132,136,137,138,134,142,142,134,126,113,137,125,116,135,125,119,132,128,124,132,136,127,131,143,129,132,122,109,124,119,112,124,119,115,124,123,118,126,132,118,129,140,117,131,119,108,115,115,111,116,115,114,118,119,115,123,128,114,127,138,111,130],
  'brightness_1.37': [255,255,255,83,117,98,4,237,255,255,223,31,224,255,255,73,255,131,110,110,197,86,76,108,255,80,217,255,135,255,231,255,156,226,113,255,255,255,255,255,10,255,35,27,255,105,143,49,141,227,65,255,98,124,53,27,95,63,172,57,63,164,101,63,255,255,255,255,204,255,23,126,255,131,189,91,255,57,147,58,54,115,130,160,72,255,252,205,38,198],
  'contrast_0.71': [200,179,186,79,97,87,38,159,190,183,151,52,152,196,193,74,196,104,93,93,138,80,76,92,198,78,149,200,106,183,156,181,117,153,95,202,200,196,203,216,41,203,54,50,197,90,110,61,109,154,70,193,87,100,63,50,85,68,125,66,68,121,88,68,175,196,205,201,142,184,48,101,178,104,134,83,179,66,112,66,64,95,103,119,73,205,166,142,56,139],
  'saturation_1.18': [235,200,212,58,87,71,0,181,233,216,163,0,156,229,223,35,236,84,79,79,154,63,55,82,247,47,165,246,89,217,166,207,101,172,75,253,231,225,237,255,0,255,22,15,255,74,107,26,97,171,32,240,63,85,40,18,77,37,131,32,37,124,70,26,203,238,241,234,135,231,5,93,212,89,139,53,212,23,116,39,36,82,95,121,30,248,185,162,19,157],
  'hue_0.083': [232,206,203,61,86,84,3,69,217,162,208,24,165,201,226,55,225,179,112,81,144,74,56,79,228,59,79,232,99,143,125,204,114,234,84,229,236,227,236,254,9,119,127,20,227,44,105,36,48,166,51,222,122,72,64,20,70,42,126,78,46,120,110,46,110,226,202,239,149,209,31,17,200,101,96,43,202,95,108,75,40,89,84,117,53,201,238,150,28,86],
  'hue_-0.061': [232,203,223,61,86,63,3,217,184,208,97,24,165,226,199,75,225,55,81,103,144,56,58,79,228,59,222,209,99,232,201,204,114,112,84,234,228,227,236,182,9,254,20,89,227,103,105,36,145,166,48,222,72,146,21,20,70,78,126,42,46,120,48,46,226,190,239,200,149,209,17,162,200,96,177,125,202,43,108,40,61,84,107,117,53,238,118,111,28,150],
  'grayscale': [212,212,212,77,77,77,127,127,127,160,160,160,207,207,207,159,159,159,88,88,88,61,61,61,121,121,121,151,151,151,183,183,183,125,125,125,229,229,229,108,108,108,45,45,45,89,89,89,134,134,134,119,119,119,31,31,31,93,93,93,93,93,93,155,155,155,225,225,225,83,83,83,132,132,132,143,143,143,62,62,62,94,94,94,177,177,177,78,78,78],
  'solarize': [23,53,43,61,86,72,3,82,38,47,92,23,91,29,34,54,30,96,81,81,111,63,56,79,27,59,96,23,99,48,86,51,114,90,83,21,24,29,19,1,8,19,26,20,28,77,105,36,103,89,48,33,72,91,39,20,70,46,126,42,46,120,74,46,59,29,16,22,106,46,17,92,55,96,117,67,53,42,108,43,40,84,95,117,53,17,71,105,28,110],
  'rotate_7.5': [232,202,212,61,86,72,3,173,217,208,163,23,164,226,221,54,225,96,81,81,144,63,56,79,228,59,159,232,99,207,169,204,114,165,83,234,231,226,236,254,8,236,26,20,227,77,105,36,103,166,48,222,72,91,39,20,70,46,126,42,46,120,74,46,196,226,239,233,149,209,17,92,200,96,138,67,202,42,108,43,40,84,95,117,53,238,184,150,28,145],
  'rotate_-9.2': [232,202,212,61,86,72,3,173,217,208,163,23,164,226,221,54,225,96,81,81,144,63,56,79,228,59,159,232,99,207,169,204,114,165,83,234,231,226,236,254,8,236,26,20,227,77,105,36,103,166,48,222,72,91,39,20,70,46,126,42,46,120,74,46,196,226,239,233,149,209,17,92,200,96,138,67,202,42,108,43,40,84,95,117,53,238,184,150,28,145],
  'translate_2_-1': [0,0,0,0,0,0,81,81,144,63,56,79,228,59,159,232,99,207,0,0,0,0,0,0,231,226,236,254,8,236,26,20,227,77,105,36,0,0,0,0,0,0,39,20,70,46,126,42,46,120,74,46,196,226,0,0,0,0,0,0,200,96,138,67,202,42,108,43,40,84,95,117,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],
  'normalized_first8': [1.5248576402664185,1.7673512697219849,2.3307852745056152,-1.1194177865982056,-0.3060395419597626,-0.3214832544326782,-2.0163064002990723,1.2490036487579346],
};

function source(): RgbImage {
  return { width: PIL.source.width, height: PIL.source.height, data: Uint8Array.from(PIL.source.data) };
}

function bytes(image: RgbImage): number[] {
  return Array.from(image.data);
}

describe('augmentation ops reproduce torchvision + PIL byte for byte', () => {
  it('bilinear resize, up and down (PIL Image.resize BILINEAR)', () => {
    assert.deepEqual(bytes(resizeBilinear(source(), 9, 7)), PIL['resize_9x7']);
    assert.deepEqual(bytes(resizeBilinear(source(), 4, 3)), PIL['resize_4x3']);
  });

  it('crop + resize (F.resized_crop)', () => {
    assert.deepEqual(bytes(resizedCrop(source(), { top: 1, left: 2, height: 3, width: 4 }, 5)), PIL['crop_1_2_3x4_to_5']);
  });

  it('Gaussian blur (ImageFilter.GaussianBlur, radius = σ), both box radii', () => {
    assert.deepEqual(bytes(gaussianBlurInPlace(source(), 0.7)), PIL['blur_0.7']);
    assert.deepEqual(bytes(gaussianBlurInPlace(source(), 1.9)), PIL['blur_1.9']);
  });

  it('brightness, contrast, saturation (ImageEnhance blends)', () => {
    assert.deepEqual(bytes(adjustBrightnessInPlace(source(), 1.37)), PIL['brightness_1.37']);
    assert.deepEqual(bytes(adjustContrastInPlace(source(), 0.71)), PIL['contrast_0.71']);
    assert.deepEqual(bytes(adjustSaturationInPlace(source(), 1.18)), PIL['saturation_1.18']);
  });

  it('hue shifts in both directions (8-bit HSV round trip)', () => {
    assert.deepEqual(bytes(adjustHueInPlace(source(), 0.083)), PIL['hue_0.083']);
    assert.deepEqual(bytes(adjustHueInPlace(source(), -0.061)), PIL['hue_-0.061']);
  });

  it('grayscale and solarize', () => {
    assert.deepEqual(bytes(grayscaleInPlace(source())), PIL['grayscale']);
    assert.deepEqual(bytes(solarizeInPlace(source())), PIL['solarize']);
  });

  it('rotation and translation, nearest with black fill', () => {
    assert.deepEqual(bytes(rotateNearest(source(), 7.5)), PIL['rotate_7.5']);
    assert.deepEqual(bytes(rotateNearest(source(), -9.2)), PIL['rotate_-9.2']);
    assert.deepEqual(bytes(translate(source(), { dx: 2, dy: -1 })), PIL['translate_2_-1']);
  });

  it('ToTensor + Normalize (float32, VGGFace2 statistics)', () => {
    const tensor = toNormalizedTensor(source());
    assert.deepEqual(Array.from(tensor.subarray(0, 8)), PIL['normalized_first8']);
  });
});
