import type { Backend } from './backend.js';
import { ReferenceBackend } from './reference.js';
import { createWasmBackend, type WasmBackendOptions } from './wasm/wasm-backend.js';
import { supportedVariants } from './wasm/load-kernels.js';

export type BackendChoice = 'auto' | 'reference' | 'wasm';

let current: Backend = new ReferenceBackend();
/**
 * The WebAssembly backend with default options, made on the first call that asks for it and
 * reused after: each one owns its memory and, in Node, worker threads, so making a new one per
 * call would grow a long-lived process that selects again (a test runner, a fuzzer) without end.
 */
let defaultWasm: Promise<Backend> | undefined;

function wasmBackend(options: WasmBackendOptions): Promise<Backend> {
  // Without a build this runtime validates, createWasmBackend says why; ask it every time.
  if (Object.keys(options).length > 0 || supportedVariants().length === 0) return createWasmBackend(options);
  defaultWasm ??= createWasmBackend(options).catch((error: unknown) => {
    defaultWasm = undefined;
    throw error;
  });
  return defaultWasm;
}

/** The backend new networks use when none is given: the reference until selectBackend runs. */
export function defaultBackend(): Backend {
  return current;
}

/**
 * Picks the backend once, at start-up, and makes it the default for new networks.
 * 'auto' takes the fastest backend this runtime supports: the WebAssembly SIMD one where
 * WebAssembly SIMD validates, else the reference. 'wasm' insists on WebAssembly and throws an
 * Error saying why when the runtime cannot run it. `wasm` options pass to createWasmBackend.
 */
export async function selectBackend(choice: BackendChoice = 'auto', wasm: WasmBackendOptions = {}): Promise<Backend> {
  switch (choice) {
    case 'reference':
      current = new ReferenceBackend();
      return current;
    case 'auto':
      try {
        current = await wasmBackend(wasm);
      } catch {
        current = new ReferenceBackend();
      }
      return current;
    case 'wasm':
      current = await wasmBackend(wasm);
      return current;
    default:
      throw new RangeError(`selectBackend: unknown backend "${String(choice)}": expected auto, reference or wasm`);
  }
}
