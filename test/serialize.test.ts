import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createLoss, createOptimizer, decodeModel, encodeModel, GlassboxError, Network, Random, Tensor,
} from '../src/index.js';
import { randomBatch } from './helpers/batch.js';

function sample(): Network {
  return new Network([
    { type: 'dense', inputs: 20, outputs: 7 }, { type: 'leaky-relu', slope: 0.05 }, { type: 'dropout', rate: 0.2 },
    { type: 'dense', inputs: 7, outputs: 5 }, { type: 'tanh' },
    { type: 'dense', inputs: 5, outputs: 3 }, { type: 'softmax' },
  ], { seed: 4 });
}

test('decodeModel(encodeModel(network)) round-trips architecture, weights bit for bit, and info', () => {
  const network = sample();
  // Awkward float32 values must survive exactly: denormals, −0, the largest finite float.
  network.denseLayers()[0].weights.value.data.set([1.401298464324817e-45, -0, 3.4028234663852886e38, 0.1]);
  const info = { seed: 4, loss: 'cross-entropy', optimizer: { optimizer: 'adam', learningRate: 0.001 }, testAccuracy: 0.9812 };
  const bytes = encodeModel(network, info);
  const { network: copy, info: copiedInfo } = decodeModel(bytes, { source: 'sample.gbx' });
  assert.deepEqual(copy.specs(), network.specs());
  copy.params().forEach((p, i) => {
    const original = network.params()[i].value.data;
    assert.deepEqual(new Uint8Array(p.value.data.buffer, p.value.data.byteOffset, p.value.data.byteLength),
      new Uint8Array(original.buffer, original.byteOffset, original.byteLength));
  });
  assert.deepEqual(copiedInfo, info);
  const { x } = randomBatch(3, 20, 3);
  assert.deepEqual(copy.forward(x).data, network.forward(x).data);
});

test('encodeModel(network) is compact: 4 bytes a weight plus a short header', () => {
  const network = Network.perceptron([784, 16, 16, 10], 'sigmoid');
  const bytes = encodeModel(network, {});
  assert.ok(bytes.length < network.parameterCount() * 4 + 1024, `${bytes.length} bytes`);
});

const expectError = (bytes: Uint8Array, field: RegExp) => {
  assert.throws(() => decodeModel(bytes, { source: 'bad.gbx' }), (error: unknown) => {
    assert.ok(error instanceof GlassboxError, String(error));
    assert.match(error.message, /^bad\.gbx: /);
    assert.match(error.message, field);
    return true;
  });
};

test('decodeModel(bytes) names the problem in a truncated file, at every length', () => {
  const bytes = encodeModel(sample());
  for (let length = 0; length < bytes.length; length += 1 + Math.floor(length / 7)) {
    expectError(bytes.subarray(0, length), /too short|checksum|header length|magic/);
  }
});

test('decodeModel(bytes) rejects a wrong magic number, version, and a flipped bit', () => {
  const bytes = encodeModel(sample());
  const wrongMagic = bytes.slice();
  wrongMagic[0] = 0x58;
  expectError(wrongMagic, /magic: is not a Glassbox model file/);
  const wrongVersion = bytes.slice();
  new DataView(wrongVersion.buffer).setUint32(8, 99, true);
  expectError(wrongVersion, /version: is 99/);
  const flipped = bytes.slice();
  flipped[bytes.length - 40] ^= 0x10;
  expectError(flipped, /checksum: does not match/);
});

/** Re-encodes a file with its header JSON changed and the checksum fixed, as a careless tool would. */
function withHeader(edit: (header: any) => void, network = sample()): Uint8Array {
  const bytes = encodeModel(network);
  const view = new DataView(bytes.buffer);
  const length = view.getUint32(12, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + length)));
  edit(header);
  const weights = bytes.subarray(16 + length, bytes.length - 4);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(16 + json.length + weights.length + 4);
  out.set(bytes.subarray(0, 16));
  new DataView(out.buffer).setUint32(12, json.length, true);
  out.set(json, 16);
  out.set(weights, 16 + json.length);
  return withChecksum(out);
}

/** Rewrites the last four bytes as the CRC-32 of the rest, computed here independently. */
function withChecksum(out: Uint8Array): Uint8Array {
  let c = 0xffffffff;
  for (let i = 0; i < out.length - 4; i++) {
    c ^= out[i];
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  new DataView(out.buffer, out.byteOffset).setUint32(out.length - 4, (c ^ 0xffffffff) >>> 0, true);
  return out;
}

test('decodeModel(bytes) names the field when the header lies', () => {
  expectError(withHeader((h) => { h.layers[0].outputs = 8; }), /weights: hold 820 bytes, but the layers need 904/);
  expectError(withHeader((h) => { h.tensors[0].shape = [7, 21]; }), /tensors: list \d+ bytes of numbers, but the file holds/);
  expectError(withHeader((h) => { h.checkpoint = { epoch: -1 }; }), /header\.checkpoint\.epoch/);
  expectError(withHeader((h) => { h.layers[0].outputs = 4e9; }), /header\.layers\[0\]\.outputs: must be a whole number/);
  expectError(withHeader((h) => { h.layers[1].type = 'swish'; }), /header\.layers\[1\]\.type: must be one of/);
  expectError(withHeader((h) => { h.layers[2].rate = 'half'; }), /header\.layers\[2\]\.rate/);
  expectError(withHeader((h) => { h.tensors[1].name = 'layers[0].biases'; }), /tensors\[1\]\.name: is "layers\[0\]\.biases"/);
  expectError(withHeader((h) => { h.tensors[0].shape = [20, 7]; }), /tensors\[0\]\.shape: is \[20, 7\]/);
  expectError(withHeader((h) => { h.info.testAccuracy = 'high'; }), /header\.info\.testAccuracy: must be a number/);
  expectError(withHeader((h) => { h.layers = []; }), /header\.layers: must hold 1 to/);
  expectError(withHeader((h) => { h.format = 'onnx'; }), /header\.format/);
});

test('decodeModel(bytes) rejects NaN and infinite weights, naming the weight', () => {
  const network = sample();
  const bytes = encodeModel(network);
  // layers[3].weights[3] is the fourth float after layer 0's 7×20 weights and 7 biases.
  const headerLength = new DataView(bytes.buffer).getUint32(12, true);
  const at = 16 + headerLength + (7 * 20 + 7 + 3) * 4;
  new DataView(bytes.buffer).setFloat32(at, NaN, true);
  expectError(withChecksum(bytes), /layers\[3\]\.weights\[3\]: is NaN/);
  new DataView(bytes.buffer).setFloat32(at, -Infinity, true);
  expectError(withChecksum(bytes), /layers\[3\]\.weights\[3\]: is -Infinity/);
});

test('encodeModel(network) refuses to save a network whose weights are not finite', () => {
  const network = sample();
  network.denseLayers()[1].bias.value.data[2] = Infinity;
  assert.throws(() => encodeModel(network), /layers\[3\]\.bias\[2\]: is Infinity; refusing to save a diverged network/);
});

test('decodeModel(encodeModel(network, info, training)) round-trips a checkpoint exactly', () => {
  const network = sample();
  const optimizer = createOptimizer(network.backend, 'adam', { learningRate: 0.01 });
  const { x, target } = randomBatch(4, 20, 3);
  for (let i = 0; i < 3; i++) {
    network.forward(x, true);
    network.loss(createLoss('cross-entropy'), target);
    network.backward();
    optimizer.step(network.params());
  }
  const state = optimizer.state();
  const random = new Random(77);
  const bytes = encodeModel(network, { seed: 1 }, {
    epoch: 3, random: random.getState(), settings: { layers: [20, 7, 5, 3] },
    optimizer: { name: optimizer.name, learningRate: optimizer.learningRate, step: state.step, slots: state.slots },
  });
  const { network: copy, training } = decodeModel(bytes);
  assert.ok(training);
  assert.equal(training.epoch, 3);
  assert.deepEqual(training.random, random.getState());
  assert.deepEqual(training.settings, { layers: [20, 7, 5, 3] });
  assert.equal(training.optimizer.step, 3);
  assert.equal(training.optimizer.slots.length, network.params().length);
  training.optimizer.slots.forEach((slots, i) => slots.forEach((slot, j) => {
    assert.deepEqual(Array.from(slot.data), Array.from(state.slots[i][j].data));
  }));
  assert.deepEqual(copy.params().map((p) => Array.from(p.value.data)), network.params().map((p) => Array.from(p.value.data)));
  assert.equal(decodeModel(encodeModel(network)).training, undefined);
});

test('decodeModel(bytes) builds on the backend it is given', () => {
  const bytes = encodeModel(sample());
  const { network } = decodeModel(bytes);
  assert.ok(network.forward(new Tensor([1, 20], new Float32Array(20))).data.every(Number.isFinite));
});
