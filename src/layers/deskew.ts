import type { Backend } from '../backend/backend.js';
import type { Layer, LayerSpec, Param } from './layer.js';
import { reuseTensor, type Tensor } from '../tensor.js';

/**
 * A first layer that straightens each input image (see data/deskew.ts; the backend's deskew
 * kernel does it to the last bit) before the weighted sums see it. Part of the network, so that
 * training, evaluation, the CLI's predict and the web app all feed the network the same kind of
 * image without remembering to. It has no parameters and passes no gradient back: nothing before
 * it learns.
 */
export class Deskew implements Layer {
  readonly type = 'deskew';
  readonly params: readonly Param[] = [];
  input: Tensor | undefined;
  output: Tensor | undefined;

  constructor(private readonly backend: Backend, readonly width: number, readonly height: number) {
    if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
      throw new RangeError(`Deskew: image size must be whole numbers ≥ 1, got ${width}×${height}`);
    }
  }

  forward(x: Tensor, _training: boolean): Tensor {
    const size = this.width * this.height;
    if (x.shape.length !== 2 || x.shape[1] !== size) {
      throw new RangeError(`${this}: expected input [batch, ${size}], got [${x.shape.join(', ')}]`);
    }
    this.input = x;
    const y = reuseTensor(this.backend, this.output, x.shape);
    this.backend.deskew(y, x, this.width, this.height);
    this.output = y;
    return y;
  }

  backward(_dy: Tensor, _needInputGradient: boolean): undefined {
    return undefined;
  }

  outputSize(inputSize: number): number {
    if (inputSize !== this.width * this.height) {
      throw new RangeError(`${this} takes ${this.width * this.height} inputs, not ${inputSize}`);
    }
    return inputSize;
  }

  spec(): LayerSpec {
    return { type: 'deskew', width: this.width, height: this.height };
  }

  toString(): string {
    return `Deskew(${this.width}×${this.height})`;
  }
}
