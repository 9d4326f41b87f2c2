import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createLoss, createOptimizer, createWasmBackend, DivergedError, ImageDataset, Random, evaluate, fit, Network,
  type EpochEvent, type BatchEvent,
} from '../src/index.js';
import { blobDataset } from './helpers/blobs.js';

const data = blobDataset(600);
const validation = blobDataset(200, 64, 4, 2);

async function train(seed: number, options: { dropout?: number; optimizer?: 'sgd' | 'momentum' | 'adam' } = {}) {
  const network = Network.perceptron([64, 12, 4], 'relu', 'softmax', { seed, dropout: options.dropout });
  const optimizer = createOptimizer(network.backend, options.optimizer ?? 'momentum', {
    learningRate: options.optimizer === 'adam' ? 0.01 : 0.1, nesterov: true, weightDecay: 1e-4,
  });
  const result = await fit(network, data, { loss: createLoss('cross-entropy'), optimizer, epochs: 3, batchSize: 32 });
  return { network, result };
}

test('fit(network, data) with one seed gives bit-identical weights, with dropout and shuffling', async () => {
  for (const optimizer of ['sgd', 'momentum', 'adam'] as const) {
    const a = await train(5, { dropout: 0.3, optimizer });
    const b = await train(5, { dropout: 0.3, optimizer });
    const c = await train(6, { dropout: 0.3, optimizer });
    a.network.params().forEach((p, i) => assert.deepEqual(p.value.data, b.network.params()[i].value.data));
    assert.notDeepEqual(a.network.params()[0].value.data, c.network.params()[0].value.data);
  }
});

test('fit(network, data) on 2 threads, each next batch gathered ahead by the worker, gives the bits it gives without', async () => {
  const backend = await createWasmBackend({ threads: 2 });
  // 330 images of 784 bytes in the backend's memory, mostly zeros as digits are: batches of 64
  // are large enough to be gathered ahead, and the last batch (10) is smaller.
  const examples = 330;
  const floats = backend.alloc((examples * 784) / 4);
  const pixels = new Uint8Array(floats.buffer, floats.byteOffset, examples * 784);
  const random = new Random(3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = random.next() < 0.2 ? Math.floor(random.next() * 256) : 0;
  const labels = Uint8Array.from({ length: examples }, (_, i) => i % 10);
  const images = new ImageDataset(pixels, labels, 784, 10, { backend, memory: floats });
  const aheadCalls = [0];
  const trainOnce = async (ahead: boolean) => {
    // The same dataset without fillBatchAhead: fit then fills each batch when it comes to it.
    const dataset = ahead ? images : Object.assign(Object.create(images), { fillBatchAhead: undefined });
    const network = Network.perceptron([784, 32, 10], 'relu', 'softmax', { backend, seed: 8 });
    const optimizer = createOptimizer(backend, 'momentum', { learningRate: 0.05, momentum: 0.9 });
    await fit(network, dataset, { loss: createLoss('cross-entropy'), optimizer, epochs: 2, batchSize: 64 });
    return network.params().map((p) => Float32Array.from(p.value.data));
  };
  const pixelsToFloatsAhead = backend.pixelsToFloatsAhead.bind(backend);
  backend.pixelsToFloatsAhead = (...args) => {
    aheadCalls[0]++;
    pixelsToFloatsAhead(...args);
  };
  const withAhead = await trainOnce(true);
  // Each epoch's six batches but its first are posted ahead, during the batch before.
  assert.equal(aheadCalls[0], 2 * 5, 'batches posted ahead');
  const without = await trainOnce(false);
  assert.equal(aheadCalls[0], 10, 'no batch posted ahead without fillBatchAhead');
  withAhead.forEach((values, i) => assert.deepEqual(values, without[i], `parameter ${i}`));
  backend.dispose();
});

test('fit(network, data) learns and reports typed batch and epoch events', async () => {
  const network = Network.perceptron([64, 12, 4], 'sigmoid', 'softmax', { seed: 1 });
  const batches: BatchEvent[] = [];
  const epochs: EpochEvent[] = [];
  await fit(network, data, {
    loss: createLoss('cross-entropy'), optimizer: createOptimizer(network.backend, 'adam', { learningRate: 0.01 }),
    epochs: 4, batchSize: 50, validation, onBatch: (e) => batches.push(e), onEpoch: (e) => epochs.push(e),
  });
  assert.equal(batches.length, 4 * 12);
  assert.deepEqual(batches.slice(0, 2).map((b) => [b.epoch, b.batch, b.batches, b.examples]), [[1, 1, 12, 50], [1, 2, 12, 100]]);
  assert.equal(epochs.length, 4);
  const last = epochs[3];
  assert.ok(last.validationAccuracy! > 0.95, `validation accuracy ${last.validationAccuracy}`);
  assert.ok(last.trainAccuracy > 0.9 && last.loss < epochs[0].loss);
  assert.ok(last.seconds > 0 && last.examplesPerSecond > 0);
});

test('fit(network, data) stops with DivergedError naming the epoch and batch when the loss turns NaN', async () => {
  const network = Network.perceptron([64, 12, 4], 'relu', 'softmax', { seed: 1 });
  const optimizer = createOptimizer(network.backend, 'sgd', { learningRate: 1e30 });
  await assert.rejects(
    fit(network, data, { loss: createLoss('cross-entropy'), optimizer, epochs: 2, batchSize: 32 }),
    (error: unknown) => error instanceof DivergedError && /epoch \d+, batch \d+/.test(error.message),
  );
});

test('fit(network, data) stops at the next batch when its AbortSignal fires', async () => {
  const network = Network.perceptron([64, 12, 4], 'relu', 'softmax', { seed: 1 });
  const controller = new AbortController();
  let seen = 0;
  await assert.rejects(
    fit(network, data, {
      loss: createLoss('cross-entropy'), optimizer: createOptimizer(network.backend, 'sgd', { learningRate: 0.1 }),
      epochs: 1000, batchSize: 8, signal: controller.signal,
      onBatch: () => {
        if (++seen === 10) controller.abort();
      },
    }),
    { name: 'AbortError' },
  );
  assert.equal(seen, 10);
});

test('fit(network, data) lets timers run while it trains, so a timer can abort it', async () => {
  const network = Network.perceptron([64, 12, 4], 'relu', 'softmax', { seed: 1 });
  const controller = new AbortController();
  let fired = false;
  const timer = setTimeout(() => {
    fired = true;
    controller.abort();
  }, 20);
  await assert.rejects(
    fit(network, data, {
      loss: createLoss('cross-entropy'), optimizer: createOptimizer(network.backend, 'sgd', { learningRate: 0.1 }),
      epochs: 1_000_000, batchSize: 8, signal: controller.signal,
    }),
    { name: 'AbortError' },
  );
  clearTimeout(timer);
  assert.ok(fired);
});

test('fit(network, data) with earlyStopping stops when validation loss stalls and restores the best weights', async () => {
  const network = Network.perceptron([64, 32, 4], 'relu', 'softmax', { seed: 1 });
  // Forty examples with shuffled labels: the network can only memorise them, so validation
  // loss soon rises and early stopping must step in.
  const clean = blobDataset(40, 64, 4, 9);
  const tiny = new ImageDataset(clean.pixels, new Random(4).shuffle(Uint8Array.from(clean.labels)), 64, 4);
  const result = await fit(network, tiny, {
    loss: createLoss('cross-entropy'), optimizer: createOptimizer(network.backend, 'adam', { learningRate: 0.05 }),
    epochs: 200, batchSize: 8, validation, earlyStopping: { patience: 3 },
  });
  assert.ok(result.stoppedEarly);
  assert.ok(result.epochs.length < 200);
  const best = result.epochs.find((e) => e.epoch === result.bestEpoch)!;
  const now = evaluate(network, validation, { loss: createLoss('cross-entropy') });
  assert.ok(Math.abs(now.loss! - best.validationLoss!) < 1e-6, `${now.loss} vs ${best.validationLoss}`);
});

test('evaluate(network, data) counts a confusion matrix and per-class accuracy', () => {
  const network = Network.perceptron([64, 4], 'softmax', 'softmax', { seed: 1 });
  const result = evaluate(network, validation);
  assert.equal(result.count, 200);
  const total = result.confusion.flat().reduce((a, b) => a + b, 0);
  assert.equal(total, 200);
  const diagonal = result.confusion.reduce((sum, row, i) => sum + row[i], 0);
  assert.equal(result.accuracy, diagonal / 200);
  result.perClassAccuracy.forEach((accuracy, i) => {
    const row = result.confusion[i];
    assert.equal(accuracy, row[i] / row.reduce((a, b) => a + b, 0));
  });
});

test('fit(network, data) rejects data that does not fit the network', async () => {
  const network = Network.perceptron([10, 4], 'softmax', 'softmax');
  await assert.rejects(
    fit(network, data, { loss: createLoss('cross-entropy'), optimizer: createOptimizer(network.backend, 'sgd', { learningRate: 1 }), epochs: 1, batchSize: 8 }),
    /64 inputs per example, the network takes 10/,
  );
});
