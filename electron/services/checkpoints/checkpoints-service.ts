// The `checkpoints.*` service. (Being built: see issue 6.)
import type { ApiHandlersFor } from '../../contract/api-dispatcher.js';
import type { WorkbenchContext } from '../workbench-context.js';

export interface CheckpointsService {
  handlers: ApiHandlersFor<'checkpoints'>;
  close(): Promise<void>;
}

export async function createCheckpointsService(_context: WorkbenchContext): Promise<CheckpointsService> {
  return { handlers: {}, close: async () => {} };
}
