import type { Backend } from '../backend/backend.js';
import type { Tensor } from '../tensor.js';
import type { LayerSpec } from './layer.js';
import { Activation } from './activation.js';

/**
 * max(slope·z, z). ReLU is slope 0; LeakyReLU lets a little gradient through negative inputs so
 * that a neuron that has gone dark can still learn.
 */
export class LeakyReLU extends Activation {
  readonly type: 'relu' | 'leaky-relu';
  readonly slope: number;

  constructor(backend: Backend, slope = 0.01) {
    super(backend);
    if (!(Number.isFinite(slope) && slope >= 0 && slope < 1)) {
      throw new RangeError(`LeakyReLU: slope must be in [0, 1), got ${slope}`);
    }
    this.slope = slope;
    this.type = slope === 0 ? 'relu' : 'leaky-relu';
  }

  protected squish(y: Tensor, x: Tensor): void {
    this.backend.leakyRelu(y, x, this.slope);
  }

  protected squishBackward(dx: Tensor, dy: Tensor): void {
    this.backend.leakyReluBackward(dx, dy, this.input!, this.slope);
  }

  spec(): LayerSpec {
    return this.slope === 0 ? { type: 'relu' } : { type: 'leaky-relu', slope: this.slope };
  }

  toString(): string {
    return this.slope === 0 ? 'ReLU' : `LeakyReLU(${this.slope})`;
  }
}

/** max(0, z): the rectified linear unit. */
export class ReLU extends LeakyReLU {
  constructor(backend: Backend) {
    super(backend, 0);
  }
}
