import type { Backend } from '../backend/backend.js';
import type { Layer } from '../layers/layer.js';
import type { Tensor } from '../tensor.js';
import type { Loss } from './loss.js';

/** The quadratic cost of the video and Nielsen's book: ½·‖y − target‖², averaged over the batch. */
export class MeanSquaredError implements Loss {
  readonly name = 'mse';

  fusesWith(_last: Layer): boolean {
    return false;
  }

  compute(
    backend: Backend, loss: Float64Array, dy: Tensor, input: Tensor, _output: Tensor, target: Tensor, _last: Layer,
  ): void {
    backend.meanSquaredError(loss, dy, input, target);
  }

  toString(): string {
    return 'MeanSquaredError';
  }
}
