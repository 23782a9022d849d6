/**
 * The `checkpoints.*` service: lists every run's kept checkpoints, applies the user's marks (tags,
 * pin, display name) through the run's checkpoint ledger, deletes to the workspace trash, and
 * exports backbones (in a worker thread, see backbone-export.ts).
 *
 * Changes to one run's ledger are serialised here: each goes through a freshly opened
 * CheckpointLedger, and two interleaved read-modify-writes would lose one of them.
 */
import { join } from 'node:path';
import type { ApiHandlersFor } from '../../contract/api-dispatcher.js';
import { ApiError } from '../../contract/api-error.js';
import type { CheckpointChange, CheckpointRef } from '../../contract/checkpoints-api.js';
import type { LedgerEntry } from '../../../trainer/run/run-format.js';
import type { WorkbenchContext } from '../workbench-context.js';
import { BackboneExporter } from './backbone-export.js';
import { listRunCheckpoints, readRunCheckpoints, type RunCheckpoints } from './checkpoint-catalog.js';
import { refuseIfNeeded, refuseWhileLive, removalNeedsConsent, wouldBeRemoved } from './checkpoint-guards.js';
import { translated } from './service-errors.js';

export interface CheckpointsService {
  handlers: ApiHandlersFor<'checkpoints'>;
  close(): Promise<void>;
}

type Edit = {
  /** What the user asked, for messages ("Unpinning"). */
  action: string;
  change: (entry: LedgerEntry) => LedgerEntry;
  apply: (ledger: Awaited<ReturnType<WorkbenchContext['runStore']['openLedger']>>, name: string) => Promise<unknown>;
  allowRemoval: boolean;
};

export async function createCheckpointsService(context: WorkbenchContext): Promise<CheckpointsService> {
  const store = context.runStore;
  const exporter = new BackboneExporter(join(context.workspace, 'exports'));
  const queues = new Map<string, Promise<unknown>>();

  /** One ledger change at a time per run. */
  function serialised<T>(runId: string, task: () => Promise<T>): Promise<T> {
    const previous = queues.get(runId) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    queues.set(runId, settled);
    void settled.then(() => {
      if (queues.get(runId) === settled) queues.delete(runId);
    });
    return run;
  }

  async function openRunCheckpoints(runId: string): Promise<RunCheckpoints> {
    const opened = await store.openRun(runId);
    const run = await readRunCheckpoints(store, runId, opened.dir, opened.manifest);
    if (run.group.problem !== undefined) throw new ApiError({ code: 'damaged', message: run.group.problem });
    return run;
  }

  function requireEntry(run: RunCheckpoints, name: string): LedgerEntry {
    const entry = run.ledger?.entries.find((e) => e.name === name);
    if (entry === undefined) {
      throw new ApiError({
        code: 'not-found',
        message: `Run "${run.manifest.name}" has no checkpoint named ${name}.`,
        hint: 'Refresh the checkpoint list: it may have been deleted or removed by the retention policy.',
      });
    }
    return entry;
  }

  async function summaryOf(runId: string, name: string): Promise<CheckpointChange['checkpoint']> {
    const run = await openRunCheckpoints(runId);
    return run.group.checkpoints.find((c) => c.name === name) ?? null;
  }

  function changed(runId: string): void {
    context.events.emit('checkpoints.changed', { runId });
  }

  /** Applies a mark to a checkpoint, asking first when the change would make retention remove it. */
  function edit(ref: CheckpointRef, edit: Edit): Promise<CheckpointChange> {
    return translated(() =>
      serialised(ref.runId, async () => {
        const run = await openRunCheckpoints(ref.runId);
        const entry = requireEntry(run, ref.name);
        refuseWhileLive(run, `change checkpoint ${ref.name}`);
        const ledger = await store.openLedger(ref.runId);
        if (wouldBeRemoved(ledger.entries, ledger.policy, ref.name, edit.change)) {
          if (!edit.allowRemoval) throw removalNeedsConsent(entry, ledger.policy, edit.action);
          const trashedTo = await store.deleteCheckpoint(ref.runId, ref.name);
          changed(ref.runId);
          return { checkpoint: null, trashedTo };
        }
        await edit.apply(ledger, ref.name);
        changed(ref.runId);
        return { checkpoint: await summaryOf(ref.runId, ref.name) };
      }),
    );
  }

  // The host's run events (state changes, new checkpoints registered by a trainer) mean a run's
  // checkpoint list may have changed: one event the checkpoint views can listen to.
  const unsubscribe = context.events.subscribe((message) => {
    if (message.event === 'runs.changed') changed(message.data.run.id);
  });

  const handlers: ApiHandlersFor<'checkpoints'> = {
    'checkpoints.list': (input) =>
      translated(async () => {
        if (input?.runId === undefined) return { runs: (await listRunCheckpoints(store)).map((run) => run.group) };
        // A damaged ledger is still a group to show (with its problem), not a failed call.
        const opened = await store.openRun(input.runId);
        return { runs: [(await readRunCheckpoints(store, input.runId, opened.dir, opened.manifest)).group] };
      }),

    'checkpoints.setTags': (input) => {
      const wanted = [...new Set(input.tags.map((t) => t.trim()))];
      return edit(input, {
        action: wanted.length === 0 ? 'Removing its tags' : 'Changing its tags',
        change: (entry) => ({ ...entry, tags: wanted }),
        apply: async (ledger, name) => {
          const current = ledger.get(name)?.tags ?? [];
          const added = wanted.filter((t) => !current.includes(t));
          const removed = current.filter((t) => !wanted.includes(t));
          // Tag first, then untag: the entry is never without a reason to be kept in between.
          if (added.length > 0) await ledger.tag(name, added);
          if (removed.length > 0) await ledger.untag(name, removed);
        },
        allowRemoval: input.allowRemoval,
      });
    },

    'checkpoints.pin': (input) =>
      edit(input, {
        action: 'Pinning',
        change: (entry) => ({ ...entry, markers: entry.markers.includes('pinned') ? entry.markers : [...entry.markers, 'pinned'] }),
        apply: (ledger, name) => ledger.pin(name),
        allowRemoval: false,
      }),

    'checkpoints.unpin': (input) =>
      edit(input, {
        action: 'Unpinning',
        change: (entry) => ({ ...entry, markers: entry.markers.filter((m) => m !== 'pinned') }),
        apply: (ledger, name) => ledger.unpin(name),
        allowRemoval: input.allowRemoval,
      }),

    'checkpoints.rename': (input) =>
      edit(input, {
        action: input.userName === null ? 'Removing its name' : 'Renaming',
        change: (entry) => {
          const { userName: _old, ...rest } = entry;
          return input.userName === null ? rest : { ...rest, userName: input.userName };
        },
        apply: (ledger, name) => ledger.rename(name, input.userName ?? undefined),
        allowRemoval: input.allowRemoval,
      }),

    'checkpoints.delete': (input) =>
      translated(() =>
        serialised(input.runId, async () => {
          const run = await openRunCheckpoints(input.runId);
          const entry = requireEntry(run, input.name);
          refuseIfNeeded(run, entry, await listRunCheckpoints(store));
          const trashedTo = await store.deleteCheckpoint(input.runId, input.name);
          context.log('info', `Checkpoint ${input.name} of run "${run.manifest.name}" moved to the workspace trash (${trashedTo}).`);
          changed(input.runId);
          return { trashedTo };
        }),
      ),

    'checkpoints.exportBackbone': (input) =>
      translated(async () => {
        if (input.format === 'tfjs' && input.layout === 'nchw') {
          throw new ApiError({ code: 'invalid-input', message: 'The TensorFlow.js export takes NHWC input only.', hint: 'Leave the layout unset (or NHWC) for TF.js, or export ONNX for NCHW.' });
        }
        if (input.format === 'safetensors' && input.layout !== undefined) {
          throw new ApiError({ code: 'invalid-input', message: 'A safetensors export is a PyTorch state dict; it has no input layout.', hint: 'Leave the layout unset.' });
        }
        const run = await openRunCheckpoints(input.runId);
        const entry = requireEntry(run, input.name);
        if (run.manifest.kind === 'finetune' && input.format === 'safetensors') {
          throw new ApiError({
            code: 'not-exportable',
            message: `Run "${run.manifest.name}" is a fine-tuning run; its checkpoints export as a classifier (TF.js or ONNX), not as a pre-training backbone.`,
            hint: 'Choose TF.js or ONNX: the exported model outputs the class logits and its model card lists the class names.',
          });
        }
        if (run.manifest.kind !== 'pretrain' && run.manifest.kind !== 'finetune') {
          throw new ApiError({ code: 'not-exportable', message: `Run "${run.manifest.name}" is a ${run.manifest.kind} run; export reads FRA pre-training and fine-tuning checkpoints.` });
        }
        const result = await exporter.export({
          runId: input.runId,
          runLabel: `${run.manifest.name} (${input.runId})`,
          name: input.name,
          checkpointPath: join(run.dir, 'checkpoints', entry.file),
          sha256: entry.sha256,
          format: input.format,
          layout: input.layout,
        });
        context.log('info', `Exported the backbone of ${input.name} (${input.format}) to ${result.outputDir}.`);
        return result;
      }),
  };

  return {
    handlers,
    close: async () => {
      unsubscribe();
      await exporter.close();
    },
  };
}
