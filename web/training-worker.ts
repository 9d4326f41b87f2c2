// Trains a network off the page's thread, one mini-batch at a time, so that the page can pause,
// resume and single-step it. It drives the library's own steps (forward, loss, backward,
// optimizer step) instead of fit(), because fit() runs whole epochs without a pause button.
import {
  createLoss, createOptimizer, Network, Random, selectBackend, Tensor,
  type Backend, type ImageDataset, type Loss, type Optimizer,
} from '../src/index.js';
import { loadMnist } from './data.js';
import type { FromTrainer, ToTrainer, TrainingSettings } from './protocol.js';
import { copyWeights } from './weights.js';

/** Test digits measured for the live accuracy curve: enough for ±1%, quick enough to repeat. */
const liveTestExamples = 2000;
/** Measure test accuracy every this many batches while running, and no more often than this. */
const testEvery = 50;
const testEveryMilliseconds = 150;
/** Train for this long before letting messages (pause) through, then rest for this long. */
const sliceMilliseconds = 20;
const restMilliseconds = 20;
/**
 * Send the page the new weights at most this often: enough to watch the pictures change, and
 * rare enough that redrawing them leaves the page's thread mostly free.
 */
const postEveryMilliseconds = 150;

// Room for the widest network the form allows (four layers of 512) at a batch of 1000.
const backendReady = selectBackend('auto', { memoryMiB: 128 });
let data: Promise<{ train: ImageDataset; test: ImageDataset }> | undefined;
let trainer: Trainer | undefined;
let running = false;
let loopActive = false;

class Trainer {
  readonly network: Network;
  readonly loss: Loss;
  readonly optimizer: Optimizer;
  private readonly random: Random;
  private readonly order: Int32Array;
  private readonly backend: Backend;
  private batchSize = 0;
  private x!: Tensor;
  private target!: Tensor;
  private labels!: Int32Array;
  private position = 0;
  epoch = 1;
  steps = 0;
  examples = 0;
  lastLoss = NaN;
  smoothLoss = NaN;
  testAccuracy: number | undefined;
  testedAtStep = -1;
  private rateStartedAt = performance.now();
  private rateExamples = 0;

  constructor(
    settings: TrainingSettings,
    backend: Backend,
    readonly train: ImageDataset,
    readonly test: ImageDataset,
  ) {
    this.backend = backend;
    this.random = new Random(settings.seed);
    this.network = Network.perceptron(settings.sizes, settings.activation, settings.output, {
      backend,
      random: this.random,
      deskew: settings.deskew ? { width: 28, height: 28 } : undefined,
    });
    this.loss = createLoss(settings.output === 'softmax' ? 'cross-entropy' : 'mse');
    this.optimizer = createOptimizer(backend, settings.optimizer, { learningRate: settings.learningRate });
    this.order = new Int32Array(train.length);
    for (let i = 0; i < this.order.length; i++) this.order[i] = i;
    this.random.shuffle(this.order);
    this.setBatchSize(settings.batchSize);
  }

  setBatchSize(batchSize: number): void {
    if (batchSize === this.batchSize) return;
    this.batchSize = batchSize;
    const { inputSize, classes } = this.train;
    this.x = new Tensor([batchSize, inputSize], this.backend.alloc(batchSize * inputSize));
    this.target = new Tensor([batchSize, classes], this.backend.alloc(batchSize * classes));
    this.labels = new Int32Array(batchSize);
  }

  /** One mini-batch: forward, cost, backpropagation, and the optimizer's nudge. */
  step(): void {
    if (this.position + this.batchSize > this.order.length) {
      this.random.shuffle(this.order);
      this.position = 0;
      this.epoch++;
    }
    this.train.fillBatch(this.order, this.position, this.x, this.target, this.labels);
    this.position += this.batchSize;
    this.network.forward(this.x, true, this.loss);
    const cost = this.network.loss(this.loss, this.target);
    if (!Number.isFinite(cost)) {
      throw new Error(`training diverged: the cost became ${cost} at step ${this.steps + 1}; ` +
        'try a smaller learning rate');
    }
    this.network.backward();
    this.optimizer.step(this.network.params());
    this.steps++;
    this.examples += this.batchSize;
    this.rateExamples += this.batchSize;
    this.lastLoss = cost;
    // An exponential average over about 30 batches: a single batch's cost is too noisy to read.
    this.smoothLoss = Number.isNaN(this.smoothLoss) ? cost : this.smoothLoss + (cost - this.smoothLoss) / 30;
  }

  /** Accuracy on the first liveTestExamples test digits. */
  measure(): void {
    const count = Math.min(liveTestExamples, this.test.length);
    const batch = 250;
    const order = new Int32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    const x = new Tensor([batch, this.test.inputSize], this.backend.alloc(batch * this.test.inputSize));
    const target = new Tensor([batch, this.test.classes], this.backend.alloc(batch * this.test.classes));
    const labels = new Int32Array(batch);
    const guesses = new Int32Array(batch);
    let correct = 0;
    for (let start = 0; start + batch <= count; start += batch) {
      this.test.fillBatch(order, start, x, target, labels);
      this.backend.argmaxRows(guesses, this.network.forward(x, false));
      for (let i = 0; i < batch; i++) if (guesses[i] === labels[i]) correct++;
    }
    this.testAccuracy = correct / (Math.floor(count / batch) * batch);
    this.testedAtStep = this.steps;
  }

  examplesPerSecond(): number {
    const seconds = (performance.now() - this.rateStartedAt) / 1000;
    const rate = seconds > 0 ? this.rateExamples / seconds : 0;
    if (seconds > 2) {
      this.rateStartedAt = performance.now();
      this.rateExamples = 0;
    }
    return rate;
  }
}

function post(message: FromTrainer, transfer: Transferable[] = []): void {
  self.postMessage(message, { transfer });
}

function postProgress(): void {
  if (trainer === undefined) return;
  const weights = copyWeights(trainer.network);
  post({
    type: 'progress',
    steps: trainer.steps,
    examples: trainer.examples,
    epoch: trainer.epoch,
    loss: trainer.lastLoss,
    smoothLoss: trainer.smoothLoss,
    testAccuracy: trainer.testAccuracy,
    testedAtStep: trainer.testedAtStep,
    examplesPerSecond: running ? trainer.examplesPerSecond() : 0,
    running,
    weights,
  }, weights.map((w) => w.buffer));
}

function rest(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** Steps per second at most (0: no limit), and the clock that paces them. */
let pace = 0;
let paceStart = { time: 0, steps: 0 };

function setPace(stepsPerSecond: number): void {
  pace = stepsPerSecond;
  paceStart = { time: performance.now(), steps: trainer?.steps ?? 0 };
}

async function runLoop(): Promise<void> {
  if (loopActive) return;
  loopActive = true;
  let lastPost = 0;
  let lastTest = performance.now();
  setPace(pace);
  try {
    while (running && trainer !== undefined) {
      const sliceEnd = performance.now() + sliceMilliseconds;
      while (running && performance.now() < sliceEnd) {
        const allowed = ((performance.now() - paceStart.time) / 1000) * pace;
        if (pace > 0 && trainer.steps - paceStart.steps >= allowed) break;
        trainer.step();
      }
      const testDue = trainer.steps - trainer.testedAtStep >= testEvery;
      if (testDue && performance.now() - lastTest >= testEveryMilliseconds) {
        trainer.measure();
        lastTest = performance.now();
      }
      if (performance.now() - lastPost > postEveryMilliseconds) {
        postProgress();
        lastPost = performance.now();
      }
      // Rest a little between slices: on a machine with few cores, a worker that never pauses
      // starves the page's own thread and the compositor, and the page stutters.
      await rest(restMilliseconds);
    }
  } catch (error) {
    running = false;
    post({ type: 'error', message: (error as Error).message });
  } finally {
    loopActive = false;
  }
}

async function start(baseUrl: string, settings: TrainingSettings, run: boolean): Promise<void> {
  running = false;
  const backend = await backendReady;
  data ??= Promise.all([loadMnist('train', baseUrl), loadMnist('test', baseUrl)])
    .then(([train, test]) => ({ train, test }));
  const { train, test } = await data;
  trainer = new Trainer(settings, backend, train, test);
  pace = settings.pace;
  trainer.measure();
  post({
    type: 'ready',
    specs: trainer.network.specs(),
    trainingExamples: train.length,
    testExamples: Math.min(liveTestExamples, test.length),
    backend: backend.name,
  });
  postProgress();
  if (run) {
    running = true;
    void runLoop();
  }
}

self.addEventListener('message', (event: MessageEvent<ToTrainer>) => {
  const message = event.data;
  try {
    switch (message.type) {
      case 'start':
        start(message.baseUrl, message.settings, message.run).catch((error: Error) => {
          post({ type: 'error', message: error.message });
        });
        break;
      case 'run':
        if (trainer === undefined) return;
        running = true;
        void runLoop();
        break;
      case 'pause':
        running = false;
        if (trainer !== undefined) {
          trainer.measure();
          postProgress();
        }
        break;
      case 'step':
        if (trainer === undefined || running) return;
        trainer.step();
        if (trainer.steps - trainer.testedAtStep >= testEvery) trainer.measure();
        postProgress();
        break;
      case 'settings':
        if (trainer === undefined) return;
        trainer.optimizer.learningRate = message.learningRate;
        trainer.setBatchSize(message.batchSize);
        setPace(message.pace);
        break;
    }
  } catch (error) {
    running = false;
    post({ type: 'error', message: (error as Error).message });
  }
});
