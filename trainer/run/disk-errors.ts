/**
 * Turns the operating system's storage errors into sentences a user can act on. A raw
 * "ENOSPC: no space left on device, write" says neither which disk nor what is still safe; the
 * message here names the path, says what to do, and (when the caller knows it) which checkpoint
 * is still valid, because the first question after a failed save is "did I lose my run?".
 */

export type StorageErrorCode =
  | 'disk-full'
  | 'quota-exceeded'
  | 'read-only'
  | 'permission-denied'
  | 'not-a-folder'
  | 'disk-io'
  | 'storage-failed';

export interface StorageErrorContext {
  /** The file or folder being written or read. */
  path: string;
  /** What we were doing, for the generic fallback ("write the run manifest"). */
  action?: string;
  /** The newest checkpoint that is still intact, so the message can say the run is not lost. */
  lastValidCheckpoint?: string;
}

/** Which OS error codes mean what; exported so tests and callers can check classification. */
export const STORAGE_ERROR_CODES: Readonly<Record<string, StorageErrorCode>> = {
  ENOSPC: 'disk-full',
  EDQUOT: 'quota-exceeded',
  EROFS: 'read-only',
  EACCES: 'permission-denied',
  EPERM: 'permission-denied',
  ENOTDIR: 'not-a-folder',
  EIO: 'disk-io',
};

export class RunStorageError extends Error {
  override name = 'RunStorageError';
  readonly code: StorageErrorCode;
  /** The OS code (ENOSPC, …) when there was one. */
  readonly osCode: string | undefined;
  readonly path: string;
  /** What went wrong, in one sentence. */
  readonly summary: string;
  /** What the user can do about it. */
  readonly hint: string;

  constructor(code: StorageErrorCode, path: string, summary: string, hint: string, options: { osCode?: string; cause?: unknown } = {}) {
    super(`${summary} ${hint}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.osCode = options.osCode;
    this.path = path;
    this.summary = summary;
    this.hint = hint;
  }

  /** The ApiErrorInfo shape (electron/contract/api-error.ts) without importing the contract. */
  toInfo(): { code: string; message: string; hint: string } {
    return { code: this.code, message: this.summary, hint: this.hint };
  }
}

export function osErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** True for the errors that mean "this disk cannot take more data or any writes right now". */
export function isStorageError(error: unknown): boolean {
  const code = osErrorCode(error);
  return code !== undefined && code in STORAGE_ERROR_CODES;
}

/**
 * Wraps any error from a filesystem call. Already-wrapped errors pass through unchanged, so
 * layers can each call this without double-wording the message.
 */
export function toStorageError(error: unknown, context: StorageErrorContext): RunStorageError {
  if (error instanceof RunStorageError) return error;
  const osCode = osErrorCode(error);
  const code: StorageErrorCode = (osCode !== undefined ? STORAGE_ERROR_CODES[osCode] : undefined) ?? 'storage-failed';
  const { path } = context;
  const stillValid =
    context.lastValidCheckpoint !== undefined ? ` The previous checkpoint ${context.lastValidCheckpoint} is still valid.` : '';
  const options = { cause: error, ...(osCode !== undefined ? { osCode } : {}) };
  switch (code) {
    case 'disk-full':
      return new RunStorageError(code, path, `The disk holding ${path} is full.`, `Free space or move the workspace to a larger disk.${stillValid}`, options);
    case 'quota-exceeded':
      return new RunStorageError(
        code,
        path,
        `Your disk quota for ${path} is used up.`,
        `Delete runs or checkpoints you no longer need (and empty the workspace trash), or ask your administrator for more quota.${stillValid}`,
        options,
      );
    case 'read-only':
      return new RunStorageError(
        code,
        path,
        `The disk holding ${path} is read-only.`,
        `Choose a workspace on a writable disk, or remount this one read-write.${stillValid}`,
        options,
      );
    case 'permission-denied':
      return new RunStorageError(
        code,
        path,
        `FRA Workbench is not allowed to write to ${path}.`,
        `Give your user write permission on that folder, or choose another workspace.${stillValid}`,
        options,
      );
    case 'not-a-folder':
      return new RunStorageError(
        code,
        path,
        `Part of ${path} is a file where a folder is needed.`,
        `Move that file away, or choose another workspace folder.${stillValid}`,
        options,
      );
    case 'disk-io':
      return new RunStorageError(
        code,
        path,
        `The disk holding ${path} reported a hardware read/write error.`,
        `Check the disk (and its cable or network connection) before continuing.${stillValid}`,
        options,
      );
    case 'storage-failed': {
      const detail = error instanceof Error ? error.message : String(error);
      return new RunStorageError(
        code,
        path,
        `Could not ${context.action ?? 'write'} ${path}: ${detail}.`,
        `Check that the workspace folder is available and writable.${stillValid}`,
        options,
      );
    }
  }
}
