/**
 * The matrix kernel's speed at the shapes of Dense(784→128) on a batch of 64 (workload W1), on the
 * reference backend and each WebAssembly build this runtime validates, measured in one run:
 *
 *   npx tsx bench/kernels.ts
 *   node --experimental-wasm-relaxed-simd --import tsx bench/kernels.ts    (adds relaxed SIMD)
 *   node --import tsx bench/kernels.ts --threads 2                          (adds 2 threads)
 *
 * Each figure is the median of repeated timings, each long enough (≥ 20 ms) that the clock does
 * not matter, the backends taking turns so that other programs' load falls on all of them alike. GFLOP/s counts 2·m·n·k for every product, so on MNIST digits, whose pixels are
 * 81% zero and which the WebAssembly kernel skips, it is an effective rate. The last table is the
 * time per call of small kernels at the shapes of the video's network (784-16-16-10, batch 10),
 * where the fixed cost of a call matters more than arithmetic.
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  createWasmBackend, ReferenceBackend, Tensor, type Backend, type WasmBackendOptions,
} from '../src/index.js';
import { supportedVariants } from '../src/backend/wasm/load-kernels.js';
import { loadMnist } from '../cli/mnist-files.js';

const { values: flags } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    repeats: { type: 'string', default: '15' },
  },
});
const threadCounts = [...new Set([1, Number(flags.threads)])];
const repeats = Number(flags.repeats);

interface Product {
  name: string;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
}

// Dense(784→128) on a batch of 64: z = x·Wᵀ, dW = dyᵀ·x, dx = dy·W.
const products: Product[] = [
  { name: 'z = x·Wᵀ   [64×784]·[128×784]ᵀ', m: 64, n: 128, k: 784, transposeA: false, transposeB: true },
  { name: 'dW = dyᵀ·x [64×128]ᵀ·[64×784]', m: 128, n: 784, k: 64, transposeA: true, transposeB: false },
  { name: 'dx = dy·W  [64×128]·[128×784]', m: 64, n: 784, k: 128, transposeA: false, transposeB: false },
];

async function backendsToCompare(): Promise<Backend[]> {
  const list: Backend[] = [new ReferenceBackend()];
  for (const variant of supportedVariants()) {
    for (const threads of threadCounts) {
      // Threads named every time: the backend's default ('auto') takes every core.
      const options: WasmBackendOptions = { variant, threads };
      list.push(await createWasmBackend(options));
    }
  }
  return list;
}

function describeBackend(backend: Backend): string {
  const threads = (backend as { threads?: number }).threads;
  return threads === undefined || threads === 1 ? backend.name : `${backend.name} ×${threads} threads`;
}

/**
 * Median seconds per call of each body, from `repeats` rounds in which every body is timed once
 * (enough calls to take ≥ 20 ms). Taking turns within each round spreads the slowdowns that
 * other programs cause over all the bodies alike, so that their ratios stay fair.
 */
function secondsPerCall(bodies: (() => void)[]): number[] {
  const calls = bodies.map((body) => {
    // Warm up long enough for V8 to tier the WebAssembly up from its baseline compiler.
    const started = performance.now();
    while (performance.now() - started < 300) body();
    for (let count = 1; ; count *= 2) {
      const t = performance.now();
      for (let i = 0; i < count; i++) body();
      if (performance.now() - t >= 20) return count;
    }
  });
  const times: number[][] = bodies.map(() => []);
  for (let r = 0; r < repeats; r++) {
    bodies.forEach((body, b) => {
      const t = performance.now();
      for (let i = 0; i < calls[b]; i++) body();
      times[b].push((performance.now() - t) / 1000 / calls[b]);
    });
  }
  return times.map((list) => list.sort((x, y) => x - y)[Math.floor(list.length / 2)]);
}

function filled(backend: Backend, shape: number[], fill: (i: number) => number): Tensor {
  const data = backend.alloc(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = fill(i);
  return new Tensor(shape, data);
}

const digits = loadMnist('train');
const random = (seed: number) => () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 4294967296 - 0.5;
};

/** Operands for `p`: uniform random numbers, or with x (the batch of digits) from MNIST. */
function operands(backend: Backend, p: Product, data: 'random' | 'mnist'): { a: Tensor; b: Tensor; out: Tensor } {
  const next = random(p.m * 7 + p.n);
  const pixel = (i: number) => digits.pixels[1000 * 784 + i] / 255;
  const shapeA = p.transposeA ? [p.k, p.m] : [p.m, p.k];
  const shapeB = p.transposeB ? [p.n, p.k] : [p.k, p.n];
  // x is a for z = x·Wᵀ and b for dW = dyᵀ·x; dx = dy·W has no x.
  const aIsX = p.name.startsWith('z');
  const bIsX = p.name.startsWith('dW');
  return {
    a: filled(backend, shapeA, data === 'mnist' && aIsX ? pixel : next),
    b: filled(backend, shapeB, data === 'mnist' && bIsX ? pixel : next),
    out: filled(backend, [p.m, p.n], () => 0),
  };
}

function row(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
}

const backends = await backendsToCompare();
console.log(`Node ${process.version}, V8 ${process.versions.v8}; median of ${repeats} timings`);
// Other programs on the machine slow every figure down (and threads most of all): say how busy it was.
console.log(`load average ${loadavg().map((load) => load.toFixed(1)).join(', ')} on ${availableParallelism()} cores`);
if (!supportedVariants().includes('relaxed')) {
  console.log('(relaxed SIMD is off in this runtime: node --experimental-wasm-relaxed-simd --import tsx bench/kernels.ts)');
}

const widths = [36, 7, 22, 9, 10];
console.log();
console.log(row(['matmul at W1 shapes', 'data', 'backend', 'GFLOP/s', 'µs/call'], widths));
for (const p of products) {
  for (const data of ['random', 'mnist'] as const) {
    if (data === 'mnist' && p.name.startsWith('dx')) continue;
    const seconds = secondsPerCall(backends.map((backend) => {
      const { a, b, out } = operands(backend, p, data);
      return () => backend.matmul(out, a, b, p.transposeA, p.transposeB);
    }));
    backends.forEach((backend, i) => {
      const gflops = (2 * p.m * p.n * p.k) / seconds[i] / 1e9;
      console.log(row([p.name, data, describeBackend(backend), gflops.toFixed(1), (seconds[i] * 1e6).toFixed(0)], widths));
    });
  }
}

// Small kernels at the video network's shapes: what one call costs when there is little to do.
const small: { name: string; run: (backend: Backend) => () => void }[] = [
  {
    name: 'matmul z = x·Wᵀ [10×784]·[16×784]ᵀ',
    run: (backend) => {
      const { a, b, out } = operands(backend, { name: 'z', m: 10, n: 16, k: 784, transposeA: false, transposeB: true }, 'mnist');
      return () => backend.matmul(out, a, b, false, true);
    },
  },
  {
    name: 'matmul z = x·Wᵀ [10×16]·[10×16]ᵀ',
    run: (backend) => {
      const { a, b, out } = operands(backend, { name: 'z', m: 10, n: 10, k: 16, transposeA: false, transposeB: true }, 'random');
      return () => backend.matmul(out, a, b, false, true);
    },
  },
  {
    name: 'sigmoid [10×16]',
    run: (backend) => {
      const x = filled(backend, [10, 16], random(3));
      const y = filled(backend, [10, 16], () => 0);
      return () => backend.sigmoid(y, x);
    },
  },
  {
    name: 'addRowVector [10×16] + [16]',
    run: (backend) => {
      const x = filled(backend, [10, 16], random(4));
      const bias = filled(backend, [16], random(5));
      return () => backend.addRowVector(x, x, bias);
    },
  },
];
const smallWidths = [36, 22, 9];
console.log();
console.log(row(['small kernels (784-16-16-10, batch 10)', 'backend', 'µs/call'], smallWidths));
for (const kernel of small) {
  const seconds = secondsPerCall(backends.map((backend) => kernel.run(backend)));
  backends.forEach((backend, i) => {
    console.log(row([kernel.name, describeBackend(backend), (seconds[i] * 1e6).toFixed(2)], smallWidths));
  });
}
