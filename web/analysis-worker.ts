// Runs a network over all 10,000 test digits off the page's thread, and reports what the page
// shows about it: accuracy, the confusion matrix, the mistakes it is surest of, and for every
// neuron the test digits that excite it most.
import { selectBackend, Tensor, type ImageDataset } from '../src/index.js';
import { loadMnist } from './data.js';
import type { AnalysisRequest, AnalysisResult, FromAnalyst, Mistake } from './protocol.js';
import { networkWith } from './weights.js';

// Batches of 500 digits through even a wide network need a few MiB; the backend reserves memory up front.
const backendReady = selectBackend('auto', { memoryMiB: 64 });
let testSet: Promise<ImageDataset> | undefined;

/** Keeps the `count` largest scores seen, with the items they belong to, largest first. */
class TopList {
  readonly items: Int32Array;
  readonly scores: Float64Array;
  private filled = 0;

  constructor(readonly count: number) {
    this.items = new Int32Array(count).fill(-1);
    this.scores = new Float64Array(count).fill(-Infinity);
  }

  offer(item: number, score: number): void {
    if (this.filled === this.count && score <= this.scores[this.count - 1]) return;
    let at = Math.min(this.filled, this.count - 1);
    while (at > 0 && this.scores[at - 1] < score) {
      this.items[at] = this.items[at - 1];
      this.scores[at] = this.scores[at - 1];
      at--;
    }
    this.items[at] = item;
    this.scores[at] = score;
    if (this.filled < this.count) this.filled++;
  }
}

async function analyse(request: AnalysisRequest): Promise<AnalysisResult> {
  const backend = await backendReady;
  testSet ??= loadMnist('test', request.baseUrl);
  const test = await testSet;
  const network = networkWith(request.specs, request.weights, backend);
  const classes = network.outputSize;
  const batch = 500;
  const x = new Tensor([batch, test.inputSize], backend.alloc(batch * test.inputSize));
  const target = new Tensor([batch, test.classes], backend.alloc(batch * test.classes));
  const labels = new Int32Array(batch);
  const guesses = new Int32Array(batch);
  const order = new Int32Array(test.length);
  for (let i = 0; i < order.length; i++) order[i] = i;

  const confusion = new Int32Array(classes * classes);
  const allGuesses = new Uint8Array(test.length);
  const mistakes = new TopList(request.wrongCount);
  const sizes = network.neuronLayers().map((layer) => layer.size);
  const tops = sizes.map((size, layer) =>
    layer === 0 ? [] : Array.from({ length: size }, () => new TopList(request.topCount)),
  );
  let correct = 0;
  let seen = 0;

  for (let start = 0; start < test.length; start += batch) {
    const rows = Math.min(batch, test.length - start);
    // The last batch may be short: views of the first rows of the same buffers.
    const xs = rows === batch
      ? x
      : new Tensor([rows, test.inputSize], x.data.subarray(0, rows * test.inputSize));
    const ts = rows === batch
      ? target
      : new Tensor([rows, test.classes], target.data.subarray(0, rows * test.classes));
    test.fillBatch(order, start, xs, ts, labels);
    const output = network.forward(xs, false);
    backend.argmaxRows(guesses, output);
    for (let i = 0; i < rows; i++) {
      const label = labels[i];
      const guess = guesses[i];
      confusion[label * classes + guess]++;
      allGuesses[start + i] = guess;
      if (guess === label) correct++;
      else mistakes.offer(start + i, output.data[i * classes + guess]);
    }
    const layers = network.neuronLayers();
    for (let layer = 1; layer < layers.length; layer++) {
      const activation = layers[layer].activation!.data;
      const size = sizes[layer];
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < size; j++) tops[layer][j].offer(start + i, activation[i * size + j]);
      }
    }
    seen += rows;
  }

  const mistakeList: Mistake[] = [];
  for (let k = 0; k < mistakes.count && mistakes.items[k] >= 0; k++) {
    const index = mistakes.items[k];
    mistakeList.push({
      index, label: test.label(index), guess: allGuesses[index], confidence: mistakes.scores[k],
    });
  }

  const top = tops.map((lists) => {
    const flat = new Int32Array(lists.length * request.topCount);
    lists.forEach((list, j) => flat.set(list.items, j * request.topCount));
    return flat;
  });
  return {
    type: 'analysis', id: request.id, examples: seen, accuracy: correct / seen,
    confusion, mistakes: mistakeList, top, topCount: request.topCount,
  };
}

self.addEventListener('message', (event: MessageEvent<AnalysisRequest>) => {
  const request = event.data;
  analyse(request).then(
    (result: FromAnalyst) => {
      const transfer = result.type === 'analysis'
        ? [result.confusion.buffer, ...result.top.map((t) => t.buffer)]
        : [];
      self.postMessage(result, { transfer });
    },
    (error: Error) => {
      const reply: FromAnalyst = { type: 'error', id: request.id, message: error.message };
      self.postMessage(reply);
    },
  );
});
