/**
 * ONNX export (IR 8, opset 13) of a `ModelGraph`, written with onnx-proto's
 * protobuf classes (platform.md §4). BN is already folded into the convs.
 *
 * Input layout is the caller's choice: NCHW (ONNX's native) or NHWC, which
 * adds a Transpose to NCHW as the first node. Preprocessing either runs inside
 * the graph (input = RGB pixel values in [0, 255], float32 or uint8 → Cast →
 * Sub mean·255 → Div std·255) or is only documented in `metadata_props`
 * (input = normalised image). Either way metadata carries input size, channel
 * order, mean/std, class names and the source run/checkpoint.
 */
import onnxProto from 'onnx-proto';
import {
  normalizedMeanStd255,
  type ExportSource,
  type GraphOp,
  type ModelGraph,
  type Preprocessing,
} from './model-graph.js';

const { onnx } = onnxProto;
type INodeProto = onnxProto.onnx.INodeProto;
type ITensorProto = onnxProto.onnx.ITensorProto;
type IAttributeProto = onnxProto.onnx.IAttributeProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 13;
export const EXPORT_PRODUCER = 'fra-workbench';

export type InputLayout = 'nchw' | 'nhwc';

export interface OnnxExportOptions {
  layout: InputLayout;
  preprocessing: Preprocessing;
  /** Put Sub/Div (and Cast for uint8) inside the graph (default true). */
  embedPreprocessing?: boolean;
  /** Element type of the input when preprocessing is embedded (default float32). */
  inputType?: 'float32' | 'uint8';
  /** Fixed batch size, or 'dynamic' (default) for a symbolic `batch` dimension. */
  batch?: number | 'dynamic';
  source?: ExportSource;
  /** Extra metadata_props entries. */
  metadata?: Record<string, string>;
}

export interface OnnxExport {
  bytes: Uint8Array;
  inputName: string;
  inputShape: (number | string)[];
  outputName: string;
  metadata: Record<string, string>;
}

const attrInts = (name: string, ints: number[]): IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints });
const attrInt = (name: string, i: number): IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });

function floatTensor(name: string, dims: number[], values: Float32Array): ITensorProto {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (values.length !== expected) throw new Error(`onnx export: ${name} has ${values.length} values, dims [${dims.join(', ')}] need ${expected}`);
  // rawData is little-endian; copy so the proto does not alias a larger buffer.
  const raw = new Uint8Array(values.byteLength);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw };
}

/** [kh, kw, I, O] → [O, I, kh, kw]. */
export function filterToOnnx(w: Float32Array, k: number, inC: number, outC: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let y = 0; y < k; y++)
    for (let x = 0; x < k; x++)
      for (let i = 0; i < inC; i++)
        for (let o = 0; o < outC; o++) out[((o * inC + i) * k + y) * k + x] = w[((y * k + x) * inC + i) * outC + o]!;
  return out;
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** The metadata both formats carry, as flat strings. */
export function exportMetadata(graph: ModelGraph, pre: Preprocessing, extra: Record<string, string | undefined>, source?: ExportSource): Record<string, string> {
  const m: Record<string, string> = {
    'fra.export_format': 'fra-workbench-export/1',
    output: graph.output,
    output_features: String(graph.outFeatures),
    input_size: `${pre.inputSize[0]}x${pre.inputSize[1]}`,
    channel_order: pre.channelOrder,
    pixel_range: `${pre.pixelRange[0]}-${pre.pixelRange[1]}`,
    mean: JSON.stringify(pre.mean),
    std: JSON.stringify(pre.std),
    normalization: 'x_norm = (pixel/255 - mean) / std, per RGB channel',
    resize: pre.resize,
    backbone: JSON.stringify(graph.backbone),
    batchnorm: 'folded into conv weights (eval-mode running statistics)',
    precision: 'float32',
  };
  if (graph.classNames) m['class_names'] = JSON.stringify(graph.classNames);
  if (source) {
    if (source.run !== undefined) m['source_run'] = source.run;
    if (source.checkpoint !== undefined) m['source_checkpoint'] = source.checkpoint;
    if (source.checkpointSha256 !== undefined) m['source_checkpoint_sha256'] = source.checkpointSha256;
    if (source.backboneName !== undefined) m['source_backbone'] = source.backboneName;
    if (source.network !== undefined) m['source_network'] = source.network;
    if (source.epoch !== undefined) m['source_epoch'] = String(source.epoch);
    if (source.globalStep !== undefined) m['source_global_step'] = String(source.globalStep);
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) m[k] = v;
  return m;
}

export function exportOnnx(graph: ModelGraph, options: OnnxExportOptions): OnnxExport {
  const pre = options.preprocessing;
  const embed = options.embedPreprocessing ?? true;
  const inputType = options.inputType ?? 'float32';
  if (inputType === 'uint8' && !embed) throw new Error('onnx export: a uint8 input needs the preprocessing embedded in the graph');
  const batch: number | string = options.batch === undefined || options.batch === 'dynamic' ? 'batch' : options.batch;
  const [H, W] = pre.inputSize;
  const nodes: INodeProto[] = [];
  const initializers: ITensorProto[] = [];
  let nodeCounter = 0;
  const node = (opType: string, input: string[], output: string[], attribute: IAttributeProto[] = [], name?: string): void => {
    nodes.push({ opType, input, output, attribute, name: name ?? `${opType}_${nodeCounter++}` });
  };

  const inputName = 'input';
  const inputShape = options.layout === 'nchw' ? [batch, 3, H, W] : [batch, H, W, 3];
  let cur = inputName;
  if (inputType === 'uint8') {
    node('Cast', [cur], ['input_float'], [attrInt('to', onnx.TensorProto.DataType.FLOAT)], 'cast_input');
    cur = 'input_float';
  }
  if (options.layout === 'nhwc') {
    node('Transpose', [cur], ['input_nchw'], [attrInts('perm', [0, 3, 1, 2])], 'nhwc_to_nchw');
    cur = 'input_nchw';
  }
  if (embed) {
    const { mean255, std255 } = normalizedMeanStd255(pre);
    initializers.push(floatTensor('preprocess.mean255', [1, 3, 1, 1], Float32Array.from(mean255)));
    initializers.push(floatTensor('preprocess.std255', [1, 3, 1, 1], Float32Array.from(std255)));
    node('Sub', [cur, 'preprocess.mean255'], ['input_centered'], [], 'preprocess_sub_mean');
    node('Div', ['input_centered', 'preprocess.std255'], ['input_normalized'], [], 'preprocess_div_std');
    cur = 'input_normalized';
  }
  const rename = new Map<string, string>([[graph.input, cur]]);
  const ref = (name: string): string => rename.get(name) ?? name;

  for (const op of graph.ops) emitOp(op);

  function emitOp(op: GraphOp): void {
    switch (op.kind) {
      case 'conv': {
        const wName = `${op.name}.weight`;
        const bName = `${op.name}.bias`;
        initializers.push(floatTensor(wName, [op.outChannels, op.inChannels, op.kernel, op.kernel], filterToOnnx(op.weight, op.kernel, op.inChannels, op.outChannels)));
        initializers.push(floatTensor(bName, [op.outChannels], op.bias));
        node(
          'Conv',
          [ref(op.input), wName, bName],
          [op.output],
          [attrInts('kernel_shape', [op.kernel, op.kernel]), attrInts('strides', [op.stride, op.stride]), attrInts('pads', [op.pad, op.pad, op.pad, op.pad]), attrInts('dilations', [1, 1]), attrInt('group', 1)],
          op.name,
        );
        return;
      }
      case 'relu':
        node('Relu', [ref(op.input)], [op.output], [], op.name);
        return;
      case 'add':
        node('Add', [ref(op.inputs[0]), ref(op.inputs[1])], [op.output], [], op.name);
        return;
      case 'maxpool':
        // ONNX MaxPool pads with −∞ like torch.
        node(
          'MaxPool',
          [ref(op.input)],
          [op.output],
          [attrInts('kernel_shape', [op.kernel, op.kernel]), attrInts('strides', [op.stride, op.stride]), attrInts('pads', [op.pad, op.pad, op.pad, op.pad]), attrInt('ceil_mode', 0)],
          op.name,
        );
        return;
      case 'gap':
        node('GlobalAveragePool', [ref(op.input)], [`${op.output}_4d`], [], op.name);
        node('Flatten', [`${op.output}_4d`], [op.output], [attrInt('axis', 1)], `${op.name}_flatten`);
        return;
      case 'gemm': {
        const wName = `${op.name}.weight`;
        const bName = `${op.name}.bias`;
        initializers.push(floatTensor(wName, [op.inFeatures, op.outFeatures], op.weight));
        initializers.push(floatTensor(bName, [op.outFeatures], op.bias));
        node('Gemm', [ref(op.input), wName, bName], [op.output], [attrInt('transA', 0), attrInt('transB', 0)], op.name);
        return;
      }
    }
  }

  const metadata = exportMetadata(
    graph,
    pre,
    {
      input_layout: options.layout.toUpperCase(),
      input_shape: JSON.stringify(inputShape),
      input_type: inputType,
      input_kind: embed ? 'raw RGB pixels in [0, 255]; normalisation is inside the graph' : 'normalised RGB image; apply the normalisation below before feeding',
      preprocessing_embedded: String(embed),
      preprocessing: JSON.stringify({ ...pre, embedded: embed }),
      ...options.metadata,
    },
    options.source,
  );
  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: EXPORT_PRODUCER,
    producerVersion: '1',
    modelVersion: 1,
    docString: `ResNet (${graph.backbone.block}, layers ${graph.backbone.layers.join('/')}, width ${graph.backbone.baseWidth}) → ${graph.output}`,
    graph: {
      name: 'fra_resnet',
      node: nodes,
      initializer: initializers,
      input: [valueInfo(inputName, inputType === 'uint8' ? onnx.TensorProto.DataType.UINT8 : onnx.TensorProto.DataType.FLOAT, inputShape)],
      output: [valueInfo(graph.output, onnx.TensorProto.DataType.FLOAT, [batch, graph.outFeatures])],
    },
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
  return { bytes: onnx.ModelProto.encode(model).finish(), inputName, inputShape, outputName: graph.output, metadata };
}

/** Reads back metadata_props (for checks and the UI). */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const m = onnx.ModelProto.decode(bytes);
  const out: Record<string, string> = {};
  for (const p of m.metadataProps) if (p.key) out[p.key] = p.value ?? '';
  return out;
}
