/**
 * Why an indexed file cannot be used for training. Every bad file gets one of
 * these, is counted and listed with it, and is left out of the usable set —
 * never an exception that stops indexing or training.
 */

export const BAD_FILE_REASONS = [
  'empty',
  'truncated',
  'not-an-image',
  'unsupported-format',
  'corrupt-header',
  'too-large',
  'unreadable',
  'symlink-loop',
  'broken-symlink',
  'not-a-regular-file',
  'missing',
] as const;

export type BadFileReason = (typeof BAD_FILE_REASONS)[number];

/** Stored as a byte in each record: 0 = usable, i + 1 = BAD_FILE_REASONS[i]. */
export type FileStatus = 'ok' | BadFileReason;

const CODES = new Map<FileStatus, number>([['ok', 0], ...BAD_FILE_REASONS.map((reason, i) => [reason, i + 1] as const)]);

export function statusCode(status: FileStatus): number {
  return CODES.get(status) ?? 0;
}

export function statusFromCode(code: number): FileStatus {
  if (code === 0) return 'ok';
  const reason = BAD_FILE_REASONS[code - 1];
  if (!reason) throw new Error(`unknown file status code ${code} in the index (written by a newer version?)`);
  return reason;
}

/** One-line explanation and what to do, shown next to each bad file. */
export const BAD_FILE_EXPLANATIONS: Readonly<Record<BadFileReason, string>> = {
  empty: 'the file has zero bytes (an interrupted copy or download); re-copy it',
  truncated: 'the image data ends early (an interrupted copy or download); re-copy it',
  'not-an-image': 'the content is not an image although the name says so; remove or replace it',
  'unsupported-format': 'an image format the decoder cannot read; convert it to JPEG or PNG',
  'corrupt-header': 'the image header is damaged or inconsistent; re-copy or remove it',
  'too-large': 'more pixels than the configured limit (decoding it would use too much memory); downscale it or raise the limit',
  unreadable: 'the file cannot be read (permissions or an I/O error); fix its permissions',
  'symlink-loop': 'a symbolic link that points (eventually) back to itself; fix or remove the link',
  'broken-symlink': 'a symbolic link whose target does not exist; fix or remove the link',
  'not-a-regular-file': 'not a regular file (a device, pipe or socket with an image name); remove it',
  missing: 'listed in the label file but not on disk; restore the image or remove the line',
};

/**
 * Statuses that depend on the environment rather than on the file's bytes
 * (permissions, links, presence): a refresh re-checks these even when size and
 * modification time are unchanged, since chmod or re-linking does not touch mtime.
 */
export function isEnvironmentalStatus(status: FileStatus): boolean {
  return status === 'unreadable' || status === 'symlink-loop' || status === 'broken-symlink' || status === 'missing' || status === 'not-a-regular-file';
}
