/**
 * The part labels of the synthetic face masks (`LabelMap` values).
 *
 * Conventions, chosen so the labels describe what a pixel *shows*:
 * - "left"/"right" eye are the eyes on the image's left/right side (the
 *   subject's right/left eye), so a region heatmap can be compared to the mask
 *   without knowing the face's handedness.
 * - Eye = the visible eye opening (sclera, iris, pupil) plus the eyelid lines.
 * - Skin = face, ears and neck. Clothing and everything behind the head are
 *   background.
 * - Hair = scalp hair, beards and moustaches.
 * - Glasses never change the mask: frames and lenses keep the label of what
 *   they cover (mostly skin and eye), because they are accessories, not parts.
 */
export const Part = {
  background: 0,
  skin: 1,
  leftEye: 2,
  rightEye: 3,
  brows: 4,
  nose: 5,
  mouth: 6,
  hair: 7,
} as const;

export type PartId = (typeof Part)[keyof typeof Part];

/** Human names, indexed by part id. */
export const PART_NAMES: readonly string[] = ['background', 'skin', 'left eye', 'right eye', 'brows', 'nose', 'mouth', 'hair'];

export const PART_COUNT = PART_NAMES.length;
