/**
 * Turns one run's measurements into the table run.ts prints and records, and checks them against
 * issue 3's goals. Pure functions of a BenchRecord: nothing here measures or reads files.
 */
import { FAR_CORES_NANOSECONDS } from './core-distance.js';
import { median, type ChildResult, type ChildSkip } from './measure.js';
import type { MemoryResult } from './glassbox-memory.js';
import type { TrainingWorkload } from './workloads.js';

/** One system as it ran: a column of the table. */
export interface Column {
  key: string;
  title: string;
  system: 'glassbox' | 'tfjs' | 'torch';
  backend: string;
  threads: number;
}

export type Cell = ChildResult | ChildSkip;
export type WorkloadId = TrainingWorkload['id'];

export interface FastPresetResult {
  /** Test accuracy and training seconds after each epoch of `glassbox train --preset fast`. */
  epochs: Array<{ epoch: number; seconds: number; testAccuracy: number }>;
  /**
   * Training seconds (evaluation excluded) until the test accuracy first reached 98.0%: the
   * median of the runs (`runs`, each run's figure; `epochs` and `wallSeconds` are the median run's).
   */
  secondsTo98: number | undefined;
  runs?: Array<number | undefined>;
  /** The whole command, start to exit: loading, training, evaluating and saving. */
  wallSeconds: number;
}

export interface MatmulRate {
  product: string;
  data: string;
  backend: string;
  gflops: number;
}

export interface KernelsResult {
  matmul: MatmulRate[];
  /** bench/kernels.ts's (or bench/kernels-browser.ts's) own printout, kept whole. */
  output: string;
}

export interface BenchRecord {
  date: string;
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  columns: Column[];
  /** cells[column key][workload]: the measurement, or why there is none. */
  cells: Record<string, Partial<Record<WorkloadId, Cell>>>;
  memory?: MemoryResult | ChildSkip;
  fastPreset?: FastPresetResult | ChildSkip;
  kernels?: KernelsResult | ChildSkip;
  /** The same products in Chromium, from bench/kernels-browser.ts. */
  browserKernels?: KernelsResult | ChildSkip;
  notes: string[];
}

export interface Goal {
  goal: string;
  /** The measured figure in words, e.g. "0.62×". */
  measured: string;
  /** undefined when the figure could not be measured in this run. */
  met: boolean | undefined;
  /** How far off a missed goal is, e.g. "needs 1.24× faster". */
  gap: string;
}

interface Row {
  title: string;
  workload: WorkloadId;
  value: (result: ChildResult) => number | undefined;
}

const rows: Row[] = [
  { title: 'W1 epoch (s)', workload: 'W1', value: (r) => r.secondsPerEpoch },
  { title: 'W2 epoch (s)', workload: 'W2', value: (r) => r.secondsPerEpoch },
  { title: 'W4 epoch (s)', workload: 'W4', value: (r) => r.secondsPerEpoch },
  { title: 'W3 10,000 digits (ms)', workload: 'W1', value: (r) => r.inference?.batchMilliseconds },
  { title: 'W3 one digit (µs)', workload: 'W1', value: (r) => r.inference?.singleMicroseconds },
];

export function isSkip(value: unknown): value is ChildSkip {
  return typeof value === 'object' && value !== null && 'skipped' in value;
}

function measured(record: BenchRecord, column: Column, workload: WorkloadId): ChildResult | undefined {
  const cell = record.cells[column.key]?.[workload];
  return cell === undefined || isSkip(cell) ? undefined : cell;
}

function valueOf(record: BenchRecord, column: Column | undefined, row: Row): number | undefined {
  if (column === undefined) return undefined;
  const result = measured(record, column, row.workload);
  return result === undefined ? undefined : row.value(result);
}

/**
 * The Glassbox column that speaks for Glassbox on a row: the fastest wasm column that measured
 * it, or the reference backend when no wasm column did.
 */
export function ours(record: BenchRecord, row: Row): Column | undefined {
  const candidates = record.columns.filter((c) => c.system === 'glassbox');
  const wasm = candidates.filter((c) => c.backend === 'wasm' && valueOf(record, c, row) !== undefined);
  const pool = wasm.length > 0 ? wasm : candidates.filter((c) => valueOf(record, c, row) !== undefined);
  let best: Column | undefined;
  for (const column of pool) {
    if (best === undefined || valueOf(record, column, row)! < valueOf(record, best, row)!) best = column;
  }
  return best;
}

/** A figure to three significant digits (no exponent), or "–" when there is none. */
export function formatNumber(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

export function formatRatio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : `${formatNumber(value)}×`;
}

function peers(record: BenchRecord): Column[] {
  return record.columns.filter((c) => c.system !== 'glassbox');
}

/**
 * Whether other processes disturbed a measurement: they kept a quarter of a core or more busy
 * while it ran, or a one-thread measurement got less than 85% of a core.
 */
export function onBusyMachine(result: ChildResult): boolean {
  return result.otherCores >= 0.25 || (result.threads === 1 && result.cpuShare < 0.85);
}

/** Whether a measurement on more than one thread ran while the cores were far apart. */
export function onFarCores(result: ChildResult): boolean {
  return (result.coreRoundTripNanoseconds ?? []).some((ns) => ns > FAR_CORES_NANOSECONDS);
}

/**
 * The table: one row per workload figure, one column per system, then Glassbox's time divided by
 * each peer's (below 1 means Glassbox is faster), all from the same run. Cells measured on a
 * slice of the training set and scaled to 60,000 digits are marked *; cells measured on a busy
 * machine (onBusyMachine) are marked †.
 */
export function formatTable(record: BenchRecord): string {
  const header = ['workload', ...record.columns.map((c) => c.title), ...peers(record).map((p) => `ours ÷ ${p.title}`)];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  const measuredRows = rows.filter((row) => record.columns.some((c) => valueOf(record, c, row) !== undefined));
  for (const row of measuredRows) {
    const cells = record.columns.map((column) => {
      const result = measured(record, column, row.workload);
      const value = result === undefined ? undefined : row.value(result);
      if (value === undefined) return '–';
      const sliced = result!.examplesPerEpoch < result!.trainExamples && row.title.includes('epoch');
      const marks = `${sliced ? '*' : ''}${onBusyMachine(result!) ? '†' : ''}${onFarCores(result!) ? '‡' : ''}`;
      return `${formatNumber(value)}${marks}`;
    });
    const mine = valueOf(record, ours(record, row), row);
    const ratios = peers(record).map((peer) => {
      const theirs = valueOf(record, peer, row);
      return mine === undefined || theirs === undefined ? '–' : formatRatio(mine / theirs);
    });
    lines.push(`| ${[row.title, ...cells, ...ratios].join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Footnotes for the table: what "ours" is, time-boxed cells, skipped columns, accuracies. */
export function formatTableNotes(record: BenchRecord): string[] {
  const notes = [
    '"ours" is the fastest Glassbox wasm column on that row. Times are medians; lower is better.',
  ];
  const { epochs, warmupExamples, settlingEpochs, settlingSeconds } = record.settings;
  if (typeof epochs === 'number' && typeof warmupExamples === 'number' && typeof settlingEpochs === 'number') {
    // Runs recorded before settlingSeconds existed settled for their epochs only.
    const floor = typeof settlingSeconds === 'number' && settlingSeconds > 0
      ? `, and more until they had taken ${settlingSeconds} s`
      : '';
    notes.push(
      `Each training time is the median of ${epochs} measured epochs, after a warm-up on ` +
        `${warmupExamples.toLocaleString('en-US')} digits and ${settlingEpochs} untimed ` +
        `epoch${settlingEpochs === 1 ? '' : 's'} as long as a measured one${floor}, the same for every system.`,
    );
  }
  const cells = Object.values(record.cells).flatMap((byWorkload) => Object.values(byWorkload));
  if (cells.some((c) => !isSkip(c) && onBusyMachine(c))) {
    notes.push(
      '† disturbed: other processes kept ≥ 0.25 cores busy, on average, while it ran, or a ' +
        'one-thread measurement got < 85% of a core (otherCores and cpuShare in the JSON).',
    );
  }
  const far = cells.filter((c): c is ChildResult => !isSkip(c) && onFarCores(c));
  if (far.length > 0) {
    const slowest = Math.max(...far.flatMap((c) => c.coreRoundTripNanoseconds!));
    notes.push(
      `‡ far cores: a cache line took more than ${FAR_CORES_NANOSECONDS} ns (up to ${slowest.toFixed(0)}) to go ` +
        'to another thread and back, around that measurement, against about 130 ns when the cores are close ' +
        '(coreRoundTripNanoseconds in the JSON; see bench/core-distance.ts): two threads then gain less, or lose.',
    );
  }
  for (const column of record.columns) {
    const cells = Object.entries(record.cells[column.key] ?? {});
    const skips = [...new Set(cells.filter(([, c]) => isSkip(c)).map(([, c]) => (c as ChildSkip).skipped))];
    for (const reason of skips) notes.push(`${column.title}: not measured: ${reason}.`);
    const results = cells.filter(([, c]) => !isSkip(c)) as Array<[string, ChildResult]>;
    if (results.length === 0) continue;
    const sliced = results.filter(([, r]) => r.examplesPerEpoch < r.trainExamples);
    for (const [workload, r] of sliced) {
      notes.push(
        `* ${column.title} ${workload}: each measured epoch trained on the first ` +
          `${r.examplesPerEpoch.toLocaleString('en-US')} digits, timed and scaled to 60,000.`,
      );
    }
    const accuracy = results.map(([w, r]) => `${w} ${(r.testAccuracy * 100).toFixed(1)}%`).join(', ');
    notes.push(`${column.title} (${results[0][1].label}): test accuracy after the measured epochs: ${accuracy}.`);
  }
  return notes;
}

function ratioGoal(goal: string, value: number | undefined, limit: number, better: 'lower' | 'higher', unit = '×'): Goal {
  if (value === undefined || !Number.isFinite(value)) return { goal, measured: 'not measured', met: undefined, gap: '' };
  const met = better === 'lower' ? value <= limit : value >= limit;
  const off = better === 'lower' ? value / limit : limit / value;
  const shown = unit === '×' ? formatRatio(value) : `${formatNumber(value)} ${unit}`;
  return { goal, measured: shown, met, gap: met ? '' : `needs ${off.toFixed(2)}× better` };
}

/** Issue 3's goals, each checked against this run's figures. */
export function evaluateGoals(record: BenchRecord): Goal[] {
  const column = (system: Column['system'], backend: string, threads: number) =>
    record.columns.find((c) => c.system === system && c.backend === backend && c.threads === threads);
  const epoch = (workload: WorkloadId) => rows.find((r) => r.title.startsWith(`${workload} epoch`))!;
  const mine = (row: Row) => valueOf(record, ours(record, row), row);
  const versus = (row: Row, peer: Column | undefined) => {
    const a = mine(row);
    const b = valueOf(record, peer, row);
    return a === undefined || b === undefined ? undefined : a / b;
  };
  const torch1 = column('torch', 'cpu', 1);
  const torch2 = column('torch', 'cpu', 2);
  const tfjsWasm = column('tfjs', 'wasm', 1);
  const w1OverTfjs = versus(epoch('W1'), tfjsWasm);
  const goals = [
    ratioGoal('W1 epoch ≤ 0.5× PyTorch 2 threads', versus(epoch('W1'), torch2), 0.5, 'lower'),
    ratioGoal('W2 epoch ≤ 0.15× PyTorch (1 thread)', versus(epoch('W2'), torch1), 0.15, 'lower'),
    ratioGoal('W4 epoch ≤ 1.0× PyTorch 2 threads', versus(epoch('W4'), torch2), 1.0, 'lower'),
    ratioGoal('W1 epoch ≥ 40× faster than tfjs-wasm', w1OverTfjs === undefined ? undefined : 1 / w1OverTfjs, 40, 'higher'),
    ratioGoal('W3: 10,000 digits ≤ 10 ms', mine(rows[3]), 10, 'lower', 'ms'),
    ratioGoal('W3: one digit ≤ 5 µs', mine(rows[4]), 5, 'lower', 'µs'),
  ];
  goals.push(fastPresetGoal(record.fastPreset));
  goals.push(matmulGoal(
    'matmul at W1 shapes ≥ 35 GFLOP/s, 1 thread, Node (slowest of z, dW, dx; random data)',
    35, record.kernels, () => true,
  ));
  // In Chromium, the build a page gets: the one createWasmBackend picks by itself.
  const chosen = record.browserKernels === undefined || isSkip(record.browserKernels)
    ? undefined
    : parseChosenBackend(record.browserKernels.output);
  goals.push(matmulGoal(
    'matmul at W1 shapes ≥ 45 GFLOP/s, 1 thread, Chromium (slowest of z, dW, dx; random data)',
    45, record.browserKernels, (backend) => chosen === undefined || backend === chosen,
  ));
  goals.push(...memoryGoals(record.memory));
  return goals;
}

function fastPresetGoal(fast: BenchRecord['fastPreset']): Goal {
  const goal = 'time to ≥ 98.0% test accuracy, `glassbox train --preset fast`, ≤ 2 s of training';
  if (fast === undefined) return { goal, measured: 'not measured', met: undefined, gap: '' };
  if (isSkip(fast)) return { goal, measured: `not measured: ${fast.skipped}`, met: undefined, gap: '' };
  if (fast.secondsTo98 === undefined) {
    const best = Math.max(...fast.epochs.map((e) => e.testAccuracy));
    return { goal, measured: `never reached 98% (best ${(best * 100).toFixed(2)}%)`, met: false, gap: '' };
  }
  const goalMet = ratioGoal(goal, fast.secondsTo98, 2, 'lower', 's');
  const runs = fast.runs?.map((r) => (r === undefined ? 'never' : `${formatNumber(r)} s`));
  return runs === undefined || runs.length < 2
    ? goalMet
    : { ...goalMet, measured: `${goalMet.measured} (median of ${runs.length} runs: ${runs.join(', ')})` };
}

/**
 * A matmul speed goal: the slowest product's rate on random data, each product taking its
 * fastest one-thread wasm build among those `counts` accepts.
 */
function matmulGoal(
  goal: string, limit: number, kernels: KernelsResult | ChildSkip | undefined,
  counts: (backend: string) => boolean,
): Goal {
  if (kernels === undefined) return { goal, measured: 'not measured', met: undefined, gap: '' };
  if (isSkip(kernels)) return { goal, measured: `not measured: ${kernels.skipped}`, met: undefined, gap: '' };
  const rates = kernels.matmul.filter(
    (r) => r.data === 'random' && /^wasm-\w+$/.test(r.backend) && counts(r.backend),
  );
  if (rates.length === 0) return { goal, measured: 'no wasm rows in the kernel printout', met: undefined, gap: '' };
  const bestBuild = new Map<string, number>();
  for (const rate of rates) bestBuild.set(rate.product, Math.max(bestBuild.get(rate.product) ?? 0, rate.gflops));
  const slowest = Math.min(...bestBuild.values());
  const result = ratioGoal(goal, slowest, limit, 'higher', 'GFLOP/s');
  const each = [...bestBuild].map(([product, gflops]) => `${product.split(' ')[0]} ${gflops.toFixed(1)}`).join(', ');
  return { ...result, measured: `${result.measured} (${each})` };
}

/**
 * The first epoch counted as warmed up. Before it, V8 compiles the training loop, and
 * deoptimizes and recompiles what the first epochs' feedback got wrong (in W1's epoch 2 the
 * shuffle ran unoptimized): hundreds of bytes a step that the step itself does not allocate.
 * Small functions called once a step reach the optimizing compiler late: node --trace-opt on
 * the memory child showed leakyRelu, pixelsToFloats, reuseTensor and fillBatch optimized during
 * epoch 5, and runs whose epochs 6-8 allocated 9-12 bytes a step allocated 40-80 in epochs 4-6.
 */
export const FIRST_WARM_EPOCH = 6;

/**
 * What epoch memory.epochs[i] (i ≥ 1) added to the heap since the previous epoch's collection,
 * per batch, leaving out V8's code space (the compiler's output: see glassbox-memory.ts), or
 * undefined when V8 collected during the epoch and the difference means nothing.
 */
export function epochBytesPerStep(memory: MemoryResult, i: number): number | undefined {
  const epoch = memory.epochs[i];
  const previous = memory.epochs[i - 1];
  if (previous === undefined || epoch.collections > 0) return undefined;
  const code = (epoch.codeBeforeCollection ?? 0) - (previous.codeAfterCollection ?? 0);
  return (epoch.heapBeforeCollection - previous.heapAfterCollection - code) / memory.batchesPerEpoch;
}

/** The epochs (from FIRST_WARM_EPOCH, without a V8 collection) that heapGrowthPerStep takes. */
export function warmEpochs(memory: MemoryResult): number[] {
  const epochs: number[] = [];
  memory.epochs.forEach((e, i) => {
    if (e.epoch >= FIRST_WARM_EPOCH && epochBytesPerStep(memory, i) !== undefined) epochs.push(e.epoch);
  });
  return epochs;
}

/** Epoch numbers as "4–8" when they run on without a gap, else listed: "4, 5, 7, 8". */
function spanOf(epochs: readonly number[]): string {
  const contiguous = epochs.every((epoch, i) => i === 0 || epoch === epochs[i - 1] + 1);
  return contiguous && epochs.length > 1 ? `${epochs[0]}–${epochs[epochs.length - 1]}` : epochs.join(', ');
}

/**
 * The heap's growth per step between collections once warmed up: the median of
 * epochBytesPerStep over the warm epochs; undefined when there are none.
 */
export function heapGrowthPerStep(memory: MemoryResult): number | undefined {
  const perStep: number[] = [];
  memory.epochs.forEach((e, i) => {
    const bytes = e.epoch >= FIRST_WARM_EPOCH ? epochBytesPerStep(memory, i) : undefined;
    if (bytes !== undefined) perStep.push(bytes);
  });
  return perStep.length === 0 ? undefined : median(perStep);
}

/**
 * Bytes a training step allocates once warmed up, from V8's sampling heap profiler over the warm
 * epochs (see glassbox-memory.ts); undefined in records made before it was measured.
 */
export function sampledBytesPerStep(memory: MemoryResult): number | undefined {
  const sampled = memory.sampledAllocation;
  if (sampled === undefined) return undefined;
  return sampled.bytes / ((sampled.lastEpoch - sampled.firstEpoch + 1) * memory.batchesPerEpoch);
}

function memoryGoals(memory: BenchRecord['memory']): Goal[] {
  const rss = 'training W1 on all of MNIST: peak RSS < 150 MB';
  const flat = 'training W1: nothing allocated per step once warmed up (≤ 16 bytes/step)';
  if (memory === undefined || isSkip(memory)) {
    const why = memory === undefined ? 'not measured' : `not measured: ${memory.skipped}`;
    return [{ goal: rss, measured: why, met: undefined, gap: '' }, { goal: flat, measured: why, met: undefined, gap: '' }];
  }
  const mb = memory.peakRss / 1e6;
  const heaps = `heap after each epoch ${memory.epochs.map((e) => (e.heapAfterCollection / 1e6).toFixed(2)).join(', ')} MB`;
  const growth = heapGrowthPerStep(memory);
  const sampled = sampledBytesPerStep(memory);
  // The allocation the sampling profiler counted, where it ran (the heap's growth between
  // collections swings by about 200 bytes a step without it: see glassbox-memory.ts); else that
  // growth.
  const perStep = sampled ?? growth;
  let measured: string;
  if (sampled !== undefined) {
    const { firstEpoch, lastEpoch } = memory.sampledAllocation!;
    measured = `${sampled.toFixed(1)} bytes/step (V8's sampling heap profiler over epochs ${firstEpoch}–${lastEpoch}, ` +
      `objects collected since included, the measuring left out; the heap's growth between collections: ` +
      `${growth === undefined ? 'not measured' : `median ${growth.toFixed(0)} bytes/step`}); ${heaps}`;
  } else if (growth !== undefined) {
    measured = `${growth.toFixed(0)} bytes/step (median of epochs ${spanOf(warmEpochs(memory))}, ` +
      `V8's compiled code left out); ${heaps}`;
  } else {
    measured = `no epoch from ${FIRST_WARM_EPOCH} on without a V8 collection; see the heap figures`;
  }
  const flatGoal: Goal = perStep === undefined
    ? { goal: flat, measured, met: undefined, gap: '' }
    : {
      goal: flat,
      measured,
      met: perStep <= 16,
      gap: perStep <= 16 ? '' : `${((perStep * memory.batchesPerEpoch) / 1e3).toFixed(0)} kB per epoch to remove`,
    };
  return [ratioGoal(rss, mb, 150, 'lower', 'MB'), flatGoal];
}

export function formatGoals(goals: readonly Goal[]): string {
  const lines = ['| goal | measured | met? |', '| --- | --- | --- |'];
  for (const g of goals) {
    const met = g.met === undefined ? '–' : g.met ? 'yes' : `**no**${g.gap ? `: ${g.gap}` : ''}`;
    lines.push(`| ${g.goal} | ${g.measured} | ${met} |`);
  }
  return lines.join('\n');
}

export function formatMemory(memory: BenchRecord['memory']): string {
  if (memory === undefined) return 'Memory: not measured.';
  if (isSkip(memory)) return `Memory: not measured: ${memory.skipped}.`;
  const lines = [
    `Memory while training ${memory.workload} on all 60,000 digits (${memory.label}); ` +
      `peak RSS ${(memory.peakRss / 1e6).toFixed(1)} MB:`,
    '',
    '| epoch | s | heap before GC (MB) | heap after GC (MB) | of which code, before → after GC (MB) | ' +
      'allocated per step, code left out (bytes) | V8 collections during epoch | backend memory (MB) | RSS (MB) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  memory.epochs.forEach((e, i) => {
    const backend = e.backendBytes === undefined ? '–' : (e.backendBytes / 1e6).toFixed(2);
    const code = e.codeBeforeCollection === undefined || e.codeAfterCollection === undefined
      ? '–'
      : `${(e.codeBeforeCollection / 1e6).toFixed(2)} → ${(e.codeAfterCollection / 1e6).toFixed(2)}`;
    const perStep = epochBytesPerStep(memory, i);
    const allocated = perStep === undefined ? '–' : perStep.toFixed(0);
    lines.push(
      `| ${e.epoch} | ${e.seconds.toFixed(2)} | ${(e.heapBeforeCollection / 1e6).toFixed(2)} | ` +
        `${(e.heapAfterCollection / 1e6).toFixed(2)} | ${code} | ${allocated} | ${e.collections} | ${backend} | ` +
        `${(e.rss / 1e6).toFixed(1)} |`,
    );
  });
  lines.push(
    '',
    `Allocated per step: what the epoch added to the heap between the previous epoch's forced collection ` +
      `and its own, per batch, V8's code space (compiled code, which warm-up adds to for epochs) left out; ` +
      `– where V8 collected during the epoch.` +
      (memory.sampledAllocation === undefined
        ? ` The goal takes the median from epoch ${FIRST_WARM_EPOCH} on.`
        : ` The goal takes what V8's sampling heap profiler counted over epochs ${memory.sampledAllocation.firstEpoch}–` +
          `${memory.sampledAllocation.lastEpoch}: ${sampledBytesPerStep(memory)!.toFixed(1)} bytes a step ` +
          `(${(memory.sampledAllocation.bytes / 1e3).toFixed(1)} kB in all; the measuring itself allocated ` +
          `${(memory.sampledAllocation.measuringBytes / 1e3).toFixed(1)} kB more, left out).`),
  );
  return lines.join('\n');
}

/** The whole markdown document: machine, table, notes, goals, memory, commands. */
export function formatReport(record: BenchRecord): string {
  const machine = record.machine;
  const parts = [
    `# Glassbox benchmark, ${record.date}`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; ${machine.os}; ` +
      `Node ${machine.node}. Load average before the run ${machine.loadBefore}, after ${machine.loadAfter}.`,
    `Command: \`${record.settings.command}\`.`,
    '',
    formatTable(record),
    '',
    ...formatTableNotes(record).map((n) => `- ${n}`),
    ...record.notes.map((n) => `- ${n}`),
    '',
    '## Goals (issue 3)',
    '',
    formatGoals(evaluateGoals(record)),
    '',
    '## Memory',
    '',
    formatMemory(record.memory),
  ];
  if (record.kernels !== undefined && !isSkip(record.kernels)) {
    parts.push('', '## Matrix kernel (bench/kernels.ts)', '', '```', record.kernels.output.trim(), '```');
  }
  if (record.browserKernels !== undefined && !isSkip(record.browserKernels)) {
    const output = record.browserKernels.output.trim();
    parts.push('', '## Matrix kernel in Chromium (bench/kernels-browser.ts)', '', '```', output, '```');
  }
  return `${parts.join('\n')}\n`;
}

/**
 * The matmul rows of bench/kernels.ts's printout ("z = x·Wᵀ …  random  wasm-simd  41.2  312"),
 * which prints a table for people rather than JSON.
 */
export function parseMatmulRates(output: string): MatmulRate[] {
  const rates: MatmulRate[] = [];
  for (const line of output.split('\n')) {
    const match = /^((?:z|dW|dx) =.*?)\s+(random|mnist)\s+(.+?)\s+([\d.]+)\s+\d+\s*$/.exec(line);
    if (match) rates.push({ product: match[1].trim(), data: match[2], backend: match[3], gflops: Number(match[4]) });
  }
  return rates;
}

/**
 * The build createWasmBackend picked by itself, from bench/kernels-browser.ts's header
 * ("… createWasmBackend() chose wasm-relaxed; …"), or undefined when the header does not say.
 */
export function parseChosenBackend(output: string): string | undefined {
  return /createWasmBackend\(\) chose (wasm-\w+)/.exec(output)?.[1];
}
