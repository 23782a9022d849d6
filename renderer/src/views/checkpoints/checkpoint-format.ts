// How checkpoint facts read in the table: metric values, markers and the retention policy (sizes
// and times come from the shared renderer/src/format.ts).
import type { CheckpointRunGroup } from '@contract/api';

type CheckpointPolicy = NonNullable<CheckpointRunGroup['policy']>;

export function formatMetric(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5) ? value.toExponential(3) : value.toPrecision(4);
}

/** "Keeps the last and the best 2 by total (lower is better), every epoch." */
export function describePolicy(policy: CheckpointPolicy): string {
  const kept: string[] = [];
  if (policy.saveLast) kept.push('the last');
  if (policy.saveTopK === -1) kept.push('all');
  else if (policy.saveTopK > 0) kept.push(`the best ${policy.saveTopK} by ${policy.monitor} (${policy.mode === 'min' ? 'lower' : 'higher'} is better)`);
  const when = [policy.everyNEpochs !== undefined ? `every ${policy.everyNEpochs === 1 ? '' : `${policy.everyNEpochs} `}epoch${policy.everyNEpochs === 1 ? '' : 's'}` : undefined, policy.everyNSteps !== undefined ? `every ${policy.everyNSteps} steps` : undefined]
    .filter((part) => part !== undefined)
    .join(' and ');
  return `Saves ${when || 'at the end of every epoch'}; keeps ${kept.length > 0 ? kept.join(' and ') : 'only pinned, tagged or named checkpoints'}.`;
}

export const MARKER_LABELS: Record<string, { label: string; title: string }> = {
  last: { label: 'last', title: 'The most recent checkpoint of the run' },
  'top-k': { label: 'top-k', title: 'Among the best checkpoints by the monitored metric' },
  pinned: { label: 'pinned', title: 'Pinned: kept whatever the retention policy says' },
};
