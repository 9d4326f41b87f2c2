import type { Backend } from '../backend/backend.js';
import type { Layer } from '../layers/layer.js';
import type { Tensor } from '../tensor.js';

export type LossName = 'mse' | 'cross-entropy';

/**
 * A cost: how wrong the network's outputs are for a batch, and the gradient that starts
 * backpropagation.
 */
export interface Loss {
  readonly name: LossName;
  /**
   * Whether the loss, after this final layer, replaces the layer's forward and backward with one
   * fused, numerically stable formula. It then takes the layer's input z instead of its output.
   * A loss that needs fusing and gets false cannot follow that layer.
   */
  fusesWith(last: Layer): boolean;
  /**
   * Writes the batch mean loss into loss[0] and the gradient with respect to `input` into `dy`.
   * Fused, `input` is the final layer's z and the loss writes that layer's `output`; otherwise
   * `input` is the network's output and `output` is the same tensor. The loss goes into memory
   * rather than being returned for the reason the backend's loss kernels give (backend.ts).
   */
  compute(
    backend: Backend, loss: Float64Array, dy: Tensor, input: Tensor, output: Tensor, target: Tensor, last: Layer,
  ): void;
  toString(): string;
}
