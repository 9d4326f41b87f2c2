import type { Backend } from './backend.js';
import { ReferenceBackend } from './reference.js';

export type BackendChoice = 'auto' | 'reference' | 'wasm';

let current: Backend = new ReferenceBackend();

/** The backend new networks use when none is given: the reference until selectBackend runs. */
export function defaultBackend(): Backend {
  return current;
}

/**
 * Picks the backend once, at start-up, and makes it the default for new networks.
 * 'auto' takes the fastest backend this runtime supports.
 */
export async function selectBackend(choice: BackendChoice = 'auto'): Promise<Backend> {
  switch (choice) {
    case 'reference':
    case 'auto':
      current = new ReferenceBackend();
      return current;
    case 'wasm':
      throw new Error('selectBackend: the WebAssembly backend is not built yet');
    default:
      throw new RangeError(`selectBackend: unknown backend "${String(choice)}": expected auto, reference or wasm`);
  }
}
