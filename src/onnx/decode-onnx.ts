import type { Backend } from '../backend/backend.js';
import type { LayerSpec } from '../layers/layer.js';
import type { ModelInfo } from '../serialize.js';
import { GlassboxError } from '../errors.js';
import { Network } from '../network.js';
import { Dense } from '../layers/dense.js';
import {
  attributeType, onnxModelType, toNumber, type OnnxModel, type OnnxNode,
  type OnnxTensor, type OnnxValueInfo,
} from './onnx-schema.js';
import { readFloats, readIntegers, type TensorValues } from './onnx-tensor.js';
import { deskewLayerIndex, readDeskewSubgraph, type DeskewSpec } from './read-deskew-subgraph.js';

export interface OnnxDecodeOptions {
  /** The file's name, for error messages. */
  source?: string;
  backend?: Backend;
}

/** What the reader understands, for the message when a graph holds anything else. */
const supportedOps = 'Gemm, MatMul, Add (as a bias), Relu, LeakyRelu, Sigmoid, Tanh, Softmax, ' +
  'Identity, Dropout, Constant, Flatten or Reshape to [batch, features], and the Deskew ' +
  'subgraph Glassbox writes';

const chainOps = new Set([
  'Gemm', 'MatMul', 'Add', 'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Softmax', 'Identity', 'Dropout',
  'Flatten', 'Reshape',
]);

/** The oldest operator set whose Gemm, Add and activations mean what this reader assumes. */
const minOpset = 7;
/** As in the model file: a hostile graph cannot ask for absurdly many layers. */
const maxLayers = 1000;

/** A Dense layer's values, kept as they are read so Add can still fold into the bias. */
interface DenseValues {
  weights: Float32Array;
  bias: Float32Array;
  /** The node that made it, for error messages about its values. */
  node: string;
}

/**
 * Reads an ONNX model of a plain multilayer perceptron into a Network: one float input
 * [batch, features] (or an image flattened by Flatten or Reshape first), then a chain of
 * Gemm or MatMul (+ Add) layers and supported activations, each node reading the one before.
 * A Deskew layer that Glassbox exported (nodes named `layers.i.deskew/...`) becomes a Deskew
 * layer again when its subgraph is exactly the one Glassbox writes.
 * Anything else gets a GlassboxError naming the node and its op, or the field at fault.
 */
export function decodeOnnx(
  bytes: Uint8Array, options: OnnxDecodeOptions = {},
): { network: Network; info: ModelInfo } {
  const source = options.source ?? 'ONNX model';
  const fail = (field: string, problem: string): never => {
    throw new GlassboxError(source, field, problem);
  };
  const model = parseModel(bytes, fail);
  const opset = checkVersions(model, fail);
  const graph = model.graph ?? fail('graph', 'is missing: the file holds no computation graph');

  const constants = new Map<string, OnnxTensor>();
  for (const [i, tensor] of graph.initializer.entries()) {
    if (tensor.name === '') fail(`graph.initializer[${i}]`, 'has no name');
    if (constants.has(tensor.name)) fail(`initializer ${show(tensor.name)}`, 'is defined twice');
    constants.set(tensor.name, tensor);
  }
  const inputs = graph.input.filter((value) => !constants.has(value.name));
  if (inputs.length !== 1) {
    fail('graph.input', `expected one input (the features), got ${inputs.length}` +
      (inputs.length > 1 ? `: ${inputs.slice(0, 5).map((v) => show(v.name)).join(', ')}` : ''));
  }
  if (graph.output.length !== 1) {
    fail('graph.output', `expected one output, got ${graph.output.length}`);
  }
  const chain = new LayerChain(inputShape(inputs[0], fail), opset);
  const failAt = (index: number, problem: string): never =>
    fail(nodeLabel(graph.node[index], index), problem);
  let current = inputs[0].name;
  for (let index = 0; index < graph.node.length; index++) {
    const node = graph.node[index];
    const failNode = (problem: string): never => failAt(index, problem);
    if (node.domain !== '' && node.domain !== 'ai.onnx') {
      failNode(`is in operator domain ${show(node.domain)}; Glassbox reads the standard ONNX ops`);
    }
    if (node.output.length === 0 || node.output[0] === '') failNode('has no output');
    if (deskewLayerIndex(node.name) !== undefined) {
      // A Deskew layer, as Glassbox writes it: many nodes make one layer.
      const deskew = readDeskewSubgraph(graph.node, index, current, {
        metadata: model.metadata_props, constants, opset, failNode: failAt, fail,
      });
      chain.deskew(deskew.spec, failNode);
      current = deskew.output;
      index += deskew.nodeCount - 1;
      continue;
    }
    if (node.op_type === 'Constant') {
      constants.set(node.output[0], constantTensor(node, failNode));
      continue;
    }
    const constant = (name: string | undefined, role: string): OnnxTensor =>
      (name === undefined || name === '' ? undefined : constants.get(name)) ??
        failNode(`its ${role} ${show(name ?? '')} is not a constant: Glassbox imports weights ` +
          'stored in the file (initializers or Constant nodes)');
    chain.add(node, current, constant, failNode);
    current = node.output[0];
    if (chain.layers.length > maxLayers) failNode(`makes more than ${maxLayers} layers`);
  }
  const output = graph.output[0].name;
  if (current !== output) {
    fail('graph.output', `${show(output)} is not the end of the layer chain, which ends at ` +
      `${show(current)}`);
  }
  return { network: chain.build(options.backend, fail), info: modelInfo(model) };
}

/** How errors name a node: by its name, or by its place when it has none, and its op. */
function nodeLabel(node: OnnxNode, index: number): string {
  const op = /^\w{1,40}$/.test(node.op_type) ? node.op_type : show(node.op_type, 40);
  return `node ${node.name === '' ? `#${index}` : show(node.name)} (${op})`;
}

function parseModel(bytes: Uint8Array, fail: (field: string, problem: string) => never): OnnxModel {
  if (bytes.length === 0) fail('file', 'is empty');
  if (startsWith(bytes, 'GLASSBOX')) {
    fail('file', 'is a Glassbox model file, not ONNX; use it as it is, or export it with --onnx');
  }
  try {
    return onnxModelType().decode(bytes) as unknown as OnnxModel;
  } catch (error) {
    return fail('file', `is not an ONNX model: the protobuf does not decode ` +
      `(${(error as Error).message})`);
  }
}

/** Checks the IR and operator-set versions; returns the standard opset's version. */
function checkVersions(model: OnnxModel, fail: (field: string, problem: string) => never): number {
  const ir = toNumber(model.ir_version);
  if (!(ir >= 3)) {
    fail('ir_version', `is ${ir}; expected 3 or later (is this an ONNX model file?)`);
  }
  const standard = model.opset_import.filter((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (standard.length === 0) fail('opset_import', 'names no version of the standard ONNX operators');
  const version = Math.max(...standard.map((o) => toNumber(o.version)));
  if (!(version >= minOpset)) {
    fail('opset_import', `is version ${version}; Glassbox reads operator set ${minOpset} and later`);
  }
  return version;
}

/** The input's dimensions after the batch; numbers where known, undefined where symbolic. */
function inputShape(
  value: OnnxValueInfo, fail: (field: string, problem: string) => never,
): (number | undefined)[] | undefined {
  const tensorType = value.type?.tensor_type;
  if (!tensorType) return undefined;
  if (tensorType.elem_type !== 0 && tensorType.elem_type !== 1) {
    fail(`graph input ${show(value.name)}`, `has element type ${tensorType.elem_type}; expected ` +
      'float (1)');
  }
  if (!tensorType.shape) return undefined;
  const dims = tensorType.shape.dim.map((d) => {
    const size = toNumber(d.dim_value);
    return d.dim_param === '' && Number.isInteger(size) && size > 0 ? size : undefined;
  });
  if (dims.length < 2) {
    fail(`graph input ${show(value.name)}`, `has ${dims.length} dimensions; expected ` +
      '[batch, features] or an image [batch, ...] to flatten');
  }
  return dims.slice(1);
}

/** Builds the layer list node by node, tracking the width and rank of the value in flight. */
class LayerChain {
  readonly layers: LayerSpec[] = [];
  private readonly dense: DenseValues[] = [];
  /** Dimensions after the batch of the value in flight, undefined entries where unknown. */
  private features: (number | undefined)[] | undefined;
  /** Whether the previous node made a Dense layer, so that an Add may be its bias. */
  private afterDense = false;

  constructor(features: (number | undefined)[] | undefined, private readonly opset: number) {
    this.features = features;
  }

  /** Adds one node that reads `current`; `constant` looks up a constant input by name. */
  add(
    node: OnnxNode, current: string, constant: (name: string | undefined, role: string) => OnnxTensor,
    fail: (problem: string) => never,
  ): void {
    if (!chainOps.has(node.op_type)) {
      fail(`is an op Glassbox cannot represent; it imports ${supportedOps}`);
    }
    const reads = node.op_type === 'Add' ? node.input.slice(0, 2) : node.input.slice(0, 1);
    if (!reads.includes(current)) {
      fail(`reads ${show(node.input[0] ?? '')}, not ${show(current)}, the output of the layer ` +
        'before: Glassbox imports a plain chain of layers');
    }
    const wasAfterDense = this.afterDense;
    this.afterDense = false;
    const values = (name: string | undefined, role: string): TensorValues =>
      readFloats(constant(name, role), (problem) => fail(`its ${role} ${show(name ?? '')} ${problem}`));
    switch (node.op_type) {
      case 'Gemm':
        return this.gemm(node, values, fail);
      case 'MatMul': {
        if (node.input[1] === current) fail('multiplies by the data from the left; expected x·W');
        const w = values(node.input[1], 'weights');
        if (w.dims.length !== 2) fail(`its weights are [${w.dims.join(', ')}]; expected 2-D [in, out]`);
        return this.addDense(node, w.values, w.dims[0], w.dims[1], false, 1, fail);
      }
      case 'Add': {
        if (!wasAfterDense) fail('is read as a bias, so it must follow Gemm or MatMul');
        const other = node.input[0] === current ? node.input[1] : node.input[0];
        const last = this.dense[this.dense.length - 1];
        const bias = biasValues(values(other, 'bias'), last.bias.length, fail);
        for (let j = 0; j < bias.length; j++) last.bias[j] += bias[j];
        return;
      }
      case 'Relu':
      case 'Sigmoid':
      case 'Tanh':
        return this.activation({ type: node.op_type.toLowerCase() as 'relu' }, fail);
      case 'LeakyRelu': {
        const slope = shortestDecimal(numberAttribute(node, 'alpha', 'float', 0.01, fail));
        if (!(slope >= 0 && slope < 1)) fail(`has alpha ${slope}; Glassbox's slope is in [0, 1)`);
        return this.activation({ type: 'leaky-relu', slope }, fail);
      }
      case 'Softmax': {
        // Opset 13 made -1 the default; before it the default 1 meant "flatten from axis 1",
        // which for [batch, features] is the same.
        const axis = numberAttribute(node, 'axis', 'int', this.opset >= 13 ? -1 : 1, fail);
        if (axis !== -1 && axis !== 1) {
          fail(`has axis ${axis}; Glassbox's softmax runs over the features (axis 1 or -1)`);
        }
        return this.activation({ type: 'softmax' }, fail);
      }
      case 'Identity':
        this.afterDense = wasAfterDense;
        return;
      case 'Dropout':
        return this.dropout(node, constant, fail);
      case 'Flatten': {
        const rank = this.features === undefined ? undefined : this.features.length + 1;
        const raw = numberAttribute(node, 'axis', 'int', 1, fail);
        const axis = raw < 0 && rank !== undefined ? raw + rank : raw;
        if (axis !== 1) fail(`has axis ${raw}; only axis 1 keeps the batch apart from the features`);
        return this.flatten(this.features && product(this.features));
      }
      case 'Reshape':
        return this.reshape(readIntegers(constant(node.input[1], 'shape'),
          (problem) => fail(`its shape ${problem}`)), fail);
      default:
        return fail(`is an op Glassbox cannot represent; it imports ${supportedOps}`);
    }
  }

  private gemm(
    node: OnnxNode, values: (name: string | undefined, role: string) => TensorValues,
    fail: (problem: string) => never,
  ): void {
    if (numberAttribute(node, 'transA', 'int', 0, fail) !== 0) {
      fail('has transA = 1; expected the data as [batch, features]');
    }
    const transposed = numberAttribute(node, 'transB', 'int', 0, fail) !== 0;
    const alpha = numberAttribute(node, 'alpha', 'float', 1, fail);
    const beta = numberAttribute(node, 'beta', 'float', 1, fail);
    const b = values(node.input[1], 'B');
    if (b.dims.length !== 2) fail(`its B is [${b.dims.join(', ')}]; expected a 2-D matrix`);
    const [inputs, outputs] = transposed ? [b.dims[1], b.dims[0]] : b.dims;
    this.addDense(node, b.values, inputs, outputs, transposed, alpha, fail);
    if (node.input.length > 2 && node.input[2] !== '') {
      const bias = biasValues(values(node.input[2], 'C'), outputs, fail);
      const last = this.dense[this.dense.length - 1];
      for (let j = 0; j < outputs; j++) last.bias[j] = beta * bias[j];
    }
  }

  /**
   * A Dense layer from a weight matrix stored [in, out] (MatMul, Gemm) or [out, in] (Gemm with
   * transB), scaled by alpha; Glassbox keeps weights [out, in].
   */
  private addDense(
    node: OnnxNode, matrix: Float32Array, inputs: number, outputs: number, outInRows: boolean,
    alpha: number, fail: (problem: string) => never,
  ): void {
    if (inputs === 0 || outputs === 0) fail(`has a weight matrix of size ${inputs}×${outputs}`);
    const width = this.width(fail, node.op_type);
    if (width !== undefined && width !== inputs) {
      fail(`takes ${inputs} inputs, but the layer before gives ${width}`);
    }
    const weights = new Float32Array(inputs * outputs);
    for (let j = 0; j < outputs; j++) {
      for (let i = 0; i < inputs; i++) {
        const at = outInRows ? j * inputs + i : i * outputs + j;
        weights[j * inputs + i] = alpha * matrix[at];
      }
    }
    this.dense.push({ weights, bias: new Float32Array(outputs), node: node.name || node.op_type });
    this.layers.push({ type: 'dense', inputs, outputs });
    this.features = [outputs];
    this.afterDense = true;
  }

  /** A Deskew layer, read from its subgraph: it takes and gives width·height features. */
  deskew(spec: DeskewSpec, fail: (problem: string) => never): void {
    const size = spec.width * spec.height;
    const width = this.width(fail, 'Deskew');
    if (width !== undefined && width !== size) {
      fail(`straightens ${spec.width}×${spec.height} images, but each example holds ${width} ` +
        'values');
    }
    this.layers.push(spec);
    this.features = [size];
    this.afterDense = false;
  }

  private activation(spec: LayerSpec, fail: (problem: string) => never): void {
    if (this.layers.length === 0) {
      fail('comes before any Gemm or MatMul; a Glassbox network starts with a dense layer');
    }
    this.layers.push(spec);
  }

  private dropout(
    node: OnnxNode, constant: (name: string | undefined, role: string) => OnnxTensor,
    fail: (problem: string) => never,
  ): void {
    // Before the first dense layer, dropout at inference is the identity and has no layer here.
    if (this.layers.length === 0) return;
    let rate = 0.5;
    if (this.opset >= 12) {
      if (node.input.length > 1 && node.input[1] !== '') {
        const ratio = readFloats(constant(node.input[1], 'ratio'), (p) => fail(`its ratio ${p}`));
        if (ratio.values.length !== 1) fail('has a ratio that is not a single number');
        rate = shortestDecimal(ratio.values[0]);
      }
    } else {
      rate = shortestDecimal(numberAttribute(node, 'ratio', 'float', 0.5, fail));
    }
    if (!(rate >= 0 && rate < 1)) fail(`has ratio ${rate}; expected a number in [0, 1)`);
    this.layers.push({ type: 'dropout', rate });
  }

  /** The value in flight becomes [batch, width]; width undefined when the shape is unknown. */
  private flatten(width: number | undefined): void {
    this.features = [width];
  }

  private reshape(shape: number[], fail: (problem: string) => never): void {
    const width = this.features && product(this.features);
    const [batch, features] = shape;
    const keepsBatch = batch === -1 || batch === 0;
    if (shape.length !== 2 || !keepsBatch || !(features === -1 || features > 0)) {
      fail(`reshapes to [${shape.join(', ')}]; Glassbox reads only [-1, features] or [0, ` +
        'features], which flatten each example');
    }
    if (batch === -1 && features === -1) fail('reshapes to [-1, -1], which is ambiguous');
    if (features > 0 && width !== undefined && features !== width) {
      fail(`reshapes to ${features} features, but each example holds ${width}`);
    }
    this.flatten(features > 0 ? features : width);
  }

  /** The features of the value in flight, which must be flat by now. */
  private width(fail: (problem: string) => never, op: string): number | undefined {
    if (this.features !== undefined && this.features.length !== 1) {
      fail(`reads a ${this.features.length + 1}-D value; ${op} needs [batch, features], so ` +
        'flatten it first (Flatten or Reshape)');
    }
    return this.features?.[0];
  }

  /** The Network, its weights set; every weight must be a finite number. */
  build(backend: Backend | undefined, fail: (field: string, problem: string) => never): Network {
    if (this.layers.length === 0) fail('graph', 'has no layers: no Gemm or MatMul node');
    let network: Network;
    try {
      network = new Network(this.layers, { backend });
    } catch (error) {
      return fail('graph', (error as Error).message);
    }
    const denseLayers = network.layers.filter((layer): layer is Dense => layer instanceof Dense);
    for (const [k, layer] of denseLayers.entries()) {
      const { weights, bias, node } = this.dense[k];
      for (const [name, values] of [['weights', weights], ['bias', bias]] as const) {
        const bad = values.findIndex((value) => !Number.isFinite(value));
        if (bad >= 0) {
          fail(`node ${show(node)}`, `its ${name}[${bad}] is ${values[bad]}; weights must be ` +
            'finite numbers');
        }
      }
      layer.weights.value.data.set(weights);
      layer.bias.value.data.set(bias);
    }
    return network;
  }
}

/** A bias broadcast to [outputs]: shape [outputs], [1, outputs], or a single number. */
function biasValues(
  tensor: TensorValues, outputs: number, fail: (problem: string) => never,
): Float32Array {
  const { dims, values } = tensor;
  const rowVector = dims.length <= 1 || (dims.length === 2 && dims[0] === 1);
  if (rowVector && values.length === outputs) return values;
  if (values.length === 1) return new Float32Array(outputs).fill(values[0]);
  return fail(`has a bias of shape [${dims.join(', ')}]; expected [${outputs}] to add to ` +
    `${outputs} outputs`);
}

/** A Constant node's tensor, from its `value` attribute (or a plain float or int list). */
function constantTensor(node: OnnxNode, fail: (problem: string) => never): OnnxTensor {
  const [attribute] = node.attribute;
  if (node.attribute.length !== 1) fail('must have exactly one value attribute');
  const scalar = (dims: number[], type: number, floats: number[], ints: number[]): OnnxTensor => ({
    dims, data_type: type, float_data: floats, int64_data: ints, int32_data: [], double_data: [],
    raw_data: new Uint8Array(0), name: node.output[0], external_data: [], data_location: 0,
  });
  switch (attribute.name) {
    case 'value':
      return attribute.t ?? fail('has a value attribute with no tensor');
    case 'value_float':
      return scalar([], 1, [attribute.f], []);
    case 'value_floats':
      return scalar([attribute.floats.length], 1, attribute.floats, []);
    case 'value_int':
      return scalar([], 7, [], [toNumber(attribute.i)]);
    case 'value_ints':
      return scalar([attribute.ints.length], 7, [], attribute.ints.map(toNumber));
    default:
      return fail(`has a ${show(attribute.name)} attribute; Glassbox reads value, value_float(s) ` +
        'and value_int(s)');
  }
}

/**
 * A number attribute of the node, `fallback` when absent. Its type must be the one the op
 * defines (ONNX says so since IR version 2), and its value finite.
 */
function numberAttribute(
  node: OnnxNode, name: string, kind: 'int' | 'float', fallback: number,
  fail: (problem: string) => never,
): number {
  const attribute = node.attribute.find((candidate) => candidate.name === name);
  if (attribute === undefined) return fallback;
  if (attribute.type !== attributeType[kind]) {
    fail(`has attribute ${name} of type ${attribute.type}; expected ${kind === 'int' ? 'an' : 'a'} ` +
      `${kind} (${attributeType[kind]})`);
  }
  const value = kind === 'int' ? toNumber(attribute.i) : attribute.f;
  if (!Number.isFinite(value)) fail(`has attribute ${name} = ${value}`);
  return value;
}

function modelInfo(model: OnnxModel): ModelInfo {
  const producer = `${model.producer_name} ${model.producer_version}`
    .replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 80);
  return { importedFrom: 'ONNX', ...(producer === '' ? {} : { producer }) };
}

/**
 * ONNX stores settings such as LeakyRelu's alpha as float32, so 0.1 comes back as
 * 0.10000000149011612. The shortest decimal with the same float32 gives back the 0.1 that was
 * meant, and exports to the same bits again.
 */
function shortestDecimal(value: number): number {
  for (let digits = 1; digits < 10; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === Math.fround(value)) return candidate;
  }
  return value;
}

function product(dims: (number | undefined)[]): number | undefined {
  let result = 1;
  for (const d of dims) {
    if (d === undefined) return undefined;
    result *= d;
  }
  return result;
}

function startsWith(bytes: Uint8Array, text: string): boolean {
  return text.split('').every((char, i) => bytes[i] === char.charCodeAt(0));
}

/** A name from the file, quoted and cut short, control characters escaped. */
function show(text: string, limit = 60): string {
  const quoted = JSON.stringify(text);
  return quoted.length > limit ? `${quoted.slice(0, limit - 4)}..."` : quoted;
}
