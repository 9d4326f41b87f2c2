import { test } from 'node:test';
import assert from 'node:assert/strict';
import { examplesWithinBudget, measureEpochs, median, type ChildResult, type ChildSpec } from '../../bench/measure.js';
import {
  heapGrowthPerStep, epochBytesPerStep, evaluateGoals, FIRST_WARM_EPOCH, formatMemory, formatNumber, formatReport,
  formatTable, formatTableNotes, parseChosenBackend, parseMatmulRates, warmEpochs, type BenchRecord, type Column,
} from '../../bench/report.js';
import type { MemoryResult } from '../../bench/glassbox-memory.js';
import { matmulHeader, matmulRow, w1Products } from '../../bench/kernel-timing.js';

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

test('parseMatmulRates(output) reads back the rows that matmulRow prints, in Node and in Chromium alike', () => {
  const [z, dW] = w1Products;
  // 2·64·128·784 flops in 500 µs: 25.7 GFLOP/s; 2·128·784·64 in 128.5 µs: 100.0.
  const output = [
    matmulHeader(),
    matmulRow(z, 'random', 'wasm-relaxed', 500e-6),
    matmulRow(dW, 'mnist', 'wasm-simd', 128.45e-6),
  ];
  assert.deepEqual(parseMatmulRates(output.join('\n')), [
    { product: z.name, data: 'random', backend: 'wasm-relaxed', gflops: 25.7 },
    { product: dW.name, data: 'mnist', backend: 'wasm-simd', gflops: 100.0 },
  ]);
});

/** A memory record: per epoch [heap before GC, after GC, collections, code before GC, after GC]. */
function memoryRun(
  heaps: Array<[before: number, after: number, collections: number, codeBefore?: number, codeAfter?: number]>,
): MemoryResult {
  return {
    system: 'glassbox', kind: 'memory', label: 'test', workload: 'W1', peakRss: 100e6, batchesPerEpoch: 1000,
    epochs: heaps.map(([before, after, collections, codeBefore, codeAfter], i) => ({
      epoch: i + 1, seconds: 1, heapBeforeCollection: before, heapAfterCollection: after, collections,
      codeBeforeCollection: codeBefore, codeAfterCollection: codeAfter, backendBytes: undefined, rss: 100e6,
    })),
  };
}

/** Warm-up epochs 1 to 5 (FIRST_WARM_EPOCH − 1), adding far more than the steady state does. */
const warmUp: Array<[number, number, number]> = [
  [9e6, 5e6, 0], [5e6 + 400_000, 5e6, 0], [5e6 + 200_000, 5e6, 0], [5e6 + 80_000, 5e6, 0], [5e6 + 60_000, 5e6, 0],
];

test('heapGrowthPerStep(memory) is the median of what each epoch from FIRST_WARM_EPOCH added to the heap, per batch', () => {
  assert.equal(FIRST_WARM_EPOCH, 6);
  // Epochs 6, 7 and 8 add 2,000, 9,000 and 4,000 bytes to the 5e6 left by the one before: 4 a step.
  const memory = memoryRun([...warmUp, [5e6 + 2000, 5e6, 0], [5e6 + 9000, 5e6, 0], [5e6 + 4000, 5e6, 0]]);
  assert.equal(heapGrowthPerStep(memory), 4);
  assert.deepEqual(warmEpochs(memory), [6, 7, 8]);
  assert.equal(epochBytesPerStep(memory, 1), 400);
});

/** memoryRun with 1 MB of code after each collection, and before it in the epochs listed. */
function withCode(
  heaps: Array<[number, number, number]>, codeBefore: Array<[epoch: number, bytes: number]>,
): MemoryResult {
  const grown = new Map(codeBefore);
  return memoryRun(heaps.map(([before, after, collections], i) => [
    before, after, collections, grown.get(i + 1) ?? 1e6, 1e6,
  ]));
}

test('heapGrowthPerStep(memory) leaves out what V8\'s code space grew by', () => {
  // Epoch 6 adds 131,000 bytes, 130,000 of them compiled code that the collection then frees.
  assert.equal(heapGrowthPerStep(withCode([...warmUp, [5e6 + 131_000, 5e6, 0]], [[6, 1.13e6]])), 1);
});

test('heapGrowthPerStep(memory) ignores epochs in which V8 collected, and is undefined without any warm epoch', () => {
  const memory = memoryRun([...warmUp, [5e6 + 8000, 5e6, 0], [5e6 + 100, 5e6, 2]]);
  assert.equal(heapGrowthPerStep(memory), 8);
  assert.deepEqual(warmEpochs(memory), [6]);
  assert.equal(heapGrowthPerStep(memoryRun([...warmUp, [5e6 + 100, 5e6, 1]])), undefined);
  assert.equal(heapGrowthPerStep(memoryRun(warmUp)), undefined);
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

test('formatMemory(memory) lists each epoch\'s heap, code space and allocation per step', () => {
  // Epoch 6 adds 202,000 bytes, 200,000 of them code; epoch 7 adds 3,000 and keeps 10,000 more.
  const memory = withCode(
    [...warmUp, [5e6 + 202_000, 5e6, 0], [5e6 + 3000, 5.01e6, 0]], [[6, 1.2e6]],
  );
  const text = formatMemory(memory);
  assert.match(text, /\| 1 \| 1\.00 \| 9\.00 \| 5\.00 \| 1\.00 → 1\.00 \| – \| 0 \|/);
  assert.match(text, /\| 6 \| 1\.00 \| 5\.20 \| 5\.00 \| 1\.20 → 1\.00 \| 2 \| 0 \|/);
  assert.match(text, /\| 7 \| 1\.00 \| 5\.00 \| 5\.01 \| 1\.00 → 1\.00 \| 3 \| 0 \|/);
});

test('evaluateGoals(record) judges allocation per step on the warm epochs, and names them', () => {
  const memory = memoryRun([...warmUp, [5e6 + 2000, 5e6, 0], [5e6 + 30_000, 5e6, 0], [5e6 + 3000, 5e6, 0]]);
  const goals = evaluateGoals({ ...record(), memory });
  const perStep = (goal: { goal: string }) => goal.goal.startsWith('training W1: nothing allocated per step');
  const flat = goals.find(perStep);
  assert.equal(flat?.met, true);
  assert.match(
    flat?.measured ?? '',
    /^3 bytes\/step \(median of epochs 6–8, V8's compiled code left out\); heap after each epoch 5\.00, /,
  );
  // 20 and 30 bytes a step from epoch 6 on: 25, over the goal of 16.
  const busy = memoryRun([...warmUp, [5e6 + 20_000, 5e6, 0], [5e6 + 30_000, 5e6, 0]]);
  const busyGoal = evaluateGoals({ ...record(), memory: busy }).find(perStep);
  assert.equal(busyGoal?.met, false);
  assert.match(busyGoal?.measured ?? '', /^25 bytes\/step \(median of epochs 6–7,/);
});

test('evaluateGoals(record) judges allocation per step on what the sampling heap profiler counted, where it ran', () => {
  // The heap grew by 190 bytes a step in two of three warm epochs, while the profiler counted
  // 35,000 bytes over epochs 6-10 of 1,000 batches: 7 a step, under the goal of 16.
  const memory: MemoryResult = {
    ...memoryRun([...warmUp, [5e6 + 190_000, 5e6, 0], [5e6 + 8000, 5e6, 0], [5e6 + 190_000, 5e6, 0]]),
    sampledAllocation: { firstEpoch: 6, lastEpoch: 10, bytes: 35_000, measuringBytes: 120_000, sampleBytes: 128 },
  };
  const perStep = (goal: { goal: string }) => goal.goal.startsWith('training W1: nothing allocated per step');
  const flat = evaluateGoals({ ...record(), memory }).find(perStep);
  assert.equal(flat?.met, true);
  assert.match(
    flat?.measured ?? '',
    /^7\.0 bytes\/step \(V8's sampling heap profiler over epochs 6–10, .*median 190 bytes\/step\); heap after each epoch/,
  );
  assert.match(formatMemory(memory), /sampling heap profiler counted over epochs 6–10: 7\.0 bytes a step \(35\.0 kB in all; the measuring itself allocated 120\.0 kB more, left out\)/);
  // 100,000 bytes over the five epochs: 20 a step, over the goal, whatever the heap's growth.
  const busy: MemoryResult = { ...memory, sampledAllocation: { ...memory.sampledAllocation!, bytes: 100_000 } };
  const busyGoal = evaluateGoals({ ...record(), memory: busy }).find(perStep);
  assert.equal(busyGoal?.met, false);
  assert.equal(busyGoal?.gap, '20 kB per epoch to remove');
});

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

test('formatTable(record) marks with ‡ a measurement on two threads while the cores were far apart, and says why', () => {
  const far = record();
  const [, gb2, , t2] = columns;
  far.cells.gb2.W1 = result(gb2, 0.2, { coreRoundTripNanoseconds: [130, 360] });
  far.cells.t2.W1 = result(t2, 0.5, { coreRoundTripNanoseconds: [128, 135] });
  const w1 = formatTable(far).split('\n').find((line) => line.startsWith('| W1 epoch'))!;
  const cells = w1.split('|').map((cell) => cell.trim()).slice(1, -1);
  assert.deepEqual(cells.slice(1, 5), ['0.300', '0.200‡', '0.600*', '0.500']);
  const notes = formatTableNotes(far);
  assert.ok(notes.some((note) => note.startsWith('‡ far cores') && note.includes('up to 360')), notes.join('\n'));
  assert.ok(!formatTableNotes(record()).some((note) => note.startsWith('‡')));
});

test('formatTableNotes(record) says how the epochs were measured when the settings tell it', () => {
  const measured = record();
  measured.settings = { epochs: 3, warmupExamples: 1280, settlingEpochs: 1 };
  const note = formatTableNotes(measured).find((line) => line.startsWith('Each training time'));
  assert.equal(
    note,
    'Each training time is the median of 3 measured epochs, after a warm-up on 1,280 digits and 1 untimed ' +
      'epoch as long as a measured one, the same for every system.',
  );
  // Records from before the settling epoch carry no such settings: no note, rather than a wrong one.
  assert.ok(!formatTableNotes(record()).some((line) => line.startsWith('Each training time')));
  measured.settings = { epochs: 3, warmupExamples: 1280, settlingEpochs: 2, settlingSeconds: 3 };
  assert.equal(
    formatTableNotes(measured).find((line) => line.startsWith('Each training time')),
    'Each training time is the median of 3 measured epochs, after a warm-up on 1,280 digits and 2 untimed ' +
      'epochs as long as a measured one, and more until they had taken 3 s, the same for every system.',
  );
});

test('measureEpochs() settles for its epochs and then until its seconds, and times only the measured epochs', async () => {
  const spec = {
    workload: { batchSize: 64 }, warmupExamples: 1280, budgetSeconds: 15, epochs: 3,
    settlingEpochs: 2, settlingSeconds: 1,
  } as unknown as ChildSpec;
  // A system whose epochs take 0.25 s on 60,000 digits, each a little faster than the last.
  const calls: number[] = [];
  const trainEpoch = async (examples: number) => {
    calls.push(examples);
    return (examples / 60_000) * (0.25 - 0.01 * calls.length);
  };
  const result = await measureEpochs(spec, 60_000, trainEpoch);
  // The warm-up, then 0.23 + 0.22 + 0.21 + 0.20 + 0.19 ≥ 1 s of settling, then three measured.
  assert.deepEqual(calls, [1280, 60_000, 60_000, 60_000, 60_000, 60_000, 60_000, 60_000, 60_000]);
  assert.deepEqual(result.settlingEpochSeconds.map((s) => Number(s.toFixed(3))), [0.23, 0.22, 0.21, 0.2, 0.19]);
  assert.deepEqual(result.epochSeconds.map((s) => Number(s.toFixed(3))), [0.18, 0.17, 0.16]);

  // A slow system time-boxed to a slice: two settling epochs already pass the floor, and every
  // time is scaled to the whole set.
  calls.length = 0;
  const slow = await measureEpochs(spec, 60_000, async (examples) => {
    calls.push(examples);
    return examples * 1e-3;
  });
  assert.equal(calls.length, 1 + 2 + 3);
  assert.equal(slow.examplesPerEpoch, 234 * 64);
  assert.deepEqual(slow.settlingEpochSeconds.map((s) => Number(s.toFixed(6))), [60, 60]);
});

// What bench/kernels-browser.ts prints: the build createWasmBackend chose, and both builds' rows.
const chromiumOutput = [
  'Chromium 156.0.8078.79 (headless), one thread; createWasmBackend() chose wasm-relaxed; median of 15 timings',
  'load average 0.2, 0.3, 0.4 on 2 cores; page cross-origin isolated, clock step 5.0 µs',
  '',
  'matmul at W1 shapes                      data                 backend    GFLOP/s     µs/call',
  'z = x·Wᵀ   [64×784]·[128×784]ᵀ         random            wasm-relaxed       52.0         247',
  'z = x·Wᵀ   [64×784]·[128×784]ᵀ         random               wasm-simd       60.0         214',
  'z = x·Wᵀ   [64×784]·[128×784]ᵀ          mnist            wasm-relaxed       20.0         642',
  'dW = dyᵀ·x [64×128]ᵀ·[64×784]          random            wasm-relaxed       48.0         268',
  'dx = dy·W  [64×128]·[128×784]          random            wasm-relaxed       44.1         291',
  'dx = dy·W  [64×128]·[128×784]          random               wasm-simd       47.0         273',
].join('\n');

function chromiumGoal(browserKernels: BenchRecord['browserKernels']) {
  const goals = evaluateGoals({ ...record(), browserKernels });
  return goals.find((g) => g.goal.startsWith('matmul at W1 shapes ≥ 45 GFLOP/s, 1 thread, Chromium'))!;
}

test('parseChosenBackend(output) reads the build bench/kernels-browser.ts says createWasmBackend chose', () => {
  assert.equal(parseChosenBackend(chromiumOutput), 'wasm-relaxed');
  assert.equal(parseChosenBackend('matmul at W1 shapes  data  backend'), undefined);
});

test('evaluateGoals(record) judges Chromium by the slowest product of the build a page gets, on random data', () => {
  const goal = chromiumGoal({ matmul: parseMatmulRates(chromiumOutput), output: chromiumOutput });
  // dx on wasm-relaxed (44.1) is the slowest; wasm-simd's faster dx and z are not what a page runs,
  // and the digits' 20.0 is not random data.
  assert.equal(goal.met, false);
  assert.equal(goal.measured, '44.1 GFLOP/s (z 52.0, dW 48.0, dx 44.1)');
  assert.equal(goal.gap, 'needs 1.02× better');
});

test('evaluateGoals(record) leaves the Chromium goal open, with the reason, when Chromium was skipped', () => {
  const goal = chromiumGoal({ skipped: '/usr/bin/chromium is missing' });
  assert.equal(goal.met, undefined);
  assert.equal(goal.measured, 'not measured: /usr/bin/chromium is missing');
  assert.equal(chromiumGoal(undefined).measured, 'not measured');
});

test('formatReport(record) gives the Chromium printout its own section', () => {
  const report = formatReport({ ...record(), browserKernels: { matmul: [], output: chromiumOutput } });
  const section = report.indexOf('## Matrix kernel in Chromium (bench/kernels-browser.ts)');
  assert.ok(section > 0);
  assert.ok(report.indexOf('createWasmBackend() chose wasm-relaxed') > section);
});

test('evaluateGoals(record) judges the fast preset by its median run and lists every run', () => {
  const epochs = [{ epoch: 1, seconds: 0.7, testAccuracy: 0.97 }, { epoch: 2, seconds: 0.6, testAccuracy: 0.981 }];
  const fastPreset = { epochs, secondsTo98: 1.3, runs: [1.3, 2.26, 1.25], wallSeconds: 3 };
  const goal = evaluateGoals({ ...record(), fastPreset }).find((g) => g.goal.includes('--preset fast'))!;
  assert.equal(goal.met, true);
  assert.match(goal.measured, /^1\.3\d* s \(median of 3 runs: 1\.3\d* s, 2\.26 s, 1\.25 s\)$/);
  const slow = evaluateGoals({ ...record(), fastPreset: { ...fastPreset, secondsTo98: 2.26 } })
    .find((g) => g.goal.includes('--preset fast'))!;
  assert.equal(slow.met, false);
});
