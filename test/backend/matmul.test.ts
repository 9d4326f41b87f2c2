// The matrix kernel's own cases, on every backend: all four transpose combinations with and
// without accumulate, the shapes Dense uses on MNIST (whose pixels are mostly zero, which the
// WebAssembly kernel skips), and the IEEE rule that skipping must keep: 0·Inf and 0·NaN are NaN.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWasmBackend, Tensor, type Backend } from '../../src/index.js';
import { loadMnist } from '../../cli/mnist-files.js';
import { assertClose, assertSameBits, backends, label, reference, tensorOn, tensorOutside, uniform } from './backends.js';

interface Product {
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  accumulate: boolean;
  a: Float32Array;
  b: Float32Array;
  out: Float32Array;
}

function product(m: number, n: number, k: number, transposeA: boolean, transposeB: boolean, accumulate: boolean, seed: number): Product {
  return {
    m, n, k, transposeA, transposeB, accumulate,
    a: uniform(m * k, seed), b: uniform(k * n, seed + 1), out: uniform(m * n, seed + 2),
  };
}

const shapeA = (p: Product) => (p.transposeA ? [p.k, p.m] : [p.m, p.k]);
const shapeB = (p: Product) => (p.transposeB ? [p.n, p.k] : [p.k, p.n]);

function multiply(backend: Backend, p: Product, make = tensorOn.bind(null, backend)): Float32Array {
  const out = make([p.m, p.n], p.out);
  backend.matmul(out, make(shapeA(p), p.a), make(shapeB(p), p.b), p.transposeA, p.transposeB, p.accumulate);
  return Float32Array.from(out.data);
}

/**
 * float32 rounding in a sum of k products is bounded by a multiple of Σ_p |a||b| (plus |out| when
 * accumulating): each element's tolerance follows its own scale, so cancellation is allowed for.
 */
function assertMatchesReference(backend: Backend, p: Product): void {
  const actual = multiply(backend, p);
  const expected = multiply(reference, p);
  const scale = multiply(reference, { ...p, a: p.a.map(Math.abs), b: p.b.map(Math.abs), out: p.out.map(Math.abs) });
  for (let i = 0; i < expected.length; i++) {
    const what = `out[${Math.floor(i / p.n)}, ${i % p.n}] of ${describeProduct(p)}`;
    if (!Number.isFinite(scale[i])) {
      assertClose([actual[i]], [expected[i]], { relative: 0, absolute: 0 }, what);
    } else {
      assertClose([actual[i]], [expected[i]], { relative: 0, absolute: 2e-6 * scale[i] + 1e-38 }, what);
    }
  }
}

function describeProduct(p: Product): string {
  const a = `[${shapeA(p).join(', ')}]${p.transposeA ? 'ᵀ' : ''}`;
  const b = `[${shapeB(p).join(', ')}]${p.transposeB ? 'ᵀ' : ''}`;
  return `${a}·${b}${p.accumulate ? ' accumulated' : ''}`;
}

/** `count` uniform numbers in [−1, 1), 70% of them replaced by zeros. */
function sparse(count: number, seed: number): Float32Array {
  const keep = uniform(count, seed + 1000);
  return uniform(count, seed).map((value, i) => (keep[i] < 0.4 ? 0 : value));
}

/** MNIST's first `rows` training digits as [rows, 784] floats in [0, 1]: 81% zeros. */
function mnistPixels(rows: number): Float32Array {
  const digits = loadMnist('train').slice(0, rows);
  return Float32Array.from(digits.pixels, (byte) => byte / 255);
}

const sizes: [number, number, number][] = [[1, 1, 1], [3, 17, 5], [17, 3, 785], [5, 785, 3], [13, 9, 40], [33, 20, 17]];

for (const backend of backends) {
  describe(`matmul on ${label(backend)}`, () => {
    for (const [m, n, k] of sizes) {
      test(`matmul(out, a, b, transposeA, transposeB, accumulate) matches the reference at m=${m} n=${n} k=${k}`, () => {
        let seed = m * 1000 + n * 10 + k;
        for (const transposeA of [false, true]) {
          for (const transposeB of [false, true]) {
            for (const accumulate of [false, true]) {
              assertMatchesReference(backend, product(m, n, k, transposeA, transposeB, accumulate, seed++));
            }
          }
        }
      });
    }

    test('matmul matches the reference on the three products of Dense(784→128) with MNIST digits', () => {
      const x = mnistPixels(64);
      const weights = uniform(128 * 784, 4, -0.1, 0.1);
      const dy = uniform(64 * 128, 5, -0.01, 0.01);
      // z = x·Wᵀ, dW = dyᵀ·x, dx = dy·W
      assertMatchesReference(backend, { m: 64, n: 128, k: 784, transposeA: false, transposeB: true, accumulate: false, a: x, b: weights, out: new Float32Array(64 * 128) });
      assertMatchesReference(backend, { m: 128, n: 784, k: 64, transposeA: true, transposeB: false, accumulate: false, a: dy, b: x, out: new Float32Array(128 * 784) });
      assertMatchesReference(backend, { m: 64, n: 784, k: 128, transposeA: false, transposeB: false, accumulate: false, a: dy, b: weights, out: new Float32Array(64 * 784) });
    });

    test('matmul matches the reference where a is mostly zeros, at odd sizes, with and without accumulate', () => {
      // Sparse rows take the WebAssembly backend's row-list kernel: every panel width it uses
      // (8, 16, 24 and the last one cut short), depths past one block, and one row of a.
      const shapes: [number, number, number][] = [[5, 1, 300], [37, 9, 130], [33, 17, 785], [20, 41, 257], [1, 50, 129], [70, 33, 64]];
      let seed = 500;
      for (const [m, n, k] of shapes) {
        for (const transposeB of [false, true]) {
          for (const accumulate of [false, true]) {
            const p = product(m, n, k, false, transposeB, accumulate, seed++);
            assertMatchesReference(backend, { ...p, a: sparse(p.a.length, seed++) });
          }
        }
      }
    });

    test('matmul matches the reference for a weight gradient dyᵀ·x whose x is mostly zeros, with and without accumulate', () => {
      // The WebAssembly backend computes it as (xᵀ·dy)ᵀ, listing the columns of x, from 32 examples
      // on, and in place, skipping x's rows of 24 zeros, up to 16.
      let seed = 800;
      // [21, 131, 45]: a chunk of columns and a depth that are not multiples of four.
      for (const [m, n, k] of [[37, 130, 40], [21, 131, 45], [128, 784, 64], [10, 17, 300], [20, 50, 12], [16, 784, 10]] as const) {
        for (const accumulate of [false, true]) {
          const p = product(m, n, k, true, false, accumulate, seed++);
          assertMatchesReference(backend, { ...p, b: sparse(p.b.length, seed++) });
        }
      }
      const x = mnistPixels(40);
      const dy = uniform(40 * 10, 12);
      dy[3 * 10 + 2] = -Infinity; // meets the zero pixels of example 3
      const out = multiply(backend, { m: 10, n: 784, k: 40, transposeA: true, transposeB: false, accumulate: false, a: dy, b: x, out: new Float32Array(7840) });
      assert.ok(Number.isNaN(out[2 * 784]), `a zero pixel times −Inf gives ${out[2 * 784]}`);
    });

    test('matmul matches the reference for one to three rows times a transposed b (one digit through a layer)', () => {
      // A few rows take dot products with b's rows on the WebAssembly backend: four rows of b at
      // a time, then the rest one at a time; depths past a multiple of four one at a time.
      let seed = 700;
      for (const [m, n, k] of [[1, 128, 784], [2, 37, 300], [3, 16, 999]] as const) {
        for (const accumulate of [false, true]) {
          const p = product(m, n, k, false, true, accumulate, seed++);
          assertMatchesReference(backend, { ...p, a: sparse(p.a.length, seed++) });
          assertMatchesReference(backend, p);
        }
      }
      const digit = mnistPixels(1);
      const weights = uniform(40 * 784, 9);
      weights[17 * 784] = Infinity; // pixel 0 is zero in every digit
      weights[33 * 784 + 5] = NaN;
      const out = multiply(backend, { m: 1, n: 40, k: 784, transposeA: false, transposeB: true, accumulate: false, a: digit, b: weights, out: new Float32Array(40) });
      assert.ok(Number.isNaN(out[17]) && Number.isNaN(out[33]), `out[17] = ${out[17]}, out[33] = ${out[33]}`);
    });

    test('matmul matches the reference on thin products: a last layer forward and back, few rows or few depths', () => {
      // On the WebAssembly backend, a batch through a layer of at most 16 neurons takes dot
      // products, two rows of a at a time (then four, two and one neurons of b at a time, and
      // an odd last row); products with at most 16 rows or depths read b in place, 16 columns
      // at a time ([16, 128, 128] is also shared between threads, in column ranges).
      let seed = 900;
      const dot: [number, number, number][] = [[64, 10, 128], [5, 11, 33], [4, 16, 128], [7, 3, 9]];
      const thin: [number, number, number, boolean][] = [
        [64, 128, 10, false], [10, 128, 64, true], [3, 32, 100, false], [50, 48, 7, true], [16, 128, 128, false],
      ];
      for (const accumulate of [false, true]) {
        for (const [m, n, k] of dot) assertMatchesReference(backend, product(m, n, k, false, true, accumulate, seed++));
        for (const [m, n, k, transposeA] of thin) {
          assertMatchesReference(backend, product(m, n, k, transposeA, false, accumulate, seed++));
        }
      }
    });

    test('matmul keeps 0·Inf and 0·NaN as NaN where a is zero', () => {
      // a is mostly zero (MNIST digits); b has Inf, −Inf and NaN in columns where some rows of a
      // are zero, so a kernel that skipped those zeros would lose the NaN.
      const x = mnistPixels(8);
      const weights = uniform(10 * 784, 6);
      weights[3 * 784 + 0] = Infinity; // pixel 0 is zero in every digit
      weights[5 * 784 + 400] = -Infinity;
      weights[7 * 784 + 783] = NaN;
      const p: Product = { m: 8, n: 10, k: 784, transposeA: false, transposeB: true, accumulate: false, a: x, b: weights, out: new Float32Array(80) };
      const actual = multiply(backend, p);
      for (let i = 0; i < 8; i++) {
        assert.ok(Number.isNaN(actual[i * 10 + 3]), `out[${i}, 3] = ${actual[i * 10 + 3]}`);
        assert.ok(Number.isNaN(actual[i * 10 + 7]), `out[${i}, 7] = ${actual[i * 10 + 7]}`);
      }
      assertMatchesReference(backend, p);
    });

    test('matmul keeps 0·Inf and 0·NaN as NaN where b is zero', () => {
      // dW = dyᵀ·x with x mostly zero: an Inf in dy meets the zero pixels of its example.
      const x = mnistPixels(16);
      const dy = uniform(16 * 10, 7);
      dy[2 * 10 + 4] = Infinity;
      dy[9 * 10 + 1] = NaN;
      const p: Product = { m: 10, n: 784, k: 16, transposeA: true, transposeB: false, accumulate: true, a: dy, b: x, out: uniform(10 * 784, 8) };
      const actual = multiply(backend, p);
      assert.ok(Number.isNaN(actual[4 * 784 + 0]), 'a zero pixel times Inf');
      assert.ok(Number.isNaN(actual[1 * 784 + 0]), 'a zero pixel times NaN');
      assertMatchesReference(backend, p);
    });

    test('matmul on dense operands (packed without skip lists) keeps 0·Inf as NaN and skips nothing', () => {
      // Both operands sampled dense: the WebAssembly kernel packs them without lists. A few zeros
      // in a meet an Inf and a NaN in b; and a's last rows, past the rows it samples, are all
      // zero, so a kernel that trusted the sample to skip would still have to get them right.
      const [m, n, k] = [64, 128, 784];
      const a = uniform(m * k, 21);
      for (let i = 40 * k; i < m * k; i++) a[i] = 0;
      a[5 * k + 100] = 0;
      a[9 * k + 200] = 0;
      const b = uniform(n * k, 22);
      b[7 * k + 100] = Infinity;
      b[11 * k + 200] = NaN;
      for (const transposeB of [true, false]) {
        // The same b, stored [k, n] when not transposed.
        const stored = transposeB ? b : Float32Array.from({ length: n * k }, (_, i) => b[(i % n) * k + Math.floor(i / n)]);
        const p: Product = { m, n, k, transposeA: false, transposeB, accumulate: false, a, b: stored, out: new Float32Array(m * n) };
        const actual = multiply(backend, p);
        assert.ok(Number.isNaN(actual[5 * n + 7]), `out[5, 7] = ${actual[5 * n + 7]} (0·Inf)`);
        assert.ok(Number.isNaN(actual[9 * n + 11]), `out[9, 11] = ${actual[9 * n + 11]} (0·NaN)`);
        assert.ok(Number.isNaN(actual[50 * n + 7]), `out[50, 7] = ${actual[50 * n + 7]} (a zero row times Inf)`);
        assertMatchesReference(backend, p);
      }
    });

    test('matmul computes a weight gradient over digits as wasm computes it in row pairs: odd sizes, accumulating, Inf', () => {
      // dW = dyᵀ·x over 64 digits cut to 783 pixels (an odd number of rows of xᵀ, so the last is
      // alone) and 130 neurons (a last panel of 2 columns): the WebAssembly backend lists
      // neighbouring pixels two at a time. An Inf in dy meets the zero pixels of its digit.
      const full = mnistPixels(64);
      const x = Float32Array.from({ length: 64 * 783 }, (_, i) => full[Math.floor(i / 783) * 784 + (i % 783)]);
      const dy = uniform(64 * 130, 31);
      for (const accumulate of [false, true]) {
        assertMatchesReference(backend, { m: 130, n: 783, k: 64, transposeA: true, transposeB: false, accumulate, a: dy, b: x, out: uniform(130 * 783, 32) });
      }
      const withInf = Float32Array.from(dy);
      withInf[3 * 130 + 5] = Infinity;
      const p: Product = { m: 130, n: 783, k: 64, transposeA: true, transposeB: false, accumulate: false, a: withInf, b: x, out: new Float32Array(130 * 783) };
      const actual = multiply(backend, p);
      assert.ok(Number.isNaN(actual[5 * 783 + 0]), `dW[5, 0] = ${actual[5 * 783]} (a zero pixel times Inf)`);
      assertMatchesReference(backend, p);
    });

    test('matmul with k = 0 writes zeros, or leaves out as it was when accumulating', () => {
      const a = tensorOn(backend, [3, 0]);
      const b = tensorOn(backend, [0, 5]);
      const out = tensorOn(backend, [3, 5], uniform(15, 9));
      const before = Float32Array.from(out.data);
      backend.matmul(out, a, b, false, false, true);
      assertClose(out.data, before, { relative: 0, absolute: 0 });
      backend.matmul(out, a, b, false, false);
      assertClose(out.data, new Float32Array(15), { relative: 0, absolute: 0 });
    });

    test('matmul gives the same bits on every call and with operands outside its memory', () => {
      const p = product(37, 45, 300, false, true, false, 11);
      const first = multiply(backend, p);
      assertSameBits(multiply(backend, p), first);
      assertSameBits(multiply(backend, p, tensorOutside), first);
    });

    test('matmul refuses an out that shares memory with a or b', () => {
      const shared = backend.alloc(12);
      const a = new Tensor([2, 3], shared.subarray(0, 6));
      const out = new Tensor([2, 2], shared.subarray(4, 8));
      assert.throws(() => backend.matmul(out, a, tensorOn(backend, [3, 2]), false, false), RangeError);
    });
  });
}

test('matmul gives the same bits on 1, 2 and 3 threads', async () => {
  const single = await createWasmBackend({ threads: 1 });
  const many = [await createWasmBackend({ threads: 2 }), await createWasmBackend({ threads: 3 })];
  const x = mnistPixels(64);
  const products = [
    { m: 64, n: 128, k: 784, transposeA: false, transposeB: true, accumulate: false, a: x, b: uniform(128 * 784, 1), out: new Float32Array(64 * 128) },
    { m: 128, n: 784, k: 64, transposeA: true, transposeB: false, accumulate: true, a: uniform(64 * 128, 2), b: x, out: uniform(128 * 784, 3) },
    // A weight gradient with x mostly zeros, computed transposed (by the row-pair kernel: MNIST's
    // neighbouring pixels are inked in mostly the same digits).
    { m: 128, n: 784, k: 64, transposeA: true, transposeB: false, accumulate: false, a: uniform(64 * 128, 12), b: x, out: new Float32Array(128 * 784) },
    // The same with an odd number of pixels, 130 neurons and accumulating (the row-pair kernel).
    { m: 130, n: 783, k: 64, transposeA: true, transposeB: false, accumulate: true, a: uniform(64 * 130, 13), b: Float32Array.from({ length: 64 * 783 }, (_, i) => x[Math.floor(i / 783) * 784 + (i % 783)]), out: uniform(130 * 783, 14) },
    // Sparse rows (the row-list kernel): few rows share out panels, many rows share out rows.
    { m: 300, n: 50, k: 200, transposeA: false, transposeB: true, accumulate: true, a: sparse(300 * 200, 7), b: uniform(50 * 200, 8), out: uniform(300 * 50, 9) },
    { m: 40, n: 70, k: 300, transposeA: false, transposeB: false, accumulate: false, a: sparse(40 * 300, 10), b: uniform(300 * 70, 11), out: new Float32Array(40 * 70) },
    // Few columns: the threads split the rows instead.
    { m: 1001, n: 10, k: 300, transposeA: false, transposeB: true, accumulate: false, a: uniform(1001 * 300, 4), b: uniform(3000, 5), out: new Float32Array(10010) },
    { ...product(67, 301, 129, true, true, true, 6) },
  ];
  for (const p of products) {
    const expected = multiply(single, p);
    for (const backend of many) assertSameBits(multiply(backend, p), expected, `${describeProduct(p)} on ${label(backend)}`);
  }
  for (const backend of [single, ...many]) backend.dispose();
});
