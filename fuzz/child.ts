import { installAllocationGuard } from './allocation-guard.js';
import type { FuzzCase, Outcome } from './fuzz-target.js';

/**
 * The process that runs one target's cases for fuzz/run.ts. It takes a job over IPC and
 * reports each case's outcome as it ends. A case that hangs or exhausts memory takes down only
 * this process; the runner counts it as a failure and starts another from the next case.
 */
export interface Job {
  target: string;
  seed: number;
  from: number;
  to: number;
  /** A fresh temporary folder, also this process's working folder, for fixtures and output. */
  folder: string;
  timeoutMs: number;
  heapGrowthBytes: number;
  /** The target's maxAllocationBytes. */
  maxAllocationBytes: number;
}

export type ChildMessage =
  | { type: 'outcome'; index: number; outcome: Outcome; description: string; input?: FuzzCase['input']; largestAllocation: number }
  | { type: 'done'; maxRssKb: number };

// A 'message' listener keeps the IPC channel, and so this process, alive until the end: with
// none (after a once()), Node unrefs the channel and the process may exit mid-run.
process.on('message', async (job: Job) => {
  const send = (message: ChildMessage, sent?: () => void) => process.send!(message, undefined, {}, sent);
  // The guard goes in before the readers load, so even arrays they make at load are checked.
  const guard = installAllocationGuard(job.maxAllocationBytes);
  const { findTarget } = await import('./targets.js');
  const { runCases } = await import('./run-cases.js');
  const target = findTarget(job.target)!;
  await target.setup?.(job.folder);
  await runCases(target, {
    seed: job.seed, from: job.from, to: job.to, guard,
    bounds: { timeoutMs: job.timeoutMs, heapGrowthBytes: job.heapGrowthBytes },
    // Each outcome also tells the runner's watchdog that this process is alive.
    onOutcome: (index, outcome, fuzzCase) => send({
      type: 'outcome', index, outcome, description: fuzzCase.description, largestAllocation: guard.largest,
      input: outcome.kind === 'failure' ? fuzzCase.input : undefined,
    }),
  });
  // Disconnect once the last message is out: closing the channel sooner could drop it.
  send({ type: 'done', maxRssKb: process.resourceUsage().maxRSS }, () => process.disconnect());
});
