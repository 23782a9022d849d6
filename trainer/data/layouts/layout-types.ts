/**
 * What layout detection produces: which dataset layout a folder holds, how its
 * images are enumerated, and a human report of why. Plain data only, so a
 * detection can cross IPC and be stored in the index summary.
 */

export type LayoutKind = 'vggface2' | 'image-folder' | 'affectnet-7' | 'raf-db' | 'ferplus' | 'csv-list';

/**
 * What a record's label means: an identity (VGGFace2 — ignored for FRA
 * pre-training, used only for statistics), a class (FER datasets), or nothing.
 */
export type LabelRole = 'identity' | 'class' | 'none';

export interface LayoutDetection {
  kind: LayoutKind;
  /** Short human name, e.g. "VGGFace2 identity folders". */
  title: string;
  /** Absolute dataset root; index records store paths relative to it. */
  root: string;
  labelRole: LabelRole;
  /** Label index → name (identity folder names for VGGFace2). */
  classNames: string[];
  /** Split names in enumeration order, e.g. ['train', 'test']. */
  splits: string[];
  /** Why this layout was chosen, one finding per line. */
  report: string[];
  /** Things the user should know that do not prevent indexing. */
  warnings: string[];
  enumeration: EnumerationPlan;
}

export type EnumerationPlan = FolderEnumeration | ListEnumeration;

/** Images are every image file found (recursively) under each group folder. */
export interface FolderEnumeration {
  type: 'folders';
  groups: FolderGroup[];
}

export interface FolderGroup {
  split: string;
  /** Folder relative to the root, '/'-separated ('' = the root itself). */
  dir: string;
  label: number | null;
}

/** Images are the entries of label list files, read by the layout's list reader. */
export interface ListEnumeration {
  type: 'list';
  lists: ListSource[];
}

export type ListSource = RafDbListSource | FerPlusListSource | CsvListSource;

export interface RafDbListSource {
  format: 'raf-db';
  /** Relative to the root. */
  listFile: string;
  imageDir: string;
}

export interface FerPlusListSource {
  format: 'ferplus';
  split: string;
  labelFile: string;
  imageDir: string;
}

export interface CsvListSource {
  format: 'csv';
  split: string;
  listFile: string;
  delimiter: ',' | '\t' | ';';
  hasHeader: boolean;
  pathColumn: number;
  /** null: the list has no label column (unlabelled images). */
  labelColumn: number | null;
  /** Folder the listed paths are relative to (relative to the root). */
  baseDir: string;
  /** How label text maps to an index: class names by name, or integers taken as given. */
  labelMode: 'names' | 'integers' | 'none';
}

/**
 * One item of a list-based layout: either an image to index, or a listed item
 * the layout's label rule drops (e.g. FERPlus images without a majority).
 */
export type ListEntry =
  | { type: 'image'; path: string; split: string; label: number | null }
  | { type: 'dropped'; item: string; split: string; reason: string };

/**
 * A folder is recognisably of this layout but cannot be used as is (missing
 * labels, list entries pointing nowhere, …). The message says what was
 * expected, what was found and what to do.
 */
export class LayoutError extends Error {
  override name = 'LayoutError';
  constructor(
    readonly problem: string,
    readonly expected: readonly string[],
    readonly found: readonly string[],
    readonly advice: string,
  ) {
    super(
      [
        problem,
        'Expected:',
        ...expected.map((line) => `  - ${line}`),
        'Found:',
        ...found.map((line) => `  - ${line}`),
        `What to do: ${advice}`,
      ].join('\n'),
    );
  }
}

/** A layout detector's answer: a detection, or why the folder is not of its layout. */
export type DetectorResult = { matched: true; detection: LayoutDetection } | { matched: false; expected: string; whyNot: string };
