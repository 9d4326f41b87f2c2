/**
 * The page half of bench/kernels-browser.ts: bundled for Chromium, it times the matrix kernel at
 * W1's shapes through the public API, on one thread, exactly as bench/kernels.ts does in Node, and
 * hands the printed rows back. Each backend the browser can run takes part: first the one
 * createWasmBackend picks by itself (the one a page gets), then the other builds for comparison.
 */
import { createWasmBackend, type WasmBackend } from '../src/index.js';
import { dataFor, matmulRow, operands, secondsPerCall, w1Products } from './kernel-timing.js';

export interface PageRequest {
  repeats: number;
  /** Consecutive MNIST digits, 784 bytes each, at least 64 of them. */
  digits: number[];
}

export interface PageResult {
  /** The build createWasmBackend({ threads: 1 }) picked, e.g. "wasm-relaxed". */
  chosen: string;
  crossOriginIsolated: boolean;
  /** The smallest step performance.now() took here, in µs (browsers coarsen their clock). */
  clockMicroseconds: number;
  rows: string[];
}

async function measureW1Matmul(request: PageRequest): Promise<PageResult> {
  const digits = Uint8Array.from(request.digits);
  const chosen = await createWasmBackend({ threads: 1 });
  const backends: WasmBackend[] = [chosen];
  for (const variant of ['relaxed', 'simd'] as const) {
    if (variant === chosen.variant) continue;
    try {
      backends.push(await createWasmBackend({ variant, threads: 1 }));
    } catch {
      // This browser cannot compile that build; the chosen one is what matters.
    }
  }
  const rows: string[] = [];
  for (const p of w1Products) {
    for (const data of dataFor(p)) {
      const seconds = secondsPerCall(backends.map((backend) => {
        const { a, b, out } = operands(backend, p, data, digits);
        return () => backend.matmul(out, a, b, p.transposeA, p.transposeB);
      }), request.repeats);
      backends.forEach((backend, i) => rows.push(matmulRow(p, data, backend.name, seconds[i])));
    }
  }
  return {
    chosen: chosen.name, crossOriginIsolated: globalThis.crossOriginIsolated === true,
    clockMicroseconds: clockStep() * 1000, rows,
  };
}

/** The smallest nonzero difference between successive readings of performance.now(), in ms. */
function clockStep(): number {
  let smallest = Infinity;
  let last = performance.now();
  for (let i = 0; i < 100_000; i++) {
    const now = performance.now();
    if (now !== last) smallest = Math.min(smallest, now - last);
    last = now;
  }
  return smallest;
}

(globalThis as { measureW1Matmul?: typeof measureW1Matmul }).measureW1Matmul = measureW1Matmul;
