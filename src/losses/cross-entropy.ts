import type { Backend } from '../backend/backend.js';
import type { Layer } from '../layers/layer.js';
import type { Tensor } from '../tensor.js';
import type { Loss } from './loss.js';

/**
 * Cross-entropy, fused with the output layer's squishification so that it is numerically stable
 * and its gradient with respect to z is simply (activation − target) / batch:
 * - after Softmax, the categorical form −Σ t·ln a (the usual classifier);
 * - after Sigmoid, Nielsen's form −Σ [t·ln a + (1 − t)·ln(1 − a)] (chapter 3), which keeps sigmoid
 *   output neurons learning where the quadratic cost's gradient would vanish.
 */
export class CrossEntropy implements Loss {
  readonly name = 'cross-entropy';

  fusesWith(last: Layer): boolean {
    return last.type === 'softmax' || last.type === 'sigmoid';
  }

  compute(
    backend: Backend, loss: Float64Array, dz: Tensor, z: Tensor, activations: Tensor, target: Tensor, last: Layer,
  ): void {
    if (last.type === 'softmax') return backend.softmaxCrossEntropy(loss, dz, activations, z, target);
    if (last.type === 'sigmoid') return backend.sigmoidCrossEntropy(loss, dz, activations, z, target);
    throw new RangeError(`the cross-entropy loss needs a network that ends in Softmax or Sigmoid, not ${last}`);
  }

  toString(): string {
    return 'CrossEntropy';
  }
}
