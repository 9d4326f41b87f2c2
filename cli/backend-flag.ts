import {
  enableRelaxedSimd, selectBackend, type Backend, type BackendChoice, type WasmBackendOptions,
} from '../src/index.js';
import { choiceFlag } from './args.js';
import { UsageError } from './usage-error.js';

const choices: readonly BackendChoice[] = ['auto', 'reference', 'wasm'];
const kernelBuilds = ['auto', 'relaxed', 'simd'] as const;

/** The flags every command that runs a network takes, for its parseArgs options. */
export const backendOptions = {
  backend: { type: 'string' }, threads: { type: 'string' }, kernels: { type: 'string' },
} as const;

export const backendFlag = {
  help: `--backend NAME       ${choices.join(', ')} (default auto: the fastest this machine runs)
  --threads N|auto     threads for the wasm backend: a whole number ≥ 1, or auto (default: one
                       per core, up to 4); the results are the same bits for any number
  --kernels BUILD      the wasm backend's build: auto (default), relaxed or simd. auto takes
                       relaxed SIMD (fused multiply-add, faster) where this runtime can run
                       it, turning it on in Node 20; simd gives the same bits on every machine`,
};

/**
 * Picks the backend once, at start-up, from the --backend, --threads and --kernels flags. Without
 * --threads (or with --threads auto) the wasm backend takes its own default.
 */
export function chooseBackend(values: { backend?: string; threads?: string; kernels?: string }): Promise<Backend> {
  const choice = choiceFlag('backend', values.backend, choices, 'auto');
  const threads = threadsFlag(values.threads);
  const kernels = choiceFlag('kernels', values.kernels, kernelBuilds, 'auto');
  if (choice === 'reference' && threads !== 'auto' && threads > 1) {
    throw new UsageError(`--threads ${threads} needs the wasm backend; the reference backend runs on one thread`);
  }
  if (choice === 'reference' && values.kernels !== undefined) {
    throw new UsageError(`--kernels ${kernels} picks a build of the wasm backend, not of the reference backend`);
  }
  // The CLI is its own process, so it may turn on Node 20's relaxed SIMD flag, which the library
  // leaves to the program (see enableRelaxedSimd).
  if (choice !== 'reference' && kernels !== 'simd') {
    const relaxed = enableRelaxedSimd();
    if (!relaxed && kernels === 'relaxed') {
      throw new UsageError('--kernels relaxed: this runtime cannot run relaxed SIMD; use --kernels simd or auto');
    }
  }
  // No options when both are left to the backend: selectBackend then reuses its default one.
  const options: WasmBackendOptions = {
    ...(threads === 'auto' ? {} : { threads }),
    ...(kernels === 'auto' ? {} : { variant: kernels }),
  };
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
