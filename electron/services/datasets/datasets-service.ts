// The `datasets.*` service. (Being built: see issue 6.)
import type { ApiHandlersFor } from '../../contract/api-dispatcher.js';
import type { WorkbenchContext } from '../workbench-context.js';

/** One image of a registered dataset, resolved to a file on disk (for heatmaps and fine-tuning). */
export interface ResolvedDatasetImage {
  datasetId: string;
  index: number;
  /** Absolute path of the image file. */
  path: string;
  /** Class/identity name when the layout has labels. */
  label: string | undefined;
}

export interface DatasetsService {
  handlers: ApiHandlersFor<'datasets'>;
  /** Throws an ApiError ('not-found') when the dataset or index does not exist. */
  resolveImage(datasetId: string, index: number): Promise<ResolvedDatasetImage>;
  close(): Promise<void>;
}

export async function createDatasetsService(_context: WorkbenchContext): Promise<DatasetsService> {
  return {
    handlers: {},
    resolveImage: () => Promise.reject(new Error('datasets are not available yet')),
    close: async () => {},
  };
}
