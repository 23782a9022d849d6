// The `checkpoints.*` slice of the renderer⇄host contract: every kept checkpoint of every run (read
// from each run's checkpoint ledger), the user's marks on them (tags, pin, display name), deletion
// to the workspace trash, and export of the backbone encoder.
//
// A checkpoint is addressed by (runId, name): `name` is the ledger's file stem
// (`epoch-0004-step-00001200`), which never changes; `userName` is only a label.
import { z } from 'zod';
import type { MethodSpec } from './api-table.js';
import { checkpointMarkerSchema, checkpointPolicySchema, runKindSchema, runStateSchema, runTagSchema, safeNameSchema } from '../../trainer/run/run-format.js';

export const checkpointRefSchema = z.object({ runId: safeNameSchema, name: safeNameSchema });
export type CheckpointRef = z.infer<typeof checkpointRefSchema>;

export const checkpointSummarySchema = z.object({
  runId: z.string(),
  runName: z.string(),
  runKind: runKindSchema,
  runState: runStateSchema,
  name: z.string(),
  /** The user's label for it, when given. */
  userName: z.string().optional(),
  /** 0-based epoch the checkpoint was saved in (the ledger's epoch). */
  epoch: z.number().int().nonnegative(),
  /** Optimiser steps done when it was saved. */
  step: z.number().int().nonnegative(),
  /** Metrics at save time (last logged losses); null where not finite. */
  metrics: z.record(z.string(), z.number().nullable()),
  /** The retention policy's monitored metric and this checkpoint's value and rank (1 = best). */
  monitor: z.object({ key: z.string(), mode: z.enum(['min', 'max']), value: z.number().nullable(), rank: z.number().int().positive().optional() }),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string(),
  createdAt: z.string(),
  tags: z.array(z.string()),
  markers: z.array(checkpointMarkerSchema),
  /** From the run configuration; null when the run does not record it. */
  backbone: z.string().nullable(),
  imageSize: z.number().int().positive().nullable(),
  /** Number of facial regions (N) for pre-training runs. */
  numRegions: z.number().int().positive().nullable(),
  /** The newest checkpoint of a run that can still continue: what a resume starts from. */
  resumePoint: z.boolean(),
  /** Absolute path of the checkpoint's tensors file: what a fine-tuning run's "Initialise backbone from" takes. */
  path: z.string().optional(),
});
export type CheckpointSummary = z.infer<typeof checkpointSummarySchema>;

export const checkpointRunGroupSchema = z.object({
  runId: z.string(),
  runName: z.string(),
  runKind: runKindSchema,
  runState: runStateSchema,
  runCreatedAt: z.string(),
  /** True while a trainer process holds the run: its checkpoints cannot be changed from here. */
  live: z.boolean(),
  policy: checkpointPolicySchema.optional(),
  /** Oldest first. */
  checkpoints: z.array(checkpointSummarySchema),
  /** Why the checkpoint list of this run cannot be read (damaged ledger), with what to do. */
  problem: z.string().optional(),
});
export type CheckpointRunGroup = z.infer<typeof checkpointRunGroupSchema>;

export const BACKBONE_EXPORT_FORMATS = ['safetensors', 'tfjs', 'onnx'] as const;
export const backboneExportFormatSchema = z.enum(BACKBONE_EXPORT_FORMATS);
export type BackboneExportFormat = z.infer<typeof backboneExportFormatSchema>;

export const backboneExportResultSchema = z.object({
  /** The new folder under <workspace>/exports/<runId>/ (never an existing one). */
  outputDir: z.string(),
  /** File names inside outputDir. */
  files: z.array(z.string()),
  /** Absolute path of MODEL_CARD.md (tfjs and onnx exports). */
  modelCard: z.string().optional(),
});
export type BackboneExportResult = z.infer<typeof backboneExportResultSchema>;

/**
 * A change that takes away a checkpoint's last reason to be kept (not 'last', not top-k, no pin,
 * no tag, no name) makes the retention policy remove it. Such a change fails with code
 * 'would-remove' unless `allowRemoval` is true; the checkpoint then goes to the workspace trash.
 */
const removalConsent = { allowRemoval: z.boolean().default(false) };

/** What a change did: the checkpoint as it is now, or where it went when the change removed it. */
export const checkpointChangeSchema = z.object({
  checkpoint: checkpointSummarySchema.nullable(),
  /** Set when the checkpoint left the run: the trash folder holding its files. */
  trashedTo: z.string().optional(),
});
export type CheckpointChange = z.infer<typeof checkpointChangeSchema>;

export const checkpointsMethods = {
  /** Every run's kept checkpoints (or one run's), newest run first; unreadable ledgers are listed with the problem. */
  'checkpoints.list': {
    input: z.object({ runId: safeNameSchema.optional() }).optional(),
    output: z.object({ runs: z.array(checkpointRunGroupSchema) }),
  },
  /** Replaces the checkpoint's tags. */
  'checkpoints.setTags': { input: checkpointRefSchema.extend({ tags: z.array(runTagSchema).max(32), ...removalConsent }), output: checkpointChangeSchema },
  /** Pinned checkpoints survive the retention policy. */
  'checkpoints.pin': { input: checkpointRefSchema, output: checkpointChangeSchema },
  'checkpoints.unpin': { input: checkpointRefSchema.extend(removalConsent), output: checkpointChangeSchema },
  /** A display name (null clears it); the files keep their name. */
  'checkpoints.rename': { input: checkpointRefSchema.extend({ userName: z.string().trim().min(1).max(200).nullable(), ...removalConsent }), output: checkpointChangeSchema },
  /** Moves the checkpoint's files to the workspace trash. Refused while a run needs it (code 'checkpoint-in-use'). */
  'checkpoints.delete': { input: checkpointRefSchema, output: z.object({ trashedTo: z.string() }) },
  /**
   * Exports the online backbone encoder: 'safetensors' (PyTorch state dict with torchvision keys),
   * 'tfjs' (layers model, NHWC) or 'onnx' (opset 13, `layout` nchw (default) or nhwc); tfjs and
   * onnx output pooled features and carry their preprocessing and a model card.
   * A fine-tuning run's checkpoint exports as its classifier instead (tfjs or onnx only): backbone
   * + fc with output `logits`, the class names in the model card.
   */
  'checkpoints.exportBackbone': {
    input: checkpointRefSchema.extend({ format: backboneExportFormatSchema, layout: z.enum(['nchw', 'nhwc']).optional() }),
    output: backboneExportResultSchema,
  },
} as const satisfies Record<string, MethodSpec>;

export const checkpointsEvents = {
  /** The checkpoint list of a run may have changed (saved, tagged, pinned, deleted, run changed). */
  'checkpoints.changed': z.object({ runId: z.string() }),
} as const satisfies Record<string, z.ZodType>;
