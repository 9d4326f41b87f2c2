import type { Dataset } from './data/dataset.js';
import type { Loss } from './losses/loss.js';
import type { Network } from './network.js';
import type { Optimizer } from './optimizers/optimizer.js';
import type { Random } from './random.js';
import { reuseTensor, type Tensor } from './tensor.js';

export interface BatchEvent {
  /** From 1. */
  epoch: number;
  /** From 1, within the epoch. */
  batch: number;
  batches: number;
  /** This batch's mean loss. */
  loss: number;
  /** Fraction of this batch classified right, 0..1. */
  accuracy: number;
  /** Examples trained so far in this epoch. */
  examples: number;
  /** Training throughput so far in this epoch. */
  examplesPerSecond: number;
}

export interface EpochEvent {
  epoch: number;
  epochs: number;
  /** Mean training loss over the epoch's batches. */
  loss: number;
  /** Fraction classified right while training this epoch (with dropout on, before each step). */
  trainAccuracy: number;
  validationLoss: number | undefined;
  validationAccuracy: number | undefined;
  /** This epoch's training time alone, without the validation pass. */
  seconds: number;
  examplesPerSecond: number;
}

export interface FitOptions {
  loss: Loss;
  optimizer: Optimizer;
  epochs: number;
  batchSize: number;
  /** Shuffles the examples; defaults to the network's own generator, so one seed fixes the run. */
  random?: Random;
  /** Measured after every epoch; early stopping watches its loss. */
  validation?: Dataset;
  /** Stop when the validation loss has not improved by minDelta for `patience` epochs. */
  earlyStopping?: { patience: number; minDelta?: number; restoreBest?: boolean };
  /** Aborting stops training at the next batch boundary; fit then rejects with the reason. */
  signal?: AbortSignal;
  onBatch?: (event: BatchEvent) => void;
  onEpoch?: (event: EpochEvent) => void;
  /** Which epoch to start at (from 1), when resuming a checkpoint. */
  firstEpoch?: number;
  /** Whether to shuffle each epoch (default true). */
  shuffle?: boolean;
}

export interface FitResult {
  epochs: EpochEvent[];
  stoppedEarly: boolean;
  /** The epoch whose weights the network holds at the end. */
  bestEpoch: number;
}

/** Thrown when the loss stops being a finite number. */
export class DivergedError extends Error {
  constructor(readonly epoch: number, readonly batch: number, readonly loss: number) {
    super(
      `training diverged: the loss became ${loss} at epoch ${epoch}, batch ${batch}; ` +
        'try a smaller learning rate',
    );
    this.name = 'DivergedError';
  }
}

/**
 * Trains `network` on `data`: epochs of shuffled mini-batches, each one forward, loss, backward
 * and an optimizer step. Steady state allocates nothing per batch. Yields to the event loop now
 * and then, so that an AbortSignal, a progress bar or a page stays live.
 */
export async function fit(network: Network, data: Dataset, options: FitOptions): Promise<FitResult> {
  const { loss, optimizer, epochs, batchSize } = options;
  checkFit(network, data, options);
  const random = options.random ?? network.random;
  const backend = network.backend;
  const order = new Int32Array(data.length);
  // No batch holds more rows than the data, whatever batch size was asked for.
  const labels = new Int32Array(Math.min(batchSize, data.length));
  const guesses = new Int32Array(Math.min(batchSize, data.length));
  const params = network.params();
  let x: Tensor | undefined;
  let target: Tensor | undefined;
  const history: EpochEvent[] = [];
  const stopping = options.earlyStopping;
  let best = Infinity;
  let bestEpoch = 0;
  let sinceBest = 0;
  let bestWeights: Float32Array[] | undefined;
  let stoppedEarly = false;
  const batches = Math.ceil(data.length / batchSize);
  let lastYield = now();

  for (let epoch = options.firstEpoch ?? 1; epoch <= epochs; epoch++) {
    // Each epoch shuffles from the same starting order, so that the generator's state alone
    // decides it: a checkpoint that saves that state resumes the exact same batches.
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (options.shuffle ?? true) random.shuffle(order);
    const started = now();
    let lossSum = 0;
    let correct = 0;
    for (let batch = 0; batch < batches; batch++) {
      if (now() - lastYield > 40) {
        await yieldToEventLoop();
        lastYield = now();
      }
      options.signal?.throwIfAborted();
      const start = batch * batchSize;
      const rows = Math.min(batchSize, data.length - start);
      // Only the last batch of an epoch may differ in size: reuse the buffers without building a
      // shape for the others.
      if (x?.rows !== rows) x = reuseTensor(backend, x, [rows, data.inputSize]);
      if (target?.rows !== rows) target = reuseTensor(backend, target, [rows, data.classes]);
      data.fillBatch(order, start, x, target!, labels);
      const output = network.forward(x, true);
      const batchLoss = network.loss(loss, target!);
      if (!Number.isFinite(batchLoss)) throw new DivergedError(epoch, batch + 1, batchLoss);
      backend.argmaxRows(guesses, output);
      let batchCorrect = 0;
      for (let i = 0; i < rows; i++) if (guesses[i] === labels[i]) batchCorrect++;
      network.backward();
      optimizer.step(params);
      lossSum += batchLoss * rows;
      correct += batchCorrect;
      if (options.onBatch) {
        const examples = start + rows;
        options.onBatch({
          epoch, batch: batch + 1, batches, loss: batchLoss, accuracy: batchCorrect / rows,
          examples, examplesPerSecond: examples / Math.max((now() - started) / 1000, 1e-9),
        });
      }
    }
    const seconds = (now() - started) / 1000;
    let validationLoss: number | undefined;
    let validationAccuracy: number | undefined;
    if (options.validation) {
      const result = evaluate(network, options.validation, { loss });
      validationLoss = result.loss;
      validationAccuracy = result.accuracy;
    }
    const event: EpochEvent = {
      epoch, epochs, loss: lossSum / data.length, trainAccuracy: correct / data.length,
      validationLoss, validationAccuracy, seconds, examplesPerSecond: data.length / Math.max(seconds, 1e-9),
    };
    history.push(event);
    options.onEpoch?.(event);

    if (stopping && validationLoss !== undefined) {
      if (validationLoss < best - (stopping.minDelta ?? 0)) {
        best = validationLoss;
        bestEpoch = epoch;
        sinceBest = 0;
        if (stopping.restoreBest ?? true) {
          bestWeights ??= params.map((p) => new Float32Array(p.value.size));
          params.forEach((p, i) => bestWeights![i].set(p.value.data));
        }
      } else if (++sinceBest >= stopping.patience) {
        stoppedEarly = true;
        break;
      }
    }
  }
  if (stoppedEarly && bestWeights) params.forEach((p, i) => p.value.data.set(bestWeights![i]));
  const lastEpoch = history.length ? history[history.length - 1].epoch : 0;
  return { epochs: history, stoppedEarly, bestEpoch: stoppedEarly && bestWeights ? bestEpoch : lastEpoch };
}

export interface Evaluation {
  /** Mean loss, when a loss was given. */
  loss: number | undefined;
  /** Fraction classified right, 0..1. */
  accuracy: number;
  /** confusion[actual][predicted]: how many examples of each class got each guess. */
  confusion: number[][];
  /** Per class, the fraction of its examples classified right (NaN for a class with none). */
  perClassAccuracy: number[];
  count: number;
}

/** Runs the network over all of `data` (no dropout) and counts its guesses. */
export function evaluate(
  network: Network, data: Dataset, options: { loss?: Loss; batchSize?: number } = {},
): Evaluation {
  if (data.inputSize !== network.inputSize) {
    throw new RangeError(`evaluate: the data has ${data.inputSize} inputs per example, the network takes ${network.inputSize}`);
  }
  const batchSize = Math.min(options.batchSize ?? 1000, data.length);
  const backend = network.backend;
  const classes = data.classes;
  const order = new Int32Array(data.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const labels = new Int32Array(batchSize);
  const guesses = new Int32Array(batchSize);
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let x: Tensor | undefined;
  let target: Tensor | undefined;
  let lossSum = 0;
  for (let start = 0; start < data.length; start += batchSize) {
    const rows = Math.min(batchSize, data.length - start);
    x = reuseTensor(backend, x, [rows, data.inputSize]);
    target = reuseTensor(backend, target, [rows, classes]);
    data.fillBatch(order, start, x, target, labels);
    const output = network.forward(x, false);
    if (options.loss) lossSum += network.loss(options.loss, target) * rows;
    backend.argmaxRows(guesses, output);
    for (let i = 0; i < rows; i++) confusion[labels[i]][guesses[i]]++;
  }
  let correct = 0;
  const perClassAccuracy = confusion.map((row, actual) => {
    const total = row.reduce((a, b) => a + b, 0);
    correct += row[actual];
    return total === 0 ? NaN : row[actual] / total;
  });
  return {
    loss: options.loss ? lossSum / data.length : undefined,
    accuracy: data.length === 0 ? NaN : correct / data.length,
    confusion,
    perClassAccuracy,
    count: data.length,
  };
}

function checkFit(network: Network, data: Dataset, options: FitOptions): void {
  const { epochs, batchSize } = options;
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`fit: epochs must be a whole number ≥ 0, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`fit: batchSize must be a whole number ≥ 1, got ${batchSize}`);
  }
  if (data.length === 0) throw new RangeError('fit: the training data is empty');
  if (data.inputSize !== network.inputSize) {
    throw new RangeError(`fit: the data has ${data.inputSize} inputs per example, the network takes ${network.inputSize}`);
  }
  if (data.classes !== network.outputSize) {
    throw new RangeError(`fit: the data has ${data.classes} classes, the network has ${network.outputSize} outputs`);
  }
}

function now(): number {
  return performance.now();
}

/** Lets timers, messages and abort events run. setImmediate (Node) avoids setTimeout's clamp. */
function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}
