import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeModel, encodeModel, GlassboxError, Network, Tensor } from '../src/index.js';
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
  // Same CRC-32 as the format uses, computed here independently through a small table.
  let c = 0xffffffff;
  for (let i = 0; i < out.length - 4; i++) {
    c ^= out[i];
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  new DataView(out.buffer).setUint32(out.length - 4, (c ^ 0xffffffff) >>> 0, true);
  return out;
}

test('decodeModel(bytes) names the field when the header lies', () => {
  expectError(withHeader((h) => { h.layers[0].outputs = 8; }), /weights: hold \d+ bytes, but the layers need/);
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
  network.denseLayers()[1].weights.value.data[3] = NaN;
  expectError(encodeModel(network), /layers\[3\]\.weights\[3\]: is NaN/);
});

test('decodeModel(bytes) builds on the backend it is given', () => {
  const bytes = encodeModel(sample());
  const { network } = decodeModel(bytes);
  assert.ok(network.forward(new Tensor([1, 20], new Float32Array(20))).data.every(Number.isFinite));
});
