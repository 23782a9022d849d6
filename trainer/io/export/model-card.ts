/**
 * A Markdown model card written next to every export: where the weights come
 * from, the configuration, data, metrics, the exact preprocessing, intended
 * use and limitations.
 */
import type { ExportSource, ModelGraph, Preprocessing } from './model-graph.js';

export interface ModelCardInput {
  title?: string;
  format: 'onnx' | 'tfjs';
  /** Files of the export, relative to the card. */
  files: readonly string[];
  graph: ModelGraph;
  preprocessing: Preprocessing;
  preprocessingEmbedded: boolean;
  /** 'NCHW' | 'NHWC' input layout. */
  inputLayout: string;
  inputType?: string;
  source?: ExportSource;
  /** Run configuration (plain JSON), shown as a table of its scalar entries. */
  config?: Record<string, unknown>;
  /** Dataset description, e.g. "VGGFace2 (train split, identity labels unused)". */
  dataset?: string;
  metrics?: Record<string, number>;
  /** Verification of the export against the training framework, e.g. { maxAbsError: 1e-6 }. */
  verification?: string;
  createdAt?: string;
}

const cell = (v: unknown) => String(v).replaceAll('|', '\\|').replaceAll('\n', ' ');

export function buildModelCard(input: ModelCardInput): string {
  const g = input.graph;
  const pre = input.preprocessing;
  const src = input.source ?? {};
  const bb = g.backbone;
  const lines: string[] = [];
  const title = input.title ?? `FRA ResNet ${g.output === 'logits' ? 'classifier' : 'encoder'} (${input.format === 'onnx' ? 'ONNX' : 'TensorFlow.js'})`;
  lines.push(`# Model card: ${title}`, '');
  lines.push(`Exported by FRA Workbench${input.createdAt ? ` on ${input.createdAt}` : ''}. Files: ${input.files.map((f) => `\`${f}\``).join(', ')}.`, '');

  lines.push('## Source', '');
  lines.push('| | |', '|---|---|');
  lines.push(`| Run | ${cell(src.run ?? 'not recorded')} |`);
  lines.push(`| Checkpoint | ${cell(src.checkpoint ?? 'not recorded')} |`);
  if (src.checkpointSha256) lines.push(`| Checkpoint SHA-256 | \`${src.checkpointSha256}\` |`);
  if (src.network) lines.push(`| Network | ${cell(src.network)} |`);
  if (src.epoch !== undefined) lines.push(`| Epoch | ${src.epoch} |`);
  if (src.globalStep !== undefined) lines.push(`| Global step | ${src.globalStep} |`);
  lines.push('');

  lines.push('## Model', '');
  lines.push(
    `- Backbone: ${src.backboneName ? `\`${src.backboneName}\`, ` : ''}ResNet with ${bb.block} blocks, layers ${bb.layers.join('/')}, base width ${bb.baseWidth}, ${bb.outChannels} feature channels.`,
  );
  lines.push(
    g.output === 'logits'
      ? `- Head: global average pooling, then a linear classifier ${bb.outChannels} → ${g.outFeatures}. Output \`logits\` [batch, ${g.outFeatures}] (apply softmax for probabilities).`
      : `- Head: global average pooling. Output \`features\` [batch, ${g.outFeatures}] (the pooled layer4 representation).`,
  );
  lines.push('- Batch norm is folded into the convolutions (eval-mode running statistics); the network has no train-mode behaviour.');
  if (g.classNames) lines.push(`- Classes (index order): ${g.classNames.map((c, i) => `${i} ${c}`).join(', ')}.`);
  lines.push('');

  lines.push('## Preprocessing', '');
  lines.push(`- Input: ${pre.channelOrder} image, ${pre.inputSize[0]}×${pre.inputSize[1]} (height × width), layout ${input.inputLayout}${input.inputType ? `, ${input.inputType}` : ''}.`);
  lines.push(`- Resize: ${pre.resize}.`);
  lines.push(`- Normalisation: x = (pixel / 255 − mean) / std with mean ${JSON.stringify(pre.mean)} and std ${JSON.stringify(pre.std)} (VGGFace2 statistics, fra-spec §3).`);
  lines.push(
    input.preprocessingEmbedded
      ? `- The normalisation is **inside** the exported model: feed raw pixel values in [${pre.pixelRange[0]}, ${pre.pixelRange[1]}].`
      : '- The normalisation is **not** inside the exported model: apply it before feeding.',
  );
  lines.push('- The same description is in `preprocessing.json` and in the model\'s metadata.', '');

  lines.push('## Training data', '');
  lines.push(input.dataset ?? (typeof input.config?.['dataset'] === 'string' ? `Dataset: \`${input.config['dataset']}\`.` : 'Not recorded.'), '');

  lines.push('## Configuration', '');
  const scalars = Object.entries(input.config ?? {}).filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v));
  if (scalars.length === 0) lines.push('Not recorded.');
  else {
    lines.push('| Key | Value |', '|---|---|');
    for (const [k, v] of scalars) lines.push(`| ${cell(k)} | ${cell(v)} |`);
  }
  lines.push('');

  lines.push('## Metrics', '');
  const metrics = Object.entries(input.metrics ?? {});
  if (metrics.length === 0) lines.push('None recorded with this export.');
  else {
    lines.push('| Metric | Value |', '|---|---|');
    for (const [k, v] of metrics) lines.push(`| ${cell(k)} | ${Number.isInteger(v) ? v : v.toPrecision(6)} |`);
  }
  lines.push('');
  if (input.verification) lines.push('## Verification', '', input.verification, '');

  lines.push('## Intended use', '');
  lines.push(
    '- Research on face representation learning: feature extraction and transfer to face analysis tasks such as facial expression recognition, attribute recognition and alignment.',
    '- Inference on aligned or loosely cropped, roughly frontal face images preprocessed exactly as above.',
    '',
  );
  lines.push('## Limitations', '');
  lines.push(
    '- Trained on face images only (VGGFace2-style crops unless the source says otherwise); outputs on other images are meaningless.',
    '- **Not for identification, verification of identity, or surveillance** of people, and not for decisions about individuals (hiring, policing, access, credit).',
    '- Face datasets are demographically skewed; accuracy may differ across age, gender and skin tone groups. Expression labels are subjective and culture dependent.',
    '- Weights are float32; no quantisation. Results can differ from the training framework by floating-point rounding (folded batch norm).',
    '- Accuracy depends on matching the preprocessing (size, RGB order, normalisation) exactly.',
    '',
  );
  return lines.join('\n');
}
