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
  createWasmBackend, ReferenceBackend, type Backend, type WasmBackendOptions,
} from '../src/index.js';
import { supportedVariants } from '../src/backend/wasm/load-kernels.js';
import { loadMnist } from '../cli/mnist-files.js';
import {
  dataFor, filled, FIRST_DIGIT, matmulHeader, matmulRow, operands, secondsPerCall, seededUniform, tableRow,
  w1Products,
} from './kernel-timing.js';

const { values: flags } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    repeats: { type: 'string', default: '15' },
  },
});
const threadCounts = [...new Set([1, Number(flags.threads)])];
const repeats = Number(flags.repeats);

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

const digits = loadMnist('train').pixels.subarray(FIRST_DIGIT * 784);

const backends = await backendsToCompare();
console.log(`Node ${process.version}, V8 ${process.versions.v8}; median of ${repeats} timings`);
// Other programs on the machine slow every figure down (and threads most of all): say how busy it was.
console.log(`load average ${loadavg().map((load) => load.toFixed(1)).join(', ')} on ${availableParallelism()} cores`);
if (!supportedVariants().includes('relaxed')) {
  console.log('(relaxed SIMD is off in this runtime: node --experimental-wasm-relaxed-simd --import tsx bench/kernels.ts)');
}

console.log();
console.log(matmulHeader());
for (const p of w1Products) {
  for (const data of dataFor(p)) {
    const seconds = secondsPerCall(backends.map((backend) => {
      const { a, b, out } = operands(backend, p, data, digits);
      return () => backend.matmul(out, a, b, p.transposeA, p.transposeB);
    }), repeats);
    backends.forEach((backend, i) => console.log(matmulRow(p, data, describeBackend(backend), seconds[i])));
  }
}

// Small kernels at the video network's shapes: what one call costs when there is little to do.
const small: { name: string; run: (backend: Backend) => () => void }[] = [
  {
    name: 'matmul z = x·Wᵀ [10×784]·[16×784]ᵀ',
    run: (backend) => {
      const p = { name: 'z', m: 10, n: 16, k: 784, transposeA: false, transposeB: true };
      const { a, b, out } = operands(backend, p, 'mnist', digits);
      return () => backend.matmul(out, a, b, false, true);
    },
  },
  {
    name: 'matmul z = x·Wᵀ [10×16]·[10×16]ᵀ',
    run: (backend) => {
      const p = { name: 'z', m: 10, n: 10, k: 16, transposeA: false, transposeB: true };
      const { a, b, out } = operands(backend, p, 'random', digits);
      return () => backend.matmul(out, a, b, false, true);
    },
  },
  {
    name: 'sigmoid [10×16]',
    run: (backend) => {
      const x = filled(backend, [10, 16], seededUniform(3));
      const y = filled(backend, [10, 16], () => 0);
      return () => backend.sigmoid(y, x);
    },
  },
  {
    name: 'addRowVector [10×16] + [16]',
    run: (backend) => {
      const x = filled(backend, [10, 16], seededUniform(4));
      const bias = filled(backend, [16], seededUniform(5));
      return () => backend.addRowVector(x, x, bias);
    },
  },
];
const smallWidths = [36, 22, 9];
console.log();
console.log(tableRow(['small kernels (784-16-16-10, batch 10)', 'backend', 'µs/call'], smallWidths));
for (const kernel of small) {
  const seconds = secondsPerCall(backends.map((backend) => kernel.run(backend)), repeats);
  backends.forEach((backend, i) => {
    console.log(tableRow([kernel.name, describeBackend(backend), (seconds[i] * 1e6).toFixed(2)], smallWidths));
  });
}
