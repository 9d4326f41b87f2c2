// Moving a network's learnable numbers between the page and its workers.
import { Network, type Backend, type LayerSpec } from '../src/index.js';

/** A copy of every parameter's values, in the order of network.params(). */
export function copyWeights(network: Network): Float32Array[] {
  return network.params().map((param) => Float32Array.from(param.value.data));
}

/** Writes `weights` (as copyWeights gives them) into the network's parameters. */
export function setWeights(network: Network, weights: readonly Float32Array[]): void {
  const params = network.params();
  if (params.length !== weights.length) {
    throw new RangeError(`setWeights: the network has ${params.length} parameters, got ${weights.length}`);
  }
  params.forEach((param, i) => {
    if (param.value.size !== weights[i].length) {
      throw new RangeError(
        `setWeights: parameter ${i} holds ${param.value.size} numbers, got ${weights[i].length}`,
      );
    }
    param.value.data.set(weights[i]);
  });
}

/** A network of the given layers holding the given weights. */
export function networkWith(specs: LayerSpec[], weights: readonly Float32Array[], backend: Backend): Network {
  const network = new Network(specs, { backend });
  setWeights(network, weights);
  return network;
}

/** A network with the same layers and weights as `network`, that can be run without disturbing it. */
export function cloneNetwork(network: Network): Network {
  return networkWith(network.specs(), copyWeights(network), network.backend);
}
