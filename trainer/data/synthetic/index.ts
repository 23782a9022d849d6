/**
 * The built-in synthetic face dataset (pure computation, safe in worker
 * threads). File output lives in `write-dataset.ts`, which needs sharp.
 */
export { SyntheticFaceSource, SYNTHETIC_DEFAULT_COUNT, SYNTHETIC_MAX_SIZE, SYNTHETIC_MIN_SIZE } from './synthetic-face-source.js';
export type { SyntheticFace, SyntheticFaceOptions } from './synthetic-face-source.js';
export { PART_COUNT, PART_NAMES, Part, type PartId } from './parts.js';
export { EXPRESSIONS, type Expression } from './expressions.js';
export type { FaceParams, HairStyle, BeardStyle } from './face-params.js';
export { PART_COLORS, maskToRgb, tileImages } from './preview-grid.js';
