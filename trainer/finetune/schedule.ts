/**
 * The fine-tuning learning-rate schedule of `main_fer.py` (fra-spec §5.2, §7.1). Unlike
 * pre-training (trainer/fra/schedules.ts, cosine stepped once per epoch) it is set before every
 * iteration from the fractional epoch t = epoch + i/iterations:
 *
 *   warm-up (t < W):   lr = base · t / W              (the very first iteration gets 0)
 *   cos:               lr = min + (base − min) · ½ · (1 + cos(π·(t − W)/(E − W)))
 *   step:              lr = base · γ^(number of milestones ≤ epoch)
 *
 * E epochs, W warm-up epochs, min `--min_lr`. The warm-up also precedes the step schedule.
 * Pure in the position, so a resumed run needs no schedule state. Each parameter group
 * follows the same curve from its own base (trunk `--lr`, classifier `--lr_head`).
 */

export type FinetuneScheduler = 'cos' | 'step';

export interface FinetuneLrSchedule {
  scheduler: FinetuneScheduler;
  epochs: number;
  warmupEpochs: number;
  /** Cosine floor (`--min_lr`, 1e-6). */
  minLr: number;
  /** Step milestones in epochs (`--decay_epochs`, [60, 80]). */
  milestones: readonly number[];
  /** Step factor (0.1; the reference hard-codes it). */
  gamma: number;
}

/** The learning rate for iteration `iteration` (0-based) of epoch `epoch` (0-based), from `baseLr`. */
export function finetuneLearningRate(schedule: FinetuneLrSchedule, baseLr: number, epoch: number, iteration: number, iterationsPerEpoch: number): number {
  if (!(Number.isInteger(iterationsPerEpoch) && iterationsPerEpoch >= 1)) throw new RangeError(`iterationsPerEpoch must be a positive integer, got ${iterationsPerEpoch}`);
  if (!(Number.isInteger(iteration) && iteration >= 0 && iteration < iterationsPerEpoch)) {
    throw new RangeError(`iteration ${iteration} is outside an epoch of ${iterationsPerEpoch} iterations`);
  }
  if (!(Number.isInteger(epoch) && epoch >= 0 && epoch < schedule.epochs)) throw new RangeError(`epoch ${epoch} is outside a ${schedule.epochs}-epoch schedule`);
  if (!(Number.isFinite(baseLr) && baseLr >= 0)) throw new RangeError(`baseLr must be a non-negative number, got ${baseLr}`);
  const t = epoch + iteration / iterationsPerEpoch;
  const warmup = schedule.warmupEpochs;
  if (t < warmup) return (baseLr * t) / warmup;
  if (schedule.scheduler === 'cos') {
    const span = schedule.epochs - warmup;
    const progress = span > 0 ? (t - warmup) / span : 1;
    return schedule.minLr + (baseLr - schedule.minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
  }
  let lr = baseLr;
  for (const milestone of schedule.milestones) if (epoch >= milestone) lr *= schedule.gamma;
  return lr;
}
