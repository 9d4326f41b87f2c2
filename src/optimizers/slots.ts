import type { Backend } from '../backend/backend.js';
import { Tensor } from '../tensor.js';
import type { OptimizerState } from './optimizer.js';

/** Copies saved optimizer tensors into this backend's memory, checking how many each param has. */
export function restoreSlots(
  backend: Backend, state: OptimizerState, perParam: number, optimizer: string,
): Tensor[][] {
  if (!Number.isInteger(state.step) || state.step < 0) {
    throw new RangeError(`${optimizer}: state.step must be a whole number ≥ 0, got ${state.step}`);
  }
  return state.slots.map((slots, i) => {
    if (slots.length !== perParam) {
      throw new RangeError(`${optimizer}: state for param ${i} holds ${slots.length} tensors, expected ${perParam}`);
    }
    return slots.map((saved) => {
      const copy = new Tensor(saved.shape, backend.alloc(saved.size));
      copy.data.set(saved.data);
      return copy;
    });
  });
}
