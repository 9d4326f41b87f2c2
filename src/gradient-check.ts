import { ReferenceBackend } from './backend/reference.js';
import type { Loss } from './losses/loss.js';
import { MeanSquaredError } from './losses/mean-squared-error.js';
import { CrossEntropy } from './losses/cross-entropy.js';
import { Network } from './network.js';
import { Random } from './random.js';
import { Tensor } from './tensor.js';

export interface GradientCheckOptions {
  /** Default: cross-entropy when the network ends in Softmax or Sigmoid, else the quadratic cost. */
  loss?: Loss;
  /** The nudge for central differences, in float64. */
  epsilon?: number;
  /** Entries checked per parameter tensor, chosen at random (all of them when it has fewer). */
  samplesPerParam?: number;
  /** Seeds the choice of entries. */
  seed?: number;
}

export interface ParamCheck {
  /** Such as "layers[0].weights". */
  name: string;
  checked: number;
  /** Float64 backprop against central differences: a wrong derivative shows here. */
  maxRelativeError: number;
  /** The network's own backend (float32 as a rule) against central differences. */
  backendMaxRelativeError: number;
}

export interface GradientCheckResult {
  maxRelativeError: number;
  backendMaxRelativeError: number;
  params: ParamCheck[];
}

/**
 * Compares backpropagation with finite differences, (C(w + ε) − C(w − ε)) / 2ε, computed in
 * float64 on a copy of the network running on the reference backend. Dropout is off (training
 * false) so the cost is a fixed function of the weights. The relative error of each entry is
 * |analytic − numeric| / max(|analytic|, |numeric|, floor), where the floor is a thousandth of the
 * tensor's largest numeric gradient: around 1e-7 or less means the derivatives are right, and
 * float32 backends land near 1e-4.
 */
export function gradientCheck(
  network: Network, batch: { x: Tensor; target: Tensor }, options: GradientCheckOptions = {},
): GradientCheckResult {
  const crossEntropy = new CrossEntropy();
  const loss = options.loss ?? (crossEntropy.fusesWith(network.layers.at(-1)!) ? crossEntropy : new MeanSquaredError());
  const epsilon = options.epsilon ?? 1e-5;
  const samples = options.samplesPerParam ?? 40;
  const random = new Random(options.seed ?? 1);

  // The network's own gradients, on its own backend.
  network.forward(batch.x, false);
  network.loss(loss, batch.target);
  network.backward();
  const backendGrads = network.params().map((p) => Float64Array.from(p.grad.data));

  // A float64 twin with the same weights gives exact-enough analytic and numeric gradients.
  const twin = new Network(network.specs(), { backend: new ReferenceBackend({ precision: 'float64' }) });
  const twinParams = twin.params();
  network.params().forEach((p, i) => twinParams[i].value.data.set(p.value.data));
  const x = new Tensor(batch.x.shape, Float64Array.from(batch.x.data));
  const target = new Tensor(batch.target.shape, Float64Array.from(batch.target.data));
  const cost = (): number => {
    twin.forward(x, false);
    return twin.loss(loss, target);
  };
  cost();
  twin.backward();
  const twinGrads = twinParams.map((p) => Float64Array.from(p.grad.data));

  const names = network.layers.flatMap((layer, i) => layer.params.map((p) => `layers[${i}].${p.name}`));
  const params = twinParams.map((param, i): ParamCheck => {
    const values = param.value.data;
    const indices = values.length <= samples
      ? Array.from(values.keys())
      : Array.from({ length: samples }, () => random.int(values.length));
    const numeric = indices.map((k) => {
      const original = values[k];
      values[k] = original + epsilon;
      const plus = cost();
      values[k] = original - epsilon;
      const minus = cost();
      values[k] = original;
      return (plus - minus) / (2 * epsilon);
    });
    // Rounding in the differences is about 1e-10 whatever the gradient, so an entry a thousand
    // times smaller than the tensor's largest is measured against that floor instead of itself.
    const floor = Math.max(1e-8, 1e-3 * Math.max(0, ...numeric.map(Math.abs)));
    let worst = 0;
    let worstBackend = 0;
    indices.forEach((k, n) => {
      worst = Math.max(worst, relativeError(twinGrads[i][k], numeric[n], floor));
      worstBackend = Math.max(worstBackend, relativeError(backendGrads[i][k], numeric[n], floor));
    });
    return { name: names[i], checked: indices.length, maxRelativeError: worst, backendMaxRelativeError: worstBackend };
  });
  return {
    maxRelativeError: Math.max(0, ...params.map((p) => p.maxRelativeError)),
    backendMaxRelativeError: Math.max(0, ...params.map((p) => p.backendMaxRelativeError)),
    params,
  };
}

function relativeError(analytic: number, numeric: number, floor: number): number {
  if (Number.isNaN(analytic) || Number.isNaN(numeric)) return Infinity;
  return Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), floor);
}
