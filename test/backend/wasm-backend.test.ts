// The WebAssembly backend's own behaviour: where its memory lives, what happens when it grows or
// fills up, and the errors it gives. The kernels' maths is in kernels.test.ts and matmul.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWasmBackend, Tensor } from '../../src/index.js';
import { declareMemoryShared, supportedVariants } from '../../src/backend/wasm/load-kernels.js';
import { createMemory, WasmHeap } from '../../src/backend/wasm/wasm-heap.js';
import { kernelsSimd } from '../../src/backend/wasm/kernels-simd.generated.js';
import { assertClose, assertSameBits, reference, tensorOn, uniform } from './backends.js';

test('createWasmBackend() picks the fastest build this runtime validates', async () => {
  const backend = await createWasmBackend();
  assert.equal(backend.variant, supportedVariants()[0]);
  assert.equal(backend.name, `wasm-${backend.variant}`);
});

test('createWasmBackend({ variant: "relaxed" }) says how to enable relaxed SIMD where it is off', async (t) => {
  if (supportedVariants().includes('relaxed')) t.skip('this runtime has relaxed SIMD');
  else await assert.rejects(createWasmBackend({ variant: 'relaxed' }), /experimental-wasm-relaxed-simd/);
});

test('alloc(length) returns zeroed float32s inside the module memory, 64-byte aligned', async () => {
  const backend = await createWasmBackend({ memory: 'shared' });
  const first = backend.alloc(5);
  const second = backend.alloc(3);
  assert.ok(first instanceof Float32Array && first.length === 5);
  assert.ok(first.buffer instanceof SharedArrayBuffer);
  assert.equal(first.buffer, second.buffer);
  assert.equal(first.byteOffset % 64, 0);
  assert.equal(second.byteOffset % 64, 0);
  assert.ok(second.byteOffset >= first.byteOffset + 20 || second.byteOffset + 12 <= first.byteOffset);
  assert.deepEqual(Array.from(first), [0, 0, 0, 0, 0]);
});

test('growing shared memory leaves the tensors already handed out working', async () => {
  const backend = await createWasmBackend({ memory: 'shared', memoryMiB: 1 });
  const early = tensorOn(backend, [2, 3], [1, 2, 3, 4, 5, 6]);
  // 8 MiB more than the memory started with: it must grow.
  const big = backend.alloc(2 * 1024 * 1024);
  assert.equal(big.length, 2 * 1024 * 1024);
  assert.notEqual(big.buffer, early.data.buffer, 'a grown shared memory has a new buffer object');
  assert.equal(early.data.length, 6, 'the early view is not detached');
  const out = tensorOn(backend, [2, 3]);
  backend.sigmoid(out, early);
  assertClose(out.data, [1, 2, 3, 4, 5, 6].map((x) => 1 / (1 + Math.exp(-x))), { relative: 1e-6, absolute: 0 });
});

test('a full unshared memory hands out ordinary arrays, and kernels still run on them', async () => {
  // 8 MiB reserved, most of it taken at once: what follows lives outside and goes through copies,
  // or through the reference kernels when there is no room left for copies either.
  const backend = await createWasmBackend({ memory: 'unshared', memoryMiB: 8 });
  const hog = backend.alloc(1_700_000);
  assert.ok(!(hog.buffer instanceof SharedArrayBuffer));
  const outside = backend.alloc(1_000_000);
  assert.notEqual(outside.buffer, hog.buffer, 'past the reservation, alloc returns memory of its own');
  const a = new Tensor([1000, 1000], outside);
  a.data.set(uniform(1_000_000, 3));
  const b = new Tensor([1000, 3], backend.alloc(3000));
  b.data.set(uniform(3000, 4));
  const out = new Tensor([1000, 3], backend.alloc(3000));
  backend.matmul(out, a, b, false, false);
  const expected = tensorOn(reference, [1000, 3]);
  reference.matmul(expected, a, b, false, false);
  assertClose(out.data, expected.data, { relative: 1e-5, absolute: 1e-5 });
  const y = new Tensor([1000, 1000], backend.alloc(1_000_000));
  backend.tanh(y, a);
  assert.ok(Math.abs(y.data[123] - Math.tanh(a.data[123])) < 1e-6);
});

test('kernels refuse float64 tensors with an error that names the reference backend', async () => {
  const backend = await createWasmBackend();
  const x = new Tensor([2, 2], new Float64Array(4));
  assert.throws(() => backend.sigmoid(tensorOn(backend, [2, 2]), x), /float32 only.*precision: 'float64'/);
  assert.throws(() => backend.argmaxRows(new Int32Array(2), x), TypeError);
});

test('WasmHeap reuses released blocks and merges neighbours', () => {
  const memory = createMemory(false, 1024 * 1024);
  const heap = new WasmHeap(memory, false, 1024);
  const a = heap.reserve(100);
  const b = heap.reserve(100);
  const c = heap.reserve(100);
  assert.deepEqual([a, b, c], [1024, 1152, 1280]);
  assert.equal(heap.usedBytes(), 384);
  heap.release(a);
  heap.release(b);
  // a and b merged: 256 bytes fit where they were.
  assert.equal(heap.reserve(256), 1024);
  heap.release(c);
  assert.equal(heap.reserve(2000), 1280, 'c merged with the free space after it');
  assert.equal(heap.reserve(2 * 1024 * 1024), -1, 'unshared memory does not grow');
});

test('WasmHeap hands out zeroed memory again after a block is released', () => {
  const heap = new WasmHeap(createMemory(false, 65536), false, 0);
  const block = heap.reserve(16);
  new Float32Array(heap.current, block, 4).fill(7);
  heap.release(block);
  const again = heap.alloc(4)!;
  assert.equal(again.byteOffset, block);
  assert.deepEqual(Array.from(again), [0, 0, 0, 0]);
});

test('declareMemoryShared(bytes) turns the memory import into a shared one that links', async () => {
  const bytes = Uint8Array.from(atob(kernelsSimd), (c) => c.charCodeAt(0));
  const unshared = new WebAssembly.Module(bytes);
  assert.deepEqual(WebAssembly.Module.imports(unshared), [{ module: 'env', name: 'memory', kind: 'memory' }]);
  declareMemoryShared(bytes);
  const memory = createMemory(true, 65536);
  const instance = await WebAssembly.instantiate(bytes, { env: { memory } });
  assert.equal(typeof instance.instance.exports.matmul, 'function');
  await assert.rejects(WebAssembly.instantiate(bytes, { env: { memory: createMemory(false, 65536) } }));
});

test('createWasmBackend({ threads }) wants a whole number of threads on shared memory', async () => {
  await assert.rejects(createWasmBackend({ threads: 0 }), RangeError);
  await assert.rejects(createWasmBackend({ threads: 1.5 }), RangeError);
  await assert.rejects(createWasmBackend({ threads: 2, memory: 'unshared' }), /threads need shared memory/);
  const backend = await createWasmBackend({ threads: 2 });
  assert.equal(backend.threads, 2);
  backend.dispose();
  // After dispose the products still run, on the calling thread.
  const a = tensorOn(backend, [64, 784], uniform(64 * 784, 1));
  const b = tensorOn(backend, [128, 784], uniform(128 * 784, 2));
  const out = tensorOn(backend, [64, 128]);
  backend.matmul(out, a, b, false, true);
  const expected = tensorOn(reference, [64, 128]);
  reference.matmul(expected, a, b, false, true);
  assertClose(out.data, expected.data, { relative: 1e-4, absolute: 1e-4 });
});

test('addRowVector, leakyRelu and softmaxRows give the same results on 1 and 2 threads for large batches', async () => {
  // 2,101 rows of 130 (273,130 values, past the sharing threshold; rows split between threads).
  const rows = 2101;
  const n = 130;
  const x = uniform(rows * n, 21, -30, 30);
  const bias = uniform(n, 22);
  const expected = {
    add: tensorOn(reference, [rows, n]), relu: tensorOn(reference, [rows, n]), softmax: tensorOn(reference, [rows, n]),
  };
  reference.addRowVector(expected.add, tensorOn(reference, [rows, n], x), tensorOn(reference, [n], bias));
  reference.leakyRelu(expected.relu, tensorOn(reference, [rows, n], x), 0.01);
  reference.softmaxRows(expected.softmax, tensorOn(reference, [rows, n], x));
  const results = [];
  for (const threads of [1, 2]) {
    const backend = await createWasmBackend({ threads });
    const add = tensorOn(backend, [rows, n]);
    const relu = tensorOn(backend, [rows, n]);
    const softmax = tensorOn(backend, [rows, n]);
    // A first call of each: shared on 2 threads (sharing pauses only after calls that waited).
    backend.addRowVector(add, tensorOn(backend, [rows, n], x), tensorOn(backend, [n], bias));
    backend.leakyRelu(relu, tensorOn(backend, [rows, n], x), 0.01);
    backend.softmaxRows(softmax, tensorOn(backend, [rows, n], x));
    assertSameBits(add.data as Float32Array, expected.add.data as Float32Array, `addRowVector, ${threads} thread(s)`);
    results.push([Float32Array.from(relu.data), Float32Array.from(softmax.data)]);
    backend.dispose();
  }
  assertSameBits(results[1][0], results[0][0], 'leakyRelu, 2 threads against 1');
  assertSameBits(results[1][1], results[0][1], 'softmaxRows, 2 threads against 1');
  // The slope and e^x round in float32 here, in float64 in the reference.
  assertClose(results[1][0], expected.relu.data, { relative: 1e-6, absolute: 1e-30 });
  assertClose(results[1][1], expected.softmax.data, { relative: 1e-5, absolute: 1e-30 });
});

test('sgdStep and deskew give the same bits on 1 and 2 threads (the threads share large calls)', async () => {
  const backends = [await createWasmBackend({ threads: 1 }), await createWasmBackend({ threads: 2 })];
  const results = backends.map((backend) => {
    // 100,003 parameters (more than a thread's share, and not a multiple of 4).
    const count = 100_003;
    const value = tensorOn(backend, [count], uniform(count, 1));
    const grad = tensorOn(backend, [count], uniform(count, 2));
    const velocity = tensorOn(backend, [count], uniform(count, 3));
    backend.sgdStep(value, grad, velocity, { learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-4 });
    // 37 images of 28×28 with faint ink.
    const x = tensorOn(backend, [37, 784], uniform(37 * 784, 4, -1, 1).map((v) => Math.max(0, v)));
    const y = tensorOn(backend, [37, 784]);
    backend.deskew(y, x, 28, 28);
    return [Float32Array.from(value.data), Float32Array.from(velocity.data), Float32Array.from(y.data)];
  });
  for (let i = 0; i < 3; i++) assertSameBits(results[1][i], results[0][i], ['value', 'velocity', 'deskewed'][i]);
  const expected = tensorOn(reference, [37, 784]);
  reference.deskew(expected, tensorOn(reference, [37, 784], uniform(37 * 784, 4, -1, 1).map((v) => Math.max(0, v))), 28, 28);
  assertSameBits(results[1][2], expected.data as Float32Array, 'deskewed, against the reference');
  for (const backend of backends) backend.dispose();
});

/** The parts of KernelThreads these tests drive: its probe, and its decisions to share. */
interface Pool {
  probeCores(): number;
  readonly farCores: boolean;
  decide(site: number, work: number, product?: boolean, evenWhenFar?: boolean): boolean;
  finish(): void;
  far: boolean;
  probeDue: boolean;
  readonly probed: Float64Array;
}

test('a backend on 2 threads times a round trip to its worker, and judges the cores far apart past 0.28 µs', async () => {
  const backend = await createWasmBackend({ threads: 2 });
  const pool = (backend as unknown as { pool: Pool }).pool;
  for (let probe = 0; probe < 3; probe++) {
    const milliseconds = pool.probeCores();
    assert.ok(Number.isFinite(milliseconds) && milliseconds > 0, `${milliseconds} ms`);
    assert.equal(pool.farCores, milliseconds > 280e-6);
  }
  backend.dispose();
});

test('while the cores are far apart, products below 2^24 multiply-adds and other calls below 2^18 values stay on the main thread, and a probe comes due', async () => {
  const backend = await createWasmBackend({ threads: 2 });
  const pool = (backend as unknown as { pool: Pool }).pool;
  pool.probeCores();
  // As a probe would leave it in a spell, a moment ago.
  pool.far = true;
  pool.probed[0] = performance.now();
  pool.probeDue = false;
  const ROWS = 1;
  const SGD = 4;
  for (let call = 0; call < 20; call++) {
    assert.equal(pool.decide(ROWS, 6.4e6, true), false, `product ${call} of W1's size`);
    pool.finish();
    assert.equal(pool.decide(SGD, 100_480), false, `SGD step ${call} of W1's size`);
    pool.finish();
  }
  // W4's are still shared: the first call of a size goes shared, to be timed.
  assert.equal(pool.decide(ROWS, 5.1e7, true), true);
  pool.finish();
  // 10,000 digits through 784 → 128 (10⁹ multiply-adds) always go shared, and are never timed
  // alone, even when the figures of their size say alone is faster.
  const TEN_THOUSAND = 10_000 * 784 * 128;
  const bigAt = (ROWS * 48 + Math.floor(Math.log2(TEN_THOUSAND))) * 7;
  (pool as unknown as { stats: Float64Array }).stats.set([1000, 1, 5, 5, 0, 8, 0], bigAt);
  for (let call = 0; call < 40; call++) {
    assert.equal(pool.decide(ROWS, TEN_THOUSAND, true), true, `call ${call} of 10,000 digits`);
    pool.finish();
  }
  assert.equal(pool.decide(SGD, 401_408), true);
  pool.finish();
  // One digit through 784 → 128 (the dot site) is judged as near cores are: its first call goes
  // shared, to be timed; asked without the exemption, the same call stays alone.
  const DOT = 10;
  assert.equal(pool.decide(DOT, 100_352, true), false);
  pool.finish();
  assert.equal(pool.decide(DOT, 100_352, true, true), true);
  pool.finish();
  // Once a second has passed, the calls kept alone read the clock (once in 1,024) and ask for a
  // new probe, which the next call runs.
  pool.probed[0] = performance.now() - 2000;
  let calls = 0;
  while (!pool.probeDue && calls < 1024) {
    assert.equal(pool.decide(ROWS, 6.4e6, true), false);
    pool.finish();
    calls++;
  }
  assert.equal(pool.probeDue, true, `no probe due after ${calls} calls`);
  pool.decide(ROWS, 6.4e6, true);
  pool.finish();
  assert.equal(pool.probeDue, false);
  assert.ok(pool.probed[0] > performance.now() - 1000, 'the probe ran');
  backend.dispose();
});

test('a site kept alone times sharing again only on calls a worker already awake took part in', async () => {
  const backend = await createWasmBackend({ threads: 2 });
  const pool = (backend as unknown as {
    pool: Pool & { stats: Float64Array; sharedJobs: number; workerStrips: number; unhelpedExplores: number };
  }).pool;
  pool.probeCores();
  pool.far = false;
  pool.probeDue = false;
  pool.probed[0] = performance.now() + 60_000;
  // One digit through 784 → 128 (the dot site, size 2^16), its figures saying that sharing took
  // a second a call and alone a microsecond: alone it goes, exploring the shared way now and then.
  const DOT = 10;
  const work = 100_352;
  const at = (DOT * 48 + 16) * 7;
  const stats = pool.stats;
  stats.set([1000, 0.001, 5, 5, 0, 8, 0], at);
  /** A call as the backend makes it, the workers taking `workerStrips` strips when it is shared. */
  const call = (workerStrips: number): boolean => {
    const shared = pool.decide(DOT, work, true, true);
    if (shared) {
      pool.sharedJobs = 1;
      pool.workerStrips = workerStrips;
    }
    pool.finish();
    return shared;
  };
  // Explores that no worker took part in (asleep after the calls alone) are not counted: the
  // shared figure stays, and each is followed at once by another.
  let sharedCalls = 0;
  for (let i = 0; i < 40; i++) if (call(0)) sharedCalls++;
  assert.ok(sharedCalls >= 30, `${sharedCalls} of 40 calls explored`);
  assert.equal(stats[at], 1000, 'an explore no worker helped was counted');
  assert.ok(pool.unhelpedExplores >= 30);
  // A worker that takes part in an explore has just woken: that call is not counted either, the
  // next one, with the worker awake, is, and sharing (faster here) wins.
  assert.equal(call(1), true);
  assert.equal(stats[at], 1000, 'the call the worker woke in was counted');
  assert.equal(call(1), true);
  assert.ok(stats[at] < 1, `shared figure ${stats[at]} ms`);
  assert.equal(pool.unhelpedExplores, 0);
  assert.equal(call(1), true, 'the site shares again');
  // A worker that never answers does not keep a site exploring: past 64 explores in a row, one
  // is counted anyway.
  stats.set([1000, 0.001, 5, 5, 0, 8, 0], at);
  let calls = 0;
  while (stats[at] === 1000 && calls < 1000) {
    call(0);
    calls++;
  }
  assert.ok(stats[at] < 1000 && calls < 100, `counted after ${calls} calls`);
  backend.dispose();
});

test('on 2 threads, pixelsToFloatsAhead has the worker gather the batch while the main thread waits for nothing', async () => {
  const backend = await createWasmBackend({ threads: 2 });
  const pool = (backend as unknown as { pool: Pool }).pool;
  const images = 500;
  const width = 784;
  const floats = backend.alloc((images * width) / 4);
  const pixels = new Uint8Array(floats.buffer, floats.byteOffset, images * width);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 29) % 7 === 0 ? 0 : (i * 13) & 255;
  const rows = Int32Array.from({ length: 64 }, (_, i) => (i * 149 + 11) % images);
  const expected = tensorOn(reference, [64, width]);
  reference.pixelsToFloats(expected, pixels, rows);
  for (let round = 0; round < 3; round++) {
    // As near cores leave it (in a spell of far ones the main thread gathers for itself).
    pool.far = false;
    pool.probeDue = false;
    pool.probed[0] = performance.now();
    const out = tensorOn(backend, [64, width]);
    backend.pixelsToFloatsAhead(out, pixels, rows);
    // No call into the backend from here: the values can only come from the worker.
    const waitStarted = performance.now();
    const sameAsExpected = (): boolean => out.data.every((v, i) => v === expected.data[i]);
    while (!sameAsExpected()) {
      assert.ok(performance.now() - waitStarted < 10_000, `round ${round}: the worker did not gather the batch`);
    }
    backend.pixelsToFloats(out, pixels, rows);
    assertSameBits(out.data as Float32Array, expected.data as Float32Array, `round ${round}`);
  }
  backend.dispose();
});

test('one row times a transposed b, its neurons shared out between 2 threads, gives the bits 1 thread gives', async () => {
  const single = await createWasmBackend({ threads: 1 });
  const backend = await createWasmBackend({ threads: 2 });
  const pool = (backend as unknown as { pool: Pool & { decided: number } }).pool;
  // Every call shared, whatever the figures or the cores' distance say; the sites asked are kept.
  const sites: number[] = [];
  pool.decide = (site: number) => {
    sites.push(site);
    pool.decided = -1;
    return true;
  };
  const DOT = 10;
  // One digit through 784 → 128 (faint ink, mostly zeros), and a row whose 130 neurons are no
  // whole number of the kernel's groups of six, accumulated onto what out held.
  const cases = [
    { n: 128, k: 784, accumulate: false, x: uniform(784, 1, -1, 1).map((v) => Math.max(0, v)) },
    { n: 130, k: 301, accumulate: true, x: uniform(301, 2) },
  ];
  for (const { n, k, accumulate, x } of cases) {
    const b = uniform(n * k, 3);
    const before = uniform(n, 4);
    const results = [single, backend].map((on) => {
      const out = tensorOn(on, [1, n], before);
      on.matmul(out, tensorOn(on, [1, k], x), tensorOn(on, [n, k], b), false, true, accumulate);
      return Float32Array.from(out.data);
    });
    assert.ok(sites.includes(DOT), `1 × ${k} → ${n}: not shared (sites asked: ${sites.join(', ')})`);
    sites.length = 0;
    assertSameBits(results[1], results[0], `1 × ${k} → ${n}`);
    const expected = tensorOn(reference, [1, n], before);
    reference.matmul(expected, tensorOn(reference, [1, k], x), tensorOn(reference, [n, k], b), false, true, accumulate);
    assertClose(results[1], expected.data, { relative: 1e-5, absolute: 1e-5 });
  }
  single.dispose();
  backend.dispose();
});
