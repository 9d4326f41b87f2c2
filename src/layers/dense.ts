import type { Backend } from '../backend/backend.js';
import type { Layer, LayerSpec, Param } from './layer.js';
import { reuseTensor, Tensor } from '../tensor.js';

/**
 * A fully connected layer: z = x·Wᵀ + b, the weighted sums of the video.
 * weights: [outputs, inputs], so row j holds neuron j's incoming weights; bias: [outputs].
 */
export class Dense implements Layer {
  readonly type = 'dense';
  readonly inputs: number;
  readonly outputs: number;
  readonly weights: Param;
  readonly bias: Param;
  readonly params: readonly Param[];
  input: Tensor | undefined;
  output: Tensor | undefined;
  private dx: Tensor | undefined;
  private readonly backend: Backend;

  constructor(backend: Backend, inputs: number, outputs: number) {
    if (!Number.isInteger(inputs) || inputs < 1 || !Number.isInteger(outputs) || outputs < 1) {
      throw new RangeError(`Dense: sizes must be whole numbers ≥ 1, got ${inputs}→${outputs}`);
    }
    this.backend = backend;
    this.inputs = inputs;
    this.outputs = outputs;
    const param = (name: string, shape: number[], decay: boolean): Param => ({
      name,
      value: new Tensor(shape, backend.alloc(shape[0] * (shape[1] ?? 1))),
      grad: new Tensor(shape, backend.alloc(shape[0] * (shape[1] ?? 1))),
      decay,
    });
    this.weights = param('weights', [outputs, inputs], true);
    this.bias = param('bias', [outputs], false);
    this.params = [this.weights, this.bias];
  }

  forward(x: Tensor, _training: boolean): Tensor {
    if (x.shape.length !== 2 || x.shape[1] !== this.inputs) {
      throw new RangeError(`${this}: expected input [batch, ${this.inputs}], got [${x.shape.join(', ')}]`);
    }
    this.input = x;
    // The same batch size as last time (the usual case) reuses z without building a shape.
    const rows = x.shape[0];
    const z = this.output?.shape[0] === rows
      ? this.output
      : reuseTensor(this.backend, this.output, [rows, this.outputs]);
    this.backend.matmul(z, x, this.weights.value, false, true);
    this.backend.addRowVector(z, z, this.bias.value);
    this.output = z;
    return z;
  }

  backward(dy: Tensor, needInputGradient: boolean): Tensor | undefined {
    const x = this.input;
    if (x === undefined) throw new Error(`${this}: backward called before forward`);
    // dW = dyᵀ·x sums each example's outer product; db sums dy over the batch.
    this.backend.matmul(this.weights.grad, dy, x, true, false);
    this.backend.sumRows(this.bias.grad, dy);
    if (!needInputGradient) return undefined;
    this.dx = reuseTensor(this.backend, this.dx, x.shape);
    this.backend.matmul(this.dx, dy, this.weights.value, false, false);
    return this.dx;
  }

  outputSize(inputSize: number): number {
    if (inputSize !== this.inputs) {
      throw new RangeError(`${this} cannot follow a layer of ${inputSize} outputs`);
    }
    return this.outputs;
  }

  spec(): LayerSpec {
    return { type: 'dense', inputs: this.inputs, outputs: this.outputs };
  }

  toString(): string {
    return `Dense(${this.inputs}→${this.outputs})`;
  }
}
