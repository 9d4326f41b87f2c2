import type { Backend } from '../backend/backend.js';
import type { Layer, LayerSpec, LayerType, Param } from './layer.js';
import { reuseTensor, type Tensor } from '../tensor.js';

/**
 * What every squishification layer shares: no parameters, output the same shape as the input,
 * and buffers reused between batches. A subclass names its two kernels and nothing else.
 */
export abstract class Activation implements Layer {
  abstract readonly type: LayerType;
  readonly params: readonly Param[] = [];
  input: Tensor | undefined;
  output: Tensor | undefined;
  private dx: Tensor | undefined;

  constructor(protected readonly backend: Backend) {}

  /** y = f(x), through the backend's kernel. */
  protected abstract squish(y: Tensor, x: Tensor): void;
  /** dx = dy ⊙ f′, from what forward kept. */
  protected abstract squishBackward(dx: Tensor, dy: Tensor): void;

  forward(x: Tensor, _training: boolean): Tensor {
    const y = this.accept(x);
    this.squish(y, x);
    return y;
  }

  /**
   * Keeps x as forward does and returns the output tensor without computing it: a loss fused
   * with this layer (cross-entropy after Softmax or Sigmoid) computes it from x next.
   */
  accept(x: Tensor): Tensor {
    this.input = x;
    this.output = reuseTensor(this.backend, this.output, x.shape);
    return this.output;
  }

  backward(dy: Tensor, _needInputGradient: boolean): Tensor {
    if (this.input === undefined || this.output === undefined) {
      throw new Error(`${this}: backward called before forward`);
    }
    this.dx = reuseTensor(this.backend, this.dx, dy.shape);
    this.squishBackward(this.dx, dy);
    return this.dx;
  }

  outputSize(inputSize: number): number {
    return inputSize;
  }

  abstract spec(): LayerSpec;
  abstract toString(): string;
}
