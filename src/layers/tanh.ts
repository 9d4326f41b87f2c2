import type { Tensor } from '../tensor.js';
import type { LayerSpec } from './layer.js';
import { Activation } from './activation.js';

/** tanh(z): a sigmoid stretched to (−1, 1) and centred on 0. */
export class Tanh extends Activation {
  readonly type = 'tanh';

  protected squish(y: Tensor, x: Tensor): void {
    this.backend.tanh(y, x);
  }

  protected squishBackward(dx: Tensor, dy: Tensor): void {
    this.backend.tanhBackward(dx, dy, this.output!);
  }

  spec(): LayerSpec {
    return { type: 'tanh' };
  }

  toString(): string {
    return 'Tanh';
  }
}
