import { selectBackend, type Backend, type BackendChoice, type WasmBackendOptions } from '../src/index.js';
import { choiceFlag } from './args.js';
import { UsageError } from './usage-error.js';

const choices: readonly BackendChoice[] = ['auto', 'reference', 'wasm'];

export const backendFlag = {
  help: `--backend NAME       ${choices.join(', ')} (default auto: the fastest this machine runs)
  --threads N|auto     threads for the wasm backend: a whole number ≥ 1, or auto (default: one
                       per core, up to 4); the results are the same bits for any number`,
};

/**
 * Picks the backend once, at start-up, from the --backend and --threads flags. Without
 * --threads (or with --threads auto) the wasm backend takes its own default.
 */
export function chooseBackend(value: string | undefined, threadsValue?: string): Promise<Backend> {
  const choice = choiceFlag('backend', value, choices, 'auto');
  const threads = threadsFlag(threadsValue);
  if (choice === 'reference' && threads !== 'auto' && threads > 1) {
    throw new UsageError(`--threads ${threads} needs the wasm backend; the reference backend runs on one thread`);
  }
  // No options when threads are left to the backend: selectBackend then reuses its default one.
  const options: WasmBackendOptions = threads === 'auto' ? {} : { threads };
  return selectBackend(choice, options);
}

/** The --threads flag's value: a whole number ≥ 1 or "auto", else a UsageError naming the flag. */
export function threadsFlag(value: string | undefined): number | 'auto' {
  if (value === undefined || value === 'auto') return 'auto';
  const threads = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(threads) || threads < 1) {
    throw new UsageError(`--threads must be a whole number ≥ 1 or "auto", got "${value}"`);
  }
  return threads;
}

/** The backend in words for a log line, e.g. "wasm-simd backend, 2 threads". */
export function describeBackend(backend: Backend): string {
  const threads = (backend as { threads?: number }).threads ?? 1;
  return `${backend.name} backend, ${threads} thread${threads === 1 ? '' : 's'}`;
}
