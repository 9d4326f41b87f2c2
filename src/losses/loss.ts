import type { Backend } from '../backend/backend.js';
import type { Tensor } from '../tensor.js';

export type LossName = 'mse' | 'cross-entropy';

/**
 * A cost: how wrong the network's outputs are for a batch, and the gradient that starts
 * backpropagation.
 */
export interface Loss {
  readonly name: LossName;
  /**
   * True when the loss takes the logits (the input of a final Softmax layer) rather than the
   * network's output, and so replaces that layer's forward and backward with its own fused,
   * numerically stable formula.
   */
  readonly fusedWithSoftmax: boolean;
  /**
   * Returns the batch mean loss and writes into `dy` the gradient with respect to `input`.
   * `input` is the network's output, or the logits when fusedWithSoftmax; `output` is where the
   * final probabilities go in the fused case (the Softmax layer's kept output), else `input`.
   */
  compute(backend: Backend, dy: Tensor, input: Tensor, output: Tensor, target: Tensor): number;
  toString(): string;
}
