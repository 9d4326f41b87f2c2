// Whole networks on the WebAssembly backend: a seed repeats a training run bit for bit, and the
// same weights give the reference backend's logits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createLoss, createOptimizer, createWasmBackend, fit, Network, ReferenceBackend, Tensor, type Backend,
} from '../../src/index.js';
import { loadMnist } from '../../cli/mnist-files.js';
import { assertClose, assertSameBits } from './backends.js';

const digits = loadMnist('train').slice(0, 2000);

/** The video's network (784-16-16-10, sigmoid), trained for 200 steps of 10 digits from `seed`. */
async function trainedWeights(backend: Backend, seed: number): Promise<Float32Array[]> {
  const network = Network.perceptron([784, 16, 16, 10], 'sigmoid', 'softmax', { backend, seed });
  await fit(network, digits, {
    loss: createLoss('cross-entropy'),
    optimizer: createOptimizer(backend, 'adam', { learningRate: 0.01 }),
    epochs: 1,
    batchSize: 10,
  });
  return network.params().map((p) => Float32Array.from(p.value.data));
}

test('training on wasm with one seed repeats the same weights bit for bit', async () => {
  const backend = await createWasmBackend();
  const first = await trainedWeights(backend, 42);
  const second = await trainedWeights(await createWasmBackend(), 42);
  assert.equal(first.length, second.length);
  first.forEach((weights, i) => assertSameBits(second[i], weights, `param ${i}`));
  const other = await trainedWeights(backend, 43);
  assert.notDeepEqual(other[0], first[0], 'another seed trains other weights');
});

test('a network on wasm gives the reference backend\'s logits for the same weights', async () => {
  const wasm = await createWasmBackend();
  const reference = new ReferenceBackend();
  const specs = [
    { type: 'dense', inputs: 784, outputs: 128 }, { type: 'relu' },
    { type: 'dense', inputs: 128, outputs: 64 }, { type: 'tanh' },
    { type: 'dense', inputs: 64, outputs: 10 },
  ] as const;
  const onWasm = new Network(specs, { backend: wasm, seed: 5 });
  const onReference = new Network(specs, { backend: reference, seed: 5 });
  onReference.params().forEach((p, i) => assertSameBits(onWasm.params()[i].value.data, p.value.data));
  const batch = 100;
  const x = new Float32Array(batch * 784);
  for (let i = 0; i < x.length; i++) x[i] = digits.pixels[i] / 255;
  const input = wasm.alloc(x.length);
  input.set(x);
  const logits = onWasm.forward(new Tensor([batch, 784], input));
  const expected = onReference.forward(new Tensor([batch, 784], x));
  assertClose(logits.data, expected.data, { relative: 0, absolute: 1e-4 });
});
