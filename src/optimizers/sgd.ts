import type { Backend, SgdStepOptions } from '../backend/backend.js';
import type { Param } from '../layers/layer.js';
import { Tensor } from '../tensor.js';
import type { Optimizer, OptimizerState } from './optimizer.js';
import { restoreSlots } from './slots.js';

export interface SgdOptions {
  learningRate: number;
  /** 0 gives plain SGD, as in Nielsen's book; 0.9 is the usual momentum. */
  momentum?: number;
  nesterov?: boolean;
  /** L2 weight decay λ: adds λ·w to each weight's gradient. Biases are not decayed. */
  weightDecay?: number;
}

/** Stochastic gradient descent, with optional (Nesterov) momentum and L2 weight decay. */
export class Sgd implements Optimizer {
  readonly name: 'sgd' | 'momentum';
  learningRate: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  private velocities: Tensor[] = [];
  private steps = 0;
  private readonly stepOptions: SgdStepOptions;

  constructor(private readonly backend: Backend, options: SgdOptions) {
    this.learningRate = checkPositive('learningRate', options.learningRate);
    this.momentum = options.momentum ?? 0;
    if (!(this.momentum >= 0 && this.momentum < 1)) {
      throw new RangeError(`Sgd: momentum must be in [0, 1), got ${this.momentum}`);
    }
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = options.weightDecay ?? 0;
    if (!(this.weightDecay >= 0)) throw new RangeError(`Sgd: weightDecay must be ≥ 0, got ${this.weightDecay}`);
    this.name = this.momentum > 0 ? 'momentum' : 'sgd';
    this.stepOptions = {
      learningRate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov, weightDecay: 0,
    };
  }

  step(params: readonly Param[]): void {
    if (this.velocities.length !== params.length) {
      this.velocities = params.map((p) => new Tensor(p.value.shape, this.backend.alloc(p.value.size)));
    }
    this.steps++;
    // One options object, refilled per param, so that a step allocates nothing.
    const options = this.stepOptions;
    options.learningRate = this.learningRate;
    for (let i = 0; i < params.length; i++) {
      const param = params[i];
      options.weightDecay = param.decay ? this.weightDecay : 0;
      this.backend.sgdStep(param.value, param.grad, this.velocities[i], options);
    }
  }

  settings(): Record<string, number | boolean | string> {
    return {
      optimizer: this.name,
      learningRate: this.learningRate,
      momentum: this.momentum,
      nesterov: this.nesterov,
      weightDecay: this.weightDecay,
    };
  }

  state(): OptimizerState {
    return { step: this.steps, slots: this.velocities.map((v) => [v]) };
  }

  setState(state: OptimizerState): void {
    this.velocities = restoreSlots(this.backend, state, 1, 'Sgd').map((slots) => slots[0]);
    this.steps = state.step;
  }
}

export function checkPositive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`${name} must be a finite number > 0, got ${value}`);
  }
  return value;
}
