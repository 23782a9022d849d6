// Host side of the contract: one entry point that every transport (Electron IPC, HTTP) calls.
// It never trusts its caller: the method must be in the table, the input must match the schema,
// and the handler's output must match too, so a host bug cannot ship malformed data to the UI.
import { z } from 'zod';
import { ApiError, ApiErrorCode, errorMessageOf, failure, type ApiResponse } from './api-error.js';
import { apiMethods, isApiMethod, type ApiHandlerInput, type ApiMethod, type ApiOutput } from './api-table.js';

export type ApiHandler<M extends ApiMethod> = (input: ApiHandlerInput<M>) => ApiOutput<M> | Promise<ApiOutput<M>>;

/** Every method of the contract, each with its handler: the host must implement them all. */
export type ApiHandlers = { [M in ApiMethod]: ApiHandler<M> };

/** The handlers of one namespace (`'system'` → `'system.getInfo'`, `'system.ping'`), for one service. */
export type ApiHandlersFor<Namespace extends string> = {
  [M in ApiMethod as M extends `${Namespace}.${string}` ? M : never]: ApiHandler<M>;
};

export interface ApiDispatcher {
  /** Resolves with an envelope; never rejects, whatever `method` and `input` are. */
  dispatch(method: unknown, input: unknown): Promise<ApiResponse>;
}

export interface ApiDispatcherOptions {
  /** Called with errors that are bugs rather than user mistakes (handler crashes, bad outputs), for logging. */
  onUnexpectedError?: (method: string, error: unknown) => void;
}

const BUG_HINT = 'This is a bug in FRA Workbench. Please report it together with the host log.';

export function createApiDispatcher(handlers: ApiHandlers, options: ApiDispatcherOptions = {}): ApiDispatcher {
  const report = options.onUnexpectedError ?? (() => {});

  async function dispatch(method: unknown, input: unknown): Promise<ApiResponse> {
    if (!isApiMethod(method)) {
      return failure({
        code: ApiErrorCode.UnknownMethod,
        message: `Unknown API method ${JSON.stringify(method)}.`,
        hint: 'The renderer and the host may come from different versions; reload or restart FRA Workbench.',
      });
    }
    const spec = apiMethods[method];
    const parsedInput = spec.input.safeParse(input);
    if (!parsedInput.success) {
      return failure({
        code: ApiErrorCode.InvalidInput,
        message: `Invalid input for ${method}: ${z.prettifyError(parsedInput.error)}`,
      });
    }
    // The mapped type guarantees the pairing; TypeScript cannot correlate it through a union key.
    const handler = handlers[method] as ((value: unknown) => unknown) | undefined;
    if (typeof handler !== 'function') {
      return failure({ code: ApiErrorCode.UnknownMethod, message: `This host does not implement ${method}.`, hint: BUG_HINT });
    }

    let result: unknown;
    try {
      result = await handler(parsedInput.data);
    } catch (error) {
      if (error instanceof ApiError) return failure(error.toInfo());
      report(method, error);
      return failure({ code: ApiErrorCode.HandlerFailed, message: `${method} failed: ${errorMessageOf(error)}` });
    }

    // Parsing (not just checking) also strips fields the contract does not declare.
    const parsedOutput = spec.output.safeParse(result);
    if (!parsedOutput.success) {
      report(method, parsedOutput.error);
      return failure({
        code: ApiErrorCode.InvalidOutput,
        message: `The host answered ${method} with data that does not match the contract: ${z.prettifyError(parsedOutput.error)}`,
        hint: BUG_HINT,
      });
    }
    return { ok: true, value: parsedOutput.data };
  }

  return { dispatch };
}
