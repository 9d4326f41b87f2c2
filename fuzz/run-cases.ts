import { Random } from '../src/index.js';
import type { AllocationGuard } from './allocation-guard.js';
import { runCase, type Bounds, type FuzzCase, type FuzzTarget, type Outcome } from './fuzz-target.js';

export interface CaseFailure {
  index: number;
  description: string;
  detail: string;
  input: Uint8Array | string[];
}

/** What a run of cases found, summed. */
export interface Summary {
  cases: number;
  accepted: number;
  rejected: number;
  failures: CaseFailure[];
  slowestMs: number;
  largestAllocation: number;
  /** How often each refusal's field came up: a fuzzer that only ever trips the first check is weak. */
  fields: Record<string, number>;
}

export function emptySummary(): Summary {
  return { cases: 0, accepted: 0, rejected: 0, failures: [], slowestMs: 0, largestAllocation: 0, fields: {} };
}

/** Case `index` of a run is made from its own generator, so any one case can be made again. */
export function caseRandom(seed: number, index: number): Random {
  return new Random((Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + index) >>> 0);
}

export function makeCase(target: FuzzTarget, seed: number, index: number): FuzzCase {
  return target.generate(caseRandom(seed, index), index);
}

/**
 * Runs cases [from, to) of `target` in this process, one after another; `onOutcome` hears how
 * each ended.
 */
export async function runCases(target: FuzzTarget, options: {
  seed: number; from: number; to: number; bounds: Bounds; guard: AllocationGuard;
  onOutcome?: (index: number, outcome: Outcome, fuzzCase: FuzzCase) => void;
}): Promise<Summary> {
  const summary = emptySummary();
  for (let index = options.from; index < options.to; index++) {
    const fuzzCase = makeCase(target, options.seed, index);
    const outcome = await runCase(target, fuzzCase, options.guard, options.bounds);
    addOutcome(summary, index, fuzzCase, outcome);
    summary.largestAllocation = Math.max(summary.largestAllocation, options.guard.largest);
    options.onOutcome?.(index, outcome, fuzzCase);
  }
  return summary;
}

export function addOutcome(summary: Summary, index: number, fuzzCase: FuzzCase, outcome: Outcome): void {
  summary.cases++;
  summary.slowestMs = Math.max(summary.slowestMs, outcome.milliseconds);
  if (outcome.kind === 'accepted') summary.accepted++;
  if (outcome.kind === 'rejected') {
    summary.rejected++;
    const field = outcome.detail.replace(/\d+/g, 'N');
    summary.fields[field] = (summary.fields[field] ?? 0) + 1;
  }
  if (outcome.kind === 'failure') {
    summary.failures.push({ index, description: fuzzCase.description, detail: outcome.detail, input: fuzzCase.input });
  }
}
