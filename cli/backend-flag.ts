import { selectBackend, type Backend, type BackendChoice } from '../src/index.js';
import { choiceFlag } from './args.js';

const choices: readonly BackendChoice[] = ['auto', 'reference', 'wasm'];

export const backendFlag = {
  help: `--backend NAME       ${choices.join(', ')} (default auto: the fastest this machine runs)`,
};

/** Picks the backend once, at start-up, from the --backend flag. */
export function chooseBackend(value: string | undefined): Promise<Backend> {
  return selectBackend(choiceFlag('backend', value, choices, 'auto'));
}
