import { test } from 'node:test';
import assert from 'node:assert/strict';
import { examplesWithinBudget, median, type ChildResult } from '../../bench/measure.js';
import {
  bytesPerStep, evaluateGoals, formatNumber, formatTable, parseMatmulRates, type BenchRecord, type Column,
} from '../../bench/report.js';
import type { MemoryResult } from '../../bench/glassbox-memory.js';

test('median(values) takes the middle value, or the mean of the two middle ones', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('examplesWithinBudget() keeps the whole set when an epoch fits the budget', () => {
  assert.equal(examplesWithinBudget(1e-5, 20, 64, 60_000), 60_000);
});

test('examplesWithinBudget() cuts a slow epoch to whole batches, and never below ten', () => {
  // 1 ms per digit: 20 s buys 20,000 digits, 312 whole batches of 64.
  assert.equal(examplesWithinBudget(1e-3, 20, 64, 60_000), 312 * 64);
  assert.equal(examplesWithinBudget(1, 20, 128, 60_000), 10 * 128);
});

test('formatNumber() gives three significant digits and a dash for nothing', () => {
  assert.equal(formatNumber(0.012345), '0.0123');
  assert.equal(formatNumber(1.2345), '1.23');
  assert.equal(formatNumber(12.345), '12.3');
  assert.equal(formatNumber(123.45), '123');
  assert.equal(formatNumber(undefined), '–');
});

test('parseMatmulRates(output) reads the matmul rows of bench/kernels.ts and nothing else', () => {
  const output = [
    'matmul at W1 shapes                      data                  backend   GFLOP/s     µs/call',
    'z = x·Wᵀ   [64×784]·[128×784]ᵀ         random              reference       1.2        6500',
    'z = x·Wᵀ   [64×784]·[128×784]ᵀ         random   wasm-simd ×2 threads      71.5         180',
    'dW = dyᵀ·x [64×128]ᵀ·[64×784]           mnist              wasm-simd      90.0         140',
    'sigmoid [10×16]                                 wasm-simd      0.05',
  ].join('\n');
  assert.deepEqual(parseMatmulRates(output), [
    { product: 'z = x·Wᵀ   [64×784]·[128×784]ᵀ', data: 'random', backend: 'reference', gflops: 1.2 },
    { product: 'z = x·Wᵀ   [64×784]·[128×784]ᵀ', data: 'random', backend: 'wasm-simd ×2 threads', gflops: 71.5 },
    { product: 'dW = dyᵀ·x [64×128]ᵀ·[64×784]', data: 'mnist', backend: 'wasm-simd', gflops: 90 },
  ]);
});

function memoryRun(heaps: Array<[before: number, after: number, collections: number]>): MemoryResult {
  return {
    system: 'glassbox', kind: 'memory', label: 'test', workload: 'W1', peakRss: 100e6, batchesPerEpoch: 1000,
    epochs: heaps.map(([before, after, collections], i) => ({
      epoch: i + 1, seconds: 1, heapBeforeCollection: before, heapAfterCollection: after, collections,
      backendBytes: undefined, rss: 100e6,
    })),
  };
}

test('bytesPerStep(memory) is what each later epoch added to the heap, per batch', () => {
  // Epoch 2 adds 2,000 bytes to the 5e6 left after epoch 1; epoch 3 adds 4,000: median 3 per step.
  assert.equal(bytesPerStep(memoryRun([[6e6, 5e6, 0], [5e6 + 2000, 5e6, 0], [5e6 + 4000, 5e6, 0]])), 3);
});

test('bytesPerStep(memory) ignores epochs in which V8 collected, and is undefined without any', () => {
  assert.equal(bytesPerStep(memoryRun([[6e6, 5e6, 0], [5e6 + 8000, 5e6, 0], [5e6 + 100, 5e6, 2]])), 8);
  assert.equal(bytesPerStep(memoryRun([[6e6, 5e6, 0], [5e6 + 100, 5e6, 1]])), undefined);
});

const columns: Column[] = [
  { key: 'gb1', title: 'Glassbox 1', system: 'glassbox', backend: 'wasm', threads: 1 },
  { key: 'gb2', title: 'Glassbox 2', system: 'glassbox', backend: 'wasm', threads: 2 },
  { key: 't1', title: 'PyTorch 1', system: 'torch', backend: 'cpu', threads: 1 },
  { key: 't2', title: 'PyTorch 2', system: 'torch', backend: 'cpu', threads: 2 },
  { key: 'tw', title: 'tfjs-wasm', system: 'tfjs', backend: 'wasm', threads: 1 },
];

function result(column: Column, secondsPerEpoch: number, extra: Partial<ChildResult> = {}): ChildResult {
  return {
    system: column.system, backend: column.backend, threads: column.threads, workload: 'W1', label: column.title,
    secondsPerEpoch, epochSeconds: [secondsPerEpoch], examplesPerEpoch: 60_000, trainExamples: 60_000,
    cpuShare: column.threads, otherCores: 0, testAccuracy: 0.97, details: {}, ...extra,
  };
}

function record(): BenchRecord {
  const [gb1, gb2, t1, t2, tw] = columns;
  return {
    date: '2025-01-01T00:00:00.000Z', machine: {}, settings: {}, columns, notes: [],
    cells: {
      gb1: { W1: result(gb1, 0.3, { inference: { batchMilliseconds: 8, batchCalls: 1, singleMicroseconds: 6, singleCalls: 1 } }) },
      gb2: { W1: result(gb2, 0.2), W2: { skipped: 'no threads' } },
      t1: { W1: result(t1, 0.6, { examplesPerEpoch: 30_000 }) },
      t2: { W1: result(t2, 0.5, { otherCores: 0.1 }) },
      tw: { W1: result(tw, 10, { otherCores: 0.5 }) },
    },
  };
}

test('evaluateGoals(record) compares the fastest Glassbox column with each peer from the same run', () => {
  const goals = new Map(evaluateGoals(record()).map((g) => [g.goal, g]));
  // Glassbox's best W1 is 0.2 s (2 threads): 0.4× PyTorch's 2-thread 0.5 s, and 50× tfjs-wasm.
  assert.equal(goals.get('W1 epoch ≤ 0.5× PyTorch 2 threads')?.met, true);
  assert.equal(goals.get('W1 epoch ≤ 0.5× PyTorch 2 threads')?.measured, '0.400×');
  assert.equal(goals.get('W1 epoch ≥ 40× faster than tfjs-wasm')?.met, true);
  assert.equal(goals.get('W3: 10,000 digits ≤ 10 ms')?.met, true);
  const single = goals.get('W3: one digit ≤ 5 µs');
  assert.equal(single?.met, false);
  assert.equal(single?.gap, 'needs 1.20× better');
  // W2 was never measured for Glassbox, so its goal is open rather than failed.
  assert.equal(goals.get('W2 epoch ≤ 0.15× PyTorch (1 thread)')?.met, undefined);
});

test('formatTable(record) marks time-boxed cells with * and disturbed cells with †', () => {
  const table = formatTable(record());
  const w1 = table.split('\n').find((line) => line.startsWith('| W1 epoch'))!;
  const cells = w1.split('|').map((cell) => cell.trim()).slice(1, -1);
  assert.deepEqual(cells.slice(0, 6), ['W1 epoch (s)', '0.300', '0.200', '0.600*', '0.500', '10.0†']);
  // Ratios use Glassbox's faster column (0.2 s): ÷ 0.6, ÷ 0.5, ÷ 10.
  assert.deepEqual(cells.slice(6), ['0.333×', '0.400×', '0.0200×']);
});
