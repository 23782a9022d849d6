/** The datasets service's ApiErrors: each says what went wrong and what to do about it. */
import { LayoutError } from '../../../trainer/data/layouts/layout-types.js';
import { toStorageError, isStorageError } from '../../../trainer/run/disk-errors.js';
import { ApiError } from '../../contract/api-error.js';

export function datasetNotFound(datasetId: string): ApiError {
  return new ApiError({
    code: 'not-found',
    message: `There is no dataset "${datasetId}".`,
    hint: 'It may have been removed in another window; reload the datasets list.',
  });
}

export function imageNotFound(datasetId: string, index: number, size: number): ApiError {
  return new ApiError({
    code: 'not-found',
    message: `Dataset "${datasetId}" has no image ${index} (its index holds ${size} files).`,
    hint: 'The dataset was probably re-indexed since this list was loaded; reload it.',
  });
}

export function notIndexed(name: string): ApiError {
  return new ApiError({
    code: 'not-indexed',
    message: `“${name}” has not been indexed yet.`,
    hint: 'Wait for indexing to finish, or Refresh the dataset to index it.',
  });
}

export function invalidPath(message: string, hint: string): ApiError {
  return new ApiError({ code: 'invalid-path', message, hint });
}

/** A LayoutError keeps its structure: the message lists what was expected and found, the hint is the fix. */
export function layoutApiError(error: LayoutError): ApiError {
  const message = [error.problem, 'Expected:', ...error.expected.map((line) => `  - ${line}`), 'Found:', ...error.found.map((line) => `  - ${line}`)].join('\n');
  return new ApiError({ code: 'layout-error', message, hint: capitalise(error.advice) });
}

/** Runs a write to the workspace; a full, read-only or forbidden disk becomes an ApiError that says what to do. */
export async function writingWorkspace<T>(path: string, action: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isStorageError(error)) throw error;
    throw new ApiError(toStorageError(error, { path, action }).toInfo());
  }
}

/** Any failure as `{ message, hint }` for a dataset's failed state. */
export function describeFailure(error: unknown, action: string): { message: string; hint?: string } {
  if (error instanceof LayoutError) return { message: error.problem, hint: capitalise(error.advice) };
  if (error instanceof ApiError) return error.hint === undefined ? { message: error.message } : { message: error.message, hint: error.hint };
  if (isStorageError(error)) {
    const info = toStorageError(error, { path: (error as { path?: string }).path ?? 'the workspace', action }).toInfo();
    return { message: info.message, hint: info.hint };
  }
  return {
    message: `${capitalise(action)} failed: ${error instanceof Error ? error.message : String(error)}`,
    hint: 'Check that the folder is readable and the workspace disk has free space, then Refresh.',
  };
}

export function capitalise(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}
