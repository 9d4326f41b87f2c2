/**
 * What bench/kernels.ts (in Node) and bench/kernels-page.ts (in Chromium) share, so that both
 * time the same products on the same operands in the same way and print the same rows. Imports
 * nothing from node:* or the DOM: it runs in either.
 */
import { Tensor, type Backend } from '../src/index.js';

export interface Product {
  name: string;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
}

export type OperandData = 'random' | 'mnist';

// Dense(784→128) on a batch of 64: z = x·Wᵀ, dW = dyᵀ·x, dx = dy·W.
export const w1Products: Product[] = [
  { name: 'z = x·Wᵀ   [64×784]·[128×784]ᵀ', m: 64, n: 128, k: 784, transposeA: false, transposeB: true },
  { name: 'dW = dyᵀ·x [64×128]ᵀ·[64×784]', m: 128, n: 784, k: 64, transposeA: true, transposeB: false },
  { name: 'dx = dy·W  [64×128]·[128×784]', m: 64, n: 784, k: 128, transposeA: false, transposeB: false },
];

/** Which data each product runs on: dx = dy·W has no x, so no digits either. */
export function dataFor(p: Product): OperandData[] {
  return p.name.startsWith('dx') ? ['random'] : ['random', 'mnist'];
}

/**
 * Median seconds per call of each body, from `repeats` rounds in which every body is timed once
 * (enough calls to take ≥ 20 ms, so that a coarse clock, such as a browser's, does not matter).
 * Taking turns within each round spreads the slowdowns that other programs cause over all the
 * bodies alike, so that their ratios stay fair.
 */
export function secondsPerCall(bodies: (() => void)[], repeats: number): number[] {
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

export function filled(backend: Backend, shape: number[], fill: (i: number) => number): Tensor {
  const data = backend.alloc(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = fill(i);
  return new Tensor(shape, data);
}

/** Uniform numbers in [-0.5, 0.5) from a small linear congruential generator. */
export function seededUniform(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296 - 0.5;
  };
}

/**
 * Operands for `p`: uniform random numbers, or with x (the batch of digits) from MNIST.
 * `digits` holds consecutive 784-pixel MNIST images (bytes), at least as many as x has rows.
 */
export function operands(
  backend: Backend, p: Product, data: OperandData, digits: Uint8Array,
): { a: Tensor; b: Tensor; out: Tensor } {
  const next = seededUniform(p.m * 7 + p.n);
  const pixel = (i: number) => digits[i] / 255;
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

/** The first MNIST digit bench/kernels.ts uses as x (digits 1000 on, from the training set). */
export const FIRST_DIGIT = 1000;

export function tableRow(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
}

const matmulWidths = [36, 7, 22, 9, 10];

/** The header of the matmul table, which bench/report.ts's parseMatmulRates reads. */
export function matmulHeader(): string {
  return tableRow(['matmul at W1 shapes', 'data', 'backend', 'GFLOP/s', 'µs/call'], matmulWidths);
}

/** One matmul row; GFLOP/s counts 2·m·n·k, so on digits (mostly zeros) it is an effective rate. */
export function matmulRow(p: Product, data: OperandData, backend: string, seconds: number): string {
  const gflops = (2 * p.m * p.n * p.k) / seconds / 1e9;
  return tableRow([p.name, data, backend, gflops.toFixed(1), (seconds * 1e6).toFixed(0)], matmulWidths);
}
