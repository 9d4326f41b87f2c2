// The backends every kernel test runs on, and helpers to build tensors and compare results.
//
// The reference backend (float32) is the specification; each backend here is checked against it.
// The WebAssembly backend appears in each build this runtime validates (relaxed SIMD needs
// `node --experimental-wasm-relaxed-simd` in Node 20: relaxed-simd.test.ts reruns the kernel
// tests that way), on both kinds of memory, and with a worker thread.
import assert from 'node:assert/strict';
import {
  createWasmBackend, Random, ReferenceBackend, Tensor, WasmBackend, type Backend,
} from '../../src/index.js';
import { supportedVariants } from '../../src/backend/wasm/load-kernels.js';

export const reference = new ReferenceBackend();

async function wasmBackends(): Promise<Backend[]> {
  const list: Backend[] = [];
  for (const variant of supportedVariants()) {
    list.push(await createWasmBackend({ variant, memory: 'shared' }));
    list.push(await createWasmBackend({ variant, memory: 'unshared', memoryMiB: 64 }));
    list.push(await createWasmBackend({ variant, memory: 'shared', threads: 2 }));
  }
  return list;
}

/** Every backend under test, the reference first. */
export const backends: Backend[] = [reference, ...(await wasmBackends())];

/** A label for test names: the backend's name and, for WebAssembly, its memory and threads. */
export function label(backend: Backend): string {
  if (!(backend instanceof WasmBackend)) return backend.name;
  const threads = backend.threads > 1 ? `, ${backend.threads} threads` : '';
  return `${backend.name}, ${backend.shared ? 'shared' : 'unshared'} memory${threads}`;
}

/** Values that test the IEEE edges: NaN, ±Inf, huge, tiny and signed zeros. */
export const specialValues = [NaN, Infinity, -Infinity, 1e30, -1e30, 1e-30, -1e-30, 0, -0, 1e-45, 3e38];

/** Uniform numbers in [low, high) from a seeded Random, rounded to float32. */
export function uniform(count: number, seed: number, low = -1, high = 1): Float32Array {
  const random = new Random(seed);
  return new Float32Array(count).map(() => low + (high - low) * random.next());
}

/** `values` with a special value at roughly one place in `every`, chosen by `seed`. */
export function sprinkle(values: Float32Array, seed: number, every = 5, specials = specialValues): Float32Array {
  const random = new Random(seed);
  const out = Float32Array.from(values);
  for (let i = 0; i < out.length; i++) {
    if (random.next() * every < 1) out[i] = specials[random.int(specials.length)];
  }
  return out;
}

/** A tensor in the backend's memory (from alloc) holding a copy of `values`. */
export function tensorOn(backend: Backend, shape: readonly number[], values?: ArrayLike<number>): Tensor {
  const data = backend.alloc(shape.reduce((a, b) => a * b, 1));
  if (values !== undefined) data.set(values);
  return new Tensor(shape, data);
}

/** A tensor in an ordinary Float32Array, outside any backend's memory. */
export function tensorOutside(shape: readonly number[], values?: ArrayLike<number>): Tensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  if (values !== undefined) data.set(values);
  return new Tensor(shape, data);
}

export interface Tolerance {
  /** Allowed |actual − expected| relative to |expected|. */
  relative: number;
  /** Allowed |actual − expected| whatever the size of expected. */
  absolute: number;
}

/**
 * Asserts that `actual` matches `expected` element by element: NaN where expected is NaN, the
 * same infinity where it is infinite, and within `tolerance` elsewhere.
 */
export function assertClose(
  actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: Tolerance, what = 'result',
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      assert.ok(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)), `${what}[${i}]: ${a}, expected ${e}`);
      continue;
    }
    const allowed = tolerance.absolute + tolerance.relative * Math.abs(e);
    assert.ok(Math.abs(a - e) <= allowed, `${what}[${i}]: ${a}, expected ${e} (allowed ±${allowed})`);
  }
}

/** Asserts that two arrays hold the same float32 bits (NaN equal to NaN). */
export function assertSameBits(actual: ArrayLike<number>, expected: ArrayLike<number>, what = 'result'): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Object.is(actual[i], expected[i]), `${what}[${i}]: ${actual[i]}, expected ${expected[i]}`);
  }
}
