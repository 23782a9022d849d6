/**
 * VGGFace2 normalisation statistics (fra-spec §3), used by pre-training and
 * fine-tuning alike (not ImageNet's). No tfjs import: augmentation workers
 * need only these numbers.
 */
export const VGGFACE2_MEAN = [0.5231, 0.4044, 0.3489] as const;
export const VGGFACE2_STD = [0.2536, 0.2194, 0.207] as const;
