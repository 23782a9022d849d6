/**
 * Live metrics and progress are coalesced per run: records reported between two flushes travel
 * as one columns batch, only the newest progress is sent, metrics before progress, and flush()
 * (a run's process ended) sends what is pending at once.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LiveMetricsBatcher, type LiveBatchSink } from '../../../electron/services/runs/live-metrics-batcher.js';
import type { TrainerProgress } from '../../../trainer/contract/trainer-protocol.js';
import type { MetricsColumns } from '../../../electron/contract/runs-api.js';

type Sent = { kind: 'metrics'; runId: string; columns: MetricsColumns } | { kind: 'progress'; runId: string; step: number };

function recordingSink(): { sink: LiveBatchSink; sent: Sent[]; next(): Promise<void> } {
  const sent: Sent[] = [];
  let wake: (() => void) | undefined;
  return {
    sent,
    sink: {
      metrics: (runId, columns) => {
        sent.push({ kind: 'metrics', runId, columns });
        wake?.();
      },
      progress: (runId, progress) => {
        sent.push({ kind: 'progress', runId, step: progress.step });
        wake?.();
      },
    },
    next: () => new Promise<void>((resolve) => (wake = resolve)),
  };
}

const progress = (step: number): TrainerProgress => ({ epoch: 0, iteration: step - 1, iterationsPerEpoch: 100, step, totalSteps: 100, etaSeconds: null, stepsPerSecond: null });
const memory = { rssBytes: 1, tfjsBytes: 2 };

describe('live metrics batcher', () => {
  it('sends the steps of one interval as one batch, then the newest progress', async () => {
    const { sink, sent, next } = recordingSink();
    const batcher = new LiveMetricsBatcher(sink, { intervalMs: 10 });
    const arrived = next();
    for (let step = 1; step <= 3; step++) {
      batcher.addMetrics('a', { step, losses: { total: step } });
      batcher.setProgress('a', progress(step), memory);
    }
    assert.equal(sent.length, 0, 'nothing is sent per step');
    await arrived;
    assert.deepEqual(
      sent.map((s) => (s.kind === 'metrics' ? ['metrics', s.columns.step] : ['progress', s.step])),
      [
        ['metrics', [1, 2, 3]],
        ['progress', 3],
      ],
    );
  });

  it('keeps runs apart and flushes one run at once when its process ends', () => {
    const { sink, sent } = recordingSink();
    const batcher = new LiveMetricsBatcher(sink, { intervalMs: 60_000 });
    batcher.addMetrics('a', { step: 1 });
    batcher.addMetrics('b', { step: 7 });
    batcher.flush('a');
    assert.deepEqual(sent.map((s) => [s.kind, s.runId]), [['metrics', 'a']]);
    batcher.flush('a');
    assert.equal(sent.length, 1, 'nothing twice');
    batcher.flushAll();
    assert.deepEqual(sent.map((s) => s.runId), ['a', 'b']);
  });
});
