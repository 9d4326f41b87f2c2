import type { Loss, LossName } from './loss.js';
import { MeanSquaredError } from './mean-squared-error.js';
import { CrossEntropy } from './cross-entropy.js';

export const lossNames: readonly LossName[] = ['mse', 'cross-entropy'];

/** The loss for a name, as the CLI and model files spell it. */
export function createLoss(name: LossName): Loss {
  switch (name) {
    case 'mse':
      return new MeanSquaredError();
    case 'cross-entropy':
      return new CrossEntropy();
    default:
      throw new RangeError(`unknown loss "${String(name)}": expected one of ${lossNames.join(', ')}`);
  }
}
