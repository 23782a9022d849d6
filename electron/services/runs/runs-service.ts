// The `runs.*` service. (Being built: see issue 6.)
import type { ApiHandlersFor } from '../../contract/api-dispatcher.js';
import type { WorkbenchContext } from '../workbench-context.js';

export interface RunsService {
  handlers: ApiHandlersFor<'runs'>;
  /** Stops live runs (checkpointing them) and the queue. */
  close(): Promise<void>;
}

export async function createRunsService(_context: WorkbenchContext): Promise<RunsService> {
  return { handlers: {} as ApiHandlersFor<'runs'>, close: async () => {} };
}
