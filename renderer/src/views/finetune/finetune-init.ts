// How the Fine-tune form starts from a pre-training checkpoint: which checkpoints can initialise a
// backbone, the route that names one (`#fine-tune?runId=<id>&checkpoint=<name>`, from the
// Checkpoints view's "Fine-tune" button), and the fields choosing one sets.
import type { CheckpointRunGroup, CheckpointSummary } from '@contract/api';

/** The key the FRA pre-training checkpoint stores its online backbone under (trainer/run/export-backbone.ts). */
export const FRA_BACKBONE_PREFIX = 'online_net.backbone';

/** Pre-training checkpoints whose file the host told us, newest run first, oldest checkpoint first. */
export function initCandidates(groups: readonly CheckpointRunGroup[]): CheckpointSummary[] {
  return groups.filter((g) => g.runKind === 'pretrain').flatMap((g) => g.checkpoints.filter((c) => c.path !== undefined));
}

/** The checkpoint a route asks to start from, when both parameters name one of `candidates`. */
export function checkpointFromQuery(query: Readonly<Record<string, string>>, candidates: readonly CheckpointSummary[]): CheckpointSummary | undefined {
  const { runId, checkpoint } = query;
  if (runId === undefined || checkpoint === undefined) return undefined;
  return candidates.find((c) => c.runId === runId && c.name === checkpoint);
}

/**
 * Form drafts for initialising from `checkpoint`: its file, the FRA backbone prefix, and the
 * backbone (and image size) it was trained with, so the classifier's trunk matches the weights.
 */
export function initDrafts(checkpoint: CheckpointSummary): Record<string, string> {
  const out: Record<string, string> = { pretrained: checkpoint.path ?? '', modelPrefix: FRA_BACKBONE_PREFIX };
  if (checkpoint.backbone !== null) out['backbone'] = checkpoint.backbone;
  return out;
}

/** "quick-demo run · epoch 3 · step 1,200", as a picker option reads. */
export function checkpointLabel(checkpoint: CheckpointSummary): string {
  const label = checkpoint.userName ?? checkpoint.name;
  return `${checkpoint.runName} · ${label} (epoch ${checkpoint.epoch + 1}, step ${checkpoint.step.toLocaleString('en-GB')})${checkpoint.backbone !== null ? ` · ${checkpoint.backbone}` : ''}`;
}
