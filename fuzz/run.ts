import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ChildMessage, Job } from './child.js';
import type { FuzzCase, FuzzTarget } from './fuzz-target.js';
import { addOutcome, emptySummary, type Summary } from './run-cases.js';
import { findTarget, targets } from './targets.js';

const help = `Usage: npm run fuzz -- [options]

Feeds each reader (model file, ONNX, IDX, PNG, the CLI's arguments) hostile inputs made from
valid ones: truncations, bit flips, byte runs, huge, negative and zero sizes, shapes that
disagree, NaN weights and wrong types in every field. Every case must end in a clean refusal
(our error type, naming what is wrong, on one line) or a valid result, within the time bound,
without a single allocation over its target's limit. Each target runs in its own process,
which is restarted after a hang or a crash.

Options:
  --target NAMES     comma-separated, from ${targets.map((t) => t.name).join(', ')} (default: all)
  --count N          cases per target (default 10000)
  --from N           first case index (default 0), to rerun one case: --from 417 --count 1
  --seed N           seed; case i of a seed is always the same input (default 1)
  --timeout MS       a case slower than this fails (default 2000)
  --jobs N           targets run at once (default 2)
  --json             print the results as JSON on stdout
  -h, --help         this help

Examples:
  npm run fuzz
  npm run fuzz -- --target png,idx --count 50000 --seed 7
  npm run fuzz -- --target model --seed 1 --from 417 --count 1`;

/** A case that sends nothing for this long is hung: its process is killed. */
const hangFactor = 5;
const heapGrowthBytes = 256 * 2 ** 20;

interface TargetResult {
  target: string;
  reader: string;
  summary: Summary;
  seconds: number;
  maxRssMb: number;
  restarts: number;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    strict: true,
    options: {
      target: { type: 'string' }, count: { type: 'string' }, from: { type: 'string' },
      seed: { type: 'string' }, timeout: { type: 'string' }, jobs: { type: 'string' },
      json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(help);
    return 0;
  }
  const chosen = (values.target ?? targets.map((t) => t.name).join(',')).split(',').map((name) => {
    const target = findTarget(name.trim());
    if (target === undefined) throw new Error(`unknown target "${name}"; targets are ${targets.map((t) => t.name).join(', ')}`);
    return target;
  });
  const count = wholeNumber('count', values.count, 10_000);
  const from = wholeNumber('from', values.from, 0);
  const seed = wholeNumber('seed', values.seed, 1);
  const timeoutMs = wholeNumber('timeout', values.timeout, 2000);
  const jobs = Math.max(1, wholeNumber('jobs', values.jobs, 2));

  const results: TargetResult[] = [];
  const queue = [...chosen];
  const worker = async () => {
    for (let target = queue.shift(); target !== undefined; target = queue.shift()) {
      const result = await runTarget(target, { seed, from, to: from + count, timeoutMs });
      results.push(result);
      if (!values.json) report(result, seed);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  results.sort((a, b) => chosen.findIndex((t) => t.name === a.target) - chosen.findIndex((t) => t.name === b.target));
  if (values.json) {
    console.log(JSON.stringify(results.map((r) => ({ ...r, summary: { ...r.summary, failures: r.summary.failures.map(({ input, ...rest }) => rest) } }))));
  } else {
    console.log(table(results));
  }
  return results.some((r) => r.summary.failures.length > 0) ? 1 : 0;
}

/**
 * Runs cases [from, to) of one target in child processes: one normally, another after each
 * hang or crash, which counts as a failure of the case it was on.
 */
async function runTarget(
  target: FuzzTarget, range: { seed: number; from: number; to: number; timeoutMs: number },
): Promise<TargetResult> {
  const started = performance.now();
  const summary = emptySummary();
  let maxRssKb = 0;
  let restarts = 0;
  let next = range.from;
  while (next < range.to) {
    const folder = mkdtempSync(join(tmpdir(), `glassbox-fuzz-${target.name}-`));
    const end = await runChild({
      target: target.name, seed: range.seed, from: next, to: range.to, folder,
      timeoutMs: range.timeoutMs, heapGrowthBytes, maxAllocationBytes: target.maxAllocationBytes,
    }, (message) => {
      addOutcome(summary, message.index, message as FuzzCase, message.outcome);
      summary.largestAllocation = Math.max(summary.largestAllocation, message.largestAllocation);
      next = message.index + 1;
    });
    rmSync(folder, { recursive: true, force: true });
    maxRssKb = Math.max(maxRssKb, end.maxRssKb ?? 0);
    if (end.crash !== undefined) {
      addOutcome(summary, next, { description: 'made again by the command below', input: [] },
        { kind: 'failure', milliseconds: 0, detail: end.crash });
      next++;
      restarts++;
    }
  }
  return {
    target: target.name, reader: target.reader, summary, restarts,
    seconds: (performance.now() - started) / 1000, maxRssMb: Math.round(maxRssKb / 1024),
  };
}

type OutcomeMessage = Extract<ChildMessage, { type: 'outcome' }>;

/** Runs one child until it is done, or crashes, or hangs (then it is killed). */
function runChild(job: Job, onOutcome: (message: OutcomeMessage) => void): Promise<{ maxRssKb?: number; crash?: string }> {
  return new Promise((resolve) => {
    const child = fork(join(import.meta.dirname, 'child.ts'), [], {
      execArgv: ['--import', import.meta.resolve('tsx'), '--max-old-space-size=1024'],
      cwd: job.folder, serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const hangMs = job.timeoutMs * hangFactor + 10_000;
    let stderr = '';
    let lastMessage = Date.now();
    let hung = false;
    let maxRssKb: number | undefined;
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.on('message', (message: ChildMessage) => {
      lastMessage = Date.now();
      if (message.type === 'outcome') onOutcome(message);
      else maxRssKb = message.maxRssKb;
    });
    const watchdog = setInterval(() => {
      if (Date.now() - lastMessage > hangMs) {
        hung = true;
        child.kill('SIGKILL');
      }
    }, 250);
    child.on('exit', (code, signal) => {
      clearInterval(watchdog);
      if (maxRssKb !== undefined) {
        resolve({ maxRssKb });
        return;
      }
      const lastLines = stderr.trim().split('\n').slice(-3).join(' | ');
      resolve({
        crash: hung ? `hung: nothing for ${hangMs / 1000} s`
          : `the process died (code ${code}, signal ${signal}): ${lastLines}`,
      });
    });
    child.send(job);
  });
}

function report(result: TargetResult, seed: number): void {
  const folder = join(tmpdir(), 'glassbox-fuzz-failures');
  for (const failure of result.summary.failures.slice(0, 20)) {
    mkdirSync(folder, { recursive: true });
    const file = join(folder, `${result.target}-seed${seed}-case${failure.index}`);
    let saved = 'not kept: the process died with it';
    if (failure.input instanceof Uint8Array) {
      writeFileSync(`${file}.bin`, failure.input);
      saved = `${file}.bin`;
    } else if (failure.input.length > 0) {
      writeFileSync(`${file}.json`, JSON.stringify(failure.input));
      saved = `${file}.json`;
    }
    console.log(`FAIL ${result.target} case ${failure.index}: ${failure.detail}\n` +
      `     input: ${failure.description}\n     saved: ${saved}\n` +
      `     again: npm run fuzz -- --target ${result.target} --seed ${seed} --from ${failure.index} --count 1`);
  }
}

function table(results: TargetResult[]): string {
  const rows = [['target', 'cases', 'refused', 'accepted', 'failures', 'error fields', 'slowest', 'largest alloc', 'peak RSS', 'time']];
  for (const { target, summary, seconds, maxRssMb } of results) {
    rows.push([
      target, summary.cases.toLocaleString('en-US'), summary.rejected.toLocaleString('en-US'),
      summary.accepted.toLocaleString('en-US'), String(summary.failures.length),
      String(Object.keys(summary.fields).length), `${Math.round(summary.slowestMs)} ms`,
      size(summary.largestAllocation), `${maxRssMb} MB`, `${seconds.toFixed(1)} s`,
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')).join('\n');
}

function size(bytes: number): string {
  return bytes < 2 ** 20 ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

function wholeNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new Error(`--${flag} must be a whole number ≥ 0, got "${value}"`);
  return number;
}

try {
  process.exitCode = await main();
} catch (error) {
  // A mistake in the options: one line, as the CLI does.
  console.error(`fuzz: ${(error as Error).message}`);
  process.exitCode = 2;
}
