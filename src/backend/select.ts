import type { Backend } from './backend.js';
import { ReferenceBackend } from './reference.js';
import { createWasmBackend, type WasmBackendOptions } from './wasm/wasm-backend.js';

export type BackendChoice = 'auto' | 'reference' | 'wasm';

let current: Backend = new ReferenceBackend();

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
        current = await createWasmBackend(wasm);
      } catch {
        current = new ReferenceBackend();
      }
      return current;
    case 'wasm':
      current = await createWasmBackend(wasm);
      return current;
    default:
      throw new RangeError(`selectBackend: unknown backend "${String(choice)}": expected auto, reference or wasm`);
  }
}
