/**
 * FRA pre-training schedules (fra-spec §4, §9.13): the LARS learning rate (per-iteration linear
 * warm-up, then a cosine or step decay that changes once per epoch) and the EMA momentum of the
 * target network (per-iteration cosine ramp from the base momentum to 1).
 *
 * These are pure functions of the position in training, so resuming from a checkpoint only needs
 * the epoch / iteration counters, never any schedule state.
 *
 * Reference semantics (`utils/lr_schedule.py` of LEWEL/FRA and the loop in `main.py`):
 *   - for `epoch < warmup_epoch`, before every iteration:
 *       lr = base · clamp(curr_step / max(1, warmup_step), 0, 1),
 *       curr_step = epoch·iters + i + 1, warmup_step = warmup_epoch·iters;
 *   - for `epoch ≥ warmup_epoch`, once at the start of the epoch (`adjust_learning_rate`):
 *       cosine: lr = base · 0.5 · (1 + cos(π·(epoch − warmup_epoch)/(epochs − warmup_epoch))), no floor;
 *       step:   lr = base · 0.1^(number of milestones m with epoch ≥ m).
 *   The step milestones are therefore never applied during warm-up epochs, and the learning rate is
 *   not scaled by the batch size (§4: `--lr` is used as given).
 */

export interface PretrainLrSchedule {
  /** `--lr`, used as given (fra-spec §4: no linear-scaling rule). FRA value 0.9 at batch 512. */
  baseLr: number;
  /** `--epochs` (FRA 50). */
  epochs: number;
  /** `--warmup-epoch` (FRA 10; reference default 0). */
  warmupEpochs: number;
  /** `--cos` (FRA on). */
  cosine: boolean;
  /**
   * `--schedule`: step milestones, ×0.1 at each, used only when `cosine` is false.
   * Omitted → the reference default [120, 160] (fra-spec §5.1).
   */
  milestones?: readonly number[];
}

/** Reference default of `--schedule` (fra-spec §5.1). */
export const DEFAULT_STEP_MILESTONES: readonly number[] = [120, 160];

/**
 * The learning rate the reference uses for iteration `iterationInEpoch` (0-based) of epoch `epoch`
 * (0-based). After warm-up the value does not depend on `iterationInEpoch` (one value per epoch).
 */
export function pretrainLearningRate(
  schedule: PretrainLrSchedule,
  epoch: number,
  iterationInEpoch: number,
  iterationsPerEpoch: number,
): number {
  validateSchedule(schedule);
  requireNonNegativeInteger('epoch', epoch);
  requireNonNegativeInteger('iterationInEpoch', iterationInEpoch);
  if (!Number.isInteger(iterationsPerEpoch) || iterationsPerEpoch < 1) {
    throw new RangeError(`iterationsPerEpoch must be a positive integer, got ${iterationsPerEpoch}`);
  }
  if (iterationInEpoch >= iterationsPerEpoch) {
    throw new RangeError(`iterationInEpoch ${iterationInEpoch} is outside an epoch of ${iterationsPerEpoch} iterations`);
  }
  if (epoch >= schedule.epochs) {
    throw new RangeError(`epoch ${epoch} is past the end of a ${schedule.epochs}-epoch schedule`);
  }

  const { baseLr, epochs, warmupEpochs } = schedule;

  if (epoch < warmupEpochs) {
    // Per-iteration linear ramp; the first iteration already gets base/warmup_steps (step is 1-based).
    const warmupSteps = warmupEpochs * iterationsPerEpoch;
    const step = epoch * iterationsPerEpoch + iterationInEpoch + 1;
    const fraction = Math.min(1, Math.max(0, step / Math.max(1, warmupSteps)));
    return baseLr * fraction;
  }

  if (schedule.cosine) {
    // epoch < epochs and epoch ≥ warmupEpochs imply epochs > warmupEpochs: no division by zero.
    const progress = (epoch - warmupEpochs) / (epochs - warmupEpochs);
    return baseLr * 0.5 * (1 + Math.cos(Math.PI * progress));
  }

  // Step schedule: multiply by 0.1 once per milestone already reached, in list order like the
  // reference loop (so float rounding matches it too).
  let lr = baseLr;
  for (const milestone of schedule.milestones ?? DEFAULT_STEP_MILESTONES) {
    if (epoch >= milestone) lr *= 0.1;
  }
  return lr;
}

/**
 * EMA momentum of the target network at 0-based global iteration k out of K (fra-spec §4):
 *   m = 1 − (1 − base)·(cos(π·k/K) + 1)/2,
 * with K = iterations/epoch × epochs. It starts at `base` (0.996 for FRA) and rises towards 1; the
 * reference applies it after each optimiser step.
 */
export function emaMomentum(baseMomentum: number, globalIteration: number, totalIterations: number): number {
  if (!Number.isFinite(baseMomentum) || baseMomentum < 0 || baseMomentum > 1) {
    throw new RangeError(`baseMomentum must lie in [0, 1], got ${baseMomentum}`);
  }
  if (!Number.isInteger(totalIterations) || totalIterations < 1) {
    throw new RangeError(`totalIterations must be a positive integer, got ${totalIterations}`);
  }
  if (!Number.isFinite(globalIteration) || globalIteration < 0) {
    throw new RangeError(`globalIteration must be a non-negative number, got ${globalIteration}`);
  }
  return 1 - ((1 - baseMomentum) * (Math.cos((Math.PI * globalIteration) / totalIterations) + 1)) / 2;
}

function validateSchedule(schedule: PretrainLrSchedule): void {
  if (!Number.isFinite(schedule.baseLr) || schedule.baseLr < 0) {
    throw new RangeError(`baseLr must be a non-negative number, got ${schedule.baseLr}`);
  }
  // The reference flags are ints (argparse type=int).
  requireNonNegativeInteger('warmupEpochs', schedule.warmupEpochs);
  if (!Number.isInteger(schedule.epochs) || schedule.epochs < 1) {
    throw new RangeError(`epochs must be a positive integer, got ${schedule.epochs}`);
  }
}

function requireNonNegativeInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}
