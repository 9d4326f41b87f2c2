import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeModel, Network, Random, Tensor } from '../../src/index.js';
import { decodeOnnx, encodeOnnx } from '../../src/onnx/index.js';
import { randomBatch } from '../helpers/batch.js';
import { maxAbsDifference, runOnnxRuntime } from './onnx-runtime.js';
import { assertOnnxRejects } from './assert-onnx-rejects.js';
import { buildOnnx, float, int, onnxObject, encodeOnnxObject, type GraphSpec } from './onnx-builder.js';

const random = new Random(21);
const gaussian = (count: number, std = 0.3) => Float32Array.from({ length: count }, () => random.gaussian(0, std));

/**
 * An MLP as PyTorch's exporter writes one, with every form this reader accepts: an image input
 * flattened, MatMul + Add, Gemm with alpha, beta and an untransposed B, Dropout, Gemm with
 * transB, and weights in raw_data and in float_data.
 */
function pytorchStyleGraph(): GraphSpec {
  return {
    input: { name: 'image', dims: ['N', 1, 28, 28] },
    output: 'probabilities',
    nodes: [
      { op: 'Flatten', inputs: ['image'], outputs: ['flat'], attributes: { axis: int(1) } },
      { op: 'MatMul', inputs: ['flat', 'fc1.weight_t'], outputs: ['mm1'] },
      { op: 'Add', inputs: ['fc1.bias', 'mm1'], outputs: ['z1'] },
      { op: 'Relu', inputs: ['z1'], outputs: ['a1'] },
      { op: 'Gemm', inputs: ['a1', 'fc2.weight', 'fc2.bias'], outputs: ['z2'],
        attributes: { alpha: float(0.5), beta: float(2), transB: int(0) } },
      { op: 'LeakyRelu', inputs: ['z2'], outputs: ['a2'], attributes: { alpha: float(0.2) } },
      { op: 'Dropout', inputs: ['a2', 'ratio'], outputs: ['d2', 'mask'] },
      { op: 'Identity', inputs: ['d2'], outputs: ['i2'] },
      { op: 'Gemm', inputs: ['i2', 'fc3.weight', 'fc3.bias'], outputs: ['z3'], attributes: { transB: int(1) } },
      { op: 'Softmax', inputs: ['z3'], outputs: ['probabilities'], attributes: { axis: int(1) } },
    ],
    initializers: [
      { name: 'fc1.weight_t', dims: [784, 32], values: gaussian(784 * 32, 0.05), raw: true },
      { name: 'fc1.bias', dims: [32], values: gaussian(32), raw: true },
      { name: 'fc2.weight', dims: [32, 16], values: gaussian(32 * 16) },
      { name: 'fc2.bias', dims: [1, 16], values: gaussian(16) },
      { name: 'ratio', dims: [], values: [0.4] },
      { name: 'fc3.weight', dims: [10, 16], values: gaussian(160), raw: true },
      { name: 'fc3.bias', dims: [10], values: gaussian(10), raw: true },
    ],
  };
}

test('decodeOnnx(encodeOnnx(network)) round-trips architecture and weights bit for bit', () => {
  const network = new Network([
    { type: 'dense', inputs: 20, outputs: 7 }, { type: 'leaky-relu', slope: 0.05 }, { type: 'dropout', rate: 0.2 },
    { type: 'dense', inputs: 7, outputs: 5 }, { type: 'tanh' }, { type: 'dense', inputs: 5, outputs: 3 },
    { type: 'softmax' },
  ], { seed: 4 });
  network.denseLayers()[0].weights.value.data.set([1.401298464324817e-45, -0, 3.4028234663852886e38, 0.1]);
  network.denseLayers()[1].bias.value.data.set([0.25, -7, 1e-30, 0, 3]);
  const { network: copy, info } = decodeOnnx(encodeOnnx(network), { source: 'sample.onnx' });
  assert.deepEqual(copy.specs(), network.specs());
  assert.deepEqual(encodeModel(copy, {}), encodeModel(network, {}), 'the same model file, bit for bit');
  assert.equal(info.producer, 'glassbox');
});

test('decodeOnnx(bytes) reads a PyTorch-style MLP that onnxruntime runs the same way', async (t) => {
  const bytes = buildOnnx(pytorchStyleGraph());
  const { network } = decodeOnnx(bytes, { source: 'torch.onnx' });
  assert.deepEqual(network.specs(), [
    { type: 'dense', inputs: 784, outputs: 32 }, { type: 'relu' },
    { type: 'dense', inputs: 32, outputs: 16 }, { type: 'leaky-relu', slope: 0.2 },
    { type: 'dropout', rate: 0.4 }, { type: 'dense', inputs: 16, outputs: 10 }, { type: 'softmax' },
  ]);
  const { x } = randomBatch(6, 784, 10, 9);
  const expected = await runOnnxRuntime(bytes, x, 'image', 'probabilities', [6, 1, 28, 28]);
  const difference = maxAbsDifference(network.forward(x, false).data, expected);
  t.diagnostic(`max |onnxruntime − glassbox| = ${difference.toExponential(2)}`);
  assert.ok(difference <= 1e-5, `max difference ${difference}`);

  // And back out: Glassbox's own export of the imported network computes the same function.
  const again = await runOnnxRuntime(encodeOnnx(network), x);
  const roundTrip = maxAbsDifference(again, expected);
  t.diagnostic(`ONNX → Glassbox → ONNX: max difference ${roundTrip.toExponential(2)}`);
  assert.ok(roundTrip <= 1e-5, `round trip difference ${roundTrip}`);
});

test('decodeOnnx(bytes) reads Reshape to [-1, features] from a Constant node, and opset 11 Softmax', async () => {
  const bytes = buildOnnx({
    input: { name: 'x', dims: ['batch', 4, 3] },
    output: 'y',
    opset: 11,
    nodes: [
      { op: 'Constant', inputs: [], outputs: ['shape'], attributes: { value_ints: { ints: [-1, 12] } } },
      { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['flat'] },
      { op: 'Gemm', inputs: ['flat', 'w', 'b'], outputs: ['z'], attributes: { transB: int(1) } },
      { op: 'Sigmoid', inputs: ['z'], outputs: ['s'] },
      { op: 'Gemm', inputs: ['s', 'w2'], outputs: ['z2'], attributes: { transB: int(1) } },
      { op: 'Softmax', inputs: ['z2'], outputs: ['y'] },
    ],
    initializers: [
      { name: 'w', dims: [5, 12], values: gaussian(60) }, { name: 'b', dims: [5], values: gaussian(5) },
      { name: 'w2', dims: [3, 5], values: gaussian(15) },
    ],
  });
  const { network } = decodeOnnx(bytes);
  assert.deepEqual(network.specs().map((s) => s.type), ['dense', 'sigmoid', 'dense', 'softmax']);
  const { x } = randomBatch(4, 12, 3, 2);
  const expected = await runOnnxRuntime(bytes, x, 'x', 'y', [4, 4, 3]);
  assert.ok(maxAbsDifference(network.forward(x, false).data, expected) <= 1e-5);
});

test('decodeOnnx(bytes) reads double weights as float32', () => {
  const { network } = decodeOnnx(buildOnnx({
    input: { name: 'x', dims: ['batch', 2] }, output: 'y',
    nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
    initializers: [{ name: 'w', dims: [2, 3], values: [1, 2, 3, 4, 5, 0.1], type: 'double', raw: true }],
  }));
  // MatMul's [in, out] becomes Glassbox's [out, in].
  assert.deepEqual(Array.from(network.denseLayers()[0].weights.value.data), [1, 4, 2, 5, 3, Math.fround(0.1)]);
});

/** A small valid graph with one node swapped or added, to check each refusal. */
function graphWith(change: (spec: GraphSpec) => void): Uint8Array {
  const spec: GraphSpec = {
    input: { name: 'x', dims: ['batch', 4] },
    output: 'y',
    nodes: [
      { op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['z'], attributes: { transB: int(1) }, name: 'fc' },
      { op: 'Relu', inputs: ['z'], outputs: ['y'], name: 'act' },
    ],
    initializers: [{ name: 'w', dims: [3, 4], values: gaussian(12) }, { name: 'b', dims: [3], values: gaussian(3) }],
  };
  change(spec);
  return buildOnnx(spec);
}

test('decodeOnnx(bytes) names the node and op of a Conv it cannot represent', () => {
  assertOnnxRejects(graphWith((spec) => {
    spec.nodes[0] = { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['z'], name: 'conv1' };
  }), /node "conv1" \(Conv\): is an op Glassbox cannot represent; it imports Gemm, MatMul/);
});

test('decodeOnnx(bytes) names an unsupported op after supported ones, and a nameless node by index', () => {
  assertOnnxRejects(graphWith((spec) => {
    spec.nodes[1] = { op: 'LogSoftmax', inputs: ['z'], outputs: ['y'], name: '' };
  }), /node #1 \(LogSoftmax\): is an op Glassbox cannot represent/);
});

test('decodeOnnx(bytes) refuses ops from another domain, naming the domain', () => {
  assertOnnxRejects(graphWith((spec) => {
    spec.nodes[1] = { op: 'Relu', inputs: ['z'], outputs: ['y'], name: 'act', domain: 'com.microsoft' };
  }), /node "act" \(Relu\): is in operator domain "com.microsoft"/);
});

test('decodeOnnx(bytes) refuses a graph that is not a chain, naming the node that branches', () => {
  assertOnnxRejects(graphWith((spec) => {
    spec.nodes.push({ op: 'Add', inputs: ['y', 'x'], outputs: ['r'], name: 'residual' });
    spec.output = 'r';
  }), /node "residual" \(Add\): is read as a bias, so it must follow Gemm or MatMul/);
  assertOnnxRejects(graphWith((spec) => {
    spec.nodes[1] = { op: 'Relu', inputs: ['x'], outputs: ['y'], name: 'act' };
  }), /node "act" \(Relu\): reads "x", not "z", the output of the layer before/);
});

test('decodeOnnx(bytes) refuses Gemm settings it cannot represent, naming the node', () => {
  assertOnnxRejects(graphWith((spec) => {
    spec.nodes[0].attributes = { transA: int(1), transB: int(1) };
  }), /node "fc" \(Gemm\): has transA = 1/);
  assertOnnxRejects(graphWith((spec) => {
    spec.nodes[0].attributes = { transB: float(1) };
  }), /node "fc" \(Gemm\): has attribute transB of type 1; expected an int/);
  assertOnnxRejects(graphWith((spec) => {
    spec.initializers[0] = { name: 'w', dims: [3, 5], values: gaussian(15) };
  }), /node "fc" \(Gemm\): takes 5 inputs, but the layer before gives 4/);
  assertOnnxRejects(graphWith((spec) => {
    spec.initializers[1] = { name: 'b', dims: [3, 1], values: gaussian(3) };
  }), /node "fc" \(Gemm\): has a bias of shape \[3, 1\]; expected \[3\]/);
});

test('decodeOnnx(bytes) refuses weights that are not constants in the file', () => {
  const object = onnxObject({
    input: { name: 'x', dims: ['batch', 4] }, output: 'z', initializers: [],
    nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['z'], name: 'mm' }],
  });
  const graph = object.graph as { input: object[] };
  graph.input.push({ name: 'w' });
  assertOnnxRejects(encodeOnnxObject(object), /graph\.input: expected one input \(the features\), got 2: "x", "w"/);
});

test('decodeOnnx(bytes) refuses activation settings Glassbox has no layer for', () => {
  assertOnnxRejects(graphWith((spec) => {
    spec.nodes[1] = { op: 'LeakyRelu', inputs: ['z'], outputs: ['y'], name: 'act', attributes: { alpha: float(2) } };
  }), /node "act" \(LeakyRelu\): has alpha 2; Glassbox's slope is in \[0, 1\)/);
  assertOnnxRejects(graphWith((spec) => {
    spec.nodes[1] = { op: 'Softmax', inputs: ['z'], outputs: ['y'], name: 'act', attributes: { axis: int(0) } };
  }), /node "act" \(Softmax\): has axis 0/);
  assertOnnxRejects(graphWith((spec) => {
    spec.nodes.unshift({ op: 'Sigmoid', inputs: ['x'], outputs: ['s'], name: 'first' });
    spec.nodes[1].inputs[0] = 's';
  }), /node "first" \(Sigmoid\): comes before any Gemm or MatMul/);
});

test('decodeOnnx(bytes) refuses NaN weights, naming the node and the index', () => {
  assertOnnxRejects(graphWith((spec) => {
    const values = gaussian(12);
    values[7] = NaN;
    spec.initializers[0] = { name: 'w', dims: [3, 4], values, raw: true };
  }), /node "fc": its weights\[\d+\] is NaN; weights must be finite numbers/);
});

test('decodeOnnx(bytes) refuses a declared size of billions without allocating it', () => {
  assertOnnxRejects(graphWith((spec) => {
    spec.initializers[0] = { name: 'w', dims: [1 << 24, 1 << 24], values: [1, 2, 3, 4], raw: true };
  }), /its B "w" declares 281474976710656 values, but raw_data holds 16 bytes/);
  assertOnnxRejects(graphWith((spec) => {
    spec.initializers[0] = { name: 'w', dims: [4e9, 1], values: [1] };
  }), /its B "w" has dimensions \[4000000000, 1\]; each must be a whole number from 0 to 16777216/);
  assertOnnxRejects(graphWith((spec) => {
    spec.initializers[0] = { name: 'w', dims: [-3, 4], values: [1] };
  }), /has dimensions \[-3, 4\]/);
});

test('decodeOnnx(bytes) refuses weights kept in an external file', () => {
  const object = onnxObject({
    input: { name: 'x', dims: ['batch', 4] }, output: 'z',
    nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['z'], name: 'mm' }],
    initializers: [{ name: 'w', dims: [4, 2], values: [] }],
  });
  const graph = object.graph as { initializer: Record<string, unknown>[] };
  graph.initializer[0].data_location = 1;
  graph.initializer[0].external_data = [{ key: 'location', value: 'weights.bin' }];
  assertOnnxRejects(encodeOnnxObject(object), /node "mm" \(MatMul\): its weights "w" keeps its values in an external file/);
});

test('decodeOnnx(bytes) says a Glassbox model file or random bytes are not ONNX', () => {
  const network = new Network([{ type: 'dense', inputs: 2, outputs: 2 }]);
  assertOnnxRejects(encodeModel(network, {}), /file: is a Glassbox model file, not ONNX/);
  assertOnnxRejects(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1]), /file: is not an ONNX model: the protobuf does not decode/);
  assertOnnxRejects(new Uint8Array(0), /file: is empty/);
  assertOnnxRejects(new TextEncoder().encode('hello, world'), /not an ONNX model|ir_version/);
});

test('decodeOnnx(bytes) refuses operator sets older than 7', () => {
  assertOnnxRejects(graphWith((spec) => (spec.opset = 6)), /opset_import: is version 6; Glassbox reads operator set 7 and later/);
});

test('decodeOnnx(bytes) keeps the batch dimension apart: Flatten(axis 0) and Reshape to [1, -1] are refused', () => {
  const image = (node: GraphSpec['nodes'][number]) => buildOnnx({
    input: { name: 'x', dims: ['batch', 2, 2] }, output: 'y',
    nodes: [node, { op: 'MatMul', inputs: ['flat', 'w'], outputs: ['y'], name: 'mm' }],
    initializers: [{ name: 'w', dims: [4, 2], values: gaussian(8) }, { name: 'shape', dims: [2], values: [1, -1], type: 'int64' }],
  });
  assertOnnxRejects(image({ op: 'Flatten', inputs: ['x'], outputs: ['flat'], name: 'f', attributes: { axis: int(0) } }),
    /node "f" \(Flatten\): has axis 0/);
  assertOnnxRejects(image({ op: 'Reshape', inputs: ['x', 'shape'], outputs: ['flat'], name: 'r' }),
    /node "r" \(Reshape\): reshapes to \[1, -1\]/);
  assertOnnxRejects(image({ op: 'Identity', inputs: ['x'], outputs: ['flat'], name: 'i' }),
    /node "mm" \(MatMul\): reads a 3-D value; MatMul needs \[batch, features\]/);
});

test('decodeOnnx(bytes) gives the network the backend it is asked for', () => {
  const backend = new Network([{ type: 'dense', inputs: 1, outputs: 1 }]).backend;
  const { network } = decodeOnnx(encodeOnnx(new Network([{ type: 'dense', inputs: 3, outputs: 2 }])), { backend });
  assert.equal(network.backend, backend);
  assert.deepEqual(Array.from(network.forward(new Tensor([1, 3], new Float32Array(3))).data).length, 2);
});
