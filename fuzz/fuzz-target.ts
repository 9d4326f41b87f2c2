import type { Random } from '../src/index.js';
import { GlassboxError } from '../src/index.js';
import type { AllocationGuard } from './allocation-guard.js';

/** One generated input and how it was made, for the report and to reproduce it. */
export interface FuzzCase {
  /** The mutations applied, such as "model: header.layers[2].inputs = -1; crc fixed". */
  description: string;
  /** File bytes for the readers; for the CLI, the argument list. */
  input: Uint8Array | string[];
}

/** A reader under fuzzing: how to make cases from valid inputs, and how to run one. */
export interface FuzzTarget {
  name: string;
  /** What is called, for the report, such as "decodeModel(bytes)". */
  reader: string;
  /** Prepares fixtures in `folder` (a fresh temporary folder) before the first case. */
  setup?(folder: string): void | Promise<void>;
  /** Makes case `index`; `random` is seeded from the run's seed and the index. */
  generate(random: Random, index: number): FuzzCase;
  /**
   * Runs the reader on the case. It returns when the reader accepted the input and the result
   * is valid, and throws otherwise: our error type for a clean refusal (see `clean`), anything
   * else for a failure, including InvalidResult for an accepted input whose result is wrong.
   */
  run(fuzzCase: FuzzCase): void | Promise<void>;
  /** Whether an error is a clean refusal: our error type, naming the input, on one line. */
  clean(error: unknown): boolean;
  /**
   * The largest single allocation a case may make. The readers' inputs are kilobytes, so any
   * allocation near this comes from a size the input declares but does not hold.
   */
  maxAllocationBytes: number;
}

/** The readers' allocation bound: their seeds are at most 50 KB, their results a few MB. */
export const readerAllocationLimit = 64 * 2 ** 20;

/** A reader accepted an input but returned something inconsistent. */
export class InvalidResult extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidResult';
  }
}

export type OutcomeKind = 'accepted' | 'rejected' | 'failure';

export interface Outcome {
  kind: OutcomeKind;
  milliseconds: number;
  /** For a failure, what went wrong; for a refusal, the error's field (to count them). */
  detail: string;
}

/** Bounds each case must keep, beyond ending in our error type. */
export interface Bounds {
  /** A case slower than this fails (the run's watchdog also kills a case that hangs). */
  timeoutMs: number;
  /** A case whose JS heap grows by more than this fails. */
  heapGrowthBytes: number;
}

/** Runs one case and classifies how it ended. */
export async function runCase(
  target: FuzzTarget, fuzzCase: FuzzCase, guard: AllocationGuard, bounds: Bounds,
): Promise<Outcome> {
  guard.reset();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  let kind: OutcomeKind = 'accepted';
  let detail = '';
  try {
    await target.run(fuzzCase);
  } catch (error) {
    if (target.clean(error)) {
      kind = 'rejected';
      detail = error instanceof GlassboxError ? error.field : (error as Error).name;
    } else {
      kind = 'failure';
      detail = describeError(error);
    }
  }
  const milliseconds = performance.now() - started;
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
  if (guard.violations.length > 0) {
    return { kind: 'failure', milliseconds, detail: `allocation: ${guard.violations[0]}` };
  }
  if (milliseconds > bounds.timeoutMs) {
    return { kind: 'failure', milliseconds, detail: `took ${Math.round(milliseconds)} ms` };
  }
  if (heapGrowth > bounds.heapGrowthBytes) {
    return { kind: 'failure', milliseconds, detail: `heap grew by ${Math.round(heapGrowth / 2 ** 20)} MB` };
  }
  return { kind, milliseconds, detail };
}

/**
 * A GlassboxError from the reader under test: it names `source`, and its message is one line
 * with no control characters (it goes to a terminal as is).
 */
export function isCleanGlassboxError(error: unknown, source: string | readonly string[]): boolean {
  const sources = typeof source === 'string' ? [source] : source;
  return error instanceof GlassboxError && sources.includes(error.source) && isOneLine(error.message);
}

export function isOneLine(message: string): boolean {
  return message.length > 0 && !/[\u0000-\u001f\u007f]/.test(message);
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `threw a non-Error: ${String(error)}`;
  const where = error.stack?.split('\n').slice(1, 4).map((line) => line.trim()).join(' < ') ?? '';
  return `${error.name}: ${error.message.slice(0, 300)} (${where})`;
}
