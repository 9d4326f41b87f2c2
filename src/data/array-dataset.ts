import type { Tensor } from '../tensor.js';
import type { Dataset } from './dataset.js';

/**
 * Small in-memory examples with arbitrary targets, such as XOR. Each label is the index of the
 * largest target, so accuracy means "the right output is the largest".
 */
export class ArrayDataset implements Dataset {
  readonly length: number;
  readonly inputSize: number;
  readonly classes: number;
  private readonly inputs: Float32Array;
  private readonly targets: Float32Array;

  constructor(inputs: readonly (readonly number[])[], targets: readonly (readonly number[])[]) {
    if (inputs.length === 0 || inputs.length !== targets.length) {
      throw new RangeError(`ArrayDataset: needs as many targets as inputs (≥ 1), got ${inputs.length} and ${targets.length}`);
    }
    this.length = inputs.length;
    this.inputSize = inputs[0].length;
    this.classes = targets[0].length;
    this.inputs = new Float32Array(this.length * this.inputSize);
    this.targets = new Float32Array(this.length * this.classes);
    for (let i = 0; i < this.length; i++) {
      if (inputs[i].length !== this.inputSize || targets[i].length !== this.classes) {
        throw new RangeError(`ArrayDataset: example ${i} has a different width from example 0`);
      }
      this.inputs.set(inputs[i], i * this.inputSize);
      this.targets.set(targets[i], i * this.classes);
    }
  }

  label(i: number): number {
    let best = 0;
    for (let j = 1; j < this.classes; j++) {
      if (this.targets[i * this.classes + j] > this.targets[i * this.classes + best]) best = j;
    }
    return best;
  }

  fillBatch(indices: Int32Array, start: number, x: Tensor, target: Tensor, labels: Int32Array): void {
    for (let i = 0; i < x.rows; i++) {
      const example = indices[start + i];
      x.data.set(this.inputs.subarray(example * this.inputSize, (example + 1) * this.inputSize), i * this.inputSize);
      target.data.set(this.targets.subarray(example * this.classes, (example + 1) * this.classes), i * this.classes);
      labels[i] = this.label(example);
    }
  }
}
