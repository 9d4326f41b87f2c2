import type { Backend } from '../backend/backend.js';
import type { Tensor } from '../tensor.js';
import type { Loss } from './loss.js';

/**
 * Softmax then cross-entropy, fused: the gradient with respect to the logits is simply
 * (probabilities − target) / batch, and the loss uses log-sum-exp so it never overflows.
 * The network must end in a Softmax layer; the fused kernel writes that layer's output.
 */
export class SoftmaxCrossEntropy implements Loss {
  readonly name = 'cross-entropy';
  readonly fusedWithSoftmax = true;

  compute(backend: Backend, dy: Tensor, logits: Tensor, probabilities: Tensor, target: Tensor): number {
    return backend.softmaxCrossEntropy(dy, probabilities, logits, target);
  }

  toString(): string {
    return 'SoftmaxCrossEntropy';
  }
}
