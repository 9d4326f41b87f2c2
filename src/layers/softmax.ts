import type { Tensor } from '../tensor.js';
import type { LayerSpec } from './layer.js';
import { Activation } from './activation.js';

/**
 * Softmax over each example's outputs: positive numbers that sum to 1, read as probabilities.
 * Paired with the cross-entropy loss, the loss fuses the two and this layer's backward is
 * skipped (see Network.loss).
 */
export class Softmax extends Activation {
  readonly type = 'softmax';

  protected squish(y: Tensor, x: Tensor): void {
    this.backend.softmaxRows(y, x);
  }

  protected squishBackward(dx: Tensor, dy: Tensor): void {
    this.backend.softmaxRowsBackward(dx, dy, this.output!);
  }

  spec(): LayerSpec {
    return { type: 'softmax' };
  }

  toString(): string {
    return 'Softmax';
  }
}
