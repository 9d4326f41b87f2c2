import type { Param } from '../layers/layer.js';
import type { Tensor } from '../tensor.js';

export type OptimizerName = 'sgd' | 'momentum' | 'adam';

/** Turns each parameter's grad into an update of its value. */
export interface Optimizer {
  readonly name: OptimizerName;
  /** The step size; a schedule may change it between epochs. */
  learningRate: number;
  /** Updates every param in place from its grad. Allocates its state on the first call only. */
  step(params: readonly Param[]): void;
  /** The settings, as recorded in model files ("how it was made"). */
  settings(): Record<string, number | boolean | string>;
  /**
   * Everything the optimizer carries between steps (velocities, moments, step count), so that a
   * checkpoint can resume exactly. Tensors come in the order of the params given to step().
   */
  state(): OptimizerState;
  setState(state: OptimizerState): void;
}

export interface OptimizerState {
  step: number;
  /** Per param, the optimizer's tensors for it (velocity; or m and v). */
  slots: Tensor[][];
}
