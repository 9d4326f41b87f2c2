import type { Dense } from './layers/dense.js';
import type { Random } from './random.js';

/**
 * How a Dense layer's first weights and biases are drawn.
 * - glorot: U(±√(6 / (in + out))), biases 0 (Glorot and Bengio 2010); suits sigmoid and tanh.
 * - he: N(0, 2 / in), biases 0 (He et al. 2015); suits ReLU.
 * - nielsen: N(0, 1 / in) weights and N(0, 1) biases, Nielsen's improved initialisation (ch. 3).
 * - nielsen-large: N(0, 1) weights and biases, the book's first network (ch. 1).
 */
export type Initializer = 'glorot' | 'he' | 'nielsen' | 'nielsen-large';

export const initializerNames: readonly Initializer[] = ['glorot', 'he', 'nielsen', 'nielsen-large'];

/**
 * Draws `layer`'s weights and bias from `random`, in a fixed order (weights row by row, then the
 * bias), so that one seed gives the same network on every backend. This runs once per layer, at
 * construction, which is why it is plain code here rather than a backend kernel.
 */
export function initialize(layer: Dense, initializer: Initializer, random: Random): void {
  const weights = layer.weights.value.data;
  const bias = layer.bias.value.data;
  const fanIn = layer.inputs;
  const fanOut = layer.outputs;
  let drawWeight: () => number;
  let drawBias: () => number = () => 0;
  switch (initializer) {
    case 'glorot': {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      drawWeight = () => (2 * random.next() - 1) * limit;
      break;
    }
    case 'he': {
      const std = Math.sqrt(2 / fanIn);
      drawWeight = () => random.gaussian(0, std);
      break;
    }
    case 'nielsen': {
      const std = Math.sqrt(1 / fanIn);
      drawWeight = () => random.gaussian(0, std);
      drawBias = () => random.gaussian(0, 1);
      break;
    }
    case 'nielsen-large':
      drawWeight = () => random.gaussian(0, 1);
      drawBias = () => random.gaussian(0, 1);
      break;
    default:
      throw new RangeError(
        `unknown initializer "${String(initializer)}": expected one of ${initializerNames.join(', ')}`,
      );
  }
  for (let i = 0; i < weights.length; i++) weights[i] = drawWeight();
  for (let i = 0; i < bias.length; i++) bias[i] = drawBias();
}
