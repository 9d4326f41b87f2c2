import type { LayerSpec } from '../layers/layer.js';
import { checkLayerSpec } from '../serialize.js';
import { deskewPrefix, deskewSubgraph, type NodeObject } from './deskew-subgraph.js';
import { layersMetadataKey } from './encode-onnx.js';
import { toNumber, type OnnxModel, type OnnxNode, type OnnxTensor } from './onnx-schema.js';
import type { TensorObject } from './tensor-proto.js';

export type DeskewSpec = Extract<LayerSpec, { type: 'deskew' }>;

/** The Deskew layer that a run of nodes stands for, and where the run ends. */
export interface DeskewMatch {
  spec: DeskewSpec;
  /** The name of the run's last output, which the next layer reads. */
  output: string;
  nodeCount: number;
}

/** What reading a Deskew subgraph needs from the rest of the model. */
export interface DeskewContext {
  metadata: OnnxModel['metadata_props'];
  constants: ReadonlyMap<string, OnnxTensor>;
  opset: number;
  /** Fails naming graph node `index` and its op. */
  failNode: (index: number, problem: string) => never;
  /** Fails naming another field of the file. */
  fail: (field: string, problem: string) => never;
}

/** The opset the subgraph is written for: ReduceSum takes its axes as an input from 13 on. */
const deskewOpset = 13;

/** Names as deskewPrefix writes them: `layers.<i>.deskew/<value>`. */
const deskewName = /^layers\.(\d{1,4})\.deskew\//;

/** The layer index in a node's name if the node claims to be part of a Deskew subgraph. */
export function deskewLayerIndex(name: string): number | undefined {
  const match = deskewName.exec(name);
  return match === null ? undefined : Number(match[1]);
}

/**
 * Reads the Deskew subgraph that starts at `nodes[start]` and reads `input`: the layer's image
 * size comes from the model's "glassbox.layers" metadata, and the nodes and constants must be
 * exactly those deskewSubgraph writes for that size, so that the one Deskew layer made of them
 * computes what the graph computes. Anything else fails, naming the first node that differs.
 */
export function readDeskewSubgraph(
  nodes: readonly OnnxNode[], start: number, input: string, context: DeskewContext,
): DeskewMatch {
  const { failNode } = context;
  const layer = deskewLayerIndex(nodes[start].name) ??
    failNode(start, 'is not named as a Deskew node');
  const spec = deskewSpec(layer, context, (problem) => failNode(start, problem));
  if (context.opset < deskewOpset) {
    failNode(start, `is part of a Deskew subgraph, which needs operator set ${deskewOpset} or ` +
      `later; the model declares ${context.opset}`);
  }
  const expected = deskewSubgraph(deskewPrefix(layer), input, '', spec.width, spec.height);
  const count = expected.nodes.length;
  // The last node's output is the file's own name for the layer's output; all else is fixed.
  const end = nodes[start + count - 1];
  expected.nodes[count - 1].output = [end?.output[0] || '(a named output)'];
  for (let j = 0; j < count; j++) {
    const at = start + j;
    if (at >= nodes.length) {
      failNode(nodes.length - 1, `ends the graph inside a Deskew subgraph; expected next ` +
        describe(expected.nodes[j]));
    }
    if (!sameNode(nodes[at], expected.nodes[j])) {
      failNode(at, `differs from the Deskew subgraph Glassbox writes: expected ` +
        describe(expected.nodes[j]));
    }
  }
  for (const tensor of expected.initializers) {
    const actual = context.constants.get(tensor.name);
    if (actual === undefined || !sameTensor(actual, tensor)) {
      context.fail(`initializer ${JSON.stringify(tensor.name)}`, 'is missing or differs from ' +
        `the one Glassbox writes for a ${spec.width}×${spec.height} Deskew layer`);
    }
  }
  return { spec, output: end.output[0], nodeCount: count };
}

/** Layer `layer` of the "glassbox.layers" metadata, which must be a Deskew layer. */
function deskewSpec(
  layer: number, context: DeskewContext, failHere: (problem: string) => never,
): DeskewSpec {
  const field = `metadata_props ${JSON.stringify(layersMetadataKey)}`;
  const entry = context.metadata.find((property) => property.key === layersMetadataKey);
  if (entry === undefined) {
    failHere(`is named as part of a Deskew subgraph, but the model has no ${field} to give ` +
      'the image size');
  }
  let specs: unknown;
  try {
    specs = JSON.parse(entry.value);
  } catch {
    context.fail(field, 'is not JSON; expected the list of layer specs Glassbox writes');
  }
  if (!Array.isArray(specs)) context.fail(field, 'is not a list of layer specs');
  const spec = checkLayerSpec(specs[layer], `${field}[${layer}]`, context.fail);
  if (spec.type !== 'deskew') {
    failHere(`is named as part of a Deskew subgraph, but ${field}[${layer}] is a ` +
      `${spec.type} layer`);
  }
  return spec;
}

function sameNode(actual: OnnxNode, expected: NodeObject): boolean {
  return actual.name === expected.name
    && actual.op_type === expected.op_type
    && (actual.domain === '' || actual.domain === 'ai.onnx')
    && sameStrings(actual.input, expected.input)
    && sameStrings(actual.output, expected.output)
    && actual.attribute.length === expected.attribute.length
    && expected.attribute.every((want, k) => {
      const got = actual.attribute[k];
      return got.name === want.name && got.type === want.type && toNumber(got.i) === want.i;
    });
}

function sameTensor(actual: OnnxTensor, expected: TensorObject): boolean {
  const raw = actual.raw_data;
  return actual.data_type === expected.data_type
    && sameStrings(actual.dims.map((d) => String(toNumber(d))), expected.dims.map(String))
    && actual.data_location !== 1 && actual.external_data.length === 0
    && actual.float_data.length === 0 && actual.double_data.length === 0
    && actual.int32_data.length === 0 && actual.int64_data.length === 0
    && raw.length === expected.raw_data.length
    && raw.every((byte, i) => byte === expected.raw_data[i]);
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/** Such as `Cast of "input" with to = 11 making "layers.0.deskew/image"`. */
function describe(node: NodeObject): string {
  const attributes = node.attribute.map((a) => ` with ${a.name} = ${a.i}`).join('');
  return `${node.op_type} of ${node.input.map((name) => JSON.stringify(name)).join(', ')}` +
    `${attributes} named "${node.name}"`;
}
