import type { Backend } from '../backend/backend.js';
import type { Layer, LayerSpec, Param } from './layer.js';
import type { Random } from '../random.js';
import { reuseTensor, type Tensor } from '../tensor.js';

/**
 * Inverted dropout: in training, each activation is zeroed with probability `rate` and the rest
 * are scaled by 1/(1 − rate), so that outside training the layer is the identity and needs no
 * rescaling. The mask draws from the network's seeded Random, so a seed repeats it.
 */
export class Dropout implements Layer {
  readonly type = 'dropout';
  readonly params: readonly Param[] = [];
  readonly rate: number;
  input: Tensor | undefined;
  output: Tensor | undefined;
  private mask: Tensor | undefined;
  private dx: Tensor | undefined;
  /** The masked output's own buffer, kept apart from `output`, which is the input when idle. */
  private masked: Tensor | undefined;
  private dropped = false;

  constructor(private readonly backend: Backend, rate: number, private readonly random: Random) {
    if (!(Number.isFinite(rate) && rate >= 0 && rate < 1)) {
      throw new RangeError(`Dropout: rate must be in [0, 1), got ${rate}`);
    }
    this.rate = rate;
  }

  forward(x: Tensor, training: boolean): Tensor {
    this.input = x;
    this.dropped = training && this.rate > 0;
    if (!this.dropped) {
      this.output = x;
      return x;
    }
    this.mask = reuseTensor(this.backend, this.mask, x.shape);
    this.backend.dropoutMask(this.mask, this.rate, this.random);
    this.masked = reuseTensor(this.backend, this.masked, x.shape);
    this.backend.multiply(this.masked, x, this.mask);
    this.output = this.masked;
    return this.masked;
  }

  backward(dy: Tensor, _needInputGradient: boolean): Tensor {
    if (!this.dropped) return dy;
    this.dx = reuseTensor(this.backend, this.dx, dy.shape);
    this.backend.multiply(this.dx, dy, this.mask!);
    return this.dx;
  }

  outputSize(inputSize: number): number {
    return inputSize;
  }

  spec(): LayerSpec {
    return { type: 'dropout', rate: this.rate };
  }

  toString(): string {
    return `Dropout(${this.rate})`;
  }
}
