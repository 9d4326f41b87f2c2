import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLoss, createOptimizer, evaluate, fit, Network } from '../src/index.js';
import { loadMnist } from '../cli/mnist-files.js';

test('fit(network, MNIST slice) trains the video network above a floor on unseen digits', async () => {
  const train = loadMnist('train').slice(0, 5000);
  const test = loadMnist('test').slice(0, 1000);
  const network = Network.perceptron([784, 16, 16, 10], 'sigmoid', 'sigmoid', { seed: 1, deskew: { width: 28, height: 28 } });
  const before = evaluate(network, test).accuracy;
  await fit(network, train, {
    loss: createLoss('mse'), optimizer: createOptimizer(network.backend, 'adam', { learningRate: 0.01 }),
    epochs: 6, batchSize: 32,
  });
  const after = evaluate(network, test);
  assert.ok(before < 0.3, `untrained accuracy ${before}`);
  assert.ok(after.accuracy > 0.85, `accuracy ${after.accuracy} after 6 epochs on 5,000 digits`);
});
