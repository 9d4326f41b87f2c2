import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  gradientCheck, MeanSquaredError, Network, ReferenceBackend, CrossEntropy,
  type LayerSpec,
} from '../src/index.js';
import { randomBatch } from './helpers/batch.js';
import { backends, label } from './backend/backends.js';

// Each layer is checked alone (behind a Dense, which gives it parameters to check through),
// with each loss, and then inside a whole network. Float64 backprop must agree with central
// differences to about 1e-7; the float32 reference backend to about 1e-3.
const activations: LayerSpec[] = [
  { type: 'sigmoid' }, { type: 'relu' }, { type: 'leaky-relu', slope: 0.1 }, { type: 'tanh' },
  { type: 'softmax' }, { type: 'dropout', rate: 0.5 },
];

for (const activation of activations) {
  for (const loss of [new MeanSquaredError(), new CrossEntropy()]) {
    if (loss.name === 'cross-entropy' && activation.type !== 'softmax' && activation.type !== 'sigmoid') continue;
    test(`gradientCheck(Dense → ${activation.type}, ${loss}) matches central differences`, () => {
      const network = new Network([{ type: 'dense', inputs: 5, outputs: 4 }, activation], {
        seed: 11, initializer: 'nielsen',
      });
      const result = gradientCheck(network, randomBatch(3, 5, 4), { loss });
      assert.ok(result.maxRelativeError < 1e-6, JSON.stringify(result.params));
      assert.ok(result.backendMaxRelativeError < 2e-2, JSON.stringify(result.params));
    });
  }
}

test('gradientCheck(network) passes for a whole 784-16-16-10 style network (smaller widths)', () => {
  const network = Network.perceptron([20, 16, 16, 10], 'sigmoid', 'sigmoid', { seed: 3, initializer: 'nielsen' });
  const result = gradientCheck(network, randomBatch(4, 20, 10), { samplesPerParam: 60 });
  assert.equal(result.params.length, 6);
  // Three sigmoids deep, rounding in the float64 differences shows at the 1e-6 level.
  assert.ok(result.maxRelativeError < 1e-5, JSON.stringify(result.params));
  assert.ok(result.backendMaxRelativeError < 1e-3, JSON.stringify(result.params));
});

test('gradientCheck(network) passes for a deep ReLU network with softmax cross-entropy', () => {
  const network = Network.perceptron([12, 9, 7, 5], 'relu', 'softmax', { seed: 8 });
  const result = gradientCheck(network, randomBatch(6, 12, 5));
  assert.ok(result.maxRelativeError < 1e-6, JSON.stringify(result.params));
});

test('gradientCheck(network) catches a wrong derivative', () => {
  // A backend whose sigmoid derivative is off by a factor of two must fail the check.
  class BrokenBackend extends ReferenceBackend {
    override sigmoidBackward(...args: Parameters<ReferenceBackend['sigmoidBackward']>): void {
      super.sigmoidBackward(...args);
      const dx = args[0];
      for (let i = 0; i < dx.size; i++) dx.data[i] *= 2;
    }
  }
  const network = Network.perceptron([6, 5, 3], 'sigmoid', 'sigmoid', { seed: 2, backend: new BrokenBackend() });
  const result = gradientCheck(network, randomBatch(2, 6, 3));
  // The float64 twin uses the real reference, so only the backend's figure shows the fault.
  assert.ok(result.maxRelativeError < 1e-6);
  assert.ok(result.backendMaxRelativeError > 0.3, String(result.backendMaxRelativeError));
});

test('network.loss(cross-entropy) refuses a network that ends in neither Softmax nor Sigmoid', () => {
  const network = Network.perceptron([4, 3], 'relu', 'relu');
  const { x, target } = randomBatch(2, 4, 3);
  network.forward(x);
  assert.throws(() => network.loss(new CrossEntropy(), target), /needs a network that ends in Softmax or Sigmoid, not ReLU/);
});

// Backprop through every backend's kernels (float32) against float64 central differences: each
// backend's gradients must be right, not only its forward pass.
for (const backend of backends) {
  test(`gradientCheck(network) passes through ${label(backend)}`, () => {
    for (const [sizes, activation, output] of [
      [[20, 16, 16, 10], 'sigmoid', 'sigmoid'], [[12, 9, 7, 5], 'relu', 'softmax'], [[8, 6, 3], 'tanh', 'softmax'],
    ] as const) {
      const network = Network.perceptron(sizes, activation, output, { seed: 4, backend, initializer: 'nielsen' });
      const result = gradientCheck(network, randomBatch(5, sizes[0], sizes[sizes.length - 1]));
      assert.ok(result.maxRelativeError < 1e-5, JSON.stringify(result.params));
      assert.ok(result.backendMaxRelativeError < 2e-3, `${activation}: ${JSON.stringify(result.params)}`);
    }
  });
}
