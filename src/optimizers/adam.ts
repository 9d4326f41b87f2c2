import type { AdamStepOptions, Backend } from '../backend/backend.js';
import type { Param } from '../layers/layer.js';
import { Tensor } from '../tensor.js';
import type { Optimizer, OptimizerState } from './optimizer.js';
import { checkPositive } from './sgd.js';
import { restoreSlots } from './slots.js';

export interface AdamOptions {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** L2 weight decay λ added to each weight's gradient (not decoupled, not on biases). */
  weightDecay?: number;
}

/** Adam (Kingma and Ba 2015): per-weight step sizes from running moments of the gradient. */
export class Adam implements Optimizer {
  readonly name = 'adam';
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  private moments: Tensor[][] = [];
  private steps = 0;
  private readonly stepOptions: AdamStepOptions;

  constructor(private readonly backend: Backend, options: AdamOptions = {}) {
    this.learningRate = checkPositive('learningRate', options.learningRate ?? 0.001);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    for (const [name, beta] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(beta >= 0 && beta < 1)) throw new RangeError(`Adam: ${name} must be in [0, 1), got ${beta}`);
    }
    checkPositive('epsilon', this.epsilon);
    if (!(this.weightDecay >= 0)) throw new RangeError(`Adam: weightDecay must be ≥ 0, got ${this.weightDecay}`);
    this.stepOptions = {
      learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon,
      weightDecay: 0, step: 0,
    };
  }

  step(params: readonly Param[]): void {
    if (this.moments.length !== params.length) {
      this.moments = params.map((p) => [
        new Tensor(p.value.shape, this.backend.alloc(p.value.size)),
        new Tensor(p.value.shape, this.backend.alloc(p.value.size)),
      ]);
    }
    this.steps++;
    // One options object, refilled per param, so that a step allocates nothing.
    const options = this.stepOptions;
    options.learningRate = this.learningRate;
    options.step = this.steps;
    for (let i = 0; i < params.length; i++) {
      const param = params[i];
      const [m, v] = this.moments[i];
      options.weightDecay = param.decay ? this.weightDecay : 0;
      this.backend.adamStep(param.value, param.grad, m, v, options);
    }
  }

  settings(): Record<string, number | boolean | string> {
    return {
      optimizer: this.name,
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      weightDecay: this.weightDecay,
    };
  }

  state(): OptimizerState {
    return { step: this.steps, slots: this.moments };
  }

  setState(state: OptimizerState): void {
    this.moments = restoreSlots(this.backend, state, 2, 'Adam');
    this.steps = state.step;
  }
}
