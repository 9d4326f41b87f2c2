import { Network, Random, type Backend, type LayerSpec } from '../../src/index.js';

/** A network of `specs` with random weights, and random biases too so that they count. */
export function randomNetwork(specs: LayerSpec[], seed: number, backend?: Backend): Network {
  const network = new Network(specs, { seed, backend });
  const random = new Random(seed + 100);
  for (const dense of network.denseLayers()) {
    dense.bias.value.data.forEach((_, j, bias) => (bias[j] = random.gaussian(0, 0.5)));
  }
  return network;
}
