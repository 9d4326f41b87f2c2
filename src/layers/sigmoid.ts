import type { Tensor } from '../tensor.js';
import type { LayerSpec } from './layer.js';
import { Activation } from './activation.js';

/** σ(z) = 1 / (1 + e^(−z)): the video's squishification function. */
export class Sigmoid extends Activation {
  readonly type = 'sigmoid';

  protected squish(y: Tensor, x: Tensor): void {
    this.backend.sigmoid(y, x);
  }

  protected squishBackward(dx: Tensor, dy: Tensor): void {
    this.backend.sigmoidBackward(dx, dy, this.output!);
  }

  spec(): LayerSpec {
    return { type: 'sigmoid' };
  }

  toString(): string {
    return 'Sigmoid';
  }
}
