/** The optimiser a fine-tuning configuration asks for (fra-spec §5.2 `--optimizer`). */
import type { FinetuneConfig } from '../../contract/finetune-config.js';
import { AdamW } from './adamw.js';
import type { FinetuneOptimizer } from './optimizer.js';
import { Sgd } from './sgd.js';

export function createFinetuneOptimizer(config: Pick<FinetuneConfig, 'optimizer' | 'weightDecay' | 'momentum'>): FinetuneOptimizer {
  return config.optimizer === 'adamw' ? new AdamW({ weightDecay: config.weightDecay }) : new Sgd({ momentum: config.momentum, weightDecay: config.weightDecay });
}
