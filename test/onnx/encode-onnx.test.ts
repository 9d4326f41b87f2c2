import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWasmBackend, Network, Tensor, type LayerSpec } from '../../src/index.js';
import { encodeOnnx } from '../../src/onnx/index.js';
import { randomBatch } from '../helpers/batch.js';
import { maxAbsDifference, runOnnxRuntime } from './onnx-runtime.js';
import { randomNetwork } from './random-network.js';

const dense = (inputs: number, outputs: number): LayerSpec => ({ type: 'dense', inputs, outputs });

const cases: { name: string; specs: LayerSpec[]; batch: number }[] = [
  { name: "the video's 784-16-16-10 sigmoid", batch: 8,
    specs: [dense(784, 16), { type: 'sigmoid' }, dense(16, 16), { type: 'sigmoid' }, dense(16, 10), { type: 'sigmoid' }] },
  { name: '784-100-10 relu + softmax', batch: 5,
    specs: [dense(784, 100), { type: 'relu' }, dense(100, 10), { type: 'softmax' }] },
  { name: '13-7 with no activation', batch: 1, specs: [dense(13, 7)] },
  { name: '1-1', batch: 3, specs: [dense(1, 1), { type: 'tanh' }] },
  { name: '50-33-20-5 tanh, leaky-relu, dropout', batch: 17,
    specs: [dense(50, 33), { type: 'tanh' }, { type: 'dropout', rate: 0.25 }, dense(33, 20),
      { type: 'leaky-relu', slope: 0.1 }, dense(20, 5), { type: 'softmax' }] },
  { name: '3-64-64-2 leaky-relu 0.3', batch: 32,
    specs: [dense(3, 64), { type: 'leaky-relu', slope: 0.3 }, dense(64, 64), { type: 'relu' }, dense(64, 2)] },
];

for (const [k, { name, specs, batch }] of cases.entries()) {
  test(`encodeOnnx(network) runs in onnxruntime as Glassbox runs it: ${name}`, async (t) => {
    const network = randomNetwork(specs, 11 + k);
    const { x } = randomBatch(batch, network.inputSize, 2, 5 + k);
    const expected = network.forward(x, false).data;
    const actual = await runOnnxRuntime(encodeOnnx(network), x);
    const difference = maxAbsDifference(actual, expected);
    t.diagnostic(`max |onnxruntime − glassbox| = ${difference.toExponential(2)}`);
    assert.ok(difference <= 1e-5, `max difference ${difference}`);
  });
}

test('encodeOnnx(network) of a network on the WebAssembly backend (the CLI\'s usual one) matches onnxruntime too', async (t) => {
  const backend = await createWasmBackend();
  let worst = 0;
  for (const [k, { specs, batch }] of cases.entries()) {
    const network = randomNetwork(specs, 11 + k, backend);
    const { x } = randomBatch(batch, network.inputSize, 2, 5 + k);
    const input = new Tensor(x.shape, backend.alloc(x.size));
    input.data.set(x.data);
    const expected = Float32Array.from(network.forward(input, false).data);
    worst = Math.max(worst, maxAbsDifference(await runOnnxRuntime(encodeOnnx(network), x), expected));
  }
  t.diagnostic(`max |onnxruntime − glassbox (wasm)| over ${cases.length} networks = ${worst.toExponential(2)}`);
  assert.ok(worst <= 1e-5, `max difference ${worst}`);
});

test('encodeOnnx(network) writes weights as Gemm with transB, so onnxruntime sees [out, in]', async () => {
  // One hand-checkable neuron: z = 2·x0 − 3·x1 + 0.5, then no activation.
  const network = new Network([dense(2, 1)]);
  network.denseLayers()[0].weights.value.data.set([2, -3]);
  network.denseLayers()[0].bias.value.data.set([0.5]);
  const x = new Tensor([2, 2], Float32Array.from([1, 1, 0.5, -1]));
  assert.deepEqual(Array.from(await runOnnxRuntime(encodeOnnx(network), x)), [-0.5, 4.5]);
});
