import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArrayDataset, createLoss, createOptimizer, Dense, evaluate, fit, MeanSquaredError, Network, ReferenceBackend, Tensor,
} from '../src/index.js';

/**
 * A 2-2-1 sigmoid network worked by hand:
 *   x = [1, 0.5], W1 = [[0.1, 0.2], [0.3, 0.4]], b1 = [0.5, −0.5]
 *   z1 = [0.1 + 0.1 + 0.5, 0.3 + 0.2 − 0.5] = [0.7, 0]          a1 = [σ(0.7), σ(0)] = [0.66818777, 0.5]
 *   W2 = [[1, −1]], b2 = [0.25]:  z2 = 0.66818777 − 0.5 + 0.25 = 0.41818777,  a2 = σ(z2) = 0.60304952
 *   quadratic cost to target 1: ½(a2 − 1)² = 0.07878484
 *   δ2 = (a2 − 1)·a2·(1 − a2) = −0.09502232;  ∂C/∂W2 = δ2·a1 = [−0.06349275, −0.04751116]
 *   δ1 = (W2ᵀ δ2) ⊙ σ′(z1) = [−0.09502232·0.66818777·0.33181223, 0.09502232·0.25] = [−0.02106767, 0.02375558]
 *   ∂C/∂W1 = δ1 xᵀ = [[−0.02106767, −0.01053384], [0.02375558, 0.01187779]]
 */
function handWorkedNetwork(): Network {
  const network = Network.perceptron([2, 2, 1], 'sigmoid');
  const [first, second] = network.denseLayers();
  first.weights.value.data.set([0.1, 0.2, 0.3, 0.4]);
  first.bias.value.data.set([0.5, -0.5]);
  second.weights.value.data.set([1, -1]);
  second.bias.value.data.set([0.25]);
  return network;
}

const close = (actual: ArrayLike<number>, expected: number[], tolerance = 1e-6) => {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i] - e) < tolerance, `[${i}] ${actual[i]} vs ${e}`));
};

test('network.forward(x) gives the hand-worked weighted sums and activations', () => {
  const network = handWorkedNetwork();
  const output = network.forward(new Tensor([1, 2], new Float32Array([1, 0.5])));
  close(output.data, [0.60304952]);
  const layers = network.neuronLayers();
  assert.equal(layers.length, 3);
  close(layers[1].z!.data, [0.7, 0]);
  close(layers[1].activation!.data, [0.66818777, 0.5]);
  close(layers[2].z!.data, [0.41818777]);
  assert.equal(layers[1].squish, 'sigmoid');
});

test('network.loss() and backward() give the hand-worked cost and gradients', () => {
  const network = handWorkedNetwork();
  network.forward(new Tensor([1, 2], new Float32Array([1, 0.5])));
  const cost = network.loss(new MeanSquaredError(), new Tensor([1, 1], new Float32Array([1])));
  assert.ok(Math.abs(cost - 0.07878484) < 1e-7);
  network.backward();
  const [first, second] = network.denseLayers();
  close(second.weights.grad.data, [-0.06349275, -0.04751116]);
  close(second.bias.grad.data, [-0.09502232]);
  close(first.weights.grad.data, [-0.02106767, -0.01053384, 0.02375558, 0.01187779]);
  close(first.bias.grad.data, [-0.02106767, 0.02375558]);
});

test('network.neuron(layer, j) reads activation, z, incoming weights and bias', () => {
  const network = handWorkedNetwork();
  network.forward(new Tensor([1, 2], new Float32Array([1, 0.5])));
  const neuron = network.neuron(1, 0);
  assert.ok(Math.abs(neuron.activation - 0.66818777) < 1e-6);
  assert.ok(Math.abs(neuron.z! - 0.7) < 1e-6);
  close(neuron.weights!, [0.1, 0.2]);
  assert.ok(Math.abs(neuron.bias! - 0.5) < 1e-7);
  const pixel = network.neuron(0, 1);
  assert.equal(pixel.activation, 0.5);
  assert.equal(pixel.weights, undefined);
  assert.throws(() => network.neuron(3, 0), /no layer 3/);
  assert.throws(() => network.neuron(1, 2), /neurons 0\.\.1/);
});

test('Network.perceptron(sizes) builds the video network and names its layers', () => {
  const network = Network.perceptron([784, 16, 16, 10], 'sigmoid');
  assert.equal(String(network), 'Network(Dense(784→16) → Sigmoid → Dense(16→16) → Sigmoid → Dense(16→10) → Sigmoid)');
  assert.equal(network.parameterCount(), 784 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10);
  assert.ok(network.layers[0] instanceof Dense);
});

test('new Network(specs) rejects layers that do not fit together', () => {
  assert.throws(
    () => new Network([{ type: 'dense', inputs: 784, outputs: 16 }, { type: 'dense', inputs: 30, outputs: 10 }]),
    /layer 1 \(Dense\(30→10\)\).*16 outputs/,
  );
  assert.throws(() => new Network([{ type: 'sigmoid' }]), /first layer must be dense/);
  assert.throws(() => new Network([]), /at least one layer/);
});

test('fit(network, XOR) learns XOR', async () => {
  const xor = new ArrayDataset([[0, 0], [0, 1], [1, 0], [1, 1]], [[1, 0], [0, 1], [0, 1], [1, 0]]);
  const network = Network.perceptron([2, 8, 2], 'tanh', 'softmax', { seed: 3 });
  const loss = createLoss('cross-entropy');
  const result = await fit(network, xor, {
    loss, optimizer: createOptimizer(network.backend, 'adam', { learningRate: 0.05 }), epochs: 300, batchSize: 4,
  });
  const evaluation = evaluate(network, xor, { loss });
  assert.equal(evaluation.accuracy, 1);
  assert.ok(evaluation.loss! < 0.05, `loss ${evaluation.loss}`);
  assert.ok(result.epochs[0].loss > 4 * result.epochs[result.epochs.length - 1].loss);
});

test('fit(network, XOR) learns XOR with the quadratic cost and plain SGD, as in the book', async () => {
  const xor = new ArrayDataset([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]].map(([t]) => [1 - t, t]));
  const network = Network.perceptron([2, 4, 2], 'sigmoid', 'sigmoid', { seed: 1, initializer: 'nielsen-large' });
  await fit(network, xor, {
    loss: createLoss('mse'), optimizer: createOptimizer(network.backend, 'sgd', { learningRate: 3 }),
    epochs: 2000, batchSize: 4,
  });
  assert.equal(evaluate(network, xor).accuracy, 1);
});

test('network.forward(x, true, loss) leaves a fused final softmax to the loss: the same bits, one softmax fewer', () => {
  class CountingBackend extends ReferenceBackend {
    squishes = 0;
    override softmaxRows(y: Tensor, x: Tensor): void {
      this.squishes++;
      super.softmaxRows(y, x);
    }
    override sigmoid(y: Tensor, x: Tensor): void {
      this.squishes++;
      super.sigmoid(y, x);
    }
  }
  const step = (output: 'softmax' | 'sigmoid', lossName: 'cross-entropy' | 'mse', tell: boolean) => {
    const backend = new CountingBackend();
    const network = Network.perceptron([4, 3, 3], 'relu', output, { backend, seed: 3 });
    const x = new Tensor([2, 4], Float32Array.of(0.5, -1, 2, 0.25, 1, 0, -0.5, 3));
    const target = new Tensor([2, 3], Float32Array.of(0, 1, 0, 1, 0, 0));
    const loss = createLoss(lossName);
    const out = network.forward(x, true, tell ? loss : undefined);
    const cost = network.loss(loss, target);
    network.backward();
    const grads = network.params().map((param) => Array.from(param.grad.data));
    return { output: Array.from(out.data), cost, grads, squishes: backend.squishes };
  };
  for (const [output, lossName, fused] of [['softmax', 'cross-entropy', true], ['sigmoid', 'cross-entropy', true], ['sigmoid', 'mse', false]] as const) {
    const plain = step(output, lossName, false);
    const told = step(output, lossName, true);
    assert.deepEqual(told.output, plain.output, `${output} + ${lossName}: output`);
    assert.equal(told.cost, plain.cost);
    assert.deepEqual(told.grads, plain.grads);
    // The hidden layer is ReLU: the output layer's squish is the only one counted.
    assert.equal(plain.squishes, 1);
    assert.equal(told.squishes, fused ? 0 : 1, `${output} + ${lossName}: squishes`);
  }
});
