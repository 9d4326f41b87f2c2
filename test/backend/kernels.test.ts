// Every kernel of the Backend interface, on every backend in backends.ts, against the reference:
// at sizes 1, 3, 17 and 785 (odd, so that SIMD loops meet their tails), with NaN, ±Inf, huge and
// tiny values, on tensors outside the backend's memory, with the aliasing each kernel allows,
// and with shapes that must be refused. matmul.test.ts adds the matrix kernel's own cases.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelNames, Random, type Backend, type Tensor } from '../../src/index.js';
import {
  assertClose, assertSameBits, backends, label, reference, sprinkle, tensorOn, tensorOutside, uniform,
  type Tolerance,
} from './backends.js';

type KernelName = (typeof kernelNames)[number];

/** One call of a kernel: its tensors' shapes and values, and how to call it on tensors. */
interface Call {
  tensors: Record<string, { shape: number[]; values: Float32Array }>;
  run(backend: Backend, t: Record<string, Tensor>): number | Int32Array | void;
}

interface KernelSpec {
  /** A call at `rows` × `n` (the kernel picks its shapes from these), with values from `seed`. */
  call(rows: number, n: number, seed: number, special: boolean): Call;
  /** The tensors the kernel writes. */
  outputs: string[];
  /** How close each output must be; per element when a function (given the call's values). */
  tolerance: Tolerance | ((call: Call, output: string) => Tolerance);
  /** [output, input] pairs that the interface lets be one tensor. */
  aliases: [string, string][];
  /** Calls the kernel with disagreeing shapes, which must throw a RangeError. */
  mismatch(backend: Backend): void;
}

const exact: Tolerance = { relative: 0, absolute: 0 };
const float32: Tolerance = { relative: 1e-6, absolute: 1e-40 };

/**
 * A yes or no from a call's seed, for kernels with a boolean option to test both ways. Not
 * seed % 2: the calls' seeds (rows + n, rows · 31 + n, at odd sizes) are all even.
 */
const eitherWay = (seed: number) => Math.floor(seed / 2) % 2 === 0;

const values = (shape: number[], seed: number, special: boolean, low = -4, high = 4) => {
  const count = shape.reduce((a, b) => a * b, 1);
  const plain = uniform(count, seed, low, high);
  return { shape, values: special ? sprinkle(plain, seed + 1) : plain };
};

const zeros = (shape: number[]) => ({ shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)) });

/** One-hot rows, or with `special` rows that are not one-hot at all. */
const targets = (rows: number, n: number, seed: number, special: boolean) => {
  const random = new Random(seed);
  const data = new Float32Array(rows * n);
  for (let i = 0; i < rows; i++) data[i * n + random.int(n)] = 1;
  return { shape: [rows, n], values: special ? sprinkle(data, seed, 4, [0.5, 0.25, 2, -1]) : data };
};

const elementwise = (
  name: 'sigmoid' | 'tanh' | 'softmaxRows',
  domain: [number, number],
): KernelSpec => ({
  call: (rows, n, seed, special) => ({
    tensors: { y: zeros([rows, n]), x: values([rows, n], seed, special, ...domain) },
    run: (b, t) => b[name](t.y, t.x),
  }),
  outputs: ['y'],
  tolerance: float32,
  aliases: [['y', 'x']],
  mismatch: (b) => b[name](tensorOn(b, [2, 3]), tensorOn(b, [3, 2])),
});

const backward = (
  name: 'sigmoidBackward' | 'tanhBackward' | 'softmaxRowsBackward',
  yDomain: [number, number],
): KernelSpec => ({
  call: (rows, n, seed, special) => ({
    tensors: {
      dx: zeros([rows, n]),
      dy: values([rows, n], seed, special),
      y: values([rows, n], seed + 7, false, ...yDomain),
    },
    run: (b, t) => b[name](t.dx, t.dy, t.y),
  }),
  outputs: ['dx'],
  tolerance: float32,
  aliases: [['dx', 'dy']],
  mismatch: (b) => b[name](tensorOn(b, [2, 3]), tensorOn(b, [2, 3]), tensorOn(b, [3, 2])),
});

/** Runs a loss kernel, which writes the batch mean loss into loss[0], and returns that. */
const lossOf = (write: (loss: Float64Array) => void): number => {
  const loss = new Float64Array([NaN]);
  write(loss);
  return loss[0];
};

/** A fused cross-entropy: (loss, gradient, probabilities, logits, target), the gradient distinct. */
const crossEntropy = (name: 'softmaxCrossEntropy' | 'sigmoidCrossEntropy'): KernelSpec => ({
  call: (rows, n, seed, special) => ({
    tensors: {
      gradient: zeros([rows, n]),
      probabilities: zeros([rows, n]),
      logits: values([rows, n], seed, special, -30, 30),
      target: targets(rows, n, seed + 1, special),
    },
    run: (b, t) => lossOf((loss) => b[name](loss, t.gradient, t.probabilities, t.logits, t.target)),
  }),
  outputs: ['gradient', 'probabilities'],
  tolerance: float32,
  aliases: [['probabilities', 'logits']],
  mismatch: (b) => {
    const loss = new Float64Array(1);
    b[name](loss, tensorOn(b, [2, 3]), tensorOn(b, [2, 3]), tensorOn(b, [2, 3]), tensorOn(b, [3, 2]));
  },
});

/** Σ_p |a[i, p]|·|b[p, j]|: the scale that float32 rounding errors in a dot product follow. */
function productScale(call: Call, transposeA: boolean, transposeB: boolean): Float32Array {
  const { a, b, out } = call.tensors;
  const absolute = (v: { shape: number[]; values: Float32Array }) => tensorOn(reference, v.shape, v.values.map(Math.abs));
  const scale = tensorOn(reference, out.shape);
  reference.matmul(scale, absolute(a), absolute(b), transposeA, transposeB);
  return scale.data as Float32Array;
}

const specs: Record<KernelName, KernelSpec> = {
  matmul: {
    // out [rows, n] = a [rows, k]·bᵀ with b [n, k], k = rows + n; matmul.test.ts covers the rest.
    call: (rows, n, seed, special) => {
      const k = rows + n;
      return {
        tensors: {
          out: values([rows, n], seed + 2, false),
          a: values([rows, k], seed, false),
          b: special ? specialMatrix([n, k], seed) : values([n, k], seed + 1, false),
        },
        run: (b, t) => b.matmul(t.out, t.a, t.b, false, true, true),
      };
    },
    outputs: ['out'],
    tolerance: (call) => {
      const scale = productScale(call, false, true);
      return { relative: 1e-6, absolute: 2e-6 * Math.max(...scale.filter(Number.isFinite)) };
    },
    aliases: [],
    mismatch: (b) => b.matmul(tensorOn(b, [2, 2]), tensorOn(b, [2, 3]), tensorOn(b, [2, 3]), false, false),
  },
  addRowVector: {
    call: (rows, n, seed, special) => ({
      tensors: { out: zeros([rows, n]), a: values([rows, n], seed, special), row: values([n], seed + 1, special) },
      run: (b, t) => b.addRowVector(t.out, t.a, t.row),
    }),
    outputs: ['out'],
    tolerance: exact,
    aliases: [['out', 'a']],
    mismatch: (b) => b.addRowVector(tensorOn(b, [2, 3]), tensorOn(b, [2, 3]), tensorOn(b, [2])),
  },
  sumRows: {
    call: (rows, n, seed, special) => ({
      tensors: { out: values([n], seed + 1, false), a: values([rows, n], seed, special) },
      // Both ways: adding to what out holds, and writing over it.
      run: (b, t) => {
        b.sumRows(t.out, t.a, eitherWay(seed));
      },
    }),
    outputs: ['out'],
    tolerance: exact,
    aliases: [],
    mismatch: (b) => b.sumRows(tensorOn(b, [2]), tensorOn(b, [2, 3])),
  },
  multiply: {
    call: (rows, n, seed, special) => ({
      tensors: { out: zeros([rows, n]), a: values([rows, n], seed, special), b: values([rows, n], seed + 1, special) },
      run: (b, t) => b.multiply(t.out, t.a, t.b),
    }),
    outputs: ['out'],
    tolerance: exact,
    aliases: [['out', 'a'], ['out', 'b']],
    mismatch: (b) => b.multiply(tensorOn(b, [2, 3]), tensorOn(b, [2, 3]), tensorOn(b, [3, 2])),
  },
  sigmoid: elementwise('sigmoid', [-120, 120]),
  sigmoidBackward: backward('sigmoidBackward', [0, 1]),
  tanh: elementwise('tanh', [-10, 10]),
  tanhBackward: backward('tanhBackward', [-1, 1]),
  leakyRelu: {
    call: (rows, n, seed, special) => ({
      tensors: { y: zeros([rows, n]), x: values([rows, n], seed, special) },
      run: (b, t) => b.leakyRelu(t.y, t.x, 0.01),
    }),
    outputs: ['y'],
    tolerance: float32,
    aliases: [['y', 'x']],
    mismatch: (b) => b.leakyRelu(tensorOn(b, [2, 3]), tensorOn(b, [6]), 0.01),
  },
  leakyReluBackward: {
    call: (rows, n, seed, special) => ({
      tensors: { dx: zeros([rows, n]), dy: values([rows, n], seed, special), x: values([rows, n], seed + 1, special) },
      run: (b, t) => b.leakyReluBackward(t.dx, t.dy, t.x, 0.2),
    }),
    outputs: ['dx'],
    tolerance: float32,
    aliases: [['dx', 'dy']],
    mismatch: (b) => b.leakyReluBackward(tensorOn(b, [2, 3]), tensorOn(b, [2, 3]), tensorOn(b, [3, 2]), 0),
  },
  softmaxRows: elementwise('softmaxRows', [-30, 30]),
  softmaxRowsBackward: backward('softmaxRowsBackward', [0, 1]),
  meanSquaredError: {
    call: (rows, n, seed, special) => ({
      tensors: { dy: zeros([rows, n]), y: values([rows, n], seed, special), target: targets(rows, n, seed + 1, special) },
      run: (b, t) => lossOf((loss) => b.meanSquaredError(loss, t.dy, t.y, t.target)),
    }),
    outputs: ['dy'],
    tolerance: exact,
    aliases: [['dy', 'y']],
    mismatch: (b) => {
      b.meanSquaredError(new Float64Array(1), tensorOn(b, [2, 3]), tensorOn(b, [2, 3]), tensorOn(b, [2, 2]));
    },
  },
  softmaxCrossEntropy: crossEntropy('softmaxCrossEntropy'),
  sigmoidCrossEntropy: crossEntropy('sigmoidCrossEntropy'),
  dropoutMask: {
    call: (rows, n, seed) => ({
      tensors: { mask: zeros([rows, n]) },
      run: (b, t) => b.dropoutMask(t.mask, 0.3, new Random(seed)),
    }),
    outputs: ['mask'],
    tolerance: exact,
    aliases: [],
    mismatch: (b) => b.dropoutMask(tensorOn(b, [2]), 1, new Random(1)),
  },
  sgdStep: {
    call: (rows, n, seed, special) => ({
      tensors: { value: values([rows, n], seed, special), grad: values([rows, n], seed + 1, special), velocity: values([rows, n], seed + 2, false) },
      run: (b, t) => b.sgdStep(t.value, t.grad, t.velocity, { learningRate: 0.1, momentum: 0.9, nesterov: eitherWay(seed), weightDecay: 1e-3 }),
    }),
    outputs: ['value', 'velocity'],
    // The float32 path rounds each product and sum; momentum·velocity and learningRate·g can
    // cancel, so the error follows the size of the terms rather than of the result.
    tolerance: (call, output) => ({
      relative: 1e-6,
      absolute: 1e-6 * Math.max(...call.tensors[output].values.map(Math.abs).filter(Number.isFinite), 1),
    }),
    aliases: [],
    mismatch: (b) => b.sgdStep(tensorOn(b, [2]), tensorOn(b, [3]), tensorOn(b, [2]), { learningRate: 1, momentum: 0, nesterov: false, weightDecay: 0 }),
  },
  adamStep: {
    call: (rows, n, seed, special) => ({
      tensors: {
        value: values([rows, n], seed, special),
        grad: values([rows, n], seed + 1, special),
        m: values([rows, n], seed + 2, false, -0.1, 0.1),
        v: values([rows, n], seed + 3, false, 0, 0.01),
      },
      run: (b, t) => b.adamStep(t.value, t.grad, t.m, t.v, {
        learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-4, step: 1 + (seed % 5),
      }),
    }),
    outputs: ['value', 'm', 'v'],
    // The float32 path rounds each step a few times; value − step and the moving averages can
    // cancel, so the error follows the size of the terms rather than of the result.
    tolerance: (call, output) => ({
      relative: 1e-6,
      absolute: 1e-6 * Math.max(...call.tensors[output].values.map(Math.abs).filter(Number.isFinite), 1),
    }),
    aliases: [],
    mismatch: (b) => b.adamStep(tensorOn(b, [2]), tensorOn(b, [2]), tensorOn(b, [3]), tensorOn(b, [2]), {
      learningRate: 1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, step: 1,
    }),
  },
  argmaxRows: {
    call: (rows, n, seed, special) => ({
      tensors: { x: values([rows, n], seed, special) },
      run: (b, t) => {
        const out = new Int32Array(rows);
        b.argmaxRows(out, t.x);
        return out;
      },
    }),
    outputs: [],
    tolerance: exact,
    aliases: [],
    mismatch: (b) => b.argmaxRows(new Int32Array(1), tensorOn(b, [2, 3])),
  },
  pixelsToFloats: {
    // Bytes held in a float tensor's memory (so that on the WebAssembly backend they lie in its
    // memory, the fast path): every byte value, with runs of sixteen zeros (the skipped case).
    call: (rows, n, seed) => {
      const count = rows * n;
      const bytes = new Uint8Array(Math.ceil(count / 4) * 4);
      for (let i = 0; i < count; i++) bytes[i] = (i >> 4) % 3 === 0 ? 0 : (i * 37 + seed) & 255;
      return {
        tensors: { out: zeros([rows, n]), store: { shape: [bytes.length / 4], values: new Float32Array(bytes.buffer) } },
        run: (b, t) => b.pixelsToFloats(t.out, new Uint8Array(t.store.data.buffer, t.store.data.byteOffset, count)),
      };
    },
    outputs: ['out'],
    tolerance: exact,
    aliases: [],
    mismatch: (b) => b.pixelsToFloats(tensorOn(b, [2, 3]), new Uint8Array(5)),
  },
  deskew: {
    // Images n pixels wide: faint random ink, one image leaning hard (large shifts), an empty one
    // and one with ink on a single row (both copied as they are); with specials, NaN, Inf and huge
    // ink in some images.
    call: (rows, n, seed, special) => {
      const height = n < 20 ? 6 : 3;
      const size = n * height;
      const x = values([rows, size], seed, false, 0, 1).values.map((v) => (v < 0.6 ? 0 : v));
      const image = (i: number) => x.subarray((i % rows) * size, (i % rows + 1) * size);
      image(1).fill(0);
      image(2).fill(0).fill(0.5, n, 2 * n);
      for (let r = 0; r < height; r++) image(3)[r * n + Math.min(n - 1, r * 3)] = 1;
      if (special) {
        image(4)[size >> 1] = NaN;
        image(5)[size - 1] = Infinity;
        image(6)[0] = 3e38;
      }
      return {
        tensors: { y: zeros([rows, size]), x: { shape: [rows, size], values: x } },
        run: (b, t) => b.deskew(t.y, t.x, n, height),
      };
    },
    outputs: ['y'],
    tolerance: exact,
    aliases: [],
    mismatch: (b) => b.deskew(tensorOn(b, [2, 12]), tensorOn(b, [2, 12]), 5, 2),
  },
};

/** b [n, k] for matmul: ordinary values, with ±Inf, NaN, huge, tiny and zeros at a few places. */
function specialMatrix(shape: number[], seed: number): { shape: number[]; values: Float32Array } {
  // One special per row at most: two huge products of opposite sign in one sum would be 0 in the
  // reference's float64 but Inf − Inf = NaN in float32, a difference the interface allows.
  const [rows, columns] = shape;
  const data = uniform(rows * columns, seed);
  const random = new Random(seed);
  const specials = [Infinity, -Infinity, NaN, 1e30, -1e30, 1e-30, 0];
  for (let i = 0; i < rows; i++) data[i * columns + random.int(columns)] = specials[i % specials.length];
  return { shape, values: data };
}

/** Runs `call` on `backend`, with tensors from `make`; returns the outputs and the result. */
function run(backend: Backend, call: Call, make: (shape: number[], values: Float32Array) => Tensor) {
  const tensors: Record<string, Tensor> = {};
  for (const [name, { shape, values: data }] of Object.entries(call.tensors)) tensors[name] = make(shape, data);
  const result = call.run(backend, tensors);
  return { tensors, result };
}

function compare(
  spec: KernelSpec, call: Call,
  actual: ReturnType<typeof run>, expected: ReturnType<typeof run>,
): void {
  for (const output of spec.outputs) {
    const tolerance = typeof spec.tolerance === 'function' ? spec.tolerance(call, output) : spec.tolerance;
    assertClose(actual.tensors[output].data, expected.tensors[output].data, tolerance, output);
  }
  if (typeof expected.result === 'number') {
    assertClose([actual.result as number], [expected.result], { relative: 1e-9, absolute: 0 }, 'returned value');
  } else if (expected.result instanceof Int32Array) {
    assert.deepEqual(actual.result, expected.result);
  }
}

const sizes: [number, number][] = [[1, 1], [3, 17], [17, 3], [5, 785]];

for (const backend of backends) {
  describe(`kernels on ${label(backend)}`, () => {
    for (const name of kernelNames) {
      const spec = specs[name];
      const inside = (shape: number[], data: Float32Array) => tensorOn(backend, shape, data);

      for (const [rows, n] of sizes) {
        test(`${name} matches the reference on [${rows}, ${n}]`, () => {
          const call = spec.call(rows, n, rows * 31 + n, false);
          compare(spec, call, run(backend, call, inside), run(reference, call, inside));
        });
      }

      test(`${name} matches the reference with NaN, ±Inf, huge and tiny values`, () => {
        for (const [rows, n] of sizes) {
          const call = spec.call(rows, n, rows + n, true);
          compare(spec, call, run(backend, call, inside), run(reference, call, inside));
        }
      });

      test(`${name} gives the same bits on tensors outside the backend's memory`, () => {
        const call = spec.call(5, 785, 3, false);
        const expected = run(backend, call, inside);
        const actual = run(backend, call, tensorOutside);
        for (const output of spec.outputs) {
          assertSameBits(actual.tensors[output].data, expected.tensors[output].data, output);
        }
        assert.deepEqual(actual.result, expected.result);
      });

      for (const [output, input] of spec.aliases) {
        test(`${name} lets ${output} be ${input}`, () => {
          const call = spec.call(3, 17, 5, false);
          const expected = run(backend, call, inside);
          const tensors: Record<string, Tensor> = {};
          for (const [tensorName, { shape, values: data }] of Object.entries(call.tensors)) {
            if (tensorName !== output) tensors[tensorName] = inside(shape, data);
          }
          tensors[output] = tensors[input];
          const result = call.run(backend, tensors);
          assertSameBits(tensors[output].data, expected.tensors[output].data, output);
          if (typeof result === 'number') assert.equal(result, expected.result);
        });
      }

      test(`${name} rejects arguments that do not fit`, () => {
        assert.throws(() => spec.mismatch(backend), RangeError);
      });
    }

    test('softmaxCrossEntropy matches the reference over more classes than the wasm scratch keeps', () => {
      // The wasm kernel keeps each row's exponentials in its 1 MiB matmul scratch, as float64,
      // between two passes; 140,001 classes do not fit, and it takes each exponential twice.
      const spec = specs.softmaxCrossEntropy;
      const call = spec.call(2, 140_001, 41, false);
      const inside = (shape: number[], data: Float32Array) => tensorOn(backend, shape, data);
      compare(spec, call, run(backend, call, inside), run(reference, call, inside));
    });

    test('softmaxCrossEntropy keeps the small gradient of a confident right answer accurate', () => {
      // Logits [30, 0, 0], target [1, 0, 0]: p − t = −2e⁻³⁰/(1 + 2e⁻³⁰), about −1.9e-13, which
      // float64 holds to about 2⁻⁵² near p = 1 (0.1% of it). Taken as e^(30 − logSumExp), p
      // would carry logSumExp's rounding too, 2⁻⁴⁸ near 30.
      const logits = tensorOn(backend, [1, 3], Float32Array.of(30, 0, 0));
      const target = tensorOn(backend, [1, 3], Float32Array.of(1, 0, 0));
      const gradient = tensorOn(backend, [1, 3]);
      const probabilities = tensorOn(backend, [1, 3]);
      backend.softmaxCrossEntropy(new Float64Array(1), gradient, probabilities, logits, target);
      const exact = (-2 * Math.exp(-30)) / (1 + 2 * Math.exp(-30));
      assertClose([gradient.data[0]], [exact], { relative: 0, absolute: 2 * 2 ** -52 }, 'dLogits[0]');
    });

    for (const name of ['meanSquaredError', 'softmaxCrossEntropy', 'sigmoidCrossEntropy'] as const) {
      test(`${name} refuses a loss slot that is not a Float64Array of at least one element`, () => {
        const t = () => tensorOn(backend, [2, 3]);
        const call = (loss: Float64Array) => name === 'meanSquaredError'
          ? backend.meanSquaredError(loss, t(), t(), t())
          : backend[name](loss, t(), t(), t(), t());
        assert.throws(() => call(new Float64Array(0)), /loss must be a Float64Array of at least one element, got an empty one/);
        assert.throws(() => call(new Float32Array(1) as unknown as Float64Array), /got Float32Array/);
      });
    }
  });
}

test('every kernel of the Backend interface has a case here', () => {
  assert.deepEqual(Object.keys(specs).sort(), [...kernelNames].sort());
});
