import type { Allocator, Floats, Tensor } from '../tensor.js';
import type { Random } from '../random.js';

/**
 * The closed list of kernels: every numeric loop of the network's maths runs through one of these.
 *
 * Rules every backend keeps:
 * - A kernel writes only into the caller-owned output(s) named first, and never allocates.
 * - Shapes are row-major and batch first. Each kernel checks its shapes and throws a RangeError
 *   naming the kernel and the shapes when they disagree.
 * - An output may be the same tensor as an input only where the kernel says so.
 * - NaN and ±Inf flow through as IEEE arithmetic says; no kernel hides them.
 * The reference backend (reference.ts) is the specification; every other backend must match it.
 */
export interface Backend extends Allocator {
  /** A short name for logs and benchmark tables, such as "reference" or "wasm-simd". */
  readonly name: string;

  /** Returns zeroed memory of `length` numbers that this backend's kernels use without copying. */
  alloc(length: number): Floats;

  /**
   * out = op(a)·op(b), or out += op(a)·op(b) when `accumulate` is true, where op transposes when
   * asked. With op(a) [m, k] and op(b) [k, n], out is [m, n]. `out` must not alias `a` or `b`.
   * Dense uses it three ways: z = x·Wᵀ, dW += dyᵀ·x, dx = dy·W.
   */
  matmul(out: Tensor, a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean, accumulate?: boolean): void;

  /** out[i, j] = a[i, j] + row[j]. a, out: [rows, n]; row: [n]. `out` may be `a`. */
  addRowVector(out: Tensor, a: Tensor, row: Tensor): void;

  /**
   * out[j] = Σ_i a[i, j] (the column sums), or out[j] += that when `accumulate` is true.
   * a: [rows, n]; out: [n]. The bias gradient is the sum of dy over the batch.
   */
  sumRows(out: Tensor, a: Tensor, accumulate?: boolean): void;

  /** out = a ⊙ b, element by element, for tensors of one shape. `out` may be `a` or `b`. */
  multiply(out: Tensor, a: Tensor, b: Tensor): void;

  /** y = 1 / (1 + e^(−x)), elementwise. `y` may be `x`. */
  sigmoid(y: Tensor, x: Tensor): void;
  /** dx = dy ⊙ y ⊙ (1 − y), given the sigmoid's output y. `dx` may be `dy`. */
  sigmoidBackward(dx: Tensor, dy: Tensor, y: Tensor): void;

  /** y = tanh(x), elementwise. `y` may be `x`. */
  tanh(y: Tensor, x: Tensor): void;
  /** dx = dy ⊙ (1 − y²), given tanh's output y. `dx` may be `dy`. */
  tanhBackward(dx: Tensor, dy: Tensor, y: Tensor): void;

  /**
   * y = x when x > 0, else slope·x. ReLU is slope 0. `y` may be `x`.
   * At exactly x = 0 the output is 0 (slope·0) whatever the slope.
   */
  leakyRelu(y: Tensor, x: Tensor, slope: number): void;
  /** dx = dy where x > 0, else slope·dy (the derivative at 0 is taken as slope). `dx` may be `dy`. */
  leakyReluBackward(dx: Tensor, dy: Tensor, x: Tensor, slope: number): void;

  /**
   * Softmax of each row: y[i, j] = e^(x[i, j] − max_i) / Σ_k e^(x[i, k] − max_i).
   * Subtracting the row's maximum keeps e^ finite. x, y: [rows, n]. `y` may be `x`.
   */
  softmaxRows(y: Tensor, x: Tensor): void;
  /** dx[i, j] = y[i, j]·(dy[i, j] − Σ_k dy[i, k]·y[i, k]). `dx` may be `dy`. */
  softmaxRowsBackward(dx: Tensor, dy: Tensor, y: Tensor): void;

  /*
   * The losses write the batch mean loss into loss[0] rather than returning it: a float64
   * returned from WebAssembly, or from a function call that V8 does not inline, is boxed in a new
   * heap number (16 bytes a batch), where one read from a Float64Array is not. The caller keeps
   * `loss` (a Float64Array of at least one element) from batch to batch.
   */

  /**
   * Quadratic cost, as in the video and Nielsen's book: writes into loss[0] the batch mean of
   * ½·Σ_j (y − target)², and into dy = (y − target) / rows, its gradient. dy may be y.
   * y, target, dy: [rows, n].
   */
  meanSquaredError(loss: Float64Array, dy: Tensor, y: Tensor, target: Tensor): void;

  /**
   * Softmax followed by cross-entropy, fused so that it stays finite for any finite logits.
   * Writes probabilities = softmax(logits) and dLogits = (probabilities − target) / rows, and
   * into loss[0] the batch mean of −Σ_j target·log(probability), computed as
   * Σ_j target·(logSumExp − logit) so that a zero probability gives a large finite loss.
   * All tensors [rows, n]. `probabilities` may be `logits`; `dLogits` must be distinct.
   */
  softmaxCrossEntropy(
    loss: Float64Array, dLogits: Tensor, probabilities: Tensor, logits: Tensor, target: Tensor,
  ): void;

  /**
   * Sigmoid followed by cross-entropy, Nielsen's cost for sigmoid output neurons (chapter 3),
   * fused so that it stays finite: writes activations = σ(z) and dz = (activations − target) / rows,
   * and into loss[0] the batch mean of Σ_j −[t·ln a + (1 − t)·ln(1 − a)], computed as
   * Σ_j max(z, 0) − z·t + ln(1 + e^(−|z|)). All tensors [rows, n]. `activations` may be `z`;
   * `dz` must be distinct.
   */
  sigmoidCrossEntropy(loss: Float64Array, dz: Tensor, activations: Tensor, z: Tensor, target: Tensor): void;

  /**
   * Fills `mask` with 0 (probability `rate`) or 1 / (1 − rate), drawing one number per element
   * from `random` in order, so that a seed repeats the same mask on every backend.
   */
  dropoutMask(mask: Tensor, rate: number, random: Random): void;

  /**
   * One step of stochastic gradient descent with (optionally Nesterov) momentum, in place:
   *   g = grad + weightDecay·value
   *   velocity = momentum·velocity − learningRate·g
   *   value += velocity                                    (classical momentum)
   *   value += momentum·velocity − learningRate·g          (Nesterov)
   * Plain SGD is momentum 0, where velocity is written but plays no part.
   */
  sgdStep(value: Tensor, grad: Tensor, velocity: Tensor, options: SgdStepOptions): void;

  /**
   * One Adam step (Kingma and Ba), in place, with L2 weight decay added to the gradient:
   *   g = grad + weightDecay·value
   *   m = β1·m + (1 − β1)·g;   v = β2·v + (1 − β2)·g²
   *   value −= learningRate · (m / (1 − β1^step)) / (√(v / (1 − β2^step)) + epsilon)
   * `step` counts from 1.
   */
  adamStep(value: Tensor, grad: Tensor, m: Tensor, v: Tensor, options: AdamStepOptions): void;

  /** out[i] = the index of the largest x[i, j] (the first one on ties; NaN never wins). */
  argmaxRows(out: Int32Array, x: Tensor): void;

  /**
   * Straightens each image of x into y, as deskewImage (data/deskew.ts) does and to the last bit:
   * the ink's second moments say how far the image leans, and each row is slid back by that
   * much. x, y: [rows, width·height], each row one image of `height` rows of `width` pixels.
   * `y` must not share memory with `x`.
   */
  deskew(y: Tensor, x: Tensor, width: number, height: number): void;

  /**
   * out[i] = pixels[i] / 255 for every element of out: image intensities (bytes) as the numbers
   * 0 to 1 a network reads, the float nearest each quotient. `pixels` holds at least out.size
   * bytes. Datasets of byte images convert their batches with it (see ImageDataset.fillBatch).
   *
   * With `rows`, a batch is gathered from a dataset: row i of out [count, width] is image
   * rows[first + i] of `pixels`, which holds images of `width` bytes one after the other.
   */
  pixelsToFloats(out: Tensor, pixels: Uint8Array, rows?: Int32Array, first?: number): void;

  /**
   * Not a kernel but a hint: pixelsToFloats(out, pixels, rows, first) will be called next for
   * out, and until then nothing reads or writes out, and the pixels stay as they are. A backend
   * with a spare thread may start that gather on it now (the WebAssembly backend does on 2
   * threads), and the later call then only waits for it; a backend may also do nothing (the
   * reference does), and the later call does the work. The arguments are checked as
   * pixelsToFloats checks them. Training calls it for the next batch after each forward pass
   * (see ImageDataset.fillBatchAhead).
   */
  pixelsToFloatsAhead(out: Tensor, pixels: Uint8Array, rows: Int32Array, first?: number): void;
}

export interface SgdStepOptions {
  learningRate: number;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
}

export interface AdamStepOptions {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  /** Which step this is, from 1: the bias corrections depend on it. */
  step: number;
}

/** The names of the kernels, for tests that must visit every one (pixelsToFloatsAhead is a hint, not one). */
export const kernelNames = [
  'matmul', 'addRowVector', 'sumRows', 'multiply', 'sigmoid', 'sigmoidBackward', 'tanh',
  'tanhBackward', 'leakyRelu', 'leakyReluBackward', 'softmaxRows', 'softmaxRowsBackward',
  'meanSquaredError', 'softmaxCrossEntropy', 'sigmoidCrossEntropy', 'dropoutMask', 'sgdStep', 'adamStep', 'argmaxRows',
  'deskew', 'pixelsToFloats',
] as const satisfies readonly (keyof Backend)[];
