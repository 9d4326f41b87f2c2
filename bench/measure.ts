/**
 * What run.ts and its child processes say to each other, and the timing helpers every
 * JavaScript child shares. A child reads one ChildSpec (JSON, the argument after --spec), measures,
 * and prints one line `BENCH-RESULT {json}` on stdout; anything else it prints is ignored, so a
 * peer's own chatter cannot break the protocol. torch.py follows the same protocol.
 */
import { coresBusyBetween, machineTimes } from './quiet.js';
import type { TrainingWorkload } from './workloads.js';

export const resultMarker = 'BENCH-RESULT ';

export interface MnistPaths {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}

export interface ChildSpec {
  system: 'glassbox' | 'tfjs' | 'torch';
  /** glassbox: 'wasm' or 'reference'; tfjs: 'wasm' or 'cpu'; torch: 'cpu'. */
  backend: string;
  threads: number;
  workload: TrainingWorkload;
  /** Epochs measured after the warm-up; the result is their median. */
  epochs: number;
  /**
   * The longest one measured epoch may take. A slower system trains each measured epoch on the
   * first N digits only, N whole batches chosen from the warm-up's speed, and the time is scaled
   * up to 60,000 digits (the result says so).
   */
  budgetSeconds: number;
  /** Digits in the warm-up pass, which also measures the speed for the budget. */
  warmupExamples: number;
  /**
   * Epochs trained after the warm-up pass and before the measured ones, each as long as a
   * measured epoch, not timed: V8 compiles functions that run once a step only after hundreds
   * of steps, and PyTorch's first epochs run slower too (see measureEpochs).
   */
  settlingEpochs: number;
  /**
   * Settling goes on, epoch by epoch, until it has taken at least this many seconds: a fast
   * system's first epochs on two threads are still slower after two of them (see measureEpochs).
   */
  settlingSeconds: number;
  /** After training, run W3: the whole test set in one call, then single digits. */
  inference: boolean;
  /** W3: timed calls on the 10,000 test digits. */
  batchCalls: number;
  /**
   * W3: single-digit calls are timed in blocks of this many, after warm-up calls for at least
   * singleWarmupSeconds (and at least one block's worth).
   */
  singleBlockCalls: number;
  singleBlocks: number;
  singleWarmupSeconds: number;
  mnist: MnistPaths;
}

export interface InferenceResult {
  /** Median milliseconds for all 10,000 test digits in one call (forward pass to probabilities). */
  batchMilliseconds: number;
  batchCalls: number;
  /** Median over blocks of the mean microseconds per single-digit call. */
  singleMicroseconds: number;
  singleCalls: number;
}

export interface ChildResult {
  system: ChildSpec['system'];
  backend: string;
  threads: number;
  workload: TrainingWorkload['id'];
  /** What ran, in words, e.g. "wasm-simd, shared memory". */
  label: string;
  /** Median seconds per 60,000-digit epoch. */
  secondsPerEpoch: number;
  /** Each measured epoch, scaled to 60,000 digits. */
  epochSeconds: number[];
  /** Each untimed settling epoch, scaled to 60,000 digits as the measured ones are. */
  settlingEpochSeconds?: number[];
  /** Digits each measured epoch really trained on (60,000 unless time-boxed). */
  examplesPerEpoch: number;
  trainExamples: number;
  /** CPU seconds per wall second while measuring: about `threads` when the machine was quiet. */
  cpuShare: number;
  /** Cores other processes kept busy, on average, while this child measured. */
  otherCores: number;
  /** Test accuracy after the measured epochs: proof that the network really learned. */
  testAccuracy: number;
  inference?: InferenceResult;
  /** Cores other processes kept busy just before the child started (set by run.ts). */
  busyCoresBefore?: number;
  /**
   * For more than one thread: nanoseconds a cache line took to go to another thread and back,
   * just before and just after the child ran (set by run.ts; see core-distance.ts).
   */
  coreRoundTripNanoseconds?: number[];
  /** Which try this result came from, when run.ts measured again after a disturbance. */
  attempts?: number;
  /** Anything worth recording about how it ran (library versions, BLAS, flags). */
  details: Record<string, unknown>;
}

/** The result of a child that could not run its system, with the reason. */
export interface ChildSkip {
  skipped: string;
}

export function readSpec(argv: readonly string[]): ChildSpec {
  const at = argv.indexOf('--spec');
  if (at < 0 || argv[at + 1] === undefined) throw new Error('expected --spec JSON (run bench/run.ts)');
  return JSON.parse(argv[at + 1]) as ChildSpec;
}

/** Prints a child's one result line (a ChildResult, a ChildSkip, or another child's record). */
export function emit(result: object): void {
  process.stdout.write(`${resultMarker}${JSON.stringify(result)}\n`);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Digits per measured epoch: all of `total` when an epoch at `secondsPerExample` fits within
 * `budgetSeconds`, else the whole batches that fit (at least ten batches, so that one slow batch
 * cannot decide the result).
 */
export function examplesWithinBudget(
  secondsPerExample: number, budgetSeconds: number, batchSize: number, total: number,
): number {
  if (secondsPerExample * total <= budgetSeconds) return total;
  const batches = Math.floor(budgetSeconds / secondsPerExample / batchSize);
  return Math.min(total, Math.max(10, batches) * batchSize);
}

/**
 * The training measurement every JavaScript child shares: a warm-up epoch on the first
 * `warmupExamples` digits (JIT, caches, and the speed the budget needs), untimed settling epochs
 * as long as the measured ones (at least `spec.settlingEpochs`, and more until they have taken
 * `spec.settlingSeconds`), then `spec.epochs` measured epochs, each scaled to `total` digits when
 * the budget cut it short. A short warm-up does not reach the steady state users train in: V8
 * compiles the functions that run once a step (fit's loop, the layers, the backend's wrappers)
 * with TurboFan only after several hundred steps, and PyTorch's first epoch after the warm-up is
 * slower too (W1 on 2 threads, 2026-11-24 22:15: 0.522 s, then 0.427 and 0.425). Two epochs were
 * not enough for a fast system on two threads: Glassbox's W1 on 2 threads, fresh processes on
 * 2026-11-25, settled at 0.20-0.22 s an epoch only after its second or third full epoch (first
 * ones 0.27-0.31, then 0.23-0.28; the same with V8's background compilers off, so not only the
 * JIT), and in full benchmark runs its first measured epochs after two settling ones still took
 * 0.26-0.35 s. A floor in seconds gives every system the same settling time however fast its
 * epochs are; the slow ones reach it in their two epochs. The settling epochs' times are kept in
 * the result.
 * `trainEpoch(examples)` trains one shuffled epoch on the first `examples` digits and returns its
 * seconds.
 */
export async function measureEpochs(
  spec: ChildSpec, total: number, trainEpoch: (examples: number) => Promise<number>,
): Promise<{ epochSeconds: number[]; settlingEpochSeconds: number[]; examplesPerEpoch: number }> {
  const batchSize = spec.workload.batchSize;
  const warmup = Math.min(total, Math.ceil(spec.warmupExamples / batchSize) * batchSize);
  const warmupSeconds = await trainEpoch(warmup);
  const examples = examplesWithinBudget(warmupSeconds / warmup, spec.budgetSeconds, batchSize, total);
  const settlingEpochSeconds: number[] = [];
  let settled = 0;
  while (settlingEpochSeconds.length < spec.settlingEpochs || settled < spec.settlingSeconds) {
    const seconds = await trainEpoch(examples);
    settled += seconds;
    settlingEpochSeconds.push(seconds * (total / examples));
  }
  const epochSeconds: number[] = [];
  for (let epoch = 0; epoch < spec.epochs; epoch++) {
    epochSeconds.push((await trainEpoch(examples)) * (total / examples));
  }
  return { epochSeconds, settlingEpochSeconds, examplesPerEpoch: examples };
}

export interface CpuUse {
  /** CPU seconds this process used per wall second: about its thread count on a quiet machine. */
  cpuShare: number;
  /** Cores that other processes kept busy meanwhile, on average. */
  otherCores: number;
}

/**
 * Starts watching CPU use; the function returned tells this process's share since then and
 * what every other process on the machine used meanwhile, the measure of a disturbed run.
 */
export function watchCpu(): () => CpuUse {
  const cpu = process.cpuUsage();
  const machine = machineTimes();
  const started = seconds();
  return () => {
    const used = process.cpuUsage(cpu);
    const cpuShare = (used.user + used.system) / 1e6 / (seconds() - started);
    return { cpuShare, otherCores: Math.max(0, coresBusyBetween(machine, machineTimes()) - cpuShare) };
  };
}

/** Seconds since an arbitrary start, at sub-millisecond resolution. */
export function seconds(): number {
  return performance.now() / 1000;
}

/**
 * Times `call` the way W3 asks: `batchCalls` calls on the whole test set after one warm-up call,
 * and single-digit calls in `blocks` blocks of `blockCalls` after a warm-up block. Medians.
 */
export function timeInference(
  batch: () => void, single: () => void, spec: ChildSpec,
): InferenceResult {
  batch();
  const batchTimes: number[] = [];
  for (let i = 0; i < spec.batchCalls; i++) {
    const started = seconds();
    batch();
    batchTimes.push(seconds() - started);
  }
  // The warm-up goes on for a time, not a number of calls: right after the batch calls, a JIT
  // runtime is still compiling the single call's path on its background threads, which take a
  // core from the calls they time (Glassbox on 2 threads, after a 200-call warm-up: blocks of 200
  // one-digit calls took 9-50 µs a call for the first 5-20 blocks, then 4.8-5.2 or 7-8).
  const warmupStarted = seconds();
  let warmupCalls = 0;
  while (warmupCalls < spec.singleBlockCalls || seconds() - warmupStarted < spec.singleWarmupSeconds) {
    single();
    warmupCalls++;
  }
  const blockTimes: number[] = [];
  for (let block = 0; block < spec.singleBlocks; block++) {
    const started = seconds();
    for (let i = 0; i < spec.singleBlockCalls; i++) single();
    blockTimes.push((seconds() - started) / spec.singleBlockCalls);
  }
  return {
    batchMilliseconds: median(batchTimes) * 1e3,
    batchCalls: spec.batchCalls,
    singleMicroseconds: median(blockTimes) * 1e6,
    singleCalls: spec.singleBlocks * spec.singleBlockCalls,
  };
}

/**
 * Starts the system a child measures. When that fails (a runtime without WebAssembly SIMD, a
 * backend without threads), the child reports the reason as a skip and returns undefined.
 */
export async function startOrSkip<T>(start: () => Promise<T>): Promise<T | undefined> {
  try {
    return await start();
  } catch (error) {
    emit({ skipped: (error as Error).message });
    return undefined;
  }
}

/** Runs a child's main function, turning any failure into a one-line message and exit code 1. */
export function runChild(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exitCode = 1;
  });
}
