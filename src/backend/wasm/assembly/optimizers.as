// The optimizer steps, in place on float32, four parameters at a time (see vector.as).
import { loadPartial, madd, storePartial } from './vector';

/**
 * Stochastic gradient descent with (optionally Nesterov) momentum, in float32, four parameters
 * at a time, in the reference's order of operations:
 *   g = grad + weightDecay·value;  velocity = momentum·velocity − learningRate·g
 *   value += velocity, or with Nesterov value += momentum·velocity − learningRate·g.
 * Each product and sum rounds to float32 where the reference's round once at the end from
 * float64, so results agree within float32 rounding of the terms. (In float64, two parameters at
 * a time, to the last bit, the step took 2.5 times as long: a sixth of the video network's whole
 * training step.)
 */
export function sgdStep(
  value: usize, grad: usize, velocity: usize, count: i32,
  learningRate: f64, momentum: f64, nesterov: bool, weightDecay: f64,
): void {
  const rate = f32x4.splat(<f32>learningRate);
  const mu = f32x4.splat(<f32>momentum);
  const decay = f32x4.splat(<f32>weightDecay);
  const whole = <usize>(count & ~3) << 2;
  // Nesterov or not, and weight decay or none (the usual case), are decided outside the loop.
  if (nesterov) {
    for (let at: usize = 0; at < whole; at += 16) sgdFour(value + at, grad + at, velocity + at, rate, mu, decay, true, true, 4);
  } else if (weightDecay != 0) {
    for (let at: usize = 0; at < whole; at += 16) sgdFour(value + at, grad + at, velocity + at, rate, mu, decay, false, true, 4);
  } else {
    for (let at: usize = 0; at < whole; at += 16) sgdFour(value + at, grad + at, velocity + at, rate, mu, decay, false, false, 4);
  }
  const left = count & 3;
  if (left > 0) sgdFour(value + whole, grad + whole, velocity + whole, rate, mu, decay, nesterov, true, left);
}

@inline function sgdFour(
  value: usize, grad: usize, velocity: usize, rate: v128, mu: v128, decay: v128, nesterov: bool, decays: bool,
  lanes: i32,
): void {
  const w = loadPartial(value, lanes);
  let g = loadPartial(grad, lanes);
  if (decays) g = f32x4.add(g, f32x4.mul(decay, w));
  const v = f32x4.sub(f32x4.mul(mu, loadPartial(velocity, lanes)), f32x4.mul(rate, g));
  storePartial(velocity, v, lanes);
  const change = nesterov ? f32x4.sub(f32x4.mul(mu, v), f32x4.mul(rate, g)) : v;
  storePartial(value, f32x4.add(w, change), lanes);
}

// Where |g| exceeds this, g² would overflow float32 while the reference's float64 holds it, so
// those four parameters take the float64 path instead, exactly as the reference computes them.
const HUGE_GRADIENT: f32 = 1e18;

/**
 * One Adam step with L2 weight decay in the gradient:
 *   g = grad + weightDecay·value;  m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²
 *   value −= learningRate·(m / correction1) / (√(v / correction2) + epsilon)
 * where correction1 = 1 − β1^step and correction2 = 1 − β2^step. The float32 path computes the
 * last line as rate·m / (√v·rootScale + epsilon), with rate = learningRate / correction1 and
 * rootScale = 1 / √correction2: one division and one square root per parameter.
 */
export function adamStep(
  value: usize, grad: usize, m: usize, v: usize, count: i32, learningRate: f64,
  beta1: f64, beta2: f64, epsilon: f64, weightDecay: f64, correction1: f64, correction2: f64,
): void {
  const rate = <f32>(learningRate / correction1);
  const rootScale = <f32>(1 / Math.sqrt(correction2));
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    if (!adamFour(value, grad, m, v, <usize>i << 2, 4, rate, rootScale, <f32>beta1, <f32>beta2, <f32>epsilon, <f32>weightDecay)) {
      adamFloat64(value, grad, m, v, <usize>i << 2, 4, learningRate, beta1, beta2, epsilon, weightDecay, correction1, correction2);
    }
  }
  const left = count - i;
  if (left > 0 && !adamFour(value, grad, m, v, <usize>i << 2, left, rate, rootScale, <f32>beta1, <f32>beta2, <f32>epsilon, <f32>weightDecay)) {
    adamFloat64(value, grad, m, v, <usize>i << 2, left, learningRate, beta1, beta2, epsilon, weightDecay, correction1, correction2);
  }
}

/** Four parameters in float32; false (and nothing written) when a gradient is too large for it. */
@inline function adamFour(
  value: usize, grad: usize, m: usize, v: usize, at: usize, lanes: i32,
  rate: f32, rootScale: f32, beta1: f32, beta2: f32, epsilon: f32, weightDecay: f32,
): bool {
  const w = loadPartial(value + at, lanes);
  const g = madd(f32x4.splat(weightDecay), w, loadPartial(grad + at, lanes));
  if (v128.any_true(f32x4.gt(f32x4.abs(g), f32x4.splat(HUGE_GRADIENT)))) return false;
  const mi = madd(f32x4.splat(beta1), loadPartial(m + at, lanes), f32x4.mul(f32x4.splat(1 - beta1), g));
  const vi = madd(f32x4.splat(beta2), loadPartial(v + at, lanes), f32x4.mul(f32x4.splat(1 - beta2), f32x4.mul(g, g)));
  storePartial(m + at, mi, lanes);
  storePartial(v + at, vi, lanes);
  const step = f32x4.div(f32x4.mul(f32x4.splat(rate), mi), madd(f32x4.sqrt(vi), f32x4.splat(rootScale), f32x4.splat(epsilon)));
  storePartial(value + at, f32x4.sub(w, step), lanes);
  return true;
}

/** The reference's Adam step, in float64, for `count` parameters from byte offset `at`. */
function adamFloat64(
  value: usize, grad: usize, m: usize, v: usize, at: usize, count: i32, learningRate: f64,
  beta1: f64, beta2: f64, epsilon: f64, weightDecay: f64, correction1: f64, correction2: f64,
): void {
  for (let i = 0; i < count; i++) {
    const o = at + (<usize>i << 2);
    const w = <f64>load<f32>(value + o);
    const g = <f64>load<f32>(grad + o) + weightDecay * w;
    const mi = beta1 * <f64>load<f32>(m + o) + (1 - beta1) * g;
    const vi = beta2 * <f64>load<f32>(v + o) + (1 - beta2) * g * g;
    store<f32>(m + o, <f32>mi);
    store<f32>(v + o, <f32>vi);
    store<f32>(value + o, <f32>(w - (learningRate * (mi / correction1)) / (Math.sqrt(vi / correction2) + epsilon)));
  }
}
