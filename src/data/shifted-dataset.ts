import type { Backend } from '../backend/backend.js';
import type { Random } from '../random.js';
import type { Tensor } from '../tensor.js';
import type { Dataset } from './dataset.js';

/**
 * Data augmentation by translation: every time an example is drawn, its image is moved by a
 * random whole number of pixels, up to `maxShift` in each direction, with zeros moving in. A
 * small network then cannot memorise where each training digit's pixels sit, only their shape.
 * The shifts draw from `random`, so a seed repeats them.
 */
export class ShiftedDataset implements Dataset {
  readonly length: number;
  readonly inputSize: number;
  readonly classes: number;
  private readonly row: Float32Array;

  constructor(
    private readonly base: Dataset,
    readonly width: number,
    readonly height: number,
    readonly maxShift: number,
    private readonly random: Random,
  ) {
    if (width * height !== base.inputSize) {
      throw new RangeError(`ShiftedDataset: ${width}×${height} images need ${width * height} inputs, the data has ${base.inputSize}`);
    }
    if (!Number.isInteger(maxShift) || maxShift < 0 || maxShift >= Math.min(width, height)) {
      throw new RangeError(`ShiftedDataset: maxShift must be a whole number from 0 to ${Math.min(width, height) - 1}, got ${maxShift}`);
    }
    this.length = base.length;
    this.inputSize = base.inputSize;
    this.classes = base.classes;
    this.row = new Float32Array(base.inputSize);
  }

  label(i: number): number {
    return this.base.label(i);
  }

  fillBatch(
    indices: Int32Array, start: number, x: Tensor, target: Tensor, labels: Int32Array, backend?: Backend,
  ): void {
    this.base.fillBatch(indices, start, x, target, labels, backend);
    const { width, height, maxShift } = this;
    const span = 2 * maxShift + 1;
    for (let i = 0; i < x.rows; i++) {
      const dx = this.random.int(span) - maxShift;
      const dy = this.random.int(span) - maxShift;
      if (dx === 0 && dy === 0) continue;
      const offset = i * this.inputSize;
      this.row.set(x.data.subarray(offset, offset + this.inputSize));
      for (let r = 0; r < height; r++) {
        const from = r - dy;
        for (let c = 0; c < width; c++) {
          const fromColumn = c - dx;
          const inside = from >= 0 && from < height && fromColumn >= 0 && fromColumn < width;
          x.data[offset + r * width + c] = inside ? this.row[from * width + fromColumn] : 0;
        }
      }
    }
  }
}
