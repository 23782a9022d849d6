/**
 * The online predictors of FRA (fra-spec §1.3, §1.6): `predictor` (global, G^g) and
 * `predictor_obj` (local, G^l) are both MLP1D(D → Hd → D) = 256 → 4096 → 256, 2,105,344
 * parameters each. They exist only in the online branch. BN runs over B rows (global) or
 * B·N rows (regions, passed as [B·N, D]).
 * State keys under the model prefix: `predictor.mlp.{0,1,3}.*`, `predictor_obj.mlp.{0,1,3}.*`.
 */
import type { SeedSequence } from '../nn/seed.js';
import { MlpHead } from './mlp-head.js';

export interface PredictorOptions {
  /** D, `--proj-dim` (256). */
  projDim?: number;
  /** Hd, `--hid-dim` (4096). */
  hiddenDim?: number;
}

export function createPredictor(seeds: SeedSequence, options: PredictorOptions = {}): MlpHead {
  const projDim = options.projDim ?? 256;
  return new MlpHead({ inChannels: projDim, hiddenChannels: options.hiddenDim ?? 4096, outChannels: projDim, seeds });
}
