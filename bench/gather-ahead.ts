/**
 * Does gathering the next batch ahead (Dataset.fillBatchAhead, Backend.pixelsToFloatsAhead) pay
 * on 2 threads? One process trains W1 (or W4 with --w4) on all of MNIST, its epochs alternating
 * with and without it, and prints each epoch's median batch time, then both sets side by side.
 * Alternating within one process compares the two under the same state of the machine, whose two
 * cores drift near and far apart over minutes (see core-distance.ts); the first two epochs, still
 * compiling, are left out of the summary.
 *
 *   npx tsx bench/gather-ahead.ts [--w4] [--threads N] [--epochs N]
 */
import { parseArgs } from 'node:util';
import { createLoss, createOptimizer, createWasmBackend, enableRelaxedSimd, fit, Network } from '../src/index.js';
import { loadMnist } from '../cli/mnist-files.js';
import { median } from './measure.js';

const { values: flags } = parseArgs({
  options: {
    w4: { type: 'boolean', default: false },
    threads: { type: 'string', default: '2' },
    epochs: { type: 'string', default: '12' },
  },
});
const threads = Number(flags.threads);
const epochs = Number(flags.epochs);
if (!Number.isInteger(threads) || threads < 1 || !Number.isInteger(epochs) || epochs < 4) {
  console.error('gather-ahead: --threads must be a whole number ≥ 1 and --epochs one ≥ 4');
  process.exit(2);
}

enableRelaxedSimd();
const [layers, batchSize] = flags.w4 ? [[784, 512, 512, 10], 128] : [[784, 128, 10], 64];
const backend = await createWasmBackend({ threads });
const network = Network.perceptron(layers, 'relu', 'softmax', { backend, seed: 1 });
const optimizer = createOptimizer(backend, 'momentum', { learningRate: 0.05, momentum: 0.9 });
const loss = createLoss('cross-entropy');
// The training digits in the backend's memory, as the CLI reads them: the only way batches are
// gathered by one kernel call, and so the only way they can be gathered ahead.
const train = loadMnist('train', backend);
const withAhead = train.fillBatchAhead.bind(train);
// An own property hides the class's method: fit then fills each batch when it comes to it.
const dataset = train as { fillBatchAhead?: typeof withAhead };

const batchSeconds: number[] = [];
let last = 0;
const summary: Record<'ahead' | 'plain', number[]> = { ahead: [], plain: [] };
for (let epoch = 0; epoch < epochs; epoch++) {
  const way = epoch % 2 === 0 ? 'ahead' : 'plain';
  dataset.fillBatchAhead = way === 'ahead' ? withAhead : undefined;
  batchSeconds.length = 0;
  last = performance.now();
  const result = await fit(network, train, {
    loss, optimizer, epochs: 1, batchSize,
    onBatch: () => {
      const now = performance.now();
      batchSeconds.push((now - last) / 1000);
      last = now;
    },
  });
  // The first batches of an epoch wait for a worker that may have gone to sleep.
  const microseconds = median(batchSeconds.slice(2)) * 1e6;
  if (epoch >= 2) summary[way].push(microseconds);
  console.log(
    `epoch ${epoch + 1}, ${way}: ${(result.epochs[0].seconds * 1000).toFixed(1)} ms, ` +
      `median batch ${microseconds.toFixed(0)} µs`,
  );
}
for (const way of ['ahead', 'plain'] as const) {
  console.log(`${way}: median batch ${summary[way].map((v) => v.toFixed(0)).join(', ')} µs`);
}
backend.dispose();
