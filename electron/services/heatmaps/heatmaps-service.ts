// The `heatmaps.*` service. (Being built: see issue 6.)
import type { ApiHandlersFor } from '../../contract/api-dispatcher.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import type { WorkbenchContext } from '../workbench-context.js';

export interface HeatmapsService {
  handlers: ApiHandlersFor<'heatmaps'>;
  close(): Promise<void>;
}

export async function createHeatmapsService(_context: WorkbenchContext, _datasets: Pick<DatasetsService, 'resolveImage'>): Promise<HeatmapsService> {
  return { handlers: {}, close: async () => {} };
}
