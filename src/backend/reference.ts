import type { AdamStepOptions, Backend, SgdStepOptions } from './backend.js';
import type { Floats, Tensor } from '../tensor.js';
import type { Random } from '../random.js';
import {
  checkDeskew, checkLossSlot, checkMatrix, checkPixels, checkRowVector, checkSameShape, describe,
  matmulDimensions,
} from './shapes.js';
import { deskewImage } from '../data/deskew.js';

/**
 * The reference backend: plain scalar TypeScript, written to be read. It is the specification
 * that every faster backend is tested against, and it is also the fallback where WebAssembly is
 * missing. It runs on float32 or, for the gradient check, float64 memory.
 */
export class ReferenceBackend implements Backend {
  readonly name: string;
  private readonly precision: 'float32' | 'float64';

  constructor(options: { precision?: 'float32' | 'float64' } = {}) {
    this.precision = options.precision ?? 'float32';
    this.name = this.precision === 'float32' ? 'reference' : 'reference-float64';
  }

  alloc(length: number): Floats {
    return this.precision === 'float32' ? new Float32Array(length) : new Float64Array(length);
  }

  matmul(out: Tensor, a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean, accumulate = false): void {
    const [m, n, k] = matmulDimensions(out, a, b, transposeA, transposeB);
    const A = a.data;
    const B = b.data;
    const C = out.data;
    // a is stored [m, k] or, transposed, [k, m]; b is stored [k, n] or, transposed, [n, k].
    const aRowStride = transposeA ? 1 : k;
    const aColStride = transposeA ? m : 1;
    if (!accumulate) C.fill(0, 0, m * n);
    if (transposeB) {
      // b's rows are out's columns, so each out[i, j] is a dot product of two contiguous rows.
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let sum = 0;
          for (let p = 0; p < k; p++) sum += A[i * aRowStride + p * aColStride] * B[j * k + p];
          C[i * n + j] += sum;
        }
      }
      return;
    }
    // Otherwise add a[i, p] times b's row p into out's row i: both rows are read in order, which
    // is several times faster than striding down b's columns.
    for (let i = 0; i < m; i++) {
      for (let p = 0; p < k; p++) {
        const scale = A[i * aRowStride + p * aColStride];
        for (let j = 0; j < n; j++) C[i * n + j] += scale * B[p * n + j];
      }
    }
  }

  addRowVector(out: Tensor, a: Tensor, row: Tensor): void {
    checkRowVector('addRowVector', a, row);
    checkSameShape('addRowVector', out, a);
    const n = row.size;
    for (let i = 0; i < a.size; i++) out.data[i] = a.data[i] + row.data[i % n];
  }

  sumRows(out: Tensor, a: Tensor, accumulate = false): void {
    checkRowVector('sumRows', a, out);
    const [rows, n] = a.shape;
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let i = 0; i < rows; i++) sum += a.data[i * n + j];
      out.data[j] = accumulate ? out.data[j] + sum : sum;
    }
  }

  multiply(out: Tensor, a: Tensor, b: Tensor): void {
    checkSameShape('multiply', out, a, b);
    for (let i = 0; i < out.size; i++) out.data[i] = a.data[i] * b.data[i];
  }

  sigmoid(y: Tensor, x: Tensor): void {
    checkSameShape('sigmoid', y, x);
    for (let i = 0; i < x.size; i++) y.data[i] = 1 / (1 + Math.exp(-x.data[i]));
  }

  sigmoidBackward(dx: Tensor, dy: Tensor, y: Tensor): void {
    checkSameShape('sigmoidBackward', dx, dy, y);
    for (let i = 0; i < y.size; i++) {
      const s = y.data[i];
      dx.data[i] = dy.data[i] * s * (1 - s);
    }
  }

  tanh(y: Tensor, x: Tensor): void {
    checkSameShape('tanh', y, x);
    for (let i = 0; i < x.size; i++) y.data[i] = Math.tanh(x.data[i]);
  }

  tanhBackward(dx: Tensor, dy: Tensor, y: Tensor): void {
    checkSameShape('tanhBackward', dx, dy, y);
    for (let i = 0; i < y.size; i++) {
      const t = y.data[i];
      dx.data[i] = dy.data[i] * (1 - t * t);
    }
  }

  leakyRelu(y: Tensor, x: Tensor, slope: number): void {
    checkSameShape('leakyRelu', y, x);
    for (let i = 0; i < x.size; i++) {
      const v = x.data[i];
      // NaN fails v > 0 and becomes slope·NaN = NaN, so it is not hidden.
      y.data[i] = v > 0 ? v : slope * v;
    }
  }

  leakyReluBackward(dx: Tensor, dy: Tensor, x: Tensor, slope: number): void {
    checkSameShape('leakyReluBackward', dx, dy, x);
    for (let i = 0; i < x.size; i++) {
      dx.data[i] = x.data[i] > 0 ? dy.data[i] : slope * dy.data[i];
    }
  }

  softmaxRows(y: Tensor, x: Tensor): void {
    checkMatrix('softmaxRows', 'x', x);
    checkSameShape('softmaxRows', y, x);
    const [rows, n] = x.shape;
    for (let i = 0; i < rows; i++) {
      const start = i * n;
      let max = -Infinity;
      for (let j = 0; j < n; j++) max = Math.max(max, x.data[start + j]);
      let sum = 0;
      for (let j = 0; j < n; j++) {
        const e = Math.exp(x.data[start + j] - max);
        y.data[start + j] = e;
        sum += e;
      }
      for (let j = 0; j < n; j++) y.data[start + j] /= sum;
    }
  }

  softmaxRowsBackward(dx: Tensor, dy: Tensor, y: Tensor): void {
    checkMatrix('softmaxRowsBackward', 'y', y);
    checkSameShape('softmaxRowsBackward', dx, dy, y);
    const [rows, n] = y.shape;
    for (let i = 0; i < rows; i++) {
      const start = i * n;
      let dot = 0;
      for (let j = 0; j < n; j++) dot += dy.data[start + j] * y.data[start + j];
      for (let j = 0; j < n; j++) {
        dx.data[start + j] = y.data[start + j] * (dy.data[start + j] - dot);
      }
    }
  }

  meanSquaredError(loss: Float64Array, dy: Tensor, y: Tensor, target: Tensor): void {
    checkLossSlot('meanSquaredError', loss);
    checkMatrix('meanSquaredError', 'y', y);
    checkSameShape('meanSquaredError', dy, y, target);
    const rows = y.shape[0];
    let sum = 0;
    for (let i = 0; i < y.size; i++) {
      const difference = y.data[i] - target.data[i];
      sum += difference * difference;
      dy.data[i] = difference / rows;
    }
    loss[0] = (0.5 * sum) / rows;
  }

  softmaxCrossEntropy(
    loss: Float64Array, dLogits: Tensor, probabilities: Tensor, logits: Tensor, target: Tensor,
  ): void {
    checkLossSlot('softmaxCrossEntropy', loss);
    checkMatrix('softmaxCrossEntropy', 'logits', logits);
    checkSameShape('softmaxCrossEntropy', dLogits, probabilities, logits, target);
    if (dLogits.data === logits.data || dLogits.data === probabilities.data) {
      throw new RangeError('softmaxCrossEntropy: dLogits must not share memory with its inputs');
    }
    const [rows, n] = logits.shape;
    let total = 0;
    for (let i = 0; i < rows; i++) {
      const start = i * n;
      let max = -Infinity;
      for (let j = 0; j < n; j++) max = Math.max(max, logits.data[start + j]);
      let sum = 0;
      for (let j = 0; j < n; j++) sum += Math.exp(logits.data[start + j] - max);
      const logSumExp = max + Math.log(sum);
      for (let j = 0; j < n; j++) {
        const t = target.data[start + j];
        // Skipping zero targets keeps 0·(a huge finite number) out of the sum.
        if (t !== 0) total += t * (logSumExp - logits.data[start + j]);
        // e/Σ rather than e^(logit − logSumExp): logSumExp = max + ln Σ is rounded to the
        // precision of max, which would cost a p near 1 (and so p − t) up to |max|·2⁻⁵² of error.
        const p = Math.exp(logits.data[start + j] - max) / sum;
        probabilities.data[start + j] = p;
        dLogits.data[start + j] = (p - t) / rows;
      }
    }
    loss[0] = total / rows;
  }

  sigmoidCrossEntropy(loss: Float64Array, dz: Tensor, activations: Tensor, z: Tensor, target: Tensor): void {
    checkLossSlot('sigmoidCrossEntropy', loss);
    checkMatrix('sigmoidCrossEntropy', 'z', z);
    checkSameShape('sigmoidCrossEntropy', dz, activations, z, target);
    if (dz.data === z.data || dz.data === activations.data) {
      throw new RangeError('sigmoidCrossEntropy: dz must not share memory with its inputs');
    }
    const rows = z.shape[0];
    let total = 0;
    for (let i = 0; i < z.size; i++) {
      const v = z.data[i];
      const t = target.data[i];
      // ln(1 + e^(−|z|)) never overflows, and max(z, 0) − z·t restores the sign.
      total += Math.max(v, 0) - v * t + Math.log1p(Math.exp(-Math.abs(v)));
      const a = 1 / (1 + Math.exp(-v));
      activations.data[i] = a;
      dz.data[i] = (a - t) / rows;
    }
    loss[0] = total / rows;
  }

  dropoutMask(mask: Tensor, rate: number, random: Random): void {
    if (!(rate >= 0 && rate < 1)) throw new RangeError(`dropoutMask: rate must be in [0, 1), got ${rate}`);
    const keep = 1 / (1 - rate);
    for (let i = 0; i < mask.size; i++) mask.data[i] = random.next() < rate ? 0 : keep;
  }

  sgdStep(value: Tensor, grad: Tensor, velocity: Tensor, options: SgdStepOptions): void {
    checkSameShape('sgdStep', value, grad, velocity);
    const { learningRate, momentum, nesterov, weightDecay } = options;
    for (let i = 0; i < value.size; i++) {
      const g = grad.data[i] + weightDecay * value.data[i];
      const v = momentum * velocity.data[i] - learningRate * g;
      velocity.data[i] = v;
      value.data[i] += nesterov ? momentum * v - learningRate * g : v;
    }
  }

  adamStep(value: Tensor, grad: Tensor, m: Tensor, v: Tensor, options: AdamStepOptions): void {
    checkSameShape('adamStep', value, grad, m, v);
    const { learningRate, beta1, beta2, epsilon, weightDecay, step } = options;
    const correction1 = 1 - Math.pow(beta1, step);
    const correction2 = 1 - Math.pow(beta2, step);
    for (let i = 0; i < value.size; i++) {
      const g = grad.data[i] + weightDecay * value.data[i];
      const mi = beta1 * m.data[i] + (1 - beta1) * g;
      const vi = beta2 * v.data[i] + (1 - beta2) * g * g;
      m.data[i] = mi;
      v.data[i] = vi;
      value.data[i] -= (learningRate * (mi / correction1)) / (Math.sqrt(vi / correction2) + epsilon);
    }
  }

  argmaxRows(out: Int32Array, x: Tensor): void {
    checkMatrix('argmaxRows', 'x', x);
    const [rows, n] = x.shape;
    if (out.length < rows) {
      throw new RangeError(`argmaxRows: out holds ${out.length} indices, x ${describe(x)} needs ${rows}`);
    }
    for (let i = 0; i < rows; i++) {
      let best = 0;
      let bestValue = -Infinity;
      for (let j = 0; j < n; j++) {
        const value = x.data[i * n + j];
        if (value > bestValue) {
          best = j;
          bestValue = value;
        }
      }
      out[i] = best;
    }
  }

  deskew(y: Tensor, x: Tensor, width: number, height: number): void {
    checkDeskew(y, x, width, height);
    const size = width * height;
    for (let i = 0; i < x.shape[0]; i++) {
      deskewImage(y.data.subarray(i * size, (i + 1) * size), x.data.subarray(i * size, (i + 1) * size), width, height);
    }
  }

  /** Checks the arguments, and leaves the work to the pixelsToFloats call that follows. */
  pixelsToFloatsAhead(out: Tensor, pixels: Uint8Array, rows: Int32Array, first = 0): void {
    checkPixels(out, pixels, rows, first);
  }

  pixelsToFloats(out: Tensor, pixels: Uint8Array, rows?: Int32Array, first = 0): void {
    checkPixels(out, pixels, rows, first);
    if (rows === undefined) {
      for (let i = 0; i < out.size; i++) out.data[i] = pixels[i] / 255;
      return;
    }
    const count = out.shape[0];
    const width = out.shape[1];
    for (let i = 0; i < count; i++) {
      const from = rows[first + i] * width;
      for (let p = 0; p < width; p++) out.data[i * width + p] = pixels[from + p] / 255;
    }
  }
}
