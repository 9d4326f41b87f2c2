import type { Backend } from '../backend/backend.js';
import type { Optimizer, OptimizerName } from './optimizer.js';
import { Sgd } from './sgd.js';
import { Adam } from './adam.js';

export const optimizerNames: readonly OptimizerName[] = ['sgd', 'momentum', 'adam'];

export interface OptimizerOptions {
  learningRate: number;
  /** For momentum; default 0.9. */
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/** The optimizer for a name, as the CLI and model files spell it. */
export function createOptimizer(backend: Backend, name: OptimizerName, options: OptimizerOptions): Optimizer {
  switch (name) {
    case 'sgd':
      return new Sgd(backend, { ...options, momentum: 0, nesterov: false });
    case 'momentum':
      return new Sgd(backend, { ...options, momentum: options.momentum ?? 0.9 });
    case 'adam':
      return new Adam(backend, options);
    default:
      throw new RangeError(`unknown optimizer "${String(name)}": expected one of ${optimizerNames.join(', ')}`);
  }
}
