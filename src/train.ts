import type { Dataset } from './data/dataset.js';
import type { Loss } from './losses/loss.js';
import type { Network } from './network.js';
import type { Optimizer } from './optimizers/optimizer.js';
import type { Random } from './random.js';
import type { Backend } from './backend/backend.js';
import type { Param } from './layers/layer.js';
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
  const { loss, epochs } = options;
  checkFit(network, data, options);
  const random = options.random ?? network.random;
  const order = new Int32Array(data.length);
  const params = network.params();
  const runner = new BatchRunner(network, data, options, order);
  const history: EpochEvent[] = [];
  const stopping = options.earlyStopping;
  let best = Infinity;
  let bestEpoch = 0;
  let sinceBest = 0;
  let bestWeights: Float32Array[] | undefined;
  let stoppedEarly = false;

  for (let epoch = options.firstEpoch ?? 1; epoch <= epochs; epoch++) {
    // Each epoch shuffles from the same starting order, so that the generator's state alone
    // decides it: a checkpoint that saves that state resumes the exact same batches.
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (options.shuffle ?? true) random.shuffle(order);
    const started = now();
    await runner.trainEpoch(epoch, started);
    const lossSum = runner.totals[LOSS_SUM];
    const correct = runner.totals[CORRECT];
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

/**
 * Milliseconds of training between two yields to the event loop: how long a stop request, a
 * message or a timer waits at most. A yield allocates (the runtime's record of the callback and
 * its async context), so it is spread over many batches: yielding every 40 ms, W1 (784 → 128 →
 * 10, batch 64) allocated 19-30 bytes a batch in warm epochs, every 400 ms mostly 8-17: about a
 * kilobyte a yield.
 */
const YIELD_MILLISECONDS = 100;
/**
 * Milliseconds between two readings of the clock while training: a reading may allocate (Node's
 * performance.now goes through a wrapper that gathers its arguments into an array, unless V8
 * inlines it), so the clock is read every so many batches (at most CLOCK_MOST_BATCHES) that this
 * much time passes between readings; a yield comes that much late at most. With readings every
 * 20 ms instead of 5 (every 11 batches of W1) and yields every 100 ms, W1's warm epochs
 * allocated 9-12 bytes a batch.
 */
const CLOCK_MILLISECONDS = 20;
const CLOCK_MOST_BATCHES = 256;
// The runner's totals for the epoch: Σ batch loss · rows, and examples classified right.
const LOSS_SUM = 0;
const CORRECT = 1;

/**
 * fit's batches, run in plain functions between yields to the event loop: an async function
 * keeps its variables in a heap object across awaits, where every number it stores would be
 * boxed anew, batch after batch. The totals and the time of the last yield live in
 * Float64Arrays for the same reason.
 *
 * An epoch is one promise. Within it, the runner yields by scheduling its own `resume` with
 * setImmediate, rather than awaiting a new promise at each yield, which added the promise, its
 * resolving functions, the reaction and the async function's resumption to every yield.
 */
class BatchRunner {
  readonly totals = new Float64Array(2);
  /** The batch's mean loss, which Network.lossInto writes. */
  private readonly batchLoss = new Float64Array(1);
  /** When fit last yielded to the event loop; it carries over from epoch to epoch. */
  private readonly lastYield = new Float64Array([now()]);
  /** The next batch of the epoch in progress, and how to settle the epoch's promise. */
  private next = 0;
  private resolveEpoch: (() => void) | undefined;
  private rejectEpoch: ((error: unknown) => void) | undefined;
  private readonly backend: Backend;
  private readonly params: Param[];
  private readonly batches: number;
  // No batch holds more rows than the data, whatever batch size was asked for.
  private readonly labels: Int32Array;
  private readonly guesses: Int32Array;
  private x: Tensor | undefined;
  /**
   * The next batch's inputs, which the dataset may be filling in the background meanwhile (see
   * Dataset.fillBatchAhead); x and it trade places from batch to batch.
   */
  private nextX: Tensor | undefined;
  private target: Tensor | undefined;
  private epoch = 0;
  private started = 0;
  /** Batches between readings of the clock, and the last reading. */
  private stride = 1;
  private lastClock = now();

  constructor(
    private readonly network: Network, private readonly data: Dataset, private readonly options: FitOptions,
    private readonly order: Int32Array,
  ) {
    this.backend = network.backend;
    this.params = network.params();
    this.batches = Math.ceil(data.length / options.batchSize);
    this.labels = new Int32Array(Math.min(options.batchSize, data.length));
    this.guesses = new Int32Array(Math.min(options.batchSize, data.length));
  }

  /** Trains epoch `epoch` (its order already shuffled), yielding about every YIELD_MILLISECONDS. */
  trainEpoch(epoch: number, started: number): Promise<void> {
    this.epoch = epoch;
    this.started = started;
    this.totals.fill(0);
    this.next = 0;
    return new Promise((resolve, reject) => {
      this.resolveEpoch = resolve;
      this.rejectEpoch = reject;
      this.advance();
    });
  }

  /** Back from a turn of the event loop: the time since the last yield starts again. */
  private readonly resume = (): void => {
    this.lastYield[0] = now();
    this.advance();
  };

  /**
   * Trains until the time is up or the epoch is done, then yields a turn of the event loop (when
   * the time is up, even at the end of an epoch, so that short epochs still yield as often)
   * or settles the epoch.
   */
  private advance(): void {
    try {
      const until = this.lastYield[0] + YIELD_MILLISECONDS;
      // run returns early when the time is up, or at the end of the epoch, which may be sooner.
      if (this.next < this.batches) this.next = this.run(this.next, until);
      if (now() > until) {
        yieldToEventLoop(this.resume);
        return;
      }
    } catch (error) {
      this.rejectEpoch!(error);
      return;
    }
    this.resolveEpoch!();
  }

  /** Trains batches from `batch` on until the clock passes `until`; returns the next batch. */
  private run(batch: number, until: number): number {
    const { network, data, options, backend, labels, guesses } = this;
    const batchSize = options.batchSize;
    for (; batch < this.batches; batch++) {
      options.signal?.throwIfAborted();
      const start = batch * batchSize;
      const rows = Math.min(batchSize, data.length - start);
      // Only the last batch of an epoch may differ in size: reuse the buffers without building a
      // shape for the others.
      if (this.x?.rows !== rows) this.x = reuseTensor(backend, this.x, [rows, data.inputSize]);
      if (this.target?.rows !== rows) this.target = reuseTensor(backend, this.target, [rows, data.classes]);
      const x = this.x;
      const target = this.target;
      data.fillBatch(this.order, start, x, target, labels, backend);
      const output = network.forward(x, true, options.loss);
      // The next batch's inputs can start now, into the other buffer: x stays this batch's until
      // its weight gradient is computed. On 2 threads a worker gathers them while this thread
      // computes the loss and the last layers' gradients.
      const ahead = data.fillBatchAhead !== undefined && batch + 1 < this.batches;
      if (ahead) {
        const nextRows = Math.min(batchSize, data.length - start - batchSize);
        const nextX = this.nextX?.rows === nextRows ? this.nextX : reuseTensor(backend, this.nextX, [nextRows, data.inputSize]);
        data.fillBatchAhead!(this.order, start + batchSize, nextX, backend);
        this.nextX = this.x;
        this.x = nextX;
      }
      network.lossInto(this.batchLoss, options.loss, target);
      const batchLoss = this.batchLoss[0];
      if (!Number.isFinite(batchLoss)) throw new DivergedError(this.epoch, batch + 1, batchLoss);
      backend.argmaxRows(guesses, output);
      let batchCorrect = 0;
      for (let i = 0; i < rows; i++) if (guesses[i] === labels[i]) batchCorrect++;
      network.backward();
      options.optimizer.step(this.params);
      this.totals[LOSS_SUM] += batchLoss * rows;
      this.totals[CORRECT] += batchCorrect;
      if (options.onBatch) {
        const examples = start + rows;
        options.onBatch({
          epoch: this.epoch, batch: batch + 1, batches: this.batches, loss: batchLoss, accuracy: batchCorrect / rows,
          examples, examplesPerSecond: examples / Math.max((now() - this.started) / 1000, 1e-9),
        });
      }
      // The clock is read every `stride` batches: about every CLOCK_MILLISECONDS.
      if ((batch + 1) % this.stride === 0) {
        const time = now();
        const elapsed = Math.max(time - this.lastClock, 1e-3);
        this.stride = Math.max(1, Math.min(CLOCK_MOST_BATCHES, Math.floor((this.stride * CLOCK_MILLISECONDS) / elapsed)));
        this.lastClock = time;
        if (time > until) return batch + 1;
      }
    }
    return batch;
  }
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
    data.fillBatch(order, start, x, target, labels, backend);
    const output = network.forward(x, false, options.loss);
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

/**
 * Lets timers, messages and abort events run, then calls `then`. setImmediate (Node) avoids
 * setTimeout's clamp.
 */
function yieldToEventLoop(then: () => void): void {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (immediate) immediate(then);
  else setTimeout(then, 0);
}
