import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createWasmBackend, encodeModel, Network, Tensor, type Backend, type LayerSpec,
} from '../../src/index.js';
import { decodeOnnx, encodeOnnx } from '../../src/onnx/index.js';
import { onnxModelType } from '../../src/onnx/onnx-schema.js';
import { loadMnist } from '../../cli/mnist-files.js';
import { randomBatch } from '../helpers/batch.js';
import { encodeOnnxObject } from './onnx-builder.js';
import { maxAbsDifference, runOnnxRuntime } from './onnx-runtime.js';
import { assertOnnxRejects } from './assert-onnx-rejects.js';
import { randomNetwork } from './random-network.js';

const mnist = loadMnist('test');

/**
 * `count` real test digits scaled /255, then the cases deskewImage copies as they are: an empty
 * image and one with ink on a single row; then a digit with one pixel of ink at each edge,
 * whose neighbours fall outside the image.
 */
function digits(count: number): Tensor {
  const rows = count + 3;
  const data = new Float32Array(rows * 784);
  for (let i = 0; i < count * 784; i++) data[i] = mnist.pixels[i] / 255;
  const singleRow = (count + 1) * 784 + 13 * 28;
  for (let x = 5; x < 20; x++) data[singleRow + x] = x / 20;
  const edges = (count + 2) * 784;
  data.copyWithin(edges, 0, 784);
  data[edges + 3 * 28] = 1;
  data[edges + 24 * 28 + 27] = 0.5;
  return new Tensor([rows, 784], data);
}

/** Deskew then a Dense layer with identity weights: the network's output is the deskewed image. */
function deskewOnly(width: number, height: number, backend?: Backend): Network {
  const size = width * height;
  const network = new Network(
    [{ type: 'deskew', width, height }, { type: 'dense', inputs: size, outputs: size }], { backend },
  );
  const dense = network.denseLayers()[0];
  dense.weights.value.data.fill(0);
  for (let i = 0; i < size; i++) dense.weights.value.data[i * size + i] = 1;
  dense.bias.value.data.fill(0);
  return network;
}

/** Glassbox's forward pass on x, copied into the backend's memory first. */
function glassboxForward(network: Network, x: Tensor): Float32Array {
  const input = new Tensor(x.shape, network.backend.alloc(x.size));
  input.data.set(x.data);
  return Float32Array.from(network.forward(input, false).data);
}

const dense = (inputs: number, outputs: number): LayerSpec => ({ type: 'dense', inputs, outputs });
const deskew28: LayerSpec = { type: 'deskew', width: 28, height: 28 };

const networks: { name: string; specs: LayerSpec[] }[] = [
  {
    name: "the 3b1b preset's shape, 784-16-16-10 sigmoid",
    specs: [
      deskew28, dense(784, 16), { type: 'sigmoid' }, dense(16, 16), { type: 'sigmoid' },
      dense(16, 10), { type: 'sigmoid' },
    ],
  },
  {
    name: "the default preset's shape with dropout, 784-256-10 relu, softmax",
    specs: [
      deskew28, dense(784, 256), { type: 'relu' }, { type: 'dropout', rate: 0.3 }, dense(256, 10),
      { type: 'softmax' },
    ],
  },
];

test('encodeOnnx(network) straightens MNIST digits in onnxruntime exactly as deskewImage does', async (t) => {
  const network = deskewOnly(28, 28);
  const x = digits(300);
  const expected = glassboxForward(network, x);
  const actual = await runOnnxRuntime(encodeOnnx(network), x);
  const difference = maxAbsDifference(actual, expected);
  const shown = difference.toExponential(2);
  t.diagnostic(`max |onnxruntime − deskewImage| over ${x.rows} images = ${shown}`);
  assert.ok(difference <= 1e-5, `max difference ${difference}`);
  // The test digits do lean: the comparison covers real shifts, not only copies.
  const moved = maxAbsDifference(expected.subarray(0, 300 * 784), x.data.subarray(0, 300 * 784));
  assert.ok(moved > 0.5, `deskewing moved pixels by at most ${moved}`);
  // The copied images come out bit for bit.
  assert.deepEqual(actual.subarray(300 * 784, 302 * 784), x.data.subarray(300 * 784, 302 * 784));
});

test('encodeOnnx(network) straightens images that are not square, and any values, as deskewImage does', async (t) => {
  let worst = 0;
  for (const [width, height] of [[7, 4], [3, 9], [1, 5], [6, 1]]) {
    const network = deskewOnly(width, height);
    // Inputs in [-1, 1): ink of either sign, masses ≤ 0 included; then some all-positive rows.
    const { x } = randomBatch(40, width * height, 2, width * 10 + height);
    for (let i = 20 * width * height; i < x.size; i++) x.data[i] = Math.abs(x.data[i]);
    const expected = glassboxForward(network, x);
    const actual = await runOnnxRuntime(encodeOnnx(network), x);
    worst = Math.max(worst, maxAbsDifference(actual, expected));
  }
  t.diagnostic(`max |onnxruntime − deskewImage| = ${worst.toExponential(2)}`);
  assert.ok(worst <= 1e-5, `max difference ${worst}`);
});

for (const [k, { name, specs }] of networks.entries()) {
  test(`encodeOnnx(network) with a Deskew layer runs in onnxruntime as Glassbox runs it: ${name}`, async (t) => {
    const wasm = await createWasmBackend();
    const x = digits(200);
    for (const [backendName, backend] of [['reference', undefined], ['wasm', wasm]] as const) {
      const network = randomNetwork(specs, 30 + k, backend);
      const expected = glassboxForward(network, x);
      const difference = maxAbsDifference(await runOnnxRuntime(encodeOnnx(network), x), expected);
      const shown = difference.toExponential(2);
      t.diagnostic(`${backendName} backend: max |onnxruntime − glassbox| = ${shown}`);
      assert.ok(difference <= 1e-5, `${backendName}: max difference ${difference}`);
    }
  });
}

test('decodeOnnx(encodeOnnx(network)) gives back Deskew layers bit for bit, wherever they are', async () => {
  const cases: LayerSpec[][] = [
    networks[0].specs,
    [{ type: 'deskew', width: 5, height: 3 }, dense(15, 4), { type: 'tanh' }],
    [
      dense(12, 12), { type: 'relu' }, { type: 'deskew', width: 4, height: 3 }, dense(12, 2),
      { type: 'softmax' },
    ],
  ];
  for (const [k, specs] of cases.entries()) {
    const network = randomNetwork(specs, 50 + k);
    const bytes = encodeOnnx(network);
    const { network: copy } = decodeOnnx(bytes, { source: 'deskew.onnx' });
    assert.deepEqual(copy.specs(), network.specs());
    const sameFile = 'the same model file, bit for bit';
    assert.deepEqual(encodeModel(copy, {}), encodeModel(network, {}), sameFile);
    assert.deepEqual(encodeOnnx(copy), bytes, 'the same ONNX file, bit for bit');
    // And the layer in the middle deskews in onnxruntime too.
    const { x } = randomBatch(6, network.inputSize, 2, k);
    const actual = await runOnnxRuntime(bytes, x);
    const difference = maxAbsDifference(actual, glassboxForward(network, x));
    assert.ok(difference <= 1e-5, `case ${k}: max difference ${difference}`);
  }
});

type Json = Record<string, unknown>;
interface NodeJson { name: string; op_type: string; input: string[]; output: string[] }

/** The export of a small deskewing network, changed by `change` as a decoded message. */
function changedExport(change: (model: Json, nodes: NodeJson[]) => void): Uint8Array {
  const network = new Network([{ type: 'deskew', width: 4, height: 3 }, dense(12, 2)], { seed: 1 });
  const type = onnxModelType();
  const model = type.toObject(type.decode(encodeOnnx(network)), { longs: Number }) as Json;
  change(model, (model.graph as { node: NodeJson[] }).node);
  return encodeOnnxObject(model);
}

const find = (nodes: NodeJson[], name: string) => nodes.find((node) => node.name === `layers.0.deskew/${name}`)!;

test('decodeOnnx(bytes) refuses a Deskew subgraph with a node changed, naming the node and its op', () => {
  assertOnnxRejects(changedExport((_, nodes) => (find(nodes, 'leftColumn').op_type = 'Ceil')),
    /node "layers\.0\.deskew\/leftColumn" \(Ceil\): differs from the Deskew subgraph Glassbox writes: expected Floor of "layers\.0\.deskew\/from"/);
  assertOnnxRejects(changedExport((_, nodes) => find(nodes, 'blended').input.reverse()),
    /node "layers\.0\.deskew\/blended" \(Add\): differs from the Deskew subgraph/);
  assertOnnxRejects(changedExport((_, nodes) => {
    const cast = find(nodes, 'image') as NodeJson & { attribute: { i: number }[] };
    cast.attribute[0].i = 1;
  }), /node "layers\.0\.deskew\/image" \(Cast\): differs .*expected Cast of "input" with to = 11/);
  assertOnnxRejects(changedExport((_, nodes) => nodes.splice(nodes.indexOf(find(nodes, 'rightPart')), 1)),
    /node "layers\.0\.deskew\/blended" \(Add\): differs .*expected Mul of "layers\.0\.deskew\/rightInk"/);
});

test('decodeOnnx(bytes) refuses a Deskew subgraph cut short or with a changed constant', () => {
  assertOnnxRejects(changedExport((model, nodes) => {
    nodes.splice(nodes.indexOf(find(nodes, 'blended')));
    (model.graph as { output: { name: string }[] }).output[0].name = 'layers.0.deskew/rightPart';
  }), /node "layers\.0\.deskew\/rightPart" \(Mul\): ends the graph inside a Deskew subgraph; expected next Add/);
  assertOnnxRejects(changedExport((model) => {
    const constants = (model.graph as { initializer: { name: string; raw_data: Uint8Array }[] }).initializer;
    constants.find((c) => c.name === 'layers.0.deskew/width')!.raw_data[7] ^= 1;
  }), /initializer "layers\.0\.deskew\/width": is missing or differs from the one Glassbox writes for a 4×3 Deskew layer/);
});

test('decodeOnnx(bytes) reads the Deskew image size from the metadata, and refuses the subgraph without it', () => {
  const withLayers = (value: string | undefined) => changedExport((model) => {
    const props = (model.metadata_props as { key: string; value: string }[]).filter((p) => p.key !== 'glassbox.layers');
    if (value !== undefined) props.push({ key: 'glassbox.layers', value });
    model.metadata_props = props;
  });
  assertOnnxRejects(withLayers(undefined),
    /node "layers\.0\.deskew\/image" \(Cast\): is named as part of a Deskew subgraph, but the model has no metadata_props "glassbox\.layers"/);
  assertOnnxRejects(withLayers('[{"type":"dense","inputs":12,"outputs":2}]'),
    /node "layers\.0\.deskew\/image" \(Cast\): .*"glassbox\.layers"\[0\] is a dense layer/);
  assertOnnxRejects(withLayers('[{"type":"deskew","width":0,"height":3}]'), /"glassbox\.layers"\[0\]\.width: must be a whole number/);
  assertOnnxRejects(withLayers('{'), /metadata_props "glassbox\.layers": is not JSON/);
  // Another size with as many pixels has other pixel coordinates than the file's constants.
  assertOnnxRejects(withLayers('[{"type":"deskew","width":3,"height":4}]'),
    /initializer "layers\.0\.deskew\/column": is missing or differs from the one Glassbox writes for a 3×4 Deskew layer/);
});

test('decodeOnnx(bytes) treats the same ops under other names as ops it cannot represent', () => {
  assertOnnxRejects(changedExport((_, nodes) => {
    for (const node of nodes) node.name = node.name.replace('layers.0.deskew/', 'straighten/');
  }), /node "straighten\/image" \(Cast\): is an op Glassbox cannot represent/);
});
